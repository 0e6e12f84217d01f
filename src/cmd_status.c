// SPDX-License-Identifier: MIT
/*
 * ksctl status: is every way out covered? In force means that the plan for
 * the kill switch as configured has no protective step left: the same
 * observe() and plan_make() as `up`, so the two cannot disagree. Exit 0 if
 * and only if it is in force.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpffs.h"
#include "commands.h"
#include "json.h"
#include "log.h"
#include "observe.h"
#include "policy_show.h"
#include "selftest.h"
#include "version.h"

struct status {
	struct observed o;
	bool in_force;
	bool policy_known;    /* the maps could be read */
	struct policy policy; /* what they hold */
	struct plan plan;     /* what `up` would still have to do */
	int packet_sockets;   /* -1: unknown */
	const char *problem;
	struct selftest *selftest; /* --verify: the probes' outcome; NULL: not run */
};

/*
 * Packet sockets open in this network namespace. One with PACKET_QDISC_BYPASS
 * skips every egress hook, tc and netfilter alike, and /proc does not say
 * which do: the count is a prompt to look (ss -0p), not a verdict.
 */
static int count_packet_sockets(void)
{
	FILE *f = fopen("/proc/self/net/packet", "re");
	char line[256];
	int count = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		count++; /* the first line is the header */
	fclose(f);
	return count;
}

static bool needs_protection(const struct status *st, const struct link_view *v)
{
	for (int i = 0; i < st->plan.count; i++)
		if (st->plan.steps[i].ifindex == v->link.ifindex && st->plan.steps[i].protective)
			return true;
	return false;
}

/* The words for a link: what it is, and how it is covered. */
static const char *role_of(const struct status *st, const struct link_view *v)
{
	if (v->role == ROLE_LOOPBACK)
		return "loopback";
	if (v->role == ROLE_TUNNEL)
		return "tunnel";
	if (!v->visible)
		return "UNKNOWN";
	if (needs_protection(st, v))
		return "UNPROTECTED";
	return v->ours != TC_NONE ? "protected" : "covered";
}

static void examine(struct status *st)
{
	struct want want = { .mode = st->o.inst.config.mode, .preferred = TC_TCX,
			     .cgroup_attached = st->o.cgroup_attached };
	const struct link_view *blind;

	if (st->o.inst.source == SOURCE_UNREACHABLE)
		want.mode = KS_MODE_TC; /* only tc's netlink handle can be seen without the maps */
	if (plan_make(&st->plan, st->o.views, st->o.count, &want, &blind) < 0) {
		st->problem = "the egress attachments of an interface cannot be read (run as root, or with CAP_NET_ADMIN)";
		return;
	}
	st->in_force = plan_protective(&st->plan) == 0;
	if (!st->in_force)
		st->problem = want.mode == KS_MODE_CGROUP ? "the cgroup no longer carries the kill switch" :
							    "an interface has no kill switch (created after 'ksctl up'? run "
							    "'ksctl up' again, or 'ksctl watch')";
	if (!st->o.tunnels_known)
		st->problem = st->in_force ? "the tunnels' names are unknown here: every link must carry the kill switch"
					   : st->problem;
}

static const char *mode_of(const struct status *st)
{
	return st->o.inst.config.mode == KS_MODE_CGROUP ? "cgroup" : "tc";
}

static void print_link(const struct status *st, const struct link_view *v)
{
	const char *role = role_of(st, v);

	printf("  %-16s %s", v->link.name, role);
	if (!strcmp(role, "protected"))
		printf(" by %s", tc_kind_name(v->ours));
	if (!strcmp(role, "covered"))
		printf(" through its lower device (ifindex %u)", v->link.lower);
	if (v->not_first && v->ours != TC_NONE)
		printf(" (warning: another tcx program runs before ksctl here)");
	putchar('\n');
}

static void print_plain(const struct status *st)
{
	const struct ks_config *c = &st->o.inst.config;

	if (st->o.inst.source == SOURCE_NONE) {
		printf("ksctl: NOT in force: no kill switch in this network namespace (run 'ksctl up')\n");
		return;
	}
	printf("ksctl: %s (%s mode)\n", st->in_force ? "in force" : "NOT in force", mode_of(st));
	if (st->problem)
		printf("  problem: %s\n", st->problem);
	if (st->o.inst.source == SOURCE_UNREACHABLE)
		printf("  configuration: not readable from here (no pins, no CAP_SYS_ADMIN)\n");
	else {
		if (st->policy_known)
			policy_show_plain(stdout, &st->policy);
		printf("  state: %s\n", st->o.inst.source == SOURCE_PINS ? st->o.inst.pin_dir :
									    "found through the kernel's attachments");
	}
	if (c->mode == KS_MODE_CGROUP)
		printf("  cgroup: %s\n", c->cgroup_path);
	if (st->packet_sockets > 0)
		printf("  note: %d packet socket%s open here; one with PACKET_QDISC_BYPASS skips every egress hook "
		       "(ss -0p shows their owners)\n",
		       st->packet_sockets, st->packet_sockets == 1 ? "" : "s");
	for (int i = 0; c->mode != KS_MODE_CGROUP && i < st->o.count; i++)
		print_link(st, &st->o.views[i]);
	if (st->selftest)
		selftest_print_plain(stdout, st->selftest);
}

