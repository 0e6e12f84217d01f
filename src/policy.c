// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "allowlist.h"
#include "map_set.h"
#include "policy.h"
#include "prefix_trie.h"

void policy_free(struct policy *p)
{
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		free(p->config_path[i]);
	free(p->endpoints);
	prefix_list_free(&p->lan_dns);
	prefix_list_free(&p->tunnel_only);
	prefix_list_free(&p->allow);
	memset(p, 0, sizeof(*p));
}

struct ks_tunnel *policy_tunnel(struct policy *p, const char *name)
{
	struct ks_tunnel *t;

	for (int i = 0; i < p->tunnel_count; i++)
		if (!strncmp(p->tunnels[i].name, name, sizeof(p->tunnels[i].name)))
			return &p->tunnels[i];
	if (p->tunnel_count == KS_TUNNELS_MAX || strlen(name) >= sizeof(t->name))
		return NULL;
	t = &p->tunnels[p->tunnel_count++];
	memset(t, 0, sizeof(*t));
	memcpy(t->name, name, strlen(name) + 1);
	return t;
}

static bool add_endpoint_key(struct policy *p, const struct ks_addr_key *key, const struct ks_endpoint *value)
{
	struct policy_endpoint *grown;

	for (size_t i = 0; i < p->endpoint_count; i++)
		if (!memcmp(&p->endpoints[i].key, key, sizeof(*key))) {
			/* A peer of several tunnels: each may reach it with its own mark. */
			p->endpoints[i].value.tunnels |= value->tunnels;
			return true;
		}
	grown = reallocarray(p->endpoints, p->endpoint_count + 1, sizeof(*grown));
	if (!grown)
		return false;
	p->endpoints = grown;
	p->endpoints[p->endpoint_count].key = *key;
	p->endpoints[p->endpoint_count++].value = *value;
	return true;
}

bool policy_add_endpoint(struct policy *p, int tunnel, int family, const uint8_t *addr, uint16_t port,
			 uint64_t resolved_at)
{
	struct ks_addr_key key = { .family = family == AF_INET ? 4 : 6, .port = htons(port) };
	struct ks_endpoint value = { .resolved_at = resolved_at, .tunnels = 1U << tunnel };

	memcpy(key.addr, addr, family == AF_INET ? 4 : 16);
	if (!add_endpoint_key(p, &key, &value))
		return false;
	key.port = 0;
	key.fragment = 1;
	return add_endpoint_key(p, &key, &value);
}

/* Written in place: with maps reused, the program in force sees each change at once. */
static void write_config(struct ks_config *config, const struct policy *p)
{
	for (int i = 0; i < KS_TUNNELS_MAX; i++) {
		struct ks_tunnel t = { 0 };

		if (i < p->tunnel_count) {
			t = p->tunnels[i];
			t.ifindex = if_nametoindex(t.name);
		}
		/* The mark and its mask change in one store. */
		__atomic_store_n(&config->tunnel[i].mark_mask, t.mark_mask, __ATOMIC_RELAXED);
		__atomic_store_n(&config->tunnel[i].ifindex, t.ifindex, __ATOMIC_RELAXED);
		__atomic_store_n(&config->tunnel[i].listen_port, t.listen_port, __ATOMIC_RELAXED);
		memcpy(config->tunnel[i].name, t.name, sizeof(t.name));
		config->tunnel[i].mark_source = t.mark_source;
		config->tunnel[i].from_config = t.from_config;
	}
	config->mode = p->mode;
	__atomic_store_n(&config->event_rate, p->event_rate, __ATOMIC_RELAXED);
	memcpy(config->cgroup_path, p->cgroup_path, sizeof(config->cgroup_path));
	config->generation++;
}

/* The resolvers as a set: the value is one byte that nobody reads. */
struct lan_dns_entry {
	struct ks_addr_key key;
	__u8 present;
};

static int write_lan_dns(const struct prefix_list *lan_dns, int fd)
{
	struct lan_dns_entry *entries = calloc(lan_dns->count ? lan_dns->count : 1, sizeof(*entries));
	int ret;

	if (!entries)
		return -ENOMEM;
	for (size_t i = 0; i < lan_dns->count; i++) {
		const struct prefix *r = &lan_dns->items[i];

		entries[i].key.family = r->family == AF_INET ? 4 : 6;
		memcpy(entries[i].key.addr, r->addr, r->family == AF_INET ? 4 : 16);
		entries[i].present = 1;
	}
	ret = map_set_replace(fd, entries, lan_dns->count, sizeof(*entries), sizeof(entries->key),
			      offsetof(struct lan_dns_entry, present));
	free(entries);
	return ret;
}

int policy_write(const struct policy *p, const struct ks_maps *maps, const struct fast_path *allow_fast_path)
{
	struct prefix_tries tunnel_only = { maps->fd[KS_MAP_TUNNEL_ONLY4], maps->fd[KS_MAP_TUNNEL_ONLY6] };
	struct allowlist allow = { maps->fd[KS_MAP_ALLOW4], maps->fd[KS_MAP_ALLOW6], maps->fd[KS_MAP_TABLE4],
				   maps->state };
	struct prefix_change only = { 0 };
	int ret = prefix_tries_diff(&tunnel_only, &p->tunnel_only, &only);

	if (ret == 0)
		ret = prefix_tries_add(&tunnel_only, &only.missing);
	/* A new rate starts with a full burst (the kernel leaves the lock alone). */
	if (ret == 0 && maps->state->config.event_rate != p->event_rate) {
		struct ks_event_bucket empty = { 0 };
		__u32 key = 0;

		ret = bpf_map_update_elem(maps->fd[KS_MAP_EVENT_BUCKET], &key, &empty, 0);
	}
	if (ret == 0) {
		write_config(&maps->state->config, p);
		ret = map_set_replace(maps->fd[KS_MAP_ENDPOINTS], p->endpoints, p->endpoint_count,
				      sizeof(*p->endpoints), sizeof(p->endpoints->key),
				      offsetof(struct policy_endpoint, value));
	}
	if (ret == 0)
		ret = write_lan_dns(&p->lan_dns, maps->fd[KS_MAP_LAN_DNS]);
	if (ret == 0)
		ret = allowlist_replace(&allow, &p->allow, allow_fast_path);
	if (ret == 0)
		ret = prefix_tries_del(&tunnel_only, &only.stale);
	prefix_change_free(&only);
	return ret;
}
