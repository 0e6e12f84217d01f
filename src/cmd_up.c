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
#include <string.h>
#include <unistd.h>

#include "allowlist.h"
#include "attach_cgroup.h"
#include "attach_tc.h"
#include "bpffs.h"
#include "commands.h"
#include "links.h"
#include "loader.h"
#include "log.h"
#include "parse.h"

static const char *const default_allow[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fe80::/10" };

struct up_options {
	char tunnels[KS_TUNNELS_MAX][IFNAMSIZ];
	int tunnel_count;
	uint32_t mark, mask;
	struct prefix_list allow;
	bool allow_given;
	enum ks_mode mode;
	const char *cgroup_path;
	enum tc_kind attach; /* TC_NONE: choose */
	const char *pin_dir;
};

static int parse_options(struct up_options *o, int argc, char **argv)
{
	enum { OPT_MODE = 256, OPT_CGROUP, OPT_ATTACH, OPT_PIN_DIR, OPT_ALLOW_FILE };
	static const struct option long_options[] = {
		{ "tunnel", required_argument, NULL, 'i' },
		{ "fwmark", required_argument, NULL, 'm' },
		{ "allow", required_argument, NULL, 'a' },
		{ "allow-file", required_argument, NULL, OPT_ALLOW_FILE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
		{ 0 }
	};
	bool mode_auto = true;
	int opt;

	o->mark = 0xca6c;
	o->mask = UINT32_MAX;
	o->mode = KS_MODE_TC;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":i:m:a:", long_options, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (o->tunnel_count == KS_TUNNELS_MAX)
				return usage_error("up", "more than %d tunnels ('%s')", KS_TUNNELS_MAX, optarg);
			if (!parse_ifname(o->tunnels[o->tunnel_count], optarg))
				return EXIT_USAGE;
			o->tunnel_count++;
			break;
		case 'm':
			if (!parse_fwmark(&o->mark, &o->mask, optarg))
				return EXIT_USAGE;
			break;
		case 'a':
			o->allow_given = true;
			if (!prefix_list_add_text(&o->allow, optarg))
				return EXIT_USAGE;
			break;
		case OPT_ALLOW_FILE:
			o->allow_given = true;
			if (!prefix_list_add_file(&o->allow, optarg))
				return EXIT_USAGE;
			break;
		case OPT_MODE:
			mode_auto = !strcmp(optarg, "auto");
			if (!strcmp(optarg, "tc") || mode_auto)
				o->mode = KS_MODE_TC;
			else if (!strcmp(optarg, "cgroup"))
				o->mode = KS_MODE_CGROUP;
			else
				return usage_error("up", "invalid mode '%s': use auto, tc or cgroup", optarg);
			break;
		case OPT_CGROUP:
			o->cgroup_path = optarg;
			break;
		case OPT_ATTACH:
			if (!strcmp(optarg, "tcx"))
				o->attach = TC_TCX;
			else if (!strcmp(optarg, "clsact"))
				o->attach = TC_CLSACT;
			else if (strcmp(optarg, "auto"))
				return usage_error("up", "invalid attachment '%s': use auto, tcx or clsact", optarg);
			break;
		case OPT_PIN_DIR:
			o->pin_dir = optarg;
			break;
		default:
			return option_error("up", argv, opt);
		}
	}
	if (optind < argc)
		return usage_error("up", "unexpected argument '%s'", argv[optind]);
	/* auto is tc; a cgroup path alone asks for cgroup mode. */
	if (mode_auto && o->cgroup_path)
		o->mode = KS_MODE_CGROUP;
	if (o->mode == KS_MODE_CGROUP && !o->cgroup_path)
		return usage_error("up", "--mode cgroup needs --cgroup PATH (a cgroup v2 directory)");
	if (o->mode == KS_MODE_TC && o->cgroup_path)
		return usage_error("up", "--cgroup '%s' goes with --mode cgroup, not tc", o->cgroup_path);
	if (!o->tunnel_count)
		strcpy(o->tunnels[o->tunnel_count++], "wg0");
	for (size_t i = 0; !o->allow_given && i < sizeof(default_allow) / sizeof(*default_allow); i++)
		prefix_list_add_text(&o->allow, default_allow[i]);
	return EXIT_OK;
}

static bool is_tunnel(const struct up_options *o, const char *name)
{
	for (int i = 0; i < o->tunnel_count; i++)
		if (!strcmp(o->tunnels[i], name))
			return true;
	return false;
}

