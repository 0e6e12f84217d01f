// SPDX-License-Identifier: MIT
/*
 * ksctl up: load (reusing the maps of a kill switch already in force), write
 * the configuration, attach or atomically replace, pin. Configuration is
 * written before any attachment, and nothing is ever detached here except
 * from an interface that has become a tunnel: no moment with egress open.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist.h"
#include "attach_cgroup.h"
#include "attach_tc.h"
#include "bpffs.h"
#include "commands.h"
#include "derive.h"
#include "up.h"
#include "links.h"
#include "loader.h"
#include "log.h"
#include "parse.h"

struct up_options {
	struct up_request request;
	struct up_how how;
};

static int add_tunnel_option(struct up_request *r, const char *name)
{
	if (r->tunnel_count == KS_TUNNELS_MAX)
		return usage_error("up", "more than %d tunnels ('%s')", KS_TUNNELS_MAX, name);
	return parse_ifname(r->tunnels[r->tunnel_count++], name) ? EXIT_OK : EXIT_USAGE;
}

static int add_endpoint_option(struct up_request *r, const char *text)
{
	struct wgconf_endpoint *grown = reallocarray(r->endpoints, r->endpoint_count + 1, sizeof(*grown));

	if (!grown)
		return usage_error("up", "out of memory for --endpoint '%s'", text);
	r->endpoints = grown;
	return wgconf_parse_endpoint(&r->endpoints[r->endpoint_count++], text) ? EXIT_OK : EXIT_USAGE;
}

static int add_listen_port_option(struct up_request *r, const char *text)
{
	unsigned long long port;

	if (!parse_uint(&port, text, 10, 65535) || port == 0)
		return usage_error("up", "invalid --listen-port '%s': give the ListenPort, 1-65535", text);
	if (r->listen_port_count == KS_TUNNELS_MAX)
		return usage_error("up", "too many --listen-port values ('%s')", text);
	r->listen_ports[r->listen_port_count++] = (uint16_t)port;
	return EXIT_OK;
}

static int add_lan_dns_option(struct up_request *r, const char *text)
{
	struct prefix p;
	bool host_bits;

	if (!prefix_parse(&p, text, &host_bits))
		return EXIT_USAGE;
	if (p.len != (p.family == AF_INET ? 32 : 128))
		return usage_error("up", "--lan-dns '%s' is a prefix: give the resolver's address", text);
	return prefix_list_add(&r->lan_dns, &p) ? EXIT_OK : EXIT_RUNTIME;
}

static int add_config_option(struct up_request *r, const char *path)
{
	if (r->config_count == KS_CONFIGS_MAX)
		return usage_error("up", "more than %d --config ('%s')", KS_CONFIGS_MAX, path);
	r->configs[r->config_count++] = path;
	return EXIT_OK;
}

static int parse_options(struct up_options *o, int argc, char **argv)
{
	enum { OPT_MODE = 256, OPT_CGROUP, OPT_ATTACH, OPT_PIN_DIR, OPT_ALLOW_FILE, OPT_CONFIG, OPT_ENDPOINT,
	       OPT_LISTEN_PORT, OPT_LAN_DNS, OPT_FORCE, OPT_DRY_RUN };
	static const struct option long_options[] = {
		{ "tunnel", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "fwmark", required_argument, NULL, 'm' },
		{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
		{ "listen-port", required_argument, NULL, OPT_LISTEN_PORT },
		{ "allow", required_argument, NULL, 'a' },
		{ "allow-file", required_argument, NULL, OPT_ALLOW_FILE },
		{ "lan-dns", required_argument, NULL, OPT_LAN_DNS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ 0 }
	};
	struct up_request *r = &o->request;
	bool mode_auto = true;
	int opt, ret = EXIT_OK;

	r->mode = KS_MODE_TC;
	opterr = 0;
	optind = 1;
	while (ret == EXIT_OK && (opt = getopt_long(argc, argv, ":i:m:a:", long_options, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ret = add_tunnel_option(r, optarg);
			break;
		case OPT_CONFIG:
			ret = add_config_option(r, optarg);
			break;
		case 'm':
			r->fwmark_given = true;
			ret = parse_fwmark(&r->mark, &r->mask, optarg) ? EXIT_OK : EXIT_USAGE;
			break;
		case OPT_ENDPOINT:
			ret = add_endpoint_option(r, optarg);
			break;
		case OPT_LISTEN_PORT:
			ret = add_listen_port_option(r, optarg);
			break;
		case 'a':
			r->allow_given = true;
			ret = prefix_list_add_text(&r->allow, optarg) ? EXIT_OK : EXIT_USAGE;
			break;
		case OPT_ALLOW_FILE:
			r->allow_given = true;
			ret = prefix_list_add_file(&r->allow, optarg) ? EXIT_OK : EXIT_USAGE;
			break;
		case OPT_LAN_DNS:
			ret = add_lan_dns_option(r, optarg);
			break;
		case OPT_FORCE:
			r->force = true;
			break;
		case OPT_DRY_RUN:
			o->how.dry_run = true;
			break;
		case OPT_MODE:
			mode_auto = !strcmp(optarg, "auto");
			if (!strcmp(optarg, "tc") || mode_auto)
				r->mode = KS_MODE_TC;
			else if (!strcmp(optarg, "cgroup"))
				r->mode = KS_MODE_CGROUP;
			else
				ret = usage_error("up", "invalid mode '%s': use auto, tc or cgroup", optarg);
			break;
		case OPT_CGROUP:
			r->cgroup_path = optarg;
			break;
		case OPT_ATTACH:
			if (!strcmp(optarg, "tcx"))
				o->how.attach = TC_TCX;
			else if (!strcmp(optarg, "clsact"))
				o->how.attach = TC_CLSACT;
			else if (strcmp(optarg, "auto"))
				ret = usage_error("up", "invalid attachment '%s': use auto, tcx or clsact", optarg);
			break;
		case OPT_PIN_DIR:
			o->how.pin_dir = optarg;
			break;
		default:
			ret = option_error("up", argv, opt);
		}
	}
	if (ret != EXIT_OK)
		return ret;
	if (optind < argc)
		return usage_error("up", "unexpected argument '%s'", argv[optind]);
	/* auto is tc; a cgroup path alone asks for cgroup mode. */
	if (mode_auto && r->cgroup_path)
		r->mode = KS_MODE_CGROUP;
	if (r->mode == KS_MODE_CGROUP && !r->cgroup_path)
		return usage_error("up", "--mode cgroup needs --cgroup PATH (a cgroup v2 directory)");
	if (r->mode == KS_MODE_TC && r->cgroup_path)
		return usage_error("up", "--cgroup '%s' goes with --mode cgroup, not tc", r->cgroup_path);
	return EXIT_OK;
}

int cmd_up(int argc, char **argv)
{
	struct up_options o = { 0 };
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
