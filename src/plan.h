/* SPDX-License-Identifier: MIT */
/*
 * The reconcile core's pure half: from what is in force on each link (as
 * observed) and what is wanted, the ordered steps that make it so. `up`,
 * `watch` and `down` apply a plan; `status` is "no protective step left".
 * No system calls here: every decision is unit-tested without root.
 */
#ifndef KSCTL_PLAN_H
#define KSCTL_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "attach_tc.h"
#include "ksctl_common.h"
#include "links.h"

enum link_role {
	ROLE_LOOPBACK, /* never filtered: nothing leaves through it */
	ROLE_TUNNEL,   /* a tunnel's traffic is the tunnel's own: never filtered */
	ROLE_FILTERED, /* every other link carries the kill switch */
};

/* What is in force on one link, as observed. */
struct link_view {
	struct link link;
	enum link_role role;
	bool visible;    /* its egress attachments could be read */
	enum tc_kind ours; /* how ksctl's program is attached: tcx, clsact, or not at all */
	__u32 ours_tcx;  /* the id of ksctl's tcx program there, 0: none */
	bool ours_twice; /* a tcx program and a clsact filter of ksctl's (an interrupted switch) */
	int programs;    /* every program at its egress, ksctl's or not */
	bool not_first;  /* another tcx program runs before ksctl's */
};

enum step_kind {
	STEP_ATTACH,       /* put ksctl's program at the link's egress, first in line */
	STEP_REPLACE,      /* swap ksctl's program for the new one, in place */
	STEP_DETACH,       /* remove ksctl's program (of kind tc) from the link */
	STEP_ATTACH_CGROUP,
	STEP_REPLACE_CGROUP,
	STEP_DETACH_CGROUP,
};

struct step {
	enum step_kind kind;
	unsigned int ifindex;
	char name[IFNAMSIZ];
	enum tc_kind tc;
	bool protective; /* without it, something that should be filtered is not */
};

struct plan {
	struct step *steps;
	int count;
};

/* What is wanted of the attachments. */
struct want {
	enum ks_mode mode;
	enum tc_kind preferred; /* for links that carry nothing yet */
	bool switch_kind;       /* --attach: links that carry the other kind switch to @preferred */
	bool new_programs;      /* up loaded new programs: swap them in everywhere */
	bool remove;            /* down: remove everything of ksctl's */
	bool cgroup_attached;   /* cgroup mode: ksctl's program is on the wanted cgroup */
	bool cgroup_moved;      /* cgroup mode: it is also on a cgroup no longer wanted */
};

/*
 * The one definition of a link's role. A tunnel is named and has no
 * Ethernet header (WireGuard, tun); when the tunnels' names are unknown
 * (@tunnels NULL), no link is a tunnel: a link whose role cannot be known is
 * filtered, so that it is covered or reported, never waved through.
 */
enum link_role link_role(const struct link *link, const char (*tunnels)[KS_IFNAMSIZ], int count);

/*
 * Is @v covered: by ksctl's program on it, or on the device of this
 * namespace it sends through (a macvlan on eth0)? Tunnels and loopback need
 * nothing.
 */
bool link_covered(const struct link_view *v, const struct link_view *views, int count);
/* The view that covers @v (itself, or the device it sends through, or a tunnel or loopback); NULL: none. */
const struct link_view *link_carrier(const struct link_view *v, const struct link_view *views, int count);

/*
 * The steps for @views and @want, in an order that never opens a link:
 * on a link that stays filtered, the new attachment comes before the old one
 * goes. 0, or -EACCES when a filtered link's attachments could not be read
 * (views[i].visible false): *blind names it.
 */
int plan_make(struct plan *out, const struct link_view *views, int count, const struct want *want,
	      const struct link_view **blind);
void plan_free(struct plan *p);
/* Steps that put missing protection in force: 0 means in force. */
int plan_protective(const struct plan *p);
/*
 * Checks the fail-closed invariant on @p: after every step, each link that
 * stays filtered still carries something of ksctl's, so nothing is detached
 * before its replacement is attached (tunnels, and down when @removing, are
 * exempt). false with the offending step in *step.
 */
bool plan_fails_closed(const struct plan *p, const struct link_view *views, int count, bool removing,
		       const struct step **step);
/* One line per step, for --dry-run. */
void plan_print(const struct plan *p, FILE *out);

#endif
