// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach_cgroup.h"
#include "lock.h"
#include "log.h"
#include "observe.h"

#define RECORD_SUFFIX ".tunnels"

int record_tunnels(const struct ks_tunnel *tunnels, int count)
{
	char path[PATH_MAX], staged[PATH_MAX + 8];
	FILE *f;
	int ret = run_path(path, sizeof(path), RECORD_SUFFIX);

	if (ret < 0)
		return ret;
	snprintf(staged, sizeof(staged), "%s.new", path);
	f = fopen(staged, "we");
	if (!f)
		return -errno;
	for (int i = 0; i < count; i++)
		fprintf(f, "%s\n", tunnels[i].name);
	if (fclose(f) != 0 || rename(staged, path) < 0) {
		ret = -errno;
		unlink(staged);
	}
	return ret;
}

void record_remove(void)
{
	char path[PATH_MAX];

	if (run_path(path, sizeof(path), RECORD_SUFFIX) == 0)
		unlink(path);
}

/* The tunnels `up` recorded: false when there is no record. */
static bool read_record(struct observed *o)
{
	char path[PATH_MAX], line[64];
	int n = 0;
	FILE *f;

	if (run_path(path, sizeof(path), RECORD_SUFFIX) < 0 || !(f = fopen(path, "re")))
		return false;
	while (n < KS_TUNNELS_MAX && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* A name too long for an interface is not one: it can match nothing. */
		if (strlen(line) < KS_IFNAMSIZ)
			memcpy(o->tunnels[n++], line, strlen(line) + 1);
	}
	fclose(f);
	return true;
}

static void judge_by(struct observed *o, const char (*tunnels)[KS_IFNAMSIZ], int count)
{
	memset(o->tunnels, 0, sizeof(o->tunnels));
	o->tunnels_known = true;
	if (tunnels) {
		for (int i = 0; i < count && i < KS_TUNNELS_MAX; i++)
			memcpy(o->tunnels[i], tunnels[i], KS_IFNAMSIZ);
	} else if (o->inst.source == SOURCE_PINS || o->inst.source == SOURCE_KERNEL) {
		for (int i = 0; i < KS_TUNNELS_MAX; i++)
			memcpy(o->tunnels[i], o->inst.config.tunnel[i].name, KS_IFNAMSIZ);
	} else {
		o->tunnels_known = read_record(o);
	}
}

/* A tcx program that no pin knows but that calls itself ksctl's: an interrupted run's orphan. */
static void adopt_orphans(struct instance *inst, const struct tc_attachment *att)
{
	for (__u32 i = 0; i < att->tcx_count; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		if (instance_owns(inst, att->tcx_ids[i]))
			continue;
		/* Opening by id needs CAP_SYS_ADMIN: without it an orphan stays another program. */
		fd = bpf_prog_get_fd_by_id(att->tcx_ids[i]);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && !strcmp(info.name, ks_prog_names[KS_PROG_ETH]))
			instance_adopt(inst, KS_PROG_ETH, att->tcx_ids[i], fd);
		else if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && !strcmp(info.name, ks_prog_names[KS_PROG_L3]))
			instance_adopt(inst, KS_PROG_L3, att->tcx_ids[i], fd);
		else
			close(fd);
	}
}

static void view_link(struct observed *o, struct link_view *v)
{
	struct tc_attachment att;
	int prog_fd;

	v->role = link_role(&v->link, o->tunnels_known ? o->tunnels : NULL, KS_TUNNELS_MAX);
	if (v->role == ROLE_LOOPBACK) {
		v->visible = true;
		return;
	}
	v->visible = tc_query(v->link.ifindex, &att) == 0;
	if (!v->visible)
		return;
	if (o->inst.source == SOURCE_PINS)
		adopt_orphans(&o->inst, &att);
	v->programs = (int)att.tcx_count + (att.clsact_id != 0);
	v->ours = instance_attachment(&o->inst, &att, &prog_fd);
	v->ours_twice = v->ours == TC_TCX && instance_owns_clsact(&o->inst, &att);
	for (__u32 i = 0; i < att.tcx_count && !v->ours_tcx; i++)
		if (instance_owns(&o->inst, att.tcx_ids[i]))
			v->ours_tcx = att.tcx_ids[i];
	/* tcx runs its chain in order: a program before ours sees, and may redirect, packets first. */
	v->not_first = att.tcx_count && !instance_owns(&o->inst, att.tcx_ids[0]);
}

int observe_links(struct observed *o)
{
	struct link *links = NULL;
	int count = links_list(&links);

	free(o->views);
	o->views = NULL;
	o->count = 0;
	if (count < 0) {
		pr_err("cannot list this namespace's network interfaces: %s", strerror(-count));
		return count;
	}
	o->views = calloc(count ? (size_t)count : 1, sizeof(*o->views));
	if (!o->views) {
		free(links);
		return -ENOMEM;
	}
	for (int i = 0; i < count; i++) {
		o->views[i].link = links[i];
		view_link(o, &o->views[i]);
	}
	o->count = count;
	free(links);
	if (o->inst.config.mode == KS_MODE_CGROUP && o->inst.config.cgroup_path[0]) {
		int cgroup = cgroup_open(o->inst.config.cgroup_path);

		o->cgroup_attached = false;
		for (int i = 0; i < o->inst.prog_count && cgroup >= 0; i++)
			o->cgroup_attached |= o->inst.progs[i].slot == KS_PROG_CGROUP &&
					      cgroup_has_prog(cgroup, o->inst.progs[i].id);
		if (cgroup >= 0)
			close(cgroup);
	}
	return 0;
}

int observe(struct observed *o, const char *root, const char (*tunnels)[KS_IFNAMSIZ], int count)
{
	int ret;

	memset(o, 0, sizeof(*o));
	ret = instance_find(&o->inst, root);
	if (ret < 0)
		return ret;
	judge_by(o, tunnels, count);
	return observe_links(o);
}

void observed_free(struct observed *o)
{
	instance_close(&o->inst);
	free(o->views);
	o->views = NULL;
	o->count = 0;
}
