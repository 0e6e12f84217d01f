/* SPDX-License-Identifier: MIT */
/*
 * The drop events of the ring buffer, in words: when, why, where, what and
 * who (the socket's cgroup, and its container). One view of an event feeds
 * the line for people and the JSON line for scripts.
 */
#ifndef KSCTL_EVENTS_H
#define KSCTL_EVENTS_H

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>

#include "cgroup_names.h"
#include "ksctl_common.h"

/* What the views need beyond an event: the names of cgroups, and the clock. */
struct event_context {
	struct cgroup_names cgroups;
	struct container_roots roots;
	int64_t boot_to_unix_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
};

struct event_view {
	char time[40];            /* 2026-12-03T18:40:01.123456Z */
	const char *verdict, *reason;
	char interface[IF_NAMESIZE]; /* "if12" when it is gone */
	char protocol[16];        /* udp, tcp, icmp, icmpv6, arp, or the number */
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN]; /* "" when not known */
	const char *cgroup;       /* NULL: no socket, or not visible from here */
	bool in_container;
	struct container container;
};

/* Reads the cgroup2 mount and the clocks; @roots names where containers' names are read. */
void event_context_init(struct event_context *ctx, const struct container_roots *roots);
void event_context_free(struct event_context *ctx);
void event_view_make(struct event_view *v, const struct ks_event *e, struct event_context *ctx);
/* One line: time, verdict and reason, interface, protocol, addresses and ports, mark, cgroup, container. */
void event_print_line(FILE *out, const struct event_view *v, const struct ks_event *e);
/* The same as one JSON object on a line. */
void event_print_json(FILE *out, const struct event_view *v, const struct ks_event *e);

#endif
