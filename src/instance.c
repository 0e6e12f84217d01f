// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach_cgroup.h"
#include "attach_tc.h"
#include "bpffs.h"
#include "commands.h"
#include "instance.h"
#include "links.h"
#include "log.h"
#include "policy.h"

const char *const ks_prog_names[KS_PROG_COUNT] = {
	[KS_PROG_ETH] = "ksctl_eth",
	[KS_PROG_L3] = "ksctl_l3",
	[KS_PROG_CGROUP] = "ksctl_cgroup",
};

const char *const ks_map_pin_names[KS_MAP_COUNT] = {
	[KS_MAP_COUNTERS] = "counters",
	[KS_MAP_ALLOW4] = "allow4",
	[KS_MAP_ALLOW6] = "allow6",
	[KS_MAP_TABLE4] = "table4",
	[KS_MAP_CONFIG] = "config",
	[KS_MAP_TUNNEL_ONLY4] = "tunnel_only4",
	[KS_MAP_TUNNEL_ONLY6] = "tunnel_only6",
	[KS_MAP_ENDPOINTS] = "endpoints",
	[KS_MAP_LAN_DNS] = "lan_dns",
	[KS_MAP_EVENTS] = "events",
	[KS_MAP_EVENT_COUNTS] = "event_counts",
	[KS_MAP_EVENT_BUCKET] = "event_bucket",
	[KS_MAP_PROBES] = "probes",
};

const char *const ks_prog_pin_names[KS_PROG_COUNT] = {
	[KS_PROG_ETH] = "prog_eth",
	[KS_PROG_L3] = "prog_l3",
	[KS_PROG_CGROUP] = "prog_cgroup",
};

/* The kernel's names for the maps: the BPF variable names, and libbpf's "<object>.bss". */
static const char *const map_kernel_names[KS_MAP_COUNT] = {
	[KS_MAP_COUNTERS] = "ks_counters",
	[KS_MAP_ALLOW4] = "ks_allow4",
	[KS_MAP_ALLOW6] = "ks_allow6",
	[KS_MAP_TABLE4] = "ks_table4",
	[KS_MAP_CONFIG] = ".bss",
	[KS_MAP_TUNNEL_ONLY4] = "ks_tunnel_only4",
	[KS_MAP_TUNNEL_ONLY6] = "ks_tunnel_only6",
	[KS_MAP_ENDPOINTS] = "ks_endpoints",
	[KS_MAP_LAN_DNS] = "ks_lan_dns",
	[KS_MAP_EVENTS] = "ks_events",
	[KS_MAP_EVENT_COUNTS] = "ks_event_counts",
	[KS_MAP_EVENT_BUCKET] = "ks_event_bucket",
	[KS_MAP_PROBES] = "ks_probes",
};

