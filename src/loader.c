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

static void pin_path(char *out, size_t size, const char *pin_dir, const char *name)
{
	snprintf(out, size, "%s/%s", pin_dir, name);
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

int loader_pin(struct killswitch *skel, const char *pin_dir)
{
	char path[PATH_MAX + 32];
	int ret;

	if (mkdir(pin_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	for (int i = 0; i < KS_MAP_COUNT; i++) {
		pin_path(path, sizeof(path), pin_dir, ks_map_pin_names[i]);
		if (pinned_is(path, bpf_map__fd(loader_map(skel, i))))
			continue;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		ret = bpf_obj_pin(bpf_map__fd(loader_map(skel, i)), path);
		if (ret < 0)
			return ret;
	}
	/* The attachments hold the programs: a moment without a program pin opens nothing. */
	for (int i = 0; i < KS_PROG_COUNT; i++) {
		int fd = bpf_program__fd(loader_prog(skel, i));

		pin_path(path, sizeof(path), pin_dir, ks_prog_pin_names[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		if (fd < 0)
			continue; /* not this mode's */
		ret = bpf_obj_pin(fd, path);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void loader_unpin(const char *pin_dir)
{
	char path[PATH_MAX + 32];

	for (int i = 0; i < KS_MAP_COUNT; i++) {
		pin_path(path, sizeof(path), pin_dir, ks_map_pin_names[i]);
		unlink(path);
	}
	for (int i = 0; i < KS_PROG_COUNT; i++) {
		pin_path(path, sizeof(path), pin_dir, ks_prog_pin_names[i]);
		unlink(path);
	}
	rmdir(pin_dir);
}
