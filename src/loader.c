// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "loader.h"
#include "log.h"

static struct bpf_map *loader_map(struct killswitch *skel, enum ks_map which)
{
	struct bpf_map *maps[KS_MAP_COUNT] = {
		[KS_MAP_COUNTERS] = skel->maps.ks_counters,
		[KS_MAP_ALLOW4] = skel->maps.ks_allow4,
		[KS_MAP_ALLOW6] = skel->maps.ks_allow6,
		[KS_MAP_TABLE4] = skel->maps.ks_table4,
		[KS_MAP_CONFIG] = skel->maps.bss,
		[KS_MAP_TUNNEL_ONLY4] = skel->maps.ks_tunnel_only4,
		[KS_MAP_TUNNEL_ONLY6] = skel->maps.ks_tunnel_only6,
		[KS_MAP_ENDPOINTS] = skel->maps.ks_endpoints,
		[KS_MAP_LAN_DNS] = skel->maps.ks_lan_dns,
		[KS_MAP_EVENTS] = skel->maps.ks_events,
		[KS_MAP_EVENT_COUNTS] = skel->maps.ks_event_counts,
		[KS_MAP_EVENT_BUCKET] = skel->maps.ks_event_bucket,
		[KS_MAP_PROBES] = skel->maps.ks_probes,
	};
	return maps[which];
}

void loader_maps(struct killswitch *skel, struct ks_maps *out)
{
	for (int i = 0; i < KS_MAP_COUNT; i++)
		out->fd[i] = bpf_map__fd(loader_map(skel, i));
	out->state = &skel->bss->ks_state;
}

struct bpf_program *loader_prog(struct killswitch *skel, enum ks_prog which)
{
	struct bpf_program *progs[KS_PROG_COUNT] = {
		[KS_PROG_ETH] = skel->progs.ksctl_eth,
		[KS_PROG_L3] = skel->progs.ksctl_l3,
		[KS_PROG_CGROUP] = skel->progs.ksctl_cgroup,
	};
	return progs[which];
}

/* Every map is kept across 'up' but the IPv4 table, which is sized for the new list. */
static bool reused(enum ks_map which)
{
	return which != KS_MAP_TABLE4;
}

int loader_load(struct killswitch **out, const struct instance *old, __u32 table4_blocks, enum ks_mode mode)
{
	struct killswitch *skel;
	int ret;

	skel = killswitch__open();
	if (!skel)
		return -errno;
	/* The verifier's time is most of a load: only the mode's programs. */
	for (int i = 0; i < KS_PROG_COUNT; i++)
		bpf_program__set_autoload(loader_prog(skel, i), (i == KS_PROG_CGROUP) == (mode == KS_MODE_CGROUP));
	ret = bpf_map__set_max_entries(skel->maps.ks_table4, table4_blocks);
	if (old->source == SOURCE_PINS || old->source == SOURCE_KERNEL)
		for (int i = 0; i < KS_MAP_COUNT && ret == 0; i++)
			if (reused(i))
				ret = bpf_map__reuse_fd(loader_map(skel, i), old->map_fd[i]);
	if (ret == 0)
		ret = killswitch__load(skel);
	if (ret < 0) {
		killswitch__destroy(skel);
		return ret;
	}
	*out = skel;
	return 0;
}

static void pin_path(char *out, size_t size, const char *pin_dir, const char *name, const char *suffix)
{
	snprintf(out, size, "%s/%s%s", pin_dir, name, suffix);
}

/* Does the pin at @path hold the same object as @fd? */
static bool pinned_is(const char *path, int fd)
{
	struct bpf_map_info a = { 0 }, b = { 0 };
	__u32 len = sizeof(a);
	int pinned = bpf_obj_get(path);
	bool same;

	if (pinned < 0)
		return false;
	same = bpf_obj_get_info_by_fd(pinned, &a, &len) == 0 && (len = sizeof(b)) &&
	       bpf_obj_get_info_by_fd(fd, &b, &len) == 0 && a.id == b.id;
	close(pinned);
	return same;
}

/*
 * Pins @fd as @name: in place when nothing is pinned there yet, else as
 * NAME_new, so that the object in force stays pinned until the new one is.
 */
static int pin_one(const char *pin_dir, const char *name, int fd)
{
	char path[PATH_MAX + 32], staged[PATH_MAX + 32];

	pin_path(path, sizeof(path), pin_dir, name, "");
	pin_path(staged, sizeof(staged), pin_dir, name, KS_STAGED_SUFFIX);
	if (pinned_is(path, fd))
		return 0;
	if (unlink(staged) < 0 && errno != ENOENT)
		return -errno;
	return bpf_obj_pin(fd, access(path, F_OK) == 0 ? staged : path);
}

int loader_pin_staged(struct killswitch *skel, const char *pin_dir)
{
	int ret = 0;

	if (mkdir(pin_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	for (int i = 0; i < KS_MAP_COUNT && ret == 0; i++)
		ret = pin_one(pin_dir, ks_map_pin_names[i], bpf_map__fd(loader_map(skel, i)));
	for (int i = 0; i < KS_PROG_COUNT && ret == 0; i++) {
		int fd = bpf_program__fd(loader_prog(skel, i));

		if (fd >= 0) /* only this mode's programs are loaded */
			ret = pin_one(pin_dir, ks_prog_pin_names[i], fd);
	}
	return ret;
}

/* Renames NAME_new over NAME, or removes NAME when @keep is false. */
static int commit_one(const char *pin_dir, const char *name, bool keep)
{
	char path[PATH_MAX + 32], staged[PATH_MAX + 32];

	pin_path(path, sizeof(path), pin_dir, name, "");
	pin_path(staged, sizeof(staged), pin_dir, name, KS_STAGED_SUFFIX);
	if (keep && rename(staged, path) < 0 && errno != ENOENT)
		return -errno;
	if (!keep && (unlink(path) < 0 || unlink(staged) < 0) && errno != ENOENT)
		return -errno;
	return 0;
}

int loader_pin_commit(struct killswitch *skel, const char *pin_dir)
{
	int ret = commit_one(pin_dir, ks_map_pin_names[KS_MAP_TABLE4], true);

	for (int i = 0; i < KS_PROG_COUNT && ret == 0; i++)
		ret = commit_one(pin_dir, ks_prog_pin_names[i], bpf_program__fd(loader_prog(skel, i)) >= 0);
	return ret;
}

void loader_unpin(const char *pin_dir)
{
	for (int i = 0; i < KS_MAP_COUNT; i++)
		commit_one(pin_dir, ks_map_pin_names[i], false);
	for (int i = 0; i < KS_PROG_COUNT; i++)
		commit_one(pin_dir, ks_prog_pin_names[i], false);
	rmdir(pin_dir);
}