/* Written in place: with maps reused, the old program sees the change at once. */
static void write_config(struct ks_config *config, const struct up_options *o)
{
	__atomic_store_n(&config->mark_mask, KS_MARK_MASK(o->mark, o->mask), __ATOMIC_RELAXED);
	for (int i = 0; i < KS_TUNNELS_MAX; i++) {
		bool used = i < o->tunnel_count;

		__atomic_store_n(&config->tunnel_ifindex[i], used ? if_nametoindex(o->tunnels[i]) : 0,
				 __ATOMIC_RELAXED);
		memset(config->tunnel_name[i], 0, sizeof(config->tunnel_name[i]));
		if (used)
			memcpy(config->tunnel_name[i], o->tunnels[i], IFNAMSIZ);
	}
	config->mode = o->mode;
	memset(config->cgroup_path, 0, sizeof(config->cgroup_path));
	if (o->cgroup_path)
		snprintf(config->cgroup_path, sizeof(config->cgroup_path), "%s", o->cgroup_path);
	config->generation++;
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

static int attach_tc(struct killswitch *skel, const struct instance *old, const struct up_options *o, bool pinned)
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
		if (is_tunnel(o, link->name)) {
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

static int attach_cgroup(struct killswitch *skel, const struct instance *old, const struct up_options *o)
{
	int prog_fd = bpf_program__fd(loader_prog(skel, KS_PROG_CGROUP));
	int cgroup_fd, old_fd = -1, ret;

	cgroup_fd = open_cgroup_option(o->cgroup_path);
	if (cgroup_fd < 0)
		return cgroup_fd;
	if (old->prog_id[KS_PROG_CGROUP] && cgroup_has_prog(cgroup_fd, old->prog_id[KS_PROG_CGROUP]))
		old_fd = old->prog_fd[KS_PROG_CGROUP];
	ret = cgroup_attach(cgroup_fd, prog_fd, old_fd);
	close(cgroup_fd);
	if (ret < 0) {
		pr_err("cannot attach to cgroup '%s': %s", o->cgroup_path, strerror(-ret));
		return ret;
	}
	if (old_fd < 0 && old->config.cgroup_path[0] && strcmp(old->config.cgroup_path, o->cgroup_path)) {
		/* Moved: the new cgroup is covered now, so the old one may be released. */
		cgroup_fd = cgroup_open(old->config.cgroup_path);
		if (cgroup_fd >= 0) {
			cgroup_detach(cgroup_fd, old->prog_fd[KS_PROG_CGROUP]);
			close(cgroup_fd);
		}
	}
	pr_info("ksctl: kill switch in force on cgroup %s", o->cgroup_path);
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
static int check_tunnels(const struct up_options *o)
{
	struct link *links = NULL;
	int count = links_list(&links), ret = 0;

	for (int i = 0; i < count; i++)
		if (links[i].ethernet && is_tunnel(o, links[i].name)) {
			pr_err("tunnel '%s' is an Ethernet interface, and a tunnel's traffic is never filtered: "
			       "give the WireGuard interface (wg show interfaces)",
			       links[i].name);
			ret = -EINVAL;
		}
	free(links);
	return count < 0 ? count : ret;
}

static int check_compatible(const struct instance *old, const struct up_options *o)
{
	if (old->source == SOURCE_UNREACHABLE && o->mode != KS_MODE_TC) {
		instance_explain_unreachable();
		return -EPERM;
	}
	if ((old->source == SOURCE_PINS || old->source == SOURCE_KERNEL) && old->config.mode != o->mode) {
		pr_err("a kill switch in %s mode is in force here; run 'ksctl down' first to switch to %s mode",
		       mode_name(old->config.mode), mode_name(o->mode));
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
	struct allowlist allow;
	struct instance old;
	const char *root, *why = NULL;
	bool pinned;
	int ret, attached;
	__u32 table4_blocks;

	instance_init(&old);
	ret = parse_options(&o, argc, argv);
	if (ret != EXIT_OK)
		goto out_free;
	ret = EXIT_RUNTIME;
	root = pin_root(o.pin_dir);
	pinned = bpffs_prepare(root, true, &why) == 0;
	if (!pinned && o.pin_dir) {
		pr_err("cannot use pin directory '%s': %s; mount a bpffs there or leave --pin-dir out", root, why);
		goto out_free;
	}
	if (o.mode == KS_MODE_CGROUP && check_cgroup(o.cgroup_path) < 0)
		goto out;
	if (check_tunnels(&o) < 0)
		goto out;
	if (instance_find(&old, root) < 0 || check_compatible(&old, &o) < 0)
		goto out;

	table4_blocks = allowlist_table4_size(&o.allow);
	ret = table4_blocks ? loader_load(&skel, &old, table4_blocks, o.mode) : -ENOMEM;
	if (ret < 0) {
		explain_load_error(ret);
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = EXIT_RUNTIME;
	write_config(&skel->bss->ks_state.config, &o);
	allow.fd4 = bpf_map__fd(skel->maps.ks_allow4);
	allow.fd6 = bpf_map__fd(skel->maps.ks_allow6);
	allow.table4_fd = bpf_map__fd(skel->maps.ks_table4);
	allow.state = &skel->bss->ks_state;
	allow.state->config.table4_blocks = 0; /* the table is new */
	attached = allowlist_replace(&allow, &o.allow);
	if (attached < 0) {
		pr_err("cannot write the allowlist (%zu prefixes, at most %u per family): %s", o.allow.count,
		       KS_ALLOW_MAX, strerror(-attached));
		goto out;
	}
	if (old.source == SOURCE_UNREACHABLE)
		pr_warn("the kill switch in force could not be opened: replacing it, its counters start again at 0");

	attached = o.mode == KS_MODE_TC ? attach_tc(skel, &old, &o, pinned) : attach_cgroup(skel, &old, &o);
	/* Pinned even after a partial failure, so that 'status' and 'down' find what is attached. */
	if (pinned && loader_pin(skel, old.pin_dir) < 0) {
		pinned = false;
		why = "pinning failed";
	}
	if (attached < 0)
		goto out;
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
	prefix_list_free(&o.allow);
	return ret;
}
