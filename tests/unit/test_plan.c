// SPDX-License-Identifier: MIT
/* The reconcile core's decisions, without root: roles, steps, their order, and "in force". */
#include <errno.h>
#include <string.h>

#include "../lib/check.h"
#include "plan.h"

static const char tunnels[][KS_IFNAMSIZ] = { "wg0", "wg1" };

static struct link_view view(unsigned int ifindex, const char *name, bool ethernet, enum tc_kind ours)
{
	struct link_view v = { .visible = true, .ours = ours };

	v.link.ifindex = ifindex;
	strcpy(v.link.name, name);
	v.link.ethernet = ethernet;
	v.link.loopback = ifindex == 1;
	v.role = link_role(&v.link, tunnels, 2);
	return v;
}

static const struct want up_tcx = { .mode = KS_MODE_TC, .preferred = TC_TCX, .new_programs = true };
static const struct want status_tc = { .mode = KS_MODE_TC, .preferred = TC_TCX };

/* "eth0 attach tcx, ..." from the plan, to compare whole plans at once. */
static const char *steps_text(const struct plan *p)
{
	static const char *const verbs[] = { "attach", "replace", "detach", "attach-cgroup", "replace-cgroup",
					     "detach-cgroup" };
	static char text[512];
	size_t used = 0;

	text[0] = '\0';
	for (int i = 0; i < p->count && used < sizeof(text); i++) {
		const struct step *s = &p->steps[i];

		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s%s%s%s%s", i ? ", " : "", s->name,
					 s->name[0] ? " " : "", verbs[s->kind], s->kind <= STEP_DETACH ? " " : "",
					 s->kind <= STEP_DETACH ? tc_kind_name(s->tc) : "");
	}
	return text;
}

static void expect_plan(const char *what, const struct link_view *views, int count, const struct want *want,
			const char *steps, int protective)
{
	const struct link_view *blind;
	const struct step *bad;
	struct plan p;

	CHECK(plan_make(&p, views, count, want, &blind) == 0, "%s: plan_make failed", what);
	CHECK(!strcmp(steps_text(&p), steps), "%s: '%s', want '%s'", what, steps_text(&p), steps);
	CHECK(plan_protective(&p) == protective, "%s: %d protective steps, want %d", what, plan_protective(&p),
	      protective);
	CHECK(plan_fails_closed(&p, views, count, want->remove, &bad), "%s: the plan opens %s", what,
	      bad ? bad->name : "?");
	plan_free(&p);
}

static void unit_link_role(void)
{
	struct link_view lo = view(1, "lo", false, TC_NONE), wg = view(3, "wg0", false, TC_NONE),
			 eth = view(2, "eth0", true, TC_NONE), typo = view(4, "wg1", true, TC_NONE),
			 tun = view(5, "tun0", false, TC_NONE);

	CHECK(lo.role == ROLE_LOOPBACK, "lo");
	CHECK(wg.role == ROLE_TUNNEL, "wg0 is a tunnel");
	CHECK(eth.role == ROLE_FILTERED, "eth0 is filtered");
	CHECK(typo.role == ROLE_FILTERED, "an Ethernet link named as a tunnel is filtered");
	CHECK(tun.role == ROLE_FILTERED, "an unnamed tun device is filtered");
	CHECK(link_role(&wg.link, NULL, 0) == ROLE_FILTERED, "tunnels unknown: wg0 is filtered");
}

static void unit_plan_up(void)
{
	struct link_view fresh[] = { view(1, "lo", false, TC_NONE), view(2, "eth0", true, TC_NONE),
				     view(3, "wg0", false, TC_NONE) };
	struct link_view again[] = { view(1, "lo", false, TC_NONE), view(2, "eth0", true, TC_TCX),
				     view(4, "lan0", true, TC_CLSACT), view(3, "wg0", false, TC_NONE) };
	struct link_view became_tunnel[] = { view(2, "eth0", true, TC_TCX), view(3, "wg0", false, TC_TCX) };

	expect_plan("first up", fresh, 3, &up_tcx, "eth0 attach tcx", 1);
	expect_plan("up again: in place, each keeps its kind", again, 4, &up_tcx, "eth0 replace tcx, lan0 replace clsact",
		    0);
	expect_plan("a link that became a tunnel is released", became_tunnel, 2, &up_tcx,
		    "eth0 replace tcx, wg0 detach tcx", 0);
}

