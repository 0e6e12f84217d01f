// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "attach_cgroup.h"
#include "log.h"

void programs_in_force(const struct instance *inst, struct programs *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < KS_PROG_COUNT; i++)
		out->fd[i] = instance_slot_fd(inst, i);
}

static const struct link_view *view_of(const struct observed *o, unsigned int ifindex)
{
	for (int i = 0; i < o->count; i++)
		if (o->views[i].link.ifindex == ifindex)
			return &o->views[i];
	return NULL;
}

static int attach_link(const struct step *s, const struct link_view *v, const struct observed *o,
		       const struct programs *progs)
{
	int prog = progs->fd[v->link.ethernet ? KS_PROG_ETH : KS_PROG_L3], ret;
	/* tcx replaces by the old program's fd; clsact replaces whatever sits at ksctl's handle. */
	int old = s->kind == STEP_REPLACE && s->tc == TC_TCX ? instance_prog_fd(&o->inst, v->ours_tcx) : -1;

	if (prog < 0)
		return -ENOENT;
	ret = tc_attach(s->ifindex, s->tc, prog, old);
	if (ret == -EOPNOTSUPP && s->tc == TC_TCX && s->kind == STEP_ATTACH && !progs->kind_forced) {
		pr_debug("%s: no tcx in this kernel: a clsact filter instead", s->name);
		ret = tc_attach(s->ifindex, TC_CLSACT, prog, -1);
	}
	return ret;
}

static int detach_link(const struct step *s, const struct link_view *v, const struct observed *o)
{
	int fd = s->tc == TC_TCX ? instance_prog_fd(&o->inst, v->ours_tcx) : -1;

	if (s->tc == TC_TCX && fd < 0)
		return -ENOENT;
	return tc_detach(s->ifindex, s->tc, fd);
}

static int cgroup_step(const struct step *s, const struct observed *o, const struct programs *progs,
		       const char *cgroup_path)
{
	/* Detach is from the cgroup in force; attach and replace are to the wanted one. */
	const char *path = s->kind == STEP_DETACH_CGROUP ? o->inst.config.cgroup_path : cgroup_path;
	int cgroup = cgroup_open(path), old = -1, ret = 0;

	if (cgroup < 0)
		return s->kind == STEP_DETACH_CGROUP && cgroup == -ENOENT ? 0 : cgroup; /* gone, and its attachment */
	for (int i = 0; i < o->inst.prog_count && old < 0; i++)
		if (o->inst.progs[i].slot == KS_PROG_CGROUP && cgroup_has_prog(cgroup, o->inst.progs[i].id))
			old = o->inst.progs[i].fd;
	if (s->kind == STEP_DETACH_CGROUP)
		ret = old >= 0 ? cgroup_detach(cgroup, old) : 0;
	else
		ret = cgroup_attach(cgroup, progs->fd[KS_PROG_CGROUP], s->kind == STEP_REPLACE_CGROUP ? old : -1);
	close(cgroup);
	return ret;
}

static const char *const done[] = {
	[STEP_ATTACH] = "attached",	    [STEP_REPLACE] = "replaced",	[STEP_DETACH] = "detached",
	[STEP_ATTACH_CGROUP] = "attached", [STEP_REPLACE_CGROUP] = "replaced", [STEP_DETACH_CGROUP] = "detached",
};

static const char *const actions[] = {
	[STEP_ATTACH] = "attach",	  [STEP_REPLACE] = "replace", [STEP_DETACH] = "detach",
	[STEP_ATTACH_CGROUP] = "attach", [STEP_REPLACE_CGROUP] = "replace", [STEP_DETACH_CGROUP] = "detach",
};

/* Did an attach step on @ifindex before step @i fail? Then the detach that follows would open the link. */
static bool attach_failed(const struct plan *p, const bool *failed, int i, unsigned int ifindex)
{
	for (int j = 0; j < i; j++)
		if (failed[j] && p->steps[j].kind == STEP_ATTACH && p->steps[j].ifindex == ifindex)
			return true;
	return false;
}

static void explain(const struct step *s, const struct observed *o, const char *cgroup_path, int err)
{
	if (s->kind >= STEP_ATTACH_CGROUP)
		pr_err("cannot %s the kill switch on cgroup %s: %s", actions[s->kind],
		       s->kind == STEP_DETACH_CGROUP ? o->inst.config.cgroup_path : cgroup_path, strerror(-err));
	else if (s->kind == STEP_ATTACH)
		pr_err("%s: cannot attach the kill switch (%s): %s: egress there is NOT protected; check CAP_NET_ADMIN "
		       "and 'ksctl status'",
		       s->name, tc_kind_name(s->tc), strerror(-err));
	else
		pr_err("%s: cannot %s the kill switch (%s): %s%s", s->name, actions[s->kind], tc_kind_name(s->tc),
		       strerror(-err), s->kind == STEP_REPLACE ? ": the previous program stays in force" : "");
}

int apply(const struct plan *p, const struct observed *o, const struct programs *progs, const char *cgroup_path)
{
	bool *failed = calloc(p->count ? (size_t)p->count : 1, sizeof(*failed));
	int count = 0;

	if (!failed)
		return -ENOMEM;
	for (int i = 0; i < p->count; i++) {
		const struct step *s = &p->steps[i];
		const struct link_view *v = view_of(o, s->ifindex);
		int ret;

		if (s->kind == STEP_DETACH && attach_failed(p, failed, i, s->ifindex))
			continue;
		if (s->kind >= STEP_ATTACH_CGROUP)
			ret = cgroup_step(s, o, progs, cgroup_path);
		else if (!v)
			ret = -ENODEV;
		else if (s->kind == STEP_DETACH)
			ret = detach_link(s, v, o);
		else
			ret = attach_link(s, v, o, progs);
		if (ret == 0)
			pr_debug("%s: %s %s", s->kind >= STEP_ATTACH_CGROUP ? "cgroup" : s->name,
				 s->kind >= STEP_ATTACH_CGROUP ? "program" : tc_kind_name(s->tc), done[s->kind]);
		/* A link deleted since it was read needs no verdict any more. */
		if (ret == 0 || (ret == -ENODEV && s->kind < STEP_ATTACH_CGROUP))
			continue;
		failed[i] = true;
		count++;
		explain(s, o, cgroup_path, ret);
	}
	free(failed);
	return count;
}
