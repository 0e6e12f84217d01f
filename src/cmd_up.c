// SPDX-License-Identifier: MIT
/*
 * ksctl up: its options, and the policy they derive; src/up.c puts it in
 * force as one transaction.
 */
#include <errno.h>
#include <stdlib.h>

#include "attach_tc.h"
#include "bpffs.h"
#include "commands.h"
#include "defaults.h"
#include "derive.h"
#include "log.h"
#include "parse.h"
#include "prefix_scope.h"
#include "up.h"

struct up_options {
	struct up_request request;
	struct up_how how;
	int mode_choice, attach_choice; /* indexes in mode_names, attach_names */
};

enum mode_choice { MODE_AUTO, MODE_TC, MODE_CGROUP };
static const char *const mode_names[] = { [MODE_AUTO] = "auto", [MODE_TC] = "tc", [MODE_CGROUP] = "cgroup", NULL };
static const char *const attach_names[] = { "auto", "tcx", "clsact", NULL };
static const enum tc_kind attach_kinds[] = { TC_NONE, TC_TCX, TC_CLSACT };

static int add_tunnel_option(void *request, const char *name)
{
	struct up_request *r = request;

	if (r->tunnel_count == KS_TUNNELS_MAX)
		return usage_error("up", "more than %d tunnels ('%s')", KS_TUNNELS_MAX, name);
	return parse_ifname(r->tunnels[r->tunnel_count++], name) ? EXIT_OK : EXIT_USAGE;
}

static int set_fwmark_option(void *request, const char *text)
{
	struct up_request *r = request;

	r->fwmark_given = true;
	return parse_fwmark(&r->mark, &r->mask, text) ? EXIT_OK : EXIT_USAGE;
}

static int add_endpoint_option(void *request, const char *text)
{
	struct up_request *r = request;
	struct wgconf_endpoint *grown = reallocarray(r->endpoints, r->endpoint_count + 1, sizeof(*grown));

	if (!grown)
		return usage_error("up", "out of memory for --endpoint '%s'", text);
	r->endpoints = grown;
	return wgconf_parse_endpoint(&r->endpoints[r->endpoint_count++], text) ? EXIT_OK : EXIT_USAGE;
}

static int add_listen_port_option(void *request, const char *text)
{
	struct up_request *r = request;
	unsigned long long port;

	if (!parse_uint(&port, text, 10, 65535) || port == 0)
		return usage_error("up", "invalid --listen-port '%s': give the ListenPort, 1-65535", text);
	if (r->listen_port_count == KS_TUNNELS_MAX)
		return usage_error("up", "too many --listen-port values ('%s')", text);
	r->listen_ports[r->listen_port_count++] = (uint16_t)port;
	return EXIT_OK;
}

static int add_allow_option(void *request, const char *text)
{
	struct up_request *r = request;

	r->allow_given = true;
	return prefix_list_add_text(&r->allow, text) ? EXIT_OK : EXIT_USAGE;
}

static int add_allow_file_option(void *request, const char *path)
{
	struct up_request *r = request;

	r->allow_given = true;
	return prefix_list_add_file(&r->allow, path) ? EXIT_OK : EXIT_USAGE;
}

static int add_lan_dns_option(void *request, const char *text)
{
	struct up_request *r = request;
	struct prefix p;
	bool host_bits;

	if (!prefix_parse(&p, text, &host_bits))
		return EXIT_USAGE;
	if (p.len != (p.family == AF_INET ? 32 : 128))
		return usage_error("up", "--lan-dns '%s' is a prefix: give the resolver's address", text);
	return prefix_list_add(&r->lan_dns, &p) ? EXIT_OK : EXIT_RUNTIME;
}

static int add_config_option(void *request, const char *path)
{
	struct up_request *r = request;

	if (r->config_count == KS_CONFIGS_MAX)
		return usage_error("up", "more than %d --config ('%s')", KS_CONFIGS_MAX, path);
	r->configs[r->config_count++] = path;
	return EXIT_OK;
}

static int set_event_rate_option(void *request, const char *text)
{
	struct up_request *r = request;
	unsigned long long rate;

	if (!parse_uint(&rate, text, 10, KS_EVENT_RATE_MAX))
		return usage_error("up", "invalid --event-rate '%s': give events per second, 0-%u (0: none)", text,
				   KS_EVENT_RATE_MAX);
	r->event_rate = (unsigned int)rate;
	return EXIT_OK;
}

#define REQUEST offsetof(struct up_options, request)

