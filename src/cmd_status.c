// SPDX-License-Identifier: MIT
/* ksctl status: is every way out covered? Exit 0 if and only if it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist.h"
#include "attach_cgroup.h"
#include "attach_tc.h"
#include "bpffs.h"
#include "commands.h"
#include "instance.h"
#include "json.h"
#include "links.h"
#include "log.h"
#include "policy_show.h"
#include "version.h"

enum role { ROLE_LOOPBACK, ROLE_TUNNEL, ROLE_PROTECTED, ROLE_UNPROTECTED };
static const char *const role_names[] = { "loopback", "tunnel", "protected", "UNPROTECTED" };

struct iface_status {
	struct link link;
	enum role role;
	enum tc_kind kind;
	int programs; /* every program at the egress hook, ours or not */
	bool not_first; /* another tcx program runs before ours */
};

struct status {
	const struct instance *inst;
	struct iface_status *ifaces;
	int count;
	bool in_force;
	bool policy_known;    /* the maps could be read */
	struct policy policy; /* what they hold */
	int packet_sockets; /* -1: unknown */
	const char *problem;
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

/* Only a layer-3 device can be a tunnel: an Ethernet one by a tunnel's name is a hole. */
static bool configured_tunnel(const struct instance *inst, const struct link *link)
{
	if (link->ethernet)
		return false;
	if (inst->source == SOURCE_UNREACHABLE)
		return true;
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (!strncmp(inst->config.tunnel[i].name, link->name, IFNAMSIZ) && link->name[0])
			return true;
	return false;
}

static void examine_link(const struct instance *inst, struct iface_status *s)
{
	struct tc_attachment att;
	int prog_fd;

	s->programs = 0;
	s->kind = TC_NONE;
	if (tc_query(s->link.ifindex, &att) < 0)
		return;
	s->programs = (int)att.tcx_count + (att.clsact_id != 0);
	s->kind = instance_attachment(inst, &att, &prog_fd);
	/* tcx runs its chain in order: a program before ours sees and may redirect packets first. */
	s->not_first = att.tcx_count && !instance_owns(inst, att.tcx_ids[0]);
}

static int examine_tc(struct status *st)
{
	struct link *links = NULL;
	int count = links_list(&links);

	if (count < 0)
		return count;
	st->ifaces = calloc(count ? count : 1, sizeof(*st->ifaces));
	if (!st->ifaces) {
		free(links);
		return -1;
	}
	st->in_force = true;
	for (int i = 0; i < count; i++) {
		struct iface_status *s = &st->ifaces[i];

		s->link = links[i];
		if (s->link.loopback)
			s->role = ROLE_LOOPBACK;
		else if (configured_tunnel(st->inst, &s->link))
			s->role = ROLE_TUNNEL;
		else {
			examine_link(st->inst, s);
			s->role = s->kind == TC_NONE ? ROLE_UNPROTECTED : ROLE_PROTECTED;
			st->in_force &= s->kind != TC_NONE;
		}
	}
	st->count = count;
	free(links);
	if (!st->in_force)
		st->problem = "an interface has no kill switch (created after 'ksctl up'? run 'ksctl up' again)";
	return 0;
}

static void examine_cgroup(struct status *st)
{
	int fd = cgroup_open(st->inst->config.cgroup_path);

	st->in_force = fd >= 0 && cgroup_has_prog(fd, st->inst->prog_id[KS_PROG_CGROUP]);
	if (fd >= 0)
		close(fd);
	if (!st->in_force)
		st->problem = "the cgroup no longer carries the kill switch";
}

static const char *mode_of(const struct status *st)
{
	return st->inst->config.mode == KS_MODE_CGROUP ? "cgroup" : "tc";
}

static void print_plain(const struct status *st)
{
	const struct ks_config *c = &st->inst->config;

	if (st->inst->source == SOURCE_NONE) {
		printf("ksctl: NOT in force: no kill switch in this network namespace (run 'ksctl up')\n");
		return;
	}
	printf("ksctl: %s (%s mode)\n", st->in_force ? "in force" : "NOT in force", mode_of(st));
	if (st->problem)
		printf("  problem: %s\n", st->problem);
	if (st->inst->source == SOURCE_UNREACHABLE)
		printf("  configuration: not readable from here (no pins, no CAP_SYS_ADMIN)\n");
	else {
		if (st->policy_known)
			policy_show_plain(stdout, &st->policy);
		printf("  state: %s\n", st->inst->source == SOURCE_PINS ? st->inst->pin_dir : "found through the kernel's attachments");
	}
	if (c->mode == KS_MODE_CGROUP)
		printf("  cgroup: %s\n", c->cgroup_path);
	if (st->packet_sockets > 0)
		printf("  note: %d packet socket%s open here; one with PACKET_QDISC_BYPASS skips every egress hook "
		       "(ss -0p shows their owners)\n",
		       st->packet_sockets, st->packet_sockets == 1 ? "" : "s");
	for (int i = 0; i < st->count; i++) {
		const struct iface_status *s = &st->ifaces[i];

		printf("  %-16s %s%s%s%s\n", s->link.name, role_names[s->role], s->role == ROLE_PROTECTED ? " by " : "",
		       s->role == ROLE_PROTECTED ? tc_kind_name(s->kind) : "",
		       s->not_first ? " (warning: another tcx program runs before ksctl here)" : "");
	}
}

static void print_json(const struct status *st)
{
	const struct ks_config *c = &st->inst->config;
	static const char *const sources[] = { "none", "pins", "kernel", "unreachable" };
	struct json j;

	json_begin(&j, stdout);
	json_object(&j, NULL);
	json_string(&j, "version", ksctl_version);
	json_bool(&j, "in_force", st->in_force);
	json_string(&j, "mode", st->inst->source == SOURCE_NONE ? "none" : mode_of(st));
	json_string(&j, "source", sources[st->inst->source]);
	if (st->problem)
		json_string(&j, "problem", st->problem);
	if (st->policy_known)
		policy_show_json(&j, &st->policy);
	if (c->mode == KS_MODE_CGROUP)
		json_string(&j, "cgroup", c->cgroup_path);
	if (st->packet_sockets >= 0)
		json_uint(&j, "packet_sockets", (uint64_t)st->packet_sockets);
	json_array(&j, "interfaces");
	for (int i = 0; i < st->count; i++) {
		const struct iface_status *s = &st->ifaces[i];

		json_object(&j, NULL);
		json_string(&j, "name", s->link.name);
		json_uint(&j, "ifindex", s->link.ifindex);
		json_string(&j, "role", s->role == ROLE_UNPROTECTED ? "unprotected" : role_names[s->role]);
		if (s->role == ROLE_PROTECTED)
			json_string(&j, "attach", tc_kind_name(s->kind));
		if (s->role >= ROLE_PROTECTED)
			json_uint(&j, "egress_programs", (uint64_t)s->programs);
		if (s->role == ROLE_PROTECTED)
			json_bool(&j, "first_in_chain", !s->not_first);
		json_end(&j);
	}
	json_finish(&j);
}

struct status_options {
	bool json, quiet;
	const char *pin_dir;
};

static const struct opt status_table[] = {
	OPT_JSON(struct status_options, json, "print the state"),
	{ .name = "quiet", .short_name = 'q', .kind = OPT_FLAG, .offset = offsetof(struct status_options, quiet),
	  .help = "print nothing: the exit status says it (a healthcheck)" },
	OPT_PIN_DIR(struct status_options, pin_dir),
	{ 0 }
};

int cmd_status(int argc, char **argv)
{
	struct status_options o = { 0 };
	struct instance inst;
	struct status st = { .inst = &inst, .packet_sockets = -1 };
	int ret = options_parse(&status_command, argc, argv, &o);

	if (ret != EXIT_OK)
		return ret;
	ret = EXIT_RUNTIME;
	if (instance_find(&inst, pin_root(o.pin_dir)) < 0)
		return EXIT_RUNTIME;
	if (inst.source != SOURCE_NONE) {
		if (inst.config.mode == KS_MODE_CGROUP)
			examine_cgroup(&st);
		else if (examine_tc(&st) < 0) {
			pr_err("cannot list network interfaces");
			goto out;
		}
		if (inst.source != SOURCE_UNREACHABLE) {
			struct ks_maps maps;

			instance_maps(&inst, &maps);
			st.policy_known = policy_read(&st.policy, &maps) == 0;
		}
		st.packet_sockets = count_packet_sockets();
	}
	if (o.json)
		print_json(&st);
	else if (!o.quiet)
		print_plain(&st);
	ret = st.in_force ? EXIT_OK : EXIT_RUNTIME;
out:
	policy_free(&st.policy);
	free(st.ifaces);
	instance_close(&inst);
	return ret;
}

const struct command status_command = {
	.name = "status",
	.run = cmd_status,
	.summary = "say whether the kill switch is in force (exit 0 if and only if it is)",
	.options = status_table,
};
