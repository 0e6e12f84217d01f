// SPDX-License-Identifier: MIT
/*
 * The kill switch: one verdict function for every egress packet, with thin
 * entry points for tc (Ethernet and layer-3 devices) and cgroup_skb.
 * It parses the bytes that leave, never the kernel's metadata about them:
 * a raw socket can claim any skb->protocol.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/icmpv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ksctl_common.h"

#define LOOPBACK_IFINDEX 1

/* Written by ksctl through a shared mapping; see struct ks_state. */
volatile struct ks_state ks_state;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KS_REASON_COUNT);
	__type(key, __u32);
	__type(value, struct ks_counter);
} ks_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, KS_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ks_allow4_key);
	__type(value, __u8);
} ks_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, KS_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ks_allow6_key);
	__type(value, __u8);
} ks_allow6 SEC(".maps");

/* ksctl sizes it before loading: the /16 states, then the blocks the allowlist needs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_ROOT4_BLOCKS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ks_block);
} ks_table4 SEC(".maps");

static __always_inline bool is_tunnel(__u32 ifindex)
{
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (ks_state.config.tunnel_ifindex[i] == ifindex)
			return true;
	return false;
}

static __always_inline bool mark_matches(__u32 mark)
{
	__u64 mark_mask = ks_state.config.mark_mask;
	__u32 mask = KS_MASK_OF(mark_mask);

	/* A zero mask would match every packet: it means "no fwmark pass". */
	return mask && (mark & mask) == KS_MARK_OF(mark_mask);
}

/* The /16's state decides, or its /24 block's, or else the trie, which is always complete. */
static __always_inline bool allowed4(const __u8 *addr, struct ks_allow4_key *key)
{
	__u32 first = (__u32)addr[0] << 8 | addr[1], index = first / KS_ROOT4_PER_BLOCK;
	struct ks_block *block = bpf_map_lookup_elem(&ks_table4, &index);
	__u16 state = block ? block->root[first % KS_ROOT4_PER_BLOCK] : KS_ROOT_LPM;

	if (state >= KS_ROOT_BLOCK) {
		index = KS_ROOT4_BLOCKS + state - KS_ROOT_BLOCK;
		block = bpf_map_lookup_elem(&ks_table4, &index);
		state = block ? block->state[addr[2]] : KS_ROOT_LPM;
	}
	if (state != KS_ROOT_LPM)
		return state == KS_ROOT_ALLOW;
	return bpf_map_lookup_elem(&ks_allow4, key) != NULL;
}

static __always_inline bool allowed6(const __u8 *addr, struct ks_allow6_key *key)
{
	__u8 state = ks_state.root6[(__u32)addr[0] << 8 | addr[1]];

	if (state != KS_ROOT_LPM)
		return state == KS_ROOT_ALLOW;
	return bpf_map_lookup_elem(&ks_allow6, key) != NULL;
}

/*
 * Make the first @len bytes readable. tc may pull non-linear data into the
 * head; cgroup_skb may not, and what it cannot see is malformed (dropped).
 */
static __always_inline bool headers_readable(struct __sk_buff *skb, __u32 len, bool can_pull)
{
	if ((long)skb->data + len <= (long)skb->data_end)
		return true;
	if (can_pull && skb->len >= len && bpf_skb_pull_data(skb, len) == 0)
		return (long)skb->data + len <= (long)skb->data_end;
	return false;
}

static __always_inline enum ks_reason classify_ipv4(struct __sk_buff *skb, __u32 off, bool can_pull)
{
	struct ks_allow4_key key = { .prefixlen = 32 };
	struct iphdr *ip;

	if (!headers_readable(skb, off + sizeof(*ip), can_pull))
		return KS_REASON_MALFORMED;
	ip = (void *)(long)skb->data + off;
	if ((void *)(ip + 1) > (void *)(long)skb->data_end)
		return KS_REASON_MALFORMED;
	if (ip->version != 4 || ip->ihl < 5)
		return KS_REASON_MALFORMED;
	__builtin_memcpy(key.addr, &ip->daddr, sizeof(key.addr));
	return allowed4(key.addr, &key) ? KS_REASON_ALLOWLIST : KS_REASON_IPV4;
}

