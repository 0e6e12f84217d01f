/* SPDX-License-Identifier: MIT */
/* cgroup_skb/egress on a cgroup v2 directory: for services on a host. */
#ifndef KSCTL_ATTACH_CGROUP_H
#define KSCTL_ATTACH_CGROUP_H

#include <linux/types.h>
#include <stdbool.h>

/* Opens @path, checking that it is a cgroup v2 directory. fd or -errno. */
int cgroup_open(const char *path);
/* Is @prog_id attached to the cgroup's egress? */
bool cgroup_has_prog(int cgroup_fd, __u32 prog_id);
/* Attaches @prog_fd, or atomically in place of @old_prog_fd (>= 0). 0 or -errno. */
int cgroup_attach(int cgroup_fd, int prog_fd, int old_prog_fd);
int cgroup_detach(int cgroup_fd, int prog_fd);

#endif