void instance_init(struct instance *inst)
{
	memset(inst, 0, sizeof(*inst));
	for (int i = 0; i < KS_MAP_COUNT; i++)
		inst->map_fd[i] = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_fds(struct instance *inst)
{
	for (int i = 0; i < inst->prog_count; i++)
		close_fd(&inst->progs[i].fd);
	inst->prog_count = 0;
	for (int i = 0; i < KS_MAP_COUNT; i++)
		close_fd(&inst->map_fd[i]);
}

void instance_close(struct instance *inst)
{
	if (inst->state)
		munmap(inst->state, sizeof(*inst->state));
	close_fds(inst);
	instance_init(inst);
}

static const struct instance_prog *prog_of(const struct instance *inst, __u32 prog_id)
{
	for (int i = 0; i < inst->prog_count; i++)
		if (prog_id && inst->progs[i].id == prog_id)
			return &inst->progs[i];
	return NULL;
}

bool instance_owns(const struct instance *inst, __u32 prog_id)
{
	return prog_of(inst, prog_id) != NULL;
}

int instance_prog_fd(const struct instance *inst, __u32 prog_id)
{
	const struct instance_prog *p = prog_of(inst, prog_id);

	return p ? p->fd : -1;
}

int instance_slot_fd(const struct instance *inst, enum ks_prog slot)
{
	int fd = -1;

	for (int i = 0; i < inst->prog_count; i++)
		if (inst->progs[i].slot == slot && (fd < 0 || inst->progs[i].staged))
			fd = inst->progs[i].fd;
	return fd;
}

static int add_prog(struct instance *inst, enum ks_prog slot, __u32 id, int fd, bool staged)
{
	if (inst->prog_count == INSTANCE_PROGS_MAX) {
		close(fd);
		return -E2BIG;
	}
	inst->progs[inst->prog_count++] = (struct instance_prog){ .slot = slot, .id = id, .fd = fd, .staged = staged };
	return 0;
}

int instance_adopt(struct instance *inst, enum ks_prog slot, __u32 id, int fd)
{
	return instance_owns(inst, id) ? (close(fd), 0) : add_prog(inst, slot, id, fd, false);
}

bool instance_owns_clsact(const struct instance *inst, const struct tc_attachment *att)
{
	return att->clsact_id && (instance_owns(inst, att->clsact_id) || inst->source == SOURCE_UNREACHABLE);
}

enum tc_kind instance_attachment(const struct instance *inst, const struct tc_attachment *att, int *prog_fd)
{
	*prog_fd = -1;
	for (__u32 i = 0; i < att->tcx_count; i++)
		if (instance_owns(inst, att->tcx_ids[i])) {
			*prog_fd = instance_prog_fd(inst, att->tcx_ids[i]);
			return TC_TCX;
		}
	return instance_owns_clsact(inst, att) ? TC_CLSACT : TC_NONE;
}

static int prog_slot(const char *name)
{
	for (int i = 0; i < KS_PROG_COUNT; i++)
		if (!strcmp(name, ks_prog_names[i]))
			return i;
	return -1;
}

static int map_slot(const char *name)
{
	size_t len = strlen(name), suffix = strlen(map_kernel_names[KS_MAP_CONFIG]);

	for (int i = 0; i < KS_MAP_COUNT; i++)
		if (!strcmp(name, map_kernel_names[i]))
			return i;
	if (len > suffix && !strcmp(name + len - suffix, map_kernel_names[KS_MAP_CONFIG]))
		return KS_MAP_CONFIG;
	return -1;
}

static bool maps_complete(const struct instance *inst)
{
	for (int i = 0; i < KS_MAP_COUNT; i++)
		if (inst->map_fd[i] < 0)
			return false;
	return true;
}

static int map_state(struct instance *inst)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	void *state;
	int ret;

	ret = bpf_obj_get_info_by_fd(inst->map_fd[KS_MAP_CONFIG], &info, &len);
	if (ret < 0)
		return ret;
	if (info.value_size != sizeof(*inst->state)) {
		pr_err("the kill switch in force was set up by another ksctl version (state size %u, expected %zu): "
		       "run that version's 'ksctl down', then 'ksctl up'",
		       info.value_size, sizeof(*inst->state));
		return -EPROTO;
	}
	state = mmap(NULL, sizeof(*inst->state), PROT_READ | PROT_WRITE, MAP_SHARED, inst->map_fd[KS_MAP_CONFIG], 0);
	if (state == MAP_FAILED)
		return -errno;
	inst->state = state;
	inst->config = inst->state->config;
	return 0;
}

int prog_id_of(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? (int)info.id : -1;
}

/* The pin @name (+ @suffix) of the pin directory: fd, -1 when absent, or -errno. */
static int open_pin(const struct instance *inst, const char *name, const char *suffix)
{
	char path[PATH_MAX + 64];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s%s", inst->pin_dir, name, suffix);
	fd = bpf_obj_get(path);
	if (fd >= 0 || errno == ENOENT)
		return fd >= 0 ? fd : -1;
	err = errno; /* before printing changes it */
	pr_err("cannot open pin %s: %s%s", path, strerror(err),
	       err == EPERM || err == EACCES ? ": run as root, or with CAP_BPF" : "");
	return -err;
}