static const struct opt up_table[] = {
	{ .name = "config", .kind = OPT_PARSE, .value = "FILE|DIR", .parse = add_config_option, .offset = REQUEST,
	  .help = "a wg-quick configuration, or a directory of them, read for each tunnel's mark, endpoints, "
		  "ListenPort, DNS and addresses",
	  .def_text = ks_default_configs_text, .repeatable = true, .values = VALUES_PATH },
	{ .name = "tunnel", .short_name = 'i', .kind = OPT_PARSE, .value = "IFNAME", .parse = add_tunnel_option,
	  .offset = REQUEST, .help = "a tunnel interface, whose traffic is never filtered; it need not exist yet, at most "
		  KS_STRINGIFY(KS_TUNNELS_MAX),
	  .def = "each configuration's interface, else " KS_DEFAULT_TUNNEL, .repeatable = true, .values = VALUES_IFNAME },
	{ .name = "fwmark", .short_name = 'm', .kind = OPT_PARSE, .value = "MARK[/MASK]|off",
	  .parse = set_fwmark_option, .offset = REQUEST,
	  .help = "the mark on the tunnel's encrypted UDP (wg show IFNAME fwmark), decimal or 0x-hex; off: it has none",
	  .def = "the configuration's FwMark or wg-quick's table, else " KS_STRINGIFY(KS_DEFAULT_FWMARK) },
	{ .name = "endpoint", .kind = OPT_PARSE, .value = "HOST:PORT", .parse = add_endpoint_option, .offset = REQUEST,
	  .help = "a peer's endpoint, for a tunnel without a configuration: its encrypted UDP may go there",
	  .repeatable = true },
	{ .name = "listen-port", .kind = OPT_PARSE, .value = "PORT", .parse = add_listen_port_option,
	  .offset = REQUEST,
	  .help = "the ListenPort of a server tunnel without a configuration: its WireGuard UDP may go to any peer" },
	{ .name = "allow", .short_name = 'a', .kind = OPT_PARSE, .value = "CIDR", .parse = add_allow_option,
	  .offset = REQUEST,
	  .help = "a destination allowed outside the tunnel; any --allow or --allow-file replaces the default list",
	  .def_text = ks_default_allow_text, .repeatable = true },
	{ .name = "allow-file", .kind = OPT_PARSE, .value = "FILE", .parse = add_allow_file_option, .offset = REQUEST,
	  .help = "allowed destinations from a file ('-': stdin), one CIDR per line, '#' comments",
	  .repeatable = true, .values = VALUES_PATH },
	{ .name = "lan-dns", .kind = OPT_PARSE, .value = "ADDR", .parse = add_lan_dns_option, .offset = REQUEST,
	  .help = "a resolver on the LAN that DNS (ports 53 and 853) may reach outside the tunnel",
	  .def = "none", .repeatable = true },
	{ .name = "force", .kind = OPT_FLAG, .offset = offsetof(struct up_options, request.force),
	  .help = "allow prefixes shorter than /" KS_STRINGIFY(KS_WIDE4) " (IPv4) or /" KS_STRINGIFY(KS_WIDE6)
		  " (IPv6) that reach public address space" },
	{ .name = "mode", .kind = OPT_CHOICE, .choices = mode_names, .offset = offsetof(struct up_options, mode_choice),
	  .help = "what is filtered: with tc, every interface of the network namespace; with cgroup, the sockets "
		  "of --cgroup's cgroup; auto is cgroup with --cgroup, else tc" },
	{ .name = "cgroup", .kind = OPT_STRING, .value = "PATH", .offset = offsetof(struct up_options, request.cgroup_path),
	  .help = "the cgroup v2 directory whose sockets cgroup mode filters", .values = VALUES_DIR },
	{ .name = "attach", .kind = OPT_CHOICE, .choices = attach_names,
	  .offset = offsetof(struct up_options, attach_choice),
	  .help = "the hook in tc mode: tcx (Linux 6.6+) or a clsact filter; auto is tcx if a later run can "
		  "reopen it (pins, CAP_SYS_ADMIN), and an interface keeps its kind" },
	{ .name = "event-rate", .kind = OPT_PARSE, .value = "N", .parse = set_event_rate_option, .offset = REQUEST,
	  .help = "drop events per second at most for 'ksctl events', in bursts of as many; the rest are counted "
		  "as suppressed; 0: none",
	  .def_text = ks_default_event_rate_text },
	{ .name = "dry-run", .kind = OPT_FLAG, .offset = offsetof(struct up_options, how.dry_run),
	  .help = "print the steps up would take (attach, replace, detach) and change nothing" },
	{ .name = "watch", .kind = OPT_FLAG, .offset = offsetof(struct up_options, how.watch),
	  .help = "then keep running as 'ksctl watch' does, with the programs just loaded: for where a later "
		  "'ksctl watch' could not reopen them (no bpffs, no CAP_SYS_ADMIN)" },
	OPT_PIN_DIR(struct up_options, how.pin_dir),
	{ 0 }
};

static int parse_options(struct up_options *o, int argc, char **argv)
{
	struct up_request *r = &o->request;
	int ret = options_parse(&up_command, argc, argv, o);

	if (ret != EXIT_OK)
		return ret;
	o->how.attach = attach_kinds[o->attach_choice];
	/* auto is tc; a cgroup path alone asks for cgroup mode. */
	r->mode = o->mode_choice == MODE_CGROUP || (o->mode_choice == MODE_AUTO && r->cgroup_path) ? KS_MODE_CGROUP :
												     KS_MODE_TC;
	if (r->mode == KS_MODE_CGROUP && !r->cgroup_path)
		return usage_error("up", "--mode cgroup needs --cgroup PATH (a cgroup v2 directory)");
	if (r->mode == KS_MODE_TC && r->cgroup_path)
		return usage_error("up", "--cgroup '%s' goes with --mode cgroup, not tc", r->cgroup_path);
	return EXIT_OK;
}

int cmd_up(int argc, char **argv)
{
	struct up_options o = { .request.event_rate = ks_default_event_rate };
	struct policy policy = { 0 };
	int ret = parse_options(&o, argc, argv);

	if (ret == EXIT_OK) {
		ret = derive_policy(&policy, &o.request);
		if (ret < 0)
			ret = ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		else
			ret = up_run(&policy, &o.how);
	}
	policy_free(&policy);
	up_request_free(&o.request);
	return ret;
}

const struct command up_command = {
	.name = "up",
	.run = cmd_up,
	.summary = "put the kill switch in force, or update it in place",
	.options = up_table,
};
