/* SPDX-License-Identifier: MIT */
/*
 * The reconcile core's reading half: the kill switch in force (its
 * programs, maps and configuration) and, for every link of the namespace,
 * its role and what sits at its egress. up, watch, status and down all see
 * the namespace through it.
 */
#ifndef KSCTL_OBSERVE_H
#define KSCTL_OBSERVE_H

#include "instance.h"
#include "plan.h"

struct observed {
	struct instance inst;
	struct link_view *views;
	int count;
	/* The tunnels the roles were judged by; unknown: no link is a tunnel. */
	char tunnels[KS_TUNNELS_MAX][KS_IFNAMSIZ];
	bool tunnels_known;
	bool cgroup_attached; /* cgroup mode: ksctl's program is on the configured cgroup */
};

/*
 * Finds the kill switch under @root and reads every link. Roles are judged
 * by @tunnels (@count of them) when given (up), else by the tunnels of the
 * kill switch in force, else by the record `up` left in the run directory,
 * else no link is a tunnel. 0 or -errno (printed).
 */
int observe(struct observed *o, const char *root, const char (*tunnels)[KS_IFNAMSIZ], int count);
/* Reads the links again, after a change or an event: the instance stays. 0 or -errno (printed). */
int observe_links(struct observed *o);
void observed_free(struct observed *o);

/* The record of the tunnels' names that `up` leaves for `status` when the maps are out of reach. */
int record_tunnels(const struct ks_tunnel *tunnels, int count);
void record_remove(void);

#endif