/* Does a staged program of @inst run anywhere? Then its maps are the ones in force. */
static bool staged_in_force(const struct instance *inst)
{
	struct link *links = NULL;
	bool found = false;
	int count = links_list(&links);

	for (int i = 0; i < count && !found; i++) {
		struct tc_attachment att;
		const struct instance_prog *p;

		if (tc_query(links[i].ifindex, &att) < 0)
			continue;
		for (__u32 j = 0; j < att.tcx_count; j++)
			found |= (p = prog_of(inst, att.tcx_ids[j])) && p->staged;
		found |= (p = prog_of(inst, att.clsact_id)) && p->staged;
	}
	free(links);
	for (int i = 0; i < inst->prog_count && !found; i++)
		if (inst->progs[i].staged && inst->progs[i].slot == KS_PROG_CGROUP) {
			int cgroup = cgroup_open(inst->config.cgroup_path);

			found = cgroup >= 0 && cgroup_has_prog(cgroup, inst->progs[i].id);
			if (cgroup >= 0)
				close(cgroup);
		}
	return found;
}

static int open_pins(struct instance *inst)
{
	int found = 0, staged_table;

	for (int i = 0; i < KS_MAP_COUNT; i++) {
		inst->map_fd[i] = open_pin(inst, ks_map_pin_names[i], "");
		if (inst->map_fd[i] < -1)
			return inst->map_fd[i];
		found += inst->map_fd[i] >= 0;
	}
	for (int i = 0; i < KS_PROG_COUNT * 2; i++) {
		bool staged = i >= KS_PROG_COUNT;
		int fd = open_pin(inst, ks_prog_pin_names[i % KS_PROG_COUNT], staged ? KS_STAGED_SUFFIX : "");

		if (fd < -1)
			return fd;
		if (fd >= 0 && add_prog(inst, i % KS_PROG_COUNT, (__u32)prog_id_of(fd), fd, staged) < 0)
			return -E2BIG;
	}
	if (found && !maps_complete(inst)) {
		/* Another ksctl version's layout: look for it through the kernel instead. */
		pr_warn("the pins in %s lack maps this ksctl needs (another version?): ignoring them", inst->pin_dir);
		close_fds(inst);
		return 0;
	}
	if (!found)
		return 0;
	inst->source = SOURCE_PINS;
	/* An `up` that stopped before renaming its pins: the staged table goes with the staged programs. */
	staged_table = open_pin(inst, ks_map_pin_names[KS_MAP_TABLE4], KS_STAGED_SUFFIX);
	if (staged_table < -1)
		return staged_table;
	if (staged_table >= 0 && map_state(inst) == 0 && staged_in_force(inst)) {
		close(inst->map_fd[KS_MAP_TABLE4]);
		inst->map_fd[KS_MAP_TABLE4] = staged_table;
	} else if (staged_table >= 0) {
		close(staged_table);
	}
	return 0;
}

static int adopt_maps_of(struct instance *inst, int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 ids[2 * KS_MAP_COUNT], len = sizeof(info);
	int ret;

	info.nr_map_ids = 2 * KS_MAP_COUNT;
	info.map_ids = (__u64)(unsigned long)ids;
	ret = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	if (ret < 0)
		return ret;
	for (__u32 i = 0; i < info.nr_map_ids && i < 2 * KS_MAP_COUNT; i++) {
		struct bpf_map_info map_info = { 0 };
		__u32 map_len = sizeof(map_info);
		int fd = bpf_map_get_fd_by_id(ids[i]), slot;

		if (fd < 0)
			return -errno;
		slot = bpf_obj_get_info_by_fd(fd, &map_info, &map_len) == 0 ? map_slot(map_info.name) : -1;
		if (slot >= 0 && inst->map_fd[slot] < 0)
			inst->map_fd[slot] = fd;
		else
			close(fd);
	}
	return 0;
}

