// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

enum link_role link_role(const struct link *link, const char (*tunnels)[KS_IFNAMSIZ], int count)
{
	if (link->loopback)
		return ROLE_LOOPBACK;
	/* An Ethernet device named as a tunnel is a typo that would open it. */
	for (int i = 0; tunnels && !link->ethernet && i < count; i++)
		if (tunnels[i][0] && !strncmp(tunnels[i], link->name, KS_IFNAMSIZ))
			return ROLE_TUNNEL;
	return ROLE_FILTERED;
}

static const struct link_view *view_of(const struct link_view *views, int count, unsigned int ifindex)
{
	for (int i = 0; i < count; i++)
		if (views[i].link.ifindex == ifindex)
			return &views[i];
	return NULL;
}

const struct link_view *link_carrier(const struct link_view *v, const struct link_view *views, int count)
{
	/* Upper devices stack a few deep at most (a VLAN on a macvlan); a loop covers nothing. */
	for (int depth = 0; v && depth < 8; depth++) {
		if (v->role != ROLE_FILTERED || v->ours != TC_NONE)
			return v;
		v = v->link.lower ? view_of(views, count, v->link.lower) : NULL;
	}
	return NULL;
}

bool link_covered(const struct link_view *v, const struct link_view *views, int count)
{
	return link_carrier(v, views, count) != NULL;
}

static int add(struct plan *p, enum step_kind kind, const struct link_view *v, enum tc_kind tc, bool protective)
{
	struct step *grown = reallocarray(p->steps, (size_t)p->count + 1, sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	p->steps = grown;
	grown[p->count] = (struct step){ .kind = kind, .tc = tc, .protective = protective };
	if (v) {
		grown[p->count].ifindex = v->link.ifindex;
		memcpy(grown[p->count].name, v->link.name, IFNAMSIZ);
	}
	p->count++;
	return 0;
}

static enum tc_kind other_kind(enum tc_kind kind)
{
	return kind == TC_TCX ? TC_CLSACT : TC_TCX;
}

/* The steps for one filtered link that carries ksctl's program already. */
static int plan_carrying(struct plan *p, const struct link_view *v, const struct want *want)
{
	enum tc_kind keep = v->ours;
	int ret = 0;

	if (v->ours_twice)
		keep = want->switch_kind ? want->preferred : TC_TCX;
	if (want->switch_kind && keep != want->preferred) {
		/* New kind first, then the old one goes. */
		ret = add(p, STEP_ATTACH, v, want->preferred, false);
		if (ret == 0)
			ret = add(p, STEP_DETACH, v, keep, false);
		keep = want->preferred;
	} else if (want->new_programs) {
		ret = add(p, STEP_REPLACE, v, keep, false);
	}
	/* An interrupted switch left both: the one kept is in place, the other goes. */
	if (ret == 0 && v->ours_twice)
		ret = add(p, STEP_DETACH, v, other_kind(keep), false);
	return ret;
}

static int plan_link(struct plan *p, const struct link_view *v, const struct link_view *views, int count,
		     const struct want *want)
{
	int ret = 0;

	if (want->remove || v->role == ROLE_TUNNEL) {
		/* down everywhere; a link that became a tunnel is released: its traffic is the tunnel's now. */
		if (v->ours != TC_NONE)
			ret = add(p, STEP_DETACH, v, v->ours, false);
		if (ret == 0 && v->ours_twice)
			ret = add(p, STEP_DETACH, v, other_kind(v->ours), false);
		return ret;
	}
	if (v->role != ROLE_FILTERED)
		return 0;
	if (v->ours == TC_NONE)
		return add(p, STEP_ATTACH, v, want->preferred, !link_covered(v, views, count));
	return plan_carrying(p, v, want);
}

static int plan_cgroup(struct plan *p, const struct want *want)
{
	int ret = 0;

	if (want->remove)
		return want->cgroup_attached || want->cgroup_moved ? add(p, STEP_DETACH_CGROUP, NULL, TC_NONE, false) : 0;
	if (!want->cgroup_attached)
		ret = add(p, STEP_ATTACH_CGROUP, NULL, TC_NONE, true);
	else if (want->new_programs)
		ret = add(p, STEP_REPLACE_CGROUP, NULL, TC_NONE, false);
	/* Moved: the new cgroup is covered first, then the old one is released. */
	if (ret == 0 && want->cgroup_moved)
		ret = add(p, STEP_DETACH_CGROUP, NULL, TC_NONE, false);
	return ret;
}

int plan_make(struct plan *out, const struct link_view *views, int count, const struct want *want,
	      const struct link_view **blind)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	*blind = NULL;
	/* cgroup mode leaves the links alone; down clears both, whatever the mode. */
	for (int i = 0; i < count && ret == 0 && (want->mode != KS_MODE_CGROUP || want->remove); i++) {
		const struct link_view *v = &views[i];

		if (v->role == ROLE_LOOPBACK)
			continue;
		if (!v->visible) {
			*blind = v;
			ret = -EACCES;
			break;
		}
		ret = plan_link(out, v, views, count, want);
	}
	if (ret == 0 && (want->mode == KS_MODE_CGROUP || want->remove))
		ret = plan_cgroup(out, want);
	if (ret < 0)
		plan_free(out);
	return ret;
}

