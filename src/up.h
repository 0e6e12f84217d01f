/* SPDX-License-Identifier: MIT */
/*
 * `ksctl up` as one transaction: everything is checked and sized before the
 * first write; the new programs are loaded on the maps in force, the policy
 * written in place, the plan applied, the pins committed. A failure puts the
 * policy in force back, and never takes an attachment away.
 */
#ifndef KSCTL_UP_H
#define KSCTL_UP_H

#include "attach_tc.h"
#include "policy.h"

struct up_how {
	enum tc_kind attach; /* --attach; TC_NONE: choose */
	const char *pin_dir; /* --pin-dir, or NULL */
	bool dry_run;        /* print the plan, change nothing */
	bool watch;          /* then keep it on every link (ksctl watch), with the programs this run loaded */
};

/* The exit code of `ksctl up` for @policy. */
int up_run(const struct policy *policy, const struct up_how *how);

#endif
