/* SPDX-License-Identifier: MIT */
/*
 * tc egress attachments, held by the kernel without any pin or open fd:
 * tcx (6.6+, the cheaper path) through the plain attach call, else a clsact
 * filter at ksctl's own handle. Both outlive the loader and its mount namespace.
 */
#ifndef KSCTL_ATTACH_TC_H
#define KSCTL_ATTACH_TC_H

#include <linux/types.h>

enum tc_kind { TC_NONE, TC_TCX, TC_CLSACT };

#define KS_TC_HANDLE 0x6b73 /* "ks" */
#define KS_TC_PRIORITY 1
#define KS_TCX_MAX 16

struct tc_attachment {
	__u32 tcx_ids[KS_TCX_MAX]; /* every program at tcx egress, ours or not */
	__u32 tcx_count;
	__u32 clsact_id;           /* the program at ksctl's clsact handle, 0 if none */
};

const char *tc_kind_name(enum tc_kind kind);
int tc_query(unsigned int ifindex, struct tc_attachment *out);

/*
 * Attaches @prog_fd as the first egress program of @ifindex, or atomically in
 * place of the program already there: for tcx @old_prog_fd (>= 0), for clsact
 * whatever sits at ksctl's handle. -EOPNOTSUPP when the kernel has no tcx.
 */
int tc_attach(unsigned int ifindex, enum tc_kind kind, int prog_fd, int old_prog_fd);
int tc_detach(unsigned int ifindex, enum tc_kind kind, int prog_fd);

#endif
