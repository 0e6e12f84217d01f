/* SPDX-License-Identifier: MIT */
/* Every default, in one place: the CLI's help prints them from here. */
#ifndef KSCTL_DEFAULTS_H
#define KSCTL_DEFAULTS_H

#include <stddef.h>

#define KS_DEFAULT_TUNNEL "wg0"
/* wg-quick's: the number of the routing table it takes, 51820, unless taken or FwMark is set. */
#define KS_DEFAULT_FWMARK 0xca6c
/* How often watch looks even without an event (a tcx detach sends none), in milliseconds. */
#define KS_DEFAULT_WATCH_INTERVAL_MS 1000

/* Drop events per second at most (`up --event-rate`), in bursts of as many. */
extern const unsigned int ks_default_event_rate;
#define KS_EVENT_RATE_MAX 1000000

/* Where Docker and the kubelet keep what names a container (`ksctl events`). */
extern const char *const ks_docker_containers_dir;
extern const char *const ks_kubelet_logs_dir;

/* The private ranges and IPv6 link-local: the LAN, the container networks, neighbour discovery. */
extern const char *const ks_default_allow[];
extern const size_t ks_default_allow_count;

/* Where wg-quick and linuxserver/wireguard keep a tunnel's configuration, "%s" its name. */
extern const char *const ks_default_config_paths[];
extern const size_t ks_default_config_path_count;

/* The same in words, for help and the man page. */
void ks_default_allow_text(char *buf, size_t size);
void ks_default_configs_text(char *buf, size_t size);
void ks_default_event_rate_text(char *buf, size_t size);

#endif
