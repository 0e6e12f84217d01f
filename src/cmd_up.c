// SPDX-License-Identifier: MIT
/*
 * ksctl up: load (reusing the maps of a kill switch already in force), write
 * the configuration, attach or atomically replace, pin. Configuration is
 * written before any attachment, and nothing is ever detached here except
 * from an interface that has become a tunnel: no moment with egress open.
 */
#include <errno.h>
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
#include "defaults.h"
#include "derive.h"
#include "links.h"
#include "loader.h"
#include "log.h"
#include "parse.h"
#include "prefix_scope.h"

struct up_options {
	struct up_request request;
	enum tc_kind attach; /* TC_NONE: choose */
	const char *pin_dir;
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
	OPT_PIN_DIR(struct up_options, pin_dir),
	{ 0 }
};

static int parse_options(struct up_options *o, int argc, char **argv)
{
	struct up_request *r = &o->request;
	int ret = options_parse(&up_command, argc, argv, o);

	if (ret != EXIT_OK)
		return ret;
	o->attach = attach_kinds[o->attach_choice];
	/* auto is tc; a cgroup path alone asks for cgroup mode. */
	r->mode = o->mode_choice == MODE_CGROUP || (o->mode_choice == MODE_AUTO && r->cgroup_path) ? KS_MODE_CGROUP :
												     KS_MODE_TC;
	if (r->mode == KS_MODE_CGROUP && !r->cgroup_path)
		return usage_error("up", "--mode cgroup needs --cgroup PATH (a cgroup v2 directory)");
	if (r->mode == KS_MODE_TC && r->cgroup_path)
		return usage_error("up", "--cgroup '%s' goes with --mode cgroup, not tc", r->cgroup_path);
	return EXIT_OK;
}

static bool is_tunnel(const struct policy *p, const char *name)
{
	for (int i = 0; i < p->tunnel_count; i++)
		if (!strncmp(p->tunnels[i].name, name, sizeof(p->tunnels[i].name)))
			return true;
	return false;
}

/*
 * tcx is cheaper, but a program attached with it can only be replaced or
 * detached through its fd: choose it only when a later run can reopen it.
 */
static enum tc_kind choose_kind(const struct up_options *o, bool pinned)
{
	if (o->attach != TC_NONE)
		return o->attach;
	return pinned || have_cap_sys_admin() ? TC_TCX : TC_CLSACT;
}

static int attach_tc(struct killswitch *skel, const struct instance *old, const struct up_options *o,
		     const struct policy *p, bool pinned)
{
	enum tc_kind preferred = choose_kind(o, pinned);
	struct link *links = NULL;
	int count, failed = 0, by_kind[TC_CLSACT + 1] = { 0 };

	count = links_list(&links);
	if (count < 0) {
		pr_err("cannot list network interfaces: %s", strerror(-count));
		return count;
	}
	for (int i = 0; i < count; i++) {
		const struct link *link = &links[i];
		enum ks_prog which = link->ethernet ? KS_PROG_ETH : KS_PROG_L3;
		int prog_fd = bpf_program__fd(loader_prog(skel, which)), old_fd = -1, ret;
		struct tc_attachment att = { 0 };
		enum tc_kind kind, switch_from = TC_NONE;

		if (link->loopback)
			continue;
		ret = tc_query(link->ifindex, &att);
		kind = ret == 0 ? instance_attachment(old, &att, &old_fd) : TC_NONE;
		if (is_tunnel(p, link->name)) {
			/* Became a tunnel since the last run: its traffic is the tunnel's now. */
			if (kind != TC_NONE && tc_detach(link->ifindex, kind, old_fd) == 0)
				pr_info("%s: now a tunnel, kill switch removed from it", link->name);
			continue;
		}
		if (kind == TC_NONE)
			kind = preferred;
		/* Another kind asked for: the new one is attached before the old one goes. */
		if (o->attach != TC_NONE && kind != o->attach) {
			switch_from = kind;
			kind = o->attach;
		}
		ret = tc_attach(link->ifindex, kind, prog_fd, switch_from == TC_NONE ? old_fd : -1);
		if (ret == -EOPNOTSUPP && kind == TC_TCX && o->attach != TC_TCX) {
			preferred = kind = TC_CLSACT; /* a kernel before 6.6 */
			ret = tc_attach(link->ifindex, kind, prog_fd, old_fd);
		}
		if (ret < 0) {
			pr_err("%s: cannot attach the kill switch (%s): egress on %s is NOT protected; "
			       "check CAP_NET_ADMIN and 'ksctl status'",
			       link->name, strerror(-ret), link->name);
			failed++;
			continue;
		}
		by_kind[kind]++;
		if (switch_from != TC_NONE && tc_detach(link->ifindex, switch_from, old_fd) < 0)
			pr_warn("%s: the %s attachment could not be removed: it stays, beside the %s one", link->name,
				tc_kind_name(switch_from), tc_kind_name(kind));
		pr_debug("%s: %s %s", link->name, tc_kind_name(kind), old_fd >= 0 || att.clsact_id ? "replaced" : "attached");
	}
	free(links);
	pr_info("ksctl: kill switch in force on %d interface%s (tc: %d tcx, %d clsact)",
		by_kind[TC_TCX] + by_kind[TC_CLSACT], by_kind[TC_TCX] + by_kind[TC_CLSACT] == 1 ? "" : "s",
		by_kind[TC_TCX], by_kind[TC_CLSACT]);
	return failed ? -EIO : 0;
}

