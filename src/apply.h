/* SPDX-License-Identifier: MIT */
/* The reconcile core's writing half: runs a plan's steps, in order, against the kernel. */
#ifndef KSCTL_APPLY_H
#define KSCTL_APPLY_H

#include "instance.h"
#include "observe.h"
#include "plan.h"

/* What the steps attach: up's new programs, or (watch) the ones in force. */
struct programs {
	int fd[KS_PROG_COUNT];
	bool kind_forced; /* --attach tcx: no clsact fallback on a kernel without tcx */
};

/* The programs of the instance in force, for attaching to links that lack them. */
void programs_in_force(const struct instance *inst, struct programs *out);

/*
 * Runs @p's steps with @progs. A link whose new attachment fails keeps what
 * it had: its later detach steps are skipped, so it never ends up with less.
 * Every failure is printed (naming the link); returns how many failed, or
 * -errno when nothing could be tried.
 */
int apply(const struct plan *p, const struct observed *o, const struct programs *progs, const char *cgroup_path);

#endif
