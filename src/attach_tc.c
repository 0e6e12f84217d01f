// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach_tc.h"

/* Not in libbpf 1.1's or linux 6.1's headers; stable kernel ABI since 6.6. */
#define KS_BPF_TCX_EGRESS 47
#define KS_BPF_F_BEFORE (1U << 3)

const char *tc_kind_name(enum tc_kind kind)
{
	return kind == TC_TCX ? "tcx" : kind == TC_CLSACT ? "clsact" : "none";
}

static struct bpf_tc_hook egress_hook(unsigned int ifindex)
{
	struct bpf_tc_hook hook;

	memset(&hook, 0, sizeof(hook));
	hook.sz = sizeof(hook);
	hook.ifindex = (int)ifindex;
	hook.attach_point = BPF_TC_EGRESS;
	return hook;
}

int tc_query(unsigned int ifindex, struct tc_attachment *out)
{
	struct bpf_tc_hook hook = egress_hook(ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KS_TC_HANDLE, .priority = KS_TC_PRIORITY);
	int ret;

	memset(out, 0, sizeof(*out));
	out->tcx_count = KS_TCX_MAX;
	ret = bpf_prog_query((int)ifindex, KS_BPF_TCX_EGRESS, 0, NULL, out->tcx_ids, &out->tcx_count);
	if (ret < 0) {
		out->tcx_count = 0;
		/* No tcx in this kernel is not an error; anything else is. */
		if (ret != -EINVAL && ret != -EOPNOTSUPP)
			return ret;
	}
	if (bpf_tc_query(&hook, &opts) == 0)
		out->clsact_id = opts.prog_id;
	return 0;
}

static int tcx_attach(unsigned int ifindex, int prog_fd, int old_prog_fd)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, opts);
	int ret;

	if (old_prog_fd >= 0) {
		opts.flags = BPF_F_REPLACE;
		opts.replace_prog_fd = old_prog_fd;
		return bpf_prog_attach_opts(prog_fd, (int)ifindex, KS_BPF_TCX_EGRESS, &opts);
	}
	/* First in line, so that no earlier program can redirect around the verdict. */
	opts.flags = KS_BPF_F_BEFORE;
	ret = bpf_prog_attach_opts(prog_fd, (int)ifindex, KS_BPF_TCX_EGRESS, &opts);
	return ret == -EINVAL ? -EOPNOTSUPP : ret;
}

static int clsact_attach(unsigned int ifindex, int prog_fd)
{
	struct bpf_tc_hook hook = egress_hook(ifindex);
	/* Replace whatever sits at ksctl's handle: netlink swaps it atomically, no old fd needed. */
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KS_TC_HANDLE, .priority = KS_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int ret;

	ret = bpf_tc_hook_create(&hook);
	if (ret < 0 && ret != -EEXIST)
		return ret;
	return bpf_tc_attach(&hook, &opts);
}

int tc_attach(unsigned int ifindex, enum tc_kind kind, int prog_fd, int old_prog_fd)
{
	return kind == TC_TCX ? tcx_attach(ifindex, prog_fd, old_prog_fd) :
				clsact_attach(ifindex, prog_fd);
}

int tc_detach(unsigned int ifindex, enum tc_kind kind, int prog_fd)
{
	struct bpf_tc_hook hook = egress_hook(ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KS_TC_HANDLE, .priority = KS_TC_PRIORITY);

	if (kind == TC_TCX)
		return bpf_prog_detach2(prog_fd, (int)ifindex, KS_BPF_TCX_EGRESS);
	return bpf_tc_detach(&hook, &opts);
}
