/* SPDX-License-Identifier: MIT */
/*
 * The kill switch in force in this network namespace: its programs, maps and
 * configuration, found from its pins or, when they are not visible from here
 * (`ip netns exec`, a container without bpffs), from the kernel's attachments.
 *
 * `up` pins new programs (and the new IPv4 table) under NAME_new first and
 * renames them into place once they are attached: whatever moment a crash
 * hits, every program that can be attached is pinned, and found here.
 */
#ifndef KSCTL_INSTANCE_H
#define KSCTL_INSTANCE_H

#include <limits.h>
#include <stdbool.h>

#include "attach_tc.h"
#include "ksctl_common.h"

enum ks_prog { KS_PROG_ETH, KS_PROG_L3, KS_PROG_CGROUP, KS_PROG_COUNT };
enum ks_map {
	KS_MAP_COUNTERS,
	KS_MAP_ALLOW4,
	KS_MAP_ALLOW6,
	KS_MAP_TABLE4,
	KS_MAP_CONFIG,
	KS_MAP_TUNNEL_ONLY4,
	KS_MAP_TUNNEL_ONLY6,
	KS_MAP_ENDPOINTS,
	KS_MAP_LAN_DNS,
	KS_MAP_EVENTS,
	KS_MAP_EVENT_COUNTS,
	KS_MAP_EVENT_BUCKET,
	KS_MAP_PROBES,
	KS_MAP_COUNT
};

enum instance_source {
	SOURCE_NONE,        /* no kill switch here */
	SOURCE_PINS,        /* opened from the pin directory */
	SOURCE_KERNEL,      /* opened by id from the attachments */
	SOURCE_UNREACHABLE, /* ksctl's clsact filters are attached, but neither pins nor ids open */
};

/* A program of the instance: the one in place, or a staged one (NAME_new). */
struct instance_prog {
	enum ks_prog slot;
	__u32 id;
	int fd;
	bool staged;
};

#define INSTANCE_PROGS_MAX (2 * KS_PROG_COUNT + KS_TCX_MAX)

struct instance {
	enum instance_source source;
	struct instance_prog progs[INSTANCE_PROGS_MAX];
	int prog_count;
	int map_fd[KS_MAP_COUNT];
	struct ks_config config;  /* a copy, for reading */
	struct ks_state *state;   /* the live state, mapped: writes take effect at once */
	char pin_dir[PATH_MAX];   /* "" when no bpffs is visible at the pin root */
};

extern const char *const ks_prog_names[KS_PROG_COUNT];
extern const char *const ks_map_pin_names[KS_MAP_COUNT];
extern const char *const ks_prog_pin_names[KS_PROG_COUNT];
/* The suffix of a staged pin. */
#define KS_STAGED_SUFFIX "_new" /* bpffs refuses names with a dot */

void instance_init(struct instance *inst);
/* 0 (inst->source says what was found) or -errno with a message printed. */
int instance_find(struct instance *inst, const char *root);
void instance_close(struct instance *inst);
bool instance_owns(const struct instance *inst, __u32 prog_id);
/* The fd of @inst's program @prog_id, or -1 when it is not one of ours. */
int instance_prog_fd(const struct instance *inst, __u32 prog_id);
/* The fd of the program to attach for @slot: a staged one first (the newest). -1 when none. */
int instance_slot_fd(const struct instance *inst, enum ks_prog slot);
/* Adds a program that ksctl recognised in the kernel by its name (a crash's orphan). */
int instance_adopt(struct instance *inst, enum ks_prog slot, __u32 id, int fd);
/* Is the filter at ksctl's clsact handle ours? (When the instance is out of reach, the handle says so.) */
bool instance_owns_clsact(const struct instance *inst, const struct tc_attachment *att);
/* How @inst protects the hook that @att describes: tcx (*prog_fd: that program), clsact, or not at all. */
enum tc_kind instance_attachment(const struct instance *inst, const struct tc_attachment *att, int *prog_fd);
/*
 * For the commands that read or change the kill switch: finds it, or says
 * that there is none, or why it is out of reach. EXIT_OK or an exit code.
 */
int instance_open(struct instance *inst, const char *pin_dir_option);
struct ks_maps;
/* The instance's maps, for policy_read and policy_write (the instance must be open). */
void instance_maps(const struct instance *inst, struct ks_maps *out);
/* Says why an unreachable instance cannot be changed or read, and what to do. */
void instance_explain_unreachable(void);
/* The kernel's id of the program (or map) behind @fd, or -1. */
int prog_id_of(int fd);

#endif
