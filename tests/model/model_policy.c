// SPDX-License-Identifier: MIT
/*
 * The model's configuration for a policy as `ksctl up` writes it, for tests
 * that build a policy by hand. The policy's endpoint map holds each address
 * alone too (for fragments): the model derives that, so only the entries
 * with a port are endpoints. A policy keeps one tunnel per endpoint: a test
 * of endpoints that tunnels share builds the model's configuration itself.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

#include "model_policy.h"

static bool add_prefixes(struct model_prefixes *set, const struct prefix_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		struct model_prefix p = { .family = list->items[i].family == AF_INET ? 4 : 6, .len = list->items[i].len };

		memcpy(p.addr, list->items[i].addr, sizeof(p.addr));
		if (!model_prefixes_add(set, &p))
			return false;
	}
	model_prefixes_seal(set);
	return true;
}

bool model_from_policy(struct model_config *c, const struct policy *p)
{
	model_config_free(c);
	for (int i = 0; i < p->tunnel_count; i++) {
		c->tunnel[i] = p->tunnels[i];
		c->tunnel[i].ifindex = if_nametoindex(p->tunnels[i].name);
	}
	for (size_t i = 0; i < p->endpoint_count; i++)
		for (uint32_t t = 0; t < KS_TUNNELS_MAX && !p->endpoints[i].key.fragment; t++) {
			struct model_endpoint e = { .key = p->endpoints[i].key, .tunnel = t };

			if ((p->endpoints[i].value.tunnels & (1U << t)) && !model_add_endpoint(c, &e))
				return false;
		}
	for (size_t i = 0; i < p->lan_dns.count; i++) {
		struct ks_addr_key k = { .family = p->lan_dns.items[i].family == AF_INET ? 4 : 6 };

		memcpy(k.addr, p->lan_dns.items[i].addr, sizeof(k.addr));
		if (!model_add_lan_dns(c, &k))
			return false;
	}
	return add_prefixes(&c->tunnel_only, &p->tunnel_only) && add_prefixes(&c->allow, &p->allow);
}
