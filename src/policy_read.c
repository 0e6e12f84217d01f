// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "policy.h"
#include "prefix_trie.h"

static int read_endpoints(struct policy *out, int fd)
{
	struct ks_addr_key key, next;
	void *prev = NULL;
	int ret;

	while ((ret = bpf_map_get_next_key(fd, prev, &next)) == 0) {
		struct policy_endpoint *grown = reallocarray(out->endpoints, out->endpoint_count + 1, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		out->endpoints = grown;
		grown[out->endpoint_count].key = next;
		ret = bpf_map_lookup_elem(fd, &next, &grown[out->endpoint_count].value);
		if (ret == 0)
			out->endpoint_count++;
		else if (ret != -ENOENT) /* deleted since the walk found it */
			return ret;
		key = next;
		prev = &key;
	}
	return ret == -ENOENT ? 0 : ret;
}

static int read_lan_dns(struct policy *out, int fd)
{
	struct ks_addr_key key, next;
	void *prev = NULL;
	int ret;

	while ((ret = bpf_map_get_next_key(fd, prev, &next)) == 0) {
		struct prefix p = { .family = next.family == 4 ? AF_INET : AF_INET6 };

		p.len = p.family == AF_INET ? 32 : 128;
		memcpy(p.addr, next.addr, sizeof(p.addr));
		if (!prefix_list_add(&out->lan_dns, &p))
			return -ENOMEM;
		key = next;
		prev = &key;
	}
	return ret == -ENOENT ? 0 : ret;
}

int policy_read(struct policy *out, const struct ks_maps *maps)
{
	const struct ks_config *config = &maps->state->config;
	struct prefix_tries allow = { maps->fd[KS_MAP_ALLOW4], maps->fd[KS_MAP_ALLOW6] };
	struct prefix_tries only = { maps->fd[KS_MAP_TUNNEL_ONLY4], maps->fd[KS_MAP_TUNNEL_ONLY6] };
	int ret;

	memset(out, 0, sizeof(*out));
	out->mode = config->mode;
	out->event_rate = config->event_rate;
	memcpy(out->cgroup_path, config->cgroup_path, sizeof(out->cgroup_path));
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (config->tunnel[i].name[0])
			out->tunnels[out->tunnel_count++] = config->tunnel[i];
	ret = read_endpoints(out, maps->fd[KS_MAP_ENDPOINTS]);
	if (ret == 0)
		ret = read_lan_dns(out, maps->fd[KS_MAP_LAN_DNS]);
	if (ret == 0)
		ret = prefix_tries_read(&only, &out->tunnel_only);
	if (ret == 0)
		ret = prefix_tries_read(&allow, &out->allow);
	return ret;
}