/* Opens the cgroup of --cgroup, or says why it is not one. fd or -errno. */
static int open_cgroup_option(const char *path)
{
	int fd = cgroup_open(path);

	if (fd < 0)
		pr_err("cannot open cgroup '%s': %s: give a cgroup v2 directory (see /proc/mounts for cgroup2)", path,
		       fd == -ENOTDIR ? "not a cgroup v2 directory" : strerror(-fd));
	return fd;
}

static int check_cgroup(const char *path)
{
	int fd = open_cgroup_option(path);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

static int attach_cgroup(struct killswitch *skel, const struct instance *old, const struct policy *p)
{
	int prog_fd = bpf_program__fd(loader_prog(skel, KS_PROG_CGROUP));
	int cgroup_fd, old_fd = -1, ret;

	cgroup_fd = open_cgroup_option(p->cgroup_path);
	if (cgroup_fd < 0)
		return cgroup_fd;
	if (old->prog_id[KS_PROG_CGROUP] && cgroup_has_prog(cgroup_fd, old->prog_id[KS_PROG_CGROUP]))
		old_fd = old->prog_fd[KS_PROG_CGROUP];
	ret = cgroup_attach(cgroup_fd, prog_fd, old_fd);
	close(cgroup_fd);
	if (ret < 0) {
		pr_err("cannot attach to cgroup '%s': %s", p->cgroup_path, strerror(-ret));
		return ret;
	}
	if (old_fd < 0 && old->config.cgroup_path[0] && strcmp(old->config.cgroup_path, p->cgroup_path)) {
		/* Moved: the new cgroup is covered now, so the old one may be released. */
		cgroup_fd = cgroup_open(old->config.cgroup_path);
		if (cgroup_fd >= 0) {
			cgroup_detach(cgroup_fd, old->prog_fd[KS_PROG_CGROUP]);
			close(cgroup_fd);
		}
	}
	pr_info("ksctl: kill switch in force on cgroup %s", p->cgroup_path);
	return 0;
}

static const char *mode_name(enum ks_mode mode)
{
	return mode == KS_MODE_CGROUP ? "cgroup" : "tc";
}

/*
 * A tunnel's traffic is never filtered. WireGuard and tun devices have no
 * Ethernet header: an Ethernet interface given as a tunnel is a typo that
 * would leave it open, so it is refused before anything changes.
 */
static int check_tunnels(const struct policy *p)
{
	struct link *links = NULL;
	int count = links_list(&links), ret = 0;

	for (int i = 0; i < count; i++)
		if (links[i].ethernet && is_tunnel(p, links[i].name)) {
			pr_err("tunnel '%s' is an Ethernet interface, and a tunnel's traffic is never filtered: "
			       "give the WireGuard interface (wg show interfaces)",
			       links[i].name);
			ret = -EINVAL;
		}
	free(links);
	return count < 0 ? count : ret;
}

static int check_compatible(const struct instance *old, const struct policy *p)
{
	if (old->source == SOURCE_UNREACHABLE && p->mode != KS_MODE_TC) {
		instance_explain_unreachable();
		return -EPERM;
	}
	if ((old->source == SOURCE_PINS || old->source == SOURCE_KERNEL) && old->config.mode != p->mode) {
		pr_err("a kill switch in %s mode is in force here; run 'ksctl down' first to switch to %s mode",
		       mode_name(old->config.mode), mode_name(p->mode));
		return -EEXIST;
	}
	return 0;
}

static void explain_load_error(int err)
{
	if (err == -EPERM || err == -EACCES)
		pr_err("loading the BPF program was refused (%s): run as root, or grant CAP_BPF and CAP_NET_ADMIN",
		       strerror(-err));
	else
		pr_err("cannot load the BPF program: %s (run 'ksctl -v up' for libbpf's explanation)", strerror(-err));
}

int cmd_up(int argc, char **argv)
{
	struct up_options o = { 0 };
	struct killswitch *skel = NULL;
	struct policy policy = { 0 };
	struct instance old;
	struct ks_maps maps;
	const char *root, *why = NULL;
	bool pinned;
	int ret, attached;
	__u32 table4_blocks;

	instance_init(&old);
	ret = parse_options(&o, argc, argv);
	if (ret != EXIT_OK)
		goto out_free;
	ret = derive_policy(&policy, &o.request);
	if (ret < 0) {
		ret = ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out_free;
	}
	ret = EXIT_RUNTIME;
	root = pin_root(o.pin_dir);
	pinned = bpffs_prepare(root, true, &why) == 0;
	if (!pinned && o.pin_dir) {
		pr_err("cannot use pin directory '%s': %s; mount a bpffs there or leave --pin-dir out", root, why);
		goto out_free;
	}
	if (policy.mode == KS_MODE_CGROUP && check_cgroup(policy.cgroup_path) < 0)
		goto out;
	if (check_tunnels(&policy) < 0)
		goto out;
	if (instance_find(&old, root) < 0 || check_compatible(&old, &policy) < 0)
		goto out;

	table4_blocks = allowlist_table4_size(&policy.allow);
	ret = table4_blocks ? loader_load(&skel, &old, table4_blocks, policy.mode) : -ENOMEM;
	if (ret < 0) {
		explain_load_error(ret);
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = EXIT_RUNTIME;
	loader_maps(skel, &maps);
	maps.state->config.table4_blocks = 0; /* the table is new */
	attached = policy_write(&policy, &maps);
	if (attached < 0) {
		pr_err("cannot write the policy (%zu allowed prefixes, at most %u per family): %s", policy.allow.count,
		       KS_ALLOW_MAX, strerror(-attached));
		goto out;
	}
	if (old.source == SOURCE_UNREACHABLE)
		pr_warn("the kill switch in force could not be opened: replacing it, its counters start again at 0");

	attached = policy.mode == KS_MODE_TC ? attach_tc(skel, &old, &o, &policy, pinned) :
					       attach_cgroup(skel, &old, &policy);
	/* Pinned even after a partial failure, so that 'status' and 'down' find what is attached. */
	if (pinned && loader_pin(skel, old.pin_dir) < 0) {
		pinned = false;
		why = "pinning failed";
	}
	if (attached < 0)
		goto out;
	policy_describe(&policy);
	if (pinned)
		pr_info("ksctl: state pinned in %s", old.pin_dir);
	else
		pr_info("ksctl: not pinned (%s): safe, the kernel holds the attachments; 'stats', 'allow' and "
			"changes need CAP_SYS_ADMIN or a bpffs at /sys/fs/bpf", why);
	ret = EXIT_OK;
out:
	killswitch__destroy(skel);
	instance_close(&old);
out_free:
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