/*
 * Opens one attached program by id and keeps it if it is one of ours. A
 * program that cannot be opened sets *unreachable when given: that is only
 * asked for ksctl's own clsact handle, the one place that names its owner.
 */
static int adopt_prog(struct instance *inst, __u32 id, bool *unreachable)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd, slot, ret;

	if (!id || instance_owns(inst, id))
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0) {
		if (unreachable && (errno == EPERM || errno == EACCES))
			*unreachable = true;
		return 0;
	}
	slot = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? prog_slot(info.name) : -1;
	if (slot < 0) {
		close(fd);
		return 0;
	}
	ret = add_prog(inst, slot, id, fd, false);
	if (ret == 0 && !maps_complete(inst))
		ret = adopt_maps_of(inst, fd);
	return ret;
}

static int open_from_kernel(struct instance *inst)
{
	struct link *links = NULL;
	bool unreachable = false;
	int count, ret = 0;

	count = links_list(&links);
	if (count < 0)
		return count;
	for (int i = 0; i < count && ret == 0; i++) {
		struct tc_attachment att;

		if (links[i].loopback)
			continue;
		ret = tc_query(links[i].ifindex, &att);
		for (__u32 j = 0; j < att.tcx_count && ret == 0; j++)
			ret = adopt_prog(inst, att.tcx_ids[j], NULL);
		if (ret == 0)
			ret = adopt_prog(inst, att.clsact_id, &unreachable);
	}
	free(links);
	if (ret < 0)
		return ret;
	if (maps_complete(inst))
		inst->source = SOURCE_KERNEL;
	else if (unreachable)
		inst->source = SOURCE_UNREACHABLE;
	return 0;
}

int instance_find(struct instance *inst, const char *root)
{
	const char *why;
	int ret;

	instance_init(inst);
	if (bpffs_prepare(root, false, &why) == 0) {
		ret = pin_dir_path(inst->pin_dir, root);
		if (ret < 0)
			return ret;
		ret = open_pins(inst);
		if (ret < 0)
			return ret;
	}
	if (inst->source == SOURCE_NONE) {
		ret = open_from_kernel(inst);
		if (ret < 0) {
			pr_err("cannot list this namespace's tc attachments: %s%s", strerror(-ret),
			       ret == -EPERM ? ": run as root, or with CAP_BPF and CAP_NET_ADMIN" : "");
			return ret;
		}
	}
	if ((inst->source == SOURCE_PINS || inst->source == SOURCE_KERNEL) && !inst->state)
		return map_state(inst);
	return 0;
}

void instance_maps(const struct instance *inst, struct ks_maps *out)
{
	memcpy(out->fd, inst->map_fd, sizeof(out->fd));
	out->state = inst->state;
}

void instance_explain_unreachable(void)
{
	pr_err("a kill switch is in force here, but its state is out of reach: no pins are visible and "
	       "opening programs by id needs CAP_SYS_ADMIN; mount the bpffs it was set up with "
	       "(compose: the ksctl-bpf volume at /sys/fs/bpf) or run as root on the host");
}

int instance_open(struct instance *inst, const char *pin_dir_option)
{
	if (instance_find(inst, pin_root(pin_dir_option)) < 0)
		return EXIT_RUNTIME;
	switch (inst->source) {
	case SOURCE_NONE:
		pr_err("no kill switch is in force in this network namespace: run 'ksctl up'%s",
		       pin_dir_option ? "" : " (or give the --pin-dir it was set up with)");
		return EXIT_RUNTIME;
	case SOURCE_UNREACHABLE:
		instance_explain_unreachable();
		return EXIT_RUNTIME;
	default:
		return EXIT_OK;
	}
}
