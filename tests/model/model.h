/* SPDX-License-Identifier: MIT */
/*
 * A reference model of the verdict, written from README's table ("## The
 * verdict", rows 1-14) and not from bpf/: plain arrays and linear or binary
 * searches, no fast path, so that a differential test can hold the program
 * to the table. It shares with the program only the reasons and the layouts
 * of the configuration (include/ksctl_common.h).
 */
#ifndef KSCTL_MODEL_H
#define KSCTL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksctl_common.h"

/* How the packet is handed to the verdict. */
enum model_framing {
	MODEL_ETHERNET, /* tc on an Ethernet device: the frame with its Ethernet header */
	MODEL_LAYER3,   /* tc on a layer-3 device (tun, WireGuard): the IP packet bare */
	MODEL_CGROUP,   /* cgroup_skb: the IP packet a socket sends */
	MODEL_FRAMINGS
};

struct model_packet {
	const uint8_t *data;
	size_t len;
	enum model_framing framing;
	uint32_t mark;
	uint32_t ifindex;  /* the interface it leaves; 1 is loopback */
	bool raw_socket;   /* sent by a raw or packet socket */
};

struct model_prefix {
	uint8_t family; /* 4 or 6 */
	uint8_t len;
	uint8_t addr[16];
};

/* A set of prefixes, sorted by model_prefixes_seal(). */
struct model_prefixes {
	struct model_prefix *items;
	size_t count, capacity;
	bool has_len[2][129]; /* by family (0: IPv4) and length: which lengths to search */
};

/* A client tunnel's peer endpoint: its encrypted UDP may go there. */
struct model_endpoint {
	struct ks_addr_key key; /* port in network order, never 0 */
	uint32_t tunnel;        /* index in model_config.tunnel */
};

struct model_config {
	struct ks_tunnel tunnel[KS_TUNNELS_MAX]; /* name "": unused slot */
	struct model_endpoint *endpoints;
	size_t endpoint_count, endpoint_capacity;
	struct ks_addr_key *lan_dns; /* resolvers named with --lan-dns (port 0) */
	size_t lan_dns_count, lan_dns_capacity;
	struct model_prefixes tunnel_only, allow;
};

/* The reason README's table gives @p under @c. */
enum ks_reason model_verdict(const struct model_config *c, const struct model_packet *p);

static inline bool model_passes(enum ks_reason r)
{
	return r < KS_REASON_FIRST_DROP;
}

/* Configuration: false when out of memory. */
bool model_prefixes_add(struct model_prefixes *set, const struct model_prefix *p);
/* Sorts the set for model_prefixes_contain; call after the last add. */
void model_prefixes_seal(struct model_prefixes *set);
bool model_prefixes_contain(const struct model_prefixes *set, uint8_t family, const uint8_t *addr);
bool model_add_endpoint(struct model_config *c, const struct model_endpoint *e);
bool model_add_lan_dns(struct model_config *c, const struct ks_addr_key *k);
void model_config_free(struct model_config *c);

#endif
