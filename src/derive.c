// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "defaults.h"
#include "derive.h"
#include "log.h"
#include "prefix_scope.h"
#include "wgconf.h"

void up_request_free(struct up_request *r)
{
	free(r->endpoints);
	prefix_list_free(&r->lan_dns);
	prefix_list_free(&r->allow);
	memset(r, 0, sizeof(*r));
}

/*
 * The configurations given with --config; without any, each tunnel's file
 * where wg-quick or linuxserver/wireguard keep it, when there is one.
 */
static int load_configs(const struct up_request *r, struct wgconf_list *list)
{
	char path[PATH_MAX];
	int ret = 0;

	for (int i = 0; i < r->config_count && ret == 0; i++)
		ret = wgconf_load(list, r->configs[i]);
	if (r->config_count || ret)
		return ret;
	for (int i = 0; i < (r->tunnel_count ? r->tunnel_count : 1) && ret == 0; i++) {
		const char *name = r->tunnel_count ? r->tunnels[i] : KS_DEFAULT_TUNNEL;

		for (size_t j = 0; j < ks_default_config_path_count; j++) {
			snprintf(path, sizeof(path), ks_default_config_paths[j], name);
			if (access(path, F_OK) == 0) {
				ret = wgconf_load(list, path);
				break;
			}
		}
	}
	return ret;
}

static int add_tunnel(struct policy *out, const char *name, struct ks_tunnel **t)
{
	*t = policy_tunnel(out, name);
	if (!*t) {
		pr_err("more than %d tunnels ('%s'): ksctl covers at most %d", KS_TUNNELS_MAX, name, KS_TUNNELS_MAX);
		return -EINVAL;
	}
	return 0;
}

static int resolve_into(struct policy *out, int tunnel, const struct wgconf_endpoint *spec)
{
	struct wg_endpoint *resolved = NULL;
	size_t count = 0;
	int ret = wgconf_resolve(spec, &resolved, &count);
	uint64_t now = (uint64_t)time(NULL);

	for (size_t i = 0; i < count && ret == 0; i++)
		if (!policy_add_endpoint(out, tunnel, resolved[i].family, resolved[i].addr, resolved[i].port, now))
			ret = -ENOMEM;
	free(resolved);
	return ret;
}

static bool add_all(struct prefix_list *to, const struct prefix_list *from)
{
	for (size_t i = 0; i < from->count; i++)
		if (!prefix_list_add(to, &from->items[i]))
			return false;
	return true;
}

/* A tunnel read from its configuration: what wg-quick will make of it. */
static int from_config(struct policy *out, const struct up_request *r, const struct wgconf *c)
{
	enum wgconf_mark_source source;
	struct ks_tunnel *t;
	uint32_t mark = 0;
	int index, ret = add_tunnel(out, c->name, &t);

	if (ret)
		return ret;
	index = (int)(t - out->tunnels);
	source = wgconf_mark(c, &mark);
	if (r->fwmark_given && source == WGCONF_MARK_FWMARK && (mark & r->mask) != r->mark) {
		pr_err("--fwmark 0x%x/0x%x contradicts FwMark = 0x%x in %s: leave --fwmark out", r->mark, r->mask, mark,
		       c->path);
		return -EINVAL;
	}
	if (r->fwmark_given && source != WGCONF_MARK_NONE) {
		t->mark_mask = KS_MARK_MASK(r->mark, r->mask);
		t->mark_source = KS_MARK_OPTION;
	} else if (source != WGCONF_MARK_NONE) {
		t->mark_mask = KS_MARK_MASK(mark, UINT32_MAX);
		t->mark_source = source == WGCONF_MARK_FWMARK ? KS_MARK_FWMARK : KS_MARK_INFERRED;
	}
	t->listen_port = c->has_listen_port ? c->listen_port : 0;
	t->from_config = 1;
	free(out->config_path[index]);
	out->config_path[index] = strdup(c->path);
	if (!out->config_path[index] || !add_all(&out->tunnel_only, &c->addresses) ||
	    !add_all(&out->tunnel_only, &c->dns) || !add_all(&out->tunnel_only, &c->allowed_ips))
		return -ENOMEM;
	for (size_t i = 0; i < c->endpoint_count && ret == 0; i++)
		ret = resolve_into(out, index, &c->endpoints[i]);
	return ret;
}

/* A tunnel named with --tunnel and no configuration: the options say all there is. */
static int by_hand(struct policy *out, const struct up_request *r, const char *name)
{
	struct ks_tunnel *t;
	int ret = add_tunnel(out, name, &t);

	if (ret || t->from_config)
		return ret;
	if (r->fwmark_given)
		t->mark_mask = KS_MARK_MASK(r->mark, r->mask);
	else
		t->mark_mask = KS_MARK_MASK(KS_DEFAULT_FWMARK, UINT32_MAX);
	t->mark_source = KS_MARK_OPTION;
	return 0;
}

