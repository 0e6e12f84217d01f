/* SPDX-License-Identifier: MIT */
/*
 * What a kill switch puts in force: the desired state that `ksctl up`
 * derives from its options and the tunnels' configurations, and the one
 * function that writes it into the maps of a loaded program.
 */
#ifndef KSCTL_POLICY_H
#define KSCTL_POLICY_H

#include <stdbool.h>

#include "instance.h"
#include "prefix.h"

struct policy_endpoint {
	struct ks_addr_key key;
	struct ks_endpoint value;
};

struct policy {
	enum ks_mode mode;
	char cgroup_path[KS_CGROUP_PATH_MAX];
	struct ks_tunnel tunnels[KS_TUNNELS_MAX];
	char *config_path[KS_TUNNELS_MAX];  /* the tunnel's configuration file, or NULL */
	int tunnel_count;
	struct policy_endpoint *endpoints;  /* each address and port, and each address alone */
	size_t endpoint_count;
	struct prefix_list lan_dns;         /* resolvers outside the tunnel that DNS may reach */
	struct prefix_list tunnel_only;     /* never outside a tunnel, even where allowed */
	struct prefix_list allow;
	__u32 event_rate;                   /* drop events per second at most; 0: none */
};

void policy_free(struct policy *p);
/* The tunnel named @name, added when missing; NULL when all slots are taken. */
struct ks_tunnel *policy_tunnel(struct policy *p, const char *name);
/*
 * Lets tunnel @tunnel's encrypted UDP reach @family (AF_INET, AF_INET6)
 * @addr, UDP @port (host order), with the tunnel's mark; its later
 * fragments, which carry no port, may reach the address. false: out of memory.
 */
bool policy_add_endpoint(struct policy *p, int tunnel, int family, const uint8_t *addr, uint16_t port,
			 uint64_t resolved_at);

struct fast_path;

/* The maps of a loaded kill switch, with its .bss mapped. */
struct ks_maps {
	int fd[KS_MAP_COUNT];
	struct ks_state *state;
};

/*
 * Makes the maps hold @p. Every step keeps each verdict within the old
 * policy or the new one: what closes (tunnel-only destinations) is added
 * first and what it replaces is removed last. @allow_fast_path: the fast
 * path of p->allow when the caller built it already to size the table
 * (NULL: built here). 0 or -errno.
 */
int policy_write(const struct policy *p, const struct ks_maps *maps, const struct fast_path *allow_fast_path);
/* Reads back what the maps hold (tunnels in slot order; config_path stays NULL). 0 or -errno. */
int policy_read(struct policy *out, const struct ks_maps *maps);

#endif