void plan_free(struct plan *p)
{
	free(p->steps);
	memset(p, 0, sizeof(*p));
}

int plan_protective(const struct plan *p)
{
	int n = 0;

	for (int i = 0; i < p->count; i++)
		n += p->steps[i].protective;
	return n;
}

/* The kinds of ksctl's attachments on @v before any step: a bit per enum tc_kind. */
static unsigned int kinds_on(const struct link_view *v)
{
	unsigned int kinds = v->ours != TC_NONE ? 1U << v->ours : 0;

	return v->ours_twice ? kinds | 1U << other_kind(v->ours) : kinds;
}

bool plan_fails_closed(const struct plan *p, const struct link_view *views, int count, bool removing,
		       const struct step **step)
{
	for (int i = 0; i < count; i++) {
		const struct link_view *v = &views[i];
		unsigned int kinds = kinds_on(v);

		if (removing || v->role != ROLE_FILTERED)
			continue;
		/* Walk the link's steps in order: after each, something of ksctl's must stay attached. */
		for (int j = 0; j < p->count; j++) {
			const struct step *s = &p->steps[j];

			if (s->ifindex != v->link.ifindex || s->kind > STEP_DETACH)
				continue;
			if (s->kind == STEP_ATTACH)
				kinds |= 1U << s->tc;
			if (s->kind == STEP_DETACH)
				kinds &= ~(1U << s->tc);
			if (!kinds) {
				*step = s;
				return false;
			}
		}
	}
	return true;
}

void plan_print(const struct plan *p, FILE *out)
{
	static const char *const verbs[] = {
		[STEP_ATTACH] = "attach",	  [STEP_REPLACE] = "replace", [STEP_DETACH] = "detach",
		[STEP_ATTACH_CGROUP] = "attach", [STEP_REPLACE_CGROUP] = "replace", [STEP_DETACH_CGROUP] = "detach",
	};

	for (int i = 0; i < p->count; i++) {
		const struct step *s = &p->steps[i];

		if (s->kind >= STEP_ATTACH_CGROUP)
			fprintf(out, "%s cgroup program%s\n", verbs[s->kind],
				s->kind == STEP_DETACH_CGROUP ? " (from the cgroup no longer wanted)" : "");
		else
			fprintf(out, "%s: %s %s%s\n", s->name, verbs[s->kind], tc_kind_name(s->tc),
				s->protective ? " (not protected until then)" : "");
	}
	if (!p->count)
		fprintf(out, "nothing to change\n");
}
