// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach_cgroup.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int cgroup_open(const char *path)
{
	struct statfs st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &st) < 0 || st.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return -ENOTDIR;
	}
	return fd;
}

bool cgroup_has_prog(int cgroup_fd, __u32 prog_id)
{
	__u32 ids[64], count = 64;

	if (bpf_prog_query(cgroup_fd, BPF_CGROUP_INET_EGRESS, 0, NULL, ids, &count) < 0)
		return false;
	for (__u32 i = 0; i < count; i++)
		if (ids[i] == prog_id)
			return true;
	return false;
}

/* ALLOW_MULTI: other programs on the cgroup (systemd's, a firewall's) keep running. */
int cgroup_attach(int cgroup_fd, int prog_fd, int old_prog_fd)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, opts, .flags = BPF_F_ALLOW_MULTI);

	if (old_prog_fd >= 0) {
		opts.flags |= BPF_F_REPLACE;
		opts.replace_prog_fd = old_prog_fd;
	}
	return bpf_prog_attach_opts(prog_fd, cgroup_fd, BPF_CGROUP_INET_EGRESS, &opts);
}

int cgroup_detach(int cgroup_fd, int prog_fd)
{
	return bpf_prog_detach2(prog_fd, cgroup_fd, BPF_CGROUP_INET_EGRESS);
}
