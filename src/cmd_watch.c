// SPDX-License-Identifier: MIT
/*
 * ksctl watch: keeps the kill switch in force on every link, as they come
 * and go. It hears of link and tc changes through netlink and runs the same
 * observe/plan/apply as `up`, with the programs in force: a link created
 * later carries the kill switch before it is even up, a filter or qdisc
 * deleted by hand comes back, and in cgroup mode a re-created tunnel is
 * followed. A tcx detach sends no event: every --interval it looks anyway.
 * On SIGTERM it exits and leaves everything in force.
 */
#include <errno.h>
#include <stddef.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "bpffs.h"
#include "commands.h"
#include "defaults.h"
#include "links.h"
#include "lock.h"
#include "log.h"
#include "observe.h"
#include "parse.h"
#include "stop.h"
#include "watch.h"

static double ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* cgroup mode knows a tunnel by its ifindex: a re-created wg0 has a new one. */
static void follow_tunnels(struct observed *o)
{
	for (int i = 0; i < KS_TUNNELS_MAX && o->inst.state; i++) {
		struct ks_tunnel *t = &o->inst.state->config.tunnel[i];
		__u32 ifindex = t->name[0] ? if_nametoindex(t->name) : 0;

		if (!t->name[0] || t->ifindex == ifindex)
			continue;
		__atomic_store_n(&t->ifindex, ifindex, __ATOMIC_RELAXED);
		pr_info("ksctl watch: tunnel %s is %s (ifindex %u)", t->name, ifindex ? "back" : "gone", ifindex);
	}
}

/* The kind in use: what the links carry already, so that a new one matches them. */
static enum tc_kind kind_in_use(const struct observed *o)
{
	for (int i = 0; i < o->count; i++)
		if (o->views[i].ours != TC_NONE)
			return o->views[i].ours;
	return o->inst.source == SOURCE_PINS || have_cap_sys_admin() ? TC_TCX : TC_CLSACT;
}

static void log_steps(const struct plan *p, double ms)
{
	for (int i = 0; i < p->count; i++) {
		const struct step *s = &p->steps[i];

		if (s->kind == STEP_ATTACH || s->kind == STEP_ATTACH_CGROUP)
			pr_info("ksctl watch: %s: kill switch attached (%s) %.1f ms after the change was heard",
				s->kind == STEP_ATTACH ? s->name : "cgroup", tc_kind_name(s->tc), ms);
		else if (s->kind == STEP_DETACH)
			pr_info("ksctl watch: %s: kill switch released (%s): it is a tunnel now", s->name,
				tc_kind_name(s->tc));
	}
}

/* The programs `up --watch` loaded, and their ids. */
struct held {
	const struct programs *progs;
	__u32 id[KS_PROG_COUNT];
};

/* Are the held programs the ones at ksctl's clsact handles, or has another `up` replaced them? */
static bool held_in_force(const struct observed *o, const struct held *held)
{
	for (int i = 0; i < o->count; i++) {
		struct tc_attachment att;
		bool ours = false;

		if (o->views[i].ours != TC_CLSACT || tc_query(o->views[i].link.ifindex, &att) < 0)
			continue;
		for (int slot = 0; slot < KS_PROG_COUNT; slot++)
			ours |= held->id[slot] && att.clsact_id == held->id[slot];
		if (!ours)
			return false;
	}
	return true;
}

/*
 * One pass: observe, plan, apply. false when it could not run (logged);
 * *fatal when it never can again.
 */
