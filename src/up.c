// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist.h"
#include "apply.h"
#include "attach_cgroup.h"
#include "bpffs.h"
#include "commands.h"
#include "defaults.h"
#include "derive.h"
#include "loader.h"
#include "lock.h"
#include "log.h"
#include "observe.h"
#include "up.h"
#include "watch.h"

static const char *mode_name(enum ks_mode mode)
{
	return mode == KS_MODE_CGROUP ? "cgroup" : "tc";
}

/*
 * A tunnel's traffic is never filtered. WireGuard and tun devices have no
 * Ethernet header: an Ethernet interface given as a tunnel is a typo that
 * would leave it open, so it is refused before anything changes.
 */
static int check_tunnels(const struct observed *o, const struct policy *p)
{
	int ret = 0;

	for (int i = 0; i < o->count; i++)
		for (int t = 0; t < p->tunnel_count; t++)
			if (o->views[i].link.ethernet && !strcmp(o->views[i].link.name, p->tunnels[t].name)) {
				pr_err("tunnel '%s' is an Ethernet interface, and a tunnel's traffic is never filtered: "
				       "give the WireGuard interface (wg show interfaces)",
				       p->tunnels[t].name);
				ret = -EINVAL;
			}
	return ret;
}

static int check_compatible(const struct instance *old, const struct policy *p)
{
	if (p->mode == KS_MODE_CGROUP) {
		int fd = cgroup_open(p->cgroup_path);

		if (fd < 0) {
			pr_err("cannot open cgroup '%s': %s: give a cgroup v2 directory (see /proc/mounts for cgroup2)",
			       p->cgroup_path, fd == -ENOTDIR ? "not a cgroup v2 directory" : strerror(-fd));
			return fd;
		}
		close(fd);
	}
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

/* Everything is sized before the first write: a list too long for its map is refused whole. */
static int check_sizes(const struct policy *p)
{
	size_t per_family[2] = { 0 }, only[2] = { 0 };

	for (size_t i = 0; i < p->allow.count; i++)
		per_family[p->allow.items[i].family != AF_INET]++;
	for (size_t i = 0; i < p->tunnel_only.count; i++)
		only[p->tunnel_only.items[i].family != AF_INET]++;
	if (per_family[0] > KS_ALLOW_MAX || per_family[1] > KS_ALLOW_MAX) {
		pr_err("%zu IPv4 and %zu IPv6 allowed prefixes: at most %u per family fit; merge prefixes",
		       per_family[0], per_family[1], KS_ALLOW_MAX);
		return -E2BIG;
	}
	if (only[0] > KS_TUNNEL_ONLY_MAX || only[1] > KS_TUNNEL_ONLY_MAX || p->endpoint_count > KS_ENDPOINTS_MAX ||
	    p->lan_dns.count > KS_LAN_DNS_MAX) {
		pr_err("the tunnels claim more than ksctl holds (%u tunnel-only prefixes per family, %u endpoints, "
		       "%u LAN resolvers)",
		       KS_TUNNEL_ONLY_MAX, KS_ENDPOINTS_MAX, KS_LAN_DNS_MAX);
		return -E2BIG;
	}
	return 0;
}

/*
 * tcx is cheaper, but a program attached with it can only be replaced or
 * detached through its fd: choose it only when a later run can reopen it.
 */
static enum tc_kind choose_kind(const struct up_how *how, bool pinned)
{
	if (how->attach != TC_NONE)
		return how->attach;
	return pinned || have_cap_sys_admin() ? TC_TCX : TC_CLSACT;
}

static void explain_load_error(int err)
{
	if (err == -EPERM || err == -EACCES)
		pr_err("loading the BPF program was refused (%s): run as root, or grant CAP_BPF and CAP_NET_ADMIN",
		       strerror(-err));
	else
		pr_err("cannot load the BPF program: %s (run 'ksctl -v up' for libbpf's explanation)", strerror(-err));
}

/* The wanted attachments, from the policy and what is in force. */
static struct want want_of(const struct observed *o, const struct policy *p, const struct up_how *how, bool pinned)
{
	bool same_cgroup = !strcmp(o->inst.config.cgroup_path, p->cgroup_path);

	return (struct want){
		.mode = p->mode,
		.preferred = choose_kind(how, pinned),
		.switch_kind = how->attach != TC_NONE,
		.new_programs = true,
		.cgroup_attached = o->cgroup_attached && same_cgroup,
		.cgroup_moved = o->cgroup_attached && !same_cgroup,
	};
}

static int make_plan(struct plan *plan, const struct observed *o, const struct want *want)
{
	const struct link_view *blind;
	const struct step *bad;
	int ret = plan_make(plan, o->views, o->count, want, &blind);

	if (ret == -EACCES) {
		pr_err("cannot read what is attached at %s's egress: nothing changed; run as root, or with CAP_NET_ADMIN "
		       "and CAP_BPF",
		       blind->link.name);
		return ret;
	}
	if (ret == 0 && !plan_fails_closed(plan, o->views, o->count, false, &bad)) {
		pr_err("refusing a plan that would leave %s open for a moment (a ksctl bug): nothing changed", bad->name);
		plan_free(plan);
		return -EINVAL;
	}
	return ret;
}

static void summary(const struct plan *plan, const struct observed *o, const struct policy *p)
{
	int by_kind[TC_CLSACT + 1] = { 0 }, covered = 0;

	if (p->mode == KS_MODE_CGROUP) {
		pr_info("ksctl: kill switch in force on cgroup %s", p->cgroup_path);
		return;
	}
	/* The links that carry the program now: what the plan attached or replaced. */
	for (int i = 0; i < o->count; i++) {
		enum tc_kind kind = TC_NONE;

		for (int s = 0; s < plan->count; s++)
			if (plan->steps[s].ifindex == o->views[i].link.ifindex && plan->steps[s].kind != STEP_DETACH)
				kind = plan->steps[s].tc;
		if (kind != TC_NONE) {
			by_kind[kind]++;
			covered++;
		}
	}
	pr_info("ksctl: kill switch in force on %d interface%s (tc: %d tcx, %d clsact)", covered, covered == 1 ? "" : "s",
		by_kind[TC_TCX], by_kind[TC_CLSACT]);
}

/*
 * Loads, writes, applies, commits; on a failure puts @old back. EXIT_OK or
 * EXIT_RUNTIME. @keep (--watch): the new programs' fds, held on success.
 */
static int transact(struct observed *o, const struct policy *p, const struct plan *plan, bool pinned,
		    const struct up_how *how, struct programs *keep)
{
	struct policy old = { 0 };
	struct killswitch *skel = NULL;
	struct programs progs = { .kind_forced = how->attach != TC_NONE };
	bool had_policy = o->inst.source == SOURCE_PINS || o->inst.source == SOURCE_KERNEL;
	struct ks_maps maps;
	/* Built once: it sizes the new IPv4 table, then fills it. */
	struct fast_path *fast = fast_path_new(&p->allow);
	int ret = fast ? loader_load(&skel, &o->inst, fast_path_table4_size(fast), p->mode) : -ENOMEM, failed;

	if (ret < 0) {
		explain_load_error(ret);
		fast_path_delete(fast);
		return EXIT_RUNTIME;
	}
	if (had_policy) {
		struct ks_maps in_force;

		instance_maps(&o->inst, &in_force);
		ret = policy_read(&old, &in_force);
	}
	loader_maps(skel, &maps);
	if (ret == 0)
		ret = policy_write(p, &maps, fast);
	if (ret < 0) {
		pr_err("cannot write the policy (%zu allowed prefixes): %s; the policy in force is kept", p->allow.count,
		       strerror(-ret));
		goto restore;
	}
	if (o->inst.source == SOURCE_UNREACHABLE)
		pr_warn("the kill switch in force could not be opened: replacing it, its counters start again at 0");
	if (pinned && loader_pin_staged(skel, o->inst.pin_dir) < 0) {
		pr_warn("pinning in %s failed: the kernel holds the attachments, but 'status' needs CAP_SYS_ADMIN to "
			"find them",
			o->inst.pin_dir);
		pinned = false;
	}
	for (int i = 0; i < KS_PROG_COUNT; i++)
		progs.fd[i] = bpf_program__fd(loader_prog(skel, i));
	failed = apply(plan, o, &progs, p->cgroup_path);
	if (failed)
		goto restore;
	if (pinned && loader_pin_commit(skel, o->inst.pin_dir) < 0)
		pr_warn("the pins in %s could not be renamed into place: 'ksctl up' again finishes it", o->inst.pin_dir);
	if (record_tunnels(p->tunnels, p->tunnel_count) < 0)
		pr_debug("no record of the tunnels in %s: status needs the pins or CAP_SYS_ADMIN", run_dir());
	summary(plan, o, p);
	policy_describe(p);
	if (pinned)
		pr_info("ksctl: state pinned in %s", o->inst.pin_dir);
	else
		pr_info("ksctl: not pinned: safe, the kernel holds the attachments; 'stats', 'allow' and changes need "
			"CAP_SYS_ADMIN or a bpffs at /sys/fs/bpf");
	for (int i = 0; keep && i < KS_PROG_COUNT; i++)
		keep->fd[i] = fcntl(progs.fd[i], F_DUPFD_CLOEXEC, 0);
	policy_free(&old);
	fast_path_delete(fast);
	killswitch__destroy(skel);
	return EXIT_OK;

restore:
	/* The programs in force read these maps too: they get the policy they had. */
	if (had_policy && policy_write(&old, &maps, NULL) < 0)
		pr_err("the previous policy could not be restored either: run 'ksctl up' again");
	if (pinned)
		loader_pin_commit(skel, o->inst.pin_dir);
	policy_free(&old);
	fast_path_delete(fast);
	killswitch__destroy(skel);
	return EXIT_RUNTIME;
}

int up_run(const struct policy *p, const struct up_how *how)
{
	char tunnels[KS_TUNNELS_MAX][KS_IFNAMSIZ] = { { 0 } };
	const char *root = pin_root(how->pin_dir), *why = NULL;
	struct ns_lock lock = { .fd = -1 };
	struct observed o = { 0 };
	struct plan plan = { 0 };
	struct programs held;
	struct want want;
	bool pinned = bpffs_prepare(root, !how->dry_run, &why) == 0;
	int ret = EXIT_RUNTIME;

	for (int i = 0; i < KS_PROG_COUNT; i++)
		held.fd[i] = -1;
	if (!pinned && how->pin_dir) {
		pr_err("cannot use pin directory '%s': %s; mount a bpffs there or leave --pin-dir out", root, why);
		return EXIT_RUNTIME;
	}
	for (int i = 0; i < p->tunnel_count; i++)
		memcpy(tunnels[i], p->tunnels[i].name, KS_IFNAMSIZ);
	if (check_sizes(p) < 0)
		return EXIT_USAGE;
	if (!how->dry_run && ns_lock(&lock, KS_LOCK_WAIT_MS) < 0)
		return EXIT_RUNTIME;
	if (observe(&o, root, tunnels, p->tunnel_count) < 0 || check_tunnels(&o, p) < 0 ||
	    check_compatible(&o.inst, p) < 0)
		goto out;
	want = want_of(&o, p, how, pinned);
	if (make_plan(&plan, &o, &want) < 0)
		goto out;
	if (how->dry_run) {
		plan_print(&plan, stdout);
		policy_describe(p);
		ret = EXIT_OK;
		goto out;
	}
	ret = transact(&o, p, &plan, pinned, how, how->watch ? &held : NULL);
out:
	plan_free(&plan);
	observed_free(&o);
	ns_unlock(&lock);
	if (ret == EXIT_OK && how->watch && !how->dry_run) {
		ret = watch_run(how->pin_dir, KS_DEFAULT_WATCH_INTERVAL_MS, &held);
		for (int i = 0; i < KS_PROG_COUNT; i++)
			if (held.fd[i] >= 0)
				close(held.fd[i]);
	}
	return ret;
}