static void print_json(const struct status *st)
{
	const struct ks_config *c = &st->o.inst.config;
	static const char *const sources[] = { "none", "pins", "kernel", "unreachable" };
	struct json j;

	json_begin(&j, stdout);
	json_object(&j, NULL);
	json_bool(&j, "in_force", st->in_force);
	json_string(&j, "version", ksctl_version);
	json_string(&j, "mode", st->o.inst.source == SOURCE_NONE ? "none" : mode_of(st));
	json_string(&j, "source", sources[st->o.inst.source]);
	if (st->problem)
		json_string(&j, "problem", st->problem);
	json_bool(&j, "tunnels_known", st->o.tunnels_known);
	if (st->policy_known)
		policy_show_json(&j, &st->policy);
	if (c->mode == KS_MODE_CGROUP)
		json_string(&j, "cgroup", c->cgroup_path);
	if (st->packet_sockets >= 0)
		json_uint(&j, "packet_sockets", (uint64_t)st->packet_sockets);
	json_array(&j, "interfaces");
	for (int i = 0; c->mode != KS_MODE_CGROUP && i < st->o.count; i++) {
		const struct link_view *v = &st->o.views[i];
		const char *role = role_of(st, v);

		json_object(&j, NULL);
		json_string(&j, "name", v->link.name);
		json_uint(&j, "ifindex", v->link.ifindex);
		json_string(&j, "role", !strcmp(role, "UNPROTECTED") ? "unprotected" : !strcmp(role, "UNKNOWN") ? "unknown" : role);
		if (v->link.kind[0])
			json_string(&j, "kind", v->link.kind);
		if (v->ours != TC_NONE)
			json_string(&j, "attach", tc_kind_name(v->ours));
		if (v->role == ROLE_FILTERED) {
			json_uint(&j, "egress_programs", (uint64_t)v->programs);
			json_bool(&j, "first_in_chain", !v->not_first);
		}
		if (!strcmp(role, "covered"))
			json_uint(&j, "covered_by", v->link.lower);
		json_end(&j);
	}
	json_end(&j);
	if (st->selftest)
		selftest_print_json(&j, "selftest", st->selftest);
	json_finish(&j);
}

struct status_options {
	bool json, quiet, verify;
	const char *pin_dir;
};

static const struct opt status_table[] = {
	OPT_JSON(struct status_options, json, "print the state"),
	{ .name = "quiet", .short_name = 'q', .kind = OPT_FLAG, .offset = offsetof(struct status_options, quiet),
	  .help = "print nothing: the exit status says it (a healthcheck)" },
	{ .name = "verify", .kind = OPT_FLAG, .offset = offsetof(struct status_options, verify),
	  .help = "prove it too: run the probes of 'ksctl selftest' (exit 0 only if they all held)" },
	OPT_PIN_DIR(struct status_options, pin_dir),
	{ 0 }
};

int cmd_status(int argc, char **argv)
{
	struct status_options o = { 0 };
	struct status st = { .packet_sockets = -1 };
	int ret = options_parse(&status_command, argc, argv, &o);

	if (ret != EXIT_OK)
		return ret;
	ret = EXIT_RUNTIME;
	if (observe(&st.o, pin_root(o.pin_dir), NULL, 0) < 0)
		goto out;
	if (st.o.inst.source != SOURCE_NONE) {
		examine(&st);
		if (st.o.inst.source != SOURCE_UNREACHABLE) {
			struct ks_maps maps;

			instance_maps(&st.o.inst, &maps);
			st.policy_known = policy_read(&st.policy, &maps) == 0;
		}
		st.packet_sockets = count_packet_sockets();
	}
	if (o.verify && st.in_force && st.o.inst.source == SOURCE_UNREACHABLE) {
		instance_explain_unreachable(); /* the probes are watched for through the maps */
	} else if (o.verify && st.in_force) {
		static struct selftest verified; /* 128 probes: not on the stack */

		if (selftest_run(&verified, &st.o) == 0)
			st.selftest = &verified;
	}
	if (o.json)
		print_json(&st);
	else if (!o.quiet)
		print_plain(&st);
	/* --verify: in force, and proven so. */
	ret = st.in_force && (!o.verify || (st.selftest && st.selftest->held)) ? EXIT_OK : EXIT_RUNTIME;
out:
	plan_free(&st.plan);
	policy_free(&st.policy);
	observed_free(&st.o);
	return ret;
}

const struct command status_command = {
	.name = "status",
	.run = cmd_status,
	.summary = "say whether the kill switch is in force (exit 0 if and only if it is)",
	.options = status_table,
};