static void unit_plan_switch(void)
{
	struct link_view clsact[] = { view(2, "eth0", true, TC_CLSACT) };
	struct link_view twice[] = { view(2, "eth0", true, TC_TCX) };
	struct want to_tcx = up_tcx, to_clsact = up_tcx;

	to_tcx.switch_kind = true;
	to_clsact.switch_kind = true;
	to_clsact.preferred = TC_CLSACT;
	expect_plan("--attach tcx: the new kind first, then the old goes", clsact, 1, &to_tcx,
		    "eth0 attach tcx, eth0 detach clsact", 0);
	twice[0].ours_twice = true;
	expect_plan("an interrupted switch: one kept, the other goes", twice, 1, &up_tcx,
		    "eth0 replace tcx, eth0 detach clsact", 0);
	expect_plan("an interrupted switch, --attach clsact", twice, 1, &to_clsact,
		    "eth0 replace clsact, eth0 detach tcx", 0);
}

static void unit_plan_down(void)
{
	struct link_view views[] = { view(1, "lo", false, TC_NONE), view(2, "eth0", true, TC_TCX),
				     view(4, "lan0", true, TC_CLSACT), view(3, "wg0", false, TC_NONE) };
	struct want down = { .mode = KS_MODE_TC, .remove = true };
	const struct link_view *blind;
	struct plan p;

	expect_plan("down removes every attachment", views, 4, &down, "eth0 detach tcx, lan0 detach clsact", 0);
	views[2].visible = false;
	CHECK(plan_make(&p, views, 4, &down, &blind) == -EACCES, "down that cannot see a link must fail");
	CHECK(blind && !strcmp(blind->link.name, "lan0"), "the blind link is named");
}

static void unit_plan_status(void)
{
	struct link_view views[] = { view(2, "eth0", true, TC_TCX), view(5, "eth1", true, TC_NONE),
				     view(6, "mv0", true, TC_NONE), view(7, "mv1", true, TC_NONE) };

	expect_plan("in force", views, 1, &status_tc, "", 0);
	expect_plan("a link created after up", views, 2, &status_tc, "eth1 attach tcx", 1);
	views[1] = views[0];
	views[2].link.lower = 2; /* a macvlan on eth0: covered there */
	expect_plan("a macvlan on a protected eth0 is covered", views, 3, &status_tc, "mv0 attach tcx", 0);
	views[3].link.lower = 5; /* on a link that is gone or unprotected */
	expect_plan("a macvlan on nothing protected is not", views, 4, &status_tc, "mv0 attach tcx, mv1 attach tcx",
		    1);
}

static void unit_plan_cgroup(void)
{
	struct want first = { .mode = KS_MODE_CGROUP }, again = first, moved = first, down = first;

	again.cgroup_attached = again.new_programs = true;
	moved.cgroup_moved = moved.new_programs = true;
	down.remove = down.cgroup_attached = true;
	expect_plan("cgroup: first up", NULL, 0, &first, "attach-cgroup", 1);
	expect_plan("cgroup: up again", NULL, 0, &again, "replace-cgroup", 0);
	expect_plan("cgroup: moved, the new one first", NULL, 0, &moved, "attach-cgroup, detach-cgroup", 1);
	expect_plan("cgroup: down", NULL, 0, &down, "detach-cgroup", 0);
}

static void unit_plan_invariant(void)
{
	struct link_view views[] = { view(2, "eth0", true, TC_CLSACT), view(3, "wg0", false, TC_TCX) };
	struct step opening[] = { { .kind = STEP_DETACH, .ifindex = 2, .name = "eth0", .tc = TC_CLSACT },
				  { .kind = STEP_ATTACH, .ifindex = 2, .name = "eth0", .tc = TC_TCX } };
	struct step tunnel[] = { { .kind = STEP_DETACH, .ifindex = 3, .name = "wg0", .tc = TC_TCX } };
	struct plan bad = { opening, 2 }, release = { tunnel, 1 };
	const struct step *step = NULL;

	CHECK(!plan_fails_closed(&bad, views, 2, false, &step), "a detach before its replacement is caught");
	CHECK(step == &opening[0], "the offending step is named");
	CHECK(plan_fails_closed(&bad, views, 2, true, &step), "down may detach everything");
	CHECK(plan_fails_closed(&release, views, 2, false, &step), "a tunnel may be released");
}

int main(void)
{
	RUN(unit_link_role, "one role per link: loopback, named non-Ethernet tunnels, everything else filtered");
	RUN(unit_plan_up, "up attaches where nothing is, replaces in place, releases links that became tunnels");
	RUN(unit_plan_switch, "a switch of kinds attaches the new one before the old goes, also after an interruption");
	RUN(unit_plan_down, "down detaches everything of ksctl's, and refuses when it cannot see a link");
	RUN(unit_plan_status, "status: in force means no protective step; a macvlan is covered by its parent");
	RUN(unit_plan_cgroup, "cgroup mode: attach, replace, move (new first), detach");
	RUN(unit_plan_invariant, "the fail-closed check catches a detach before its replacement");
	return check_failed_tests ? 1 : 0;
}
