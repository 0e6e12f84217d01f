// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "defaults.h"

const unsigned int ks_default_event_rate = 100;

const char *const ks_docker_containers_dir = "/var/lib/docker/containers";
const char *const ks_kubelet_logs_dir = "/var/log/containers";

const char *const ks_default_allow[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fe80::/10" };
const size_t ks_default_allow_count = sizeof(ks_default_allow) / sizeof(*ks_default_allow);

const char *const ks_default_config_paths[] = { "/etc/wireguard/%s.conf", "/config/wg_confs/%s.conf" };
const size_t ks_default_config_path_count = sizeof(ks_default_config_paths) / sizeof(*ks_default_config_paths);

void ks_default_allow_text(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ks_default_allow_count && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "", ks_default_allow[i]);
}

void ks_default_configs_text(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ks_default_config_path_count && used < size; i++) {
		char path[128];

		snprintf(path, sizeof(path), ks_default_config_paths[i], "IFNAME");
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " or " : "", path);
	}
	if (used < size)
		snprintf(buf + used, size - used, " for each tunnel, where present");
}

void ks_default_event_rate_text(char *buf, size_t size)
{
	snprintf(buf, size, "%u", ks_default_event_rate);
}