/* --endpoint and --listen-port belong to the first tunnel without a configuration. */
static int hand_given_pins(struct policy *out, const struct up_request *r)
{
	int index = -1, ret = 0;

	for (int i = 0; i < out->tunnel_count && index < 0; i++)
		if (!out->tunnels[i].from_config)
			index = i;
	if (!r->endpoint_count && !r->listen_port_count)
		return 0;
	if (index < 0) {
		pr_err("--endpoint and --listen-port are for a tunnel without a configuration file, and every tunnel "
		       "here has one: leave them out, ksctl reads its Endpoint and ListenPort");
		return -EINVAL;
	}
	if (r->listen_port_count > 1) {
		pr_err("more than one --listen-port: a WireGuard interface listens on one port");
		return -EINVAL;
	}
	if (r->listen_port_count)
		out->tunnels[index].listen_port = r->listen_ports[0];
	for (size_t i = 0; i < r->endpoint_count && ret == 0; i++)
		ret = resolve_into(out, index, &r->endpoints[i]);
	return ret;
}

/* A typo must not open the internet; a resolver must not be one the tunnel claims. */
static int check_prefixes(const struct policy *out, const struct up_request *r)
{
	char text[PREFIX_TEXT_MAX], claim[PREFIX_TEXT_MAX];
	int ret = 0;

	if (!r->force && prefixes_refuse_public_wide(&out->allow))
		ret = -EINVAL;
	for (size_t i = 0; i < out->lan_dns.count; i++)
		for (size_t j = 0; j < out->tunnel_only.count; j++) {
			const struct prefix *dns = &out->lan_dns.items[i], *only = &out->tunnel_only.items[j];

			if (!prefix_within(dns, only))
				continue;
			inet_ntop(dns->family, dns->addr, text, sizeof(text));
			prefix_format(only, claim);
			pr_err("--lan-dns %s is inside %s, which a tunnel's configuration claims: DNS to it stays in the "
			       "tunnel; name a resolver on your LAN",
			       text, claim);
			ret = -EINVAL;
		}
	return ret;
}

int derive_policy(struct policy *out, const struct up_request *r)
{
	struct wgconf_list configs = { 0 };
	int ret = load_configs(r, &configs);

	memset(out, 0, sizeof(*out));
	if (ret)
		return ret == -ENOMEM ? ret : -EINVAL;
	out->mode = r->mode;
	out->event_rate = r->event_rate;
	if (r->cgroup_path)
		snprintf(out->cgroup_path, sizeof(out->cgroup_path), "%s", r->cgroup_path);
	for (size_t i = 0; i < configs.count && ret == 0; i++)
		ret = from_config(out, r, &configs.items[i]);
	for (int i = 0; i < r->tunnel_count && ret == 0; i++)
		ret = by_hand(out, r, r->tunnels[i]);
	if (ret == 0 && !out->tunnel_count)
		ret = by_hand(out, r, KS_DEFAULT_TUNNEL);
	if (ret == 0)
		ret = hand_given_pins(out, r);
	if (ret == 0 && (!add_all(&out->lan_dns, &r->lan_dns) || !add_all(&out->allow, &r->allow)))
		ret = -ENOMEM;
	for (size_t i = 0; ret == 0 && !r->allow_given && i < ks_default_allow_count; i++)
		if (!prefix_list_add_text(&out->allow, ks_default_allow[i]))
			ret = -ENOMEM;
	if (ret == 0)
		ret = check_prefixes(out, r);
	wgconf_list_free(&configs);
	return ret;
}

static const char *mark_origin(const struct ks_tunnel *t)
{
	switch (t->mark_source) {
	case KS_MARK_FWMARK:
		return "FwMark";
	case KS_MARK_INFERRED:
		return "inferred: wg-quick's first routing table; set FwMark to be sure";
	default:
		return "--fwmark";
	}
}

void policy_describe(const struct policy *p)
{
	char text[WG_ENDPOINT_TEXT_MAX];

	for (int i = 0; i < p->tunnel_count; i++) {
		const struct ks_tunnel *t = &p->tunnels[i];
		char line[512];
		size_t used = 0;
		int endpoints = 0;

		for (size_t j = 0; j < p->endpoint_count; j++) {
			const struct policy_endpoint *e = &p->endpoints[j];
			struct wg_endpoint shown = { .family = e->key.family == 4 ? AF_INET : AF_INET6,
						     .port = ntohs(e->key.port) };

			if (!(e->value.tunnels & (1U << i)) || e->key.fragment)
				continue;
			memcpy(shown.addr, e->key.addr, sizeof(shown.addr));
			wg_endpoint_format(&shown, text);
			if (used < sizeof(line))
				used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", endpoints++ ? ", " : "",
							 text);
		}
		if (endpoints && KS_MASK_OF(t->mark_mask))
			pr_info("ksctl: %s: encrypted UDP to %s passes with mark 0x%x (%s)", t->name, line,
				KS_MARK_OF(t->mark_mask), mark_origin(t));
		else if (endpoints)
			pr_info("ksctl: %s: encrypted UDP to %s passes (wg-quick sets no mark on it)", t->name, line);
		else if (!t->listen_port)
			pr_warn("%s: no peer endpoint known%s: its encrypted UDP is dropped; give --config FILE "
				"or --endpoint ADDR:PORT",
				t->name, t->from_config ? " in its configuration" : " (no configuration found)");
		if (t->listen_port)
			pr_info("ksctl: %s: WireGuard UDP from port %u passes to any peer (ListenPort); while %s is "
				"down, a process that binds that port could send WireGuard-shaped UDP from it",
				t->name, t->listen_port, t->name);
		if (p->config_path[i])
			pr_debug("ksctl: %s: read %s", t->name, p->config_path[i]);
	}
}
