// SPDX-License-Identifier: MIT
#include "defaults.h"

const char *const ks_default_allow[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fe80::/10" };
const size_t ks_default_allow_count = sizeof(ks_default_allow) / sizeof(*ks_default_allow);

const char *const ks_default_config_paths[] = { "/etc/wireguard/%s.conf", "/config/wg_confs/%s.conf" };
const size_t ks_default_config_path_count = sizeof(ks_default_config_paths) / sizeof(*ks_default_config_paths);