/* Neighbour discovery (RFC 4861 types 133-137) is only valid with hop limit 255, so it never leaves the link. */
static __always_inline bool is_neighbour_discovery(struct ipv6hdr *ip, void *data_end)
{
	__u8 *icmp_type = (void *)(ip + 1);

	if (ip->nexthdr != IPPROTO_ICMPV6 || ip->hop_limit != 255)
		return false;
	if ((void *)(icmp_type + 1) > data_end)
		return false;
	return *icmp_type >= 133 && *icmp_type <= 137;
}

static __always_inline enum ks_reason classify_ipv6(struct __sk_buff *skb, __u32 off, bool can_pull)
{
	struct ks_allow6_key key = { .prefixlen = 128 };
	struct ipv6hdr *ip;

	if (!headers_readable(skb, off + sizeof(*ip), can_pull))
		return KS_REASON_MALFORMED;
	ip = (void *)(long)skb->data + off;
	if ((void *)(ip + 1) > (void *)(long)skb->data_end)
		return KS_REASON_MALFORMED;
	if (ip->version != 6)
		return KS_REASON_MALFORMED;
	if (is_neighbour_discovery(ip, (void *)(long)skb->data_end))
		return KS_REASON_LINK_LAYER;
	__builtin_memcpy(key.addr, &ip->daddr, sizeof(key.addr));
	return allowed6(key.addr, &key) ? KS_REASON_ALLOWLIST : KS_REASON_IPV6;
}

/* Without a link-layer header the IP version nibble says what the packet is. */
static __always_inline enum ks_reason classify_l3(struct __sk_buff *skb, bool can_pull)
{
	__u8 *first;

	if (!headers_readable(skb, 1, can_pull))
		return KS_REASON_MALFORMED;
	first = (void *)(long)skb->data;
	if ((void *)(first + 1) > (void *)(long)skb->data_end)
		return KS_REASON_MALFORMED;
	switch (*first >> 4) {
	case 4:
		return classify_ipv4(skb, 0, can_pull);
	case 6:
		return classify_ipv6(skb, 0, can_pull);
	}
	return KS_REASON_OTHER;
}

static __always_inline enum ks_reason classify_ethernet(struct __sk_buff *skb)
{
	struct ethhdr *eth;

	if (!headers_readable(skb, sizeof(*eth), true))
		return KS_REASON_MALFORMED;
	eth = (void *)(long)skb->data;
	if ((void *)(eth + 1) > (void *)(long)skb->data_end)
		return KS_REASON_MALFORMED;
	switch (eth->h_proto) {
	case bpf_htons(ETH_P_IP):
		return classify_ipv4(skb, sizeof(*eth), true);
	case bpf_htons(ETH_P_IPV6):
		return classify_ipv6(skb, sizeof(*eth), true);
	case bpf_htons(ETH_P_ARP):
		return KS_REASON_LINK_LAYER;
	}
	return KS_REASON_OTHER;
}

enum ks_framing { KS_ETHERNET, KS_L3_TC, KS_L3_CGROUP };

/* The verdict order lives here and only here. */
static __always_inline bool verdict(struct __sk_buff *skb, enum ks_framing framing)
{
	enum ks_reason reason;
	struct ks_counter *counter;
	__u32 key;

	/* tc mode never attaches to a tunnel; a cgroup sees every interface. */
	if (framing == KS_L3_CGROUP && is_tunnel(skb->ifindex))
		reason = KS_REASON_TUNNEL;
	else if (skb->ifindex == LOOPBACK_IFINDEX)
		reason = KS_REASON_LOCAL;
	else if (mark_matches(skb->mark))
		reason = KS_REASON_FWMARK;
	else if (framing == KS_ETHERNET)
		reason = classify_ethernet(skb);
	else
		reason = classify_l3(skb, framing == KS_L3_TC);

	key = reason;
	counter = bpf_map_lookup_elem(&ks_counters, &key);
	if (counter) {
		counter->packets++;
		counter->bytes += skb->len;
	}
	return reason < KS_REASON_FIRST_DROP;
}

SEC("tc")
int ksctl_eth(struct __sk_buff *skb)
{
	return verdict(skb, KS_ETHERNET) ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("tc")
int ksctl_l3(struct __sk_buff *skb)
{
	return verdict(skb, KS_L3_TC) ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("cgroup_skb/egress")
int ksctl_cgroup(struct __sk_buff *skb)
{
	return verdict(skb, KS_L3_CGROUP) ? 1 : 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