static bool reconcile(const char *root, const struct timespec *heard, const struct held *held, bool *fatal)
{
	struct ns_lock lock = { .fd = -1 };
	const struct link_view *blind;
	struct programs progs;
	struct observed o;
	struct plan plan = { 0 };
	struct want want;
	bool ok = false;

	/* `up` or `down` at work: the next pass will see what they left. */
	if (ns_lock(&lock, 2000) < 0)
		return false;
	if (observe(&o, root, NULL, 0) < 0)
		goto out;
	if (o.inst.source == SOURCE_UNREACHABLE && held->progs) {
		if (!held_in_force(&o, held)) {
			pr_err("ksctl watch: another 'ksctl up' replaced the programs this one loaded, and they cannot be "
			       "reopened here: restart 'ksctl up --watch' to keep following the links");
			*fatal = true;
			goto out;
		}
	} else if (o.inst.source != SOURCE_PINS && o.inst.source != SOURCE_KERNEL) {
		pr_debug("ksctl watch: no kill switch in force here to keep (run 'ksctl up')");
		ok = true;
		goto out;
	}
	if (o.inst.config.mode == KS_MODE_CGROUP)
		follow_tunnels(&o);
	want = (struct want){ .mode = o.inst.config.mode, .preferred = kind_in_use(&o),
			      .cgroup_attached = o.cgroup_attached };
	if (plan_make(&plan, o.views, o.count, &want, &blind) < 0) {
		pr_err("ksctl watch: cannot read what is attached at %s's egress", blind ? blind->link.name : "?");
		goto out;
	}
	if (o.inst.source == SOURCE_UNREACHABLE && held->progs)
		progs = *held->progs;
	else
		programs_in_force(&o.inst, &progs);
	if (plan.count && apply(&plan, &o, &progs, o.inst.config.cgroup_path) == 0)
		log_steps(&plan, ms_since(heard));
	ok = true;
out:
	plan_free(&plan);
	observed_free(&o);
	ns_unlock(&lock);
	return ok;
}

struct watch_options {
	unsigned long long interval;
	const char *pin_dir;
};

static int set_interval(void *field, const char *text)
{
	unsigned long long *interval = field;

	if (!parse_uint(interval, text, 10, 3600000) || !*interval)
		return usage_error("watch", "invalid --interval '%s': milliseconds, 1-3600000", text);
	return EXIT_OK;
}

static const struct opt watch_table[] = {
	{ .name = "interval", .kind = OPT_PARSE, .value = "MS", .parse = set_interval,
	  .offset = offsetof(struct watch_options, interval),
	  .help = "how often to look anyway, in milliseconds: a tcx detach sends no event",
	  .def = KS_STRINGIFY(KS_DEFAULT_WATCH_INTERVAL_MS) },
	OPT_PIN_DIR(struct watch_options, pin_dir),
	{ 0 }
};

int watch_run(const char *pin_dir, unsigned long long interval, const struct programs *progs)
{
	struct held held = { .progs = progs };
	bool fatal = false;
	int sock = links_watch_open();

	if (sock < 0) {
		pr_err("cannot listen to this namespace's link changes: %s (needs a netlink socket)", strerror(-sock));
		return EXIT_RUNTIME;
	}
	for (int slot = 0; progs && slot < KS_PROG_COUNT; slot++) {
		int id = progs->fd[slot] >= 0 ? prog_id_of(progs->fd[slot]) : -1;

		held.id[slot] = id > 0 ? (__u32)id : 0;
	}
	stop_on_signals();
	pr_info("ksctl watch: keeping the kill switch on every link (netlink events, and a look every %llu ms)",
		interval);
	while (!stop_requested && !fatal) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		struct timespec heard;
		int ready = poll(&pfd, 1, (int)interval);

		clock_gettime(CLOCK_MONOTONIC, &heard);
		if (ready < 0 && errno != EINTR) {
			pr_err("ksctl watch: poll: %s", strerror(errno));
			break;
		}
		if (ready > 0 && links_watch_drain(sock) < 0)
			pr_warn("ksctl watch: reading link events failed: looking anyway");
		if (!stop_requested)
			reconcile(pin_root(pin_dir), &heard, &held, &fatal);
	}
	close(sock);
	pr_info("ksctl watch: stopping; the kill switch stays in force");
	return stop_requested ? EXIT_OK : EXIT_RUNTIME;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_options o = { .interval = KS_DEFAULT_WATCH_INTERVAL_MS };
	int ret = options_parse(&watch_command, argc, argv, &o);

	return ret == EXIT_OK ? watch_run(o.pin_dir, o.interval, NULL) : ret;
}

const struct command watch_command = {
	.name = "watch",
	.run = cmd_watch,
	.summary = "keep the kill switch on every link as they come and go (it stays running)",
	.options = watch_table,
};
