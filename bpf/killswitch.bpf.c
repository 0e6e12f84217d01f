// SPDX-License-Identifier: MIT
/*
 * The kill switch: one verdict function for every egress packet, with thin
 * entry points for tc (Ethernet and layer-3 devices) and cgroup_skb.
 * It parses the bytes that leave, never the kernel's metadata about them:
 * a raw socket can claim any skb->protocol. Every exemption is pinned to
 * exactly what it exists for, because a consumer with CAP_NET_RAW can set
 * marks, craft any header and bind to any device.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/icmpv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ksctl_common.h"

#define LOOPBACK_IFINDEX 1
/* Not in the UAPI headers this is built with (they are the kernel's internal ones). */
#define AF_INET 2
#define AF_INET6 10
#define SOCK_RAW 3
#define IP_OFFSET 0x1fff
#define ND_ROUTER_SOLICIT 133
#define ND_ROUTER_ADVERT 134
#define ND_NEIGHBOUR_SOLICIT 135
#define ND_NEIGHBOUR_ADVERT 136
#define ND_REDIRECT 137
#define MLD_QUERY 130
#define MLD_REPORT 131
#define MLD_DONE 132
#define MLD2_REPORT 143
#define ARP_HW_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct arp_ipv4 {
	__be16 hw_type;
	__be16 proto;
	__u8 hw_len;
	__u8 proto_len;
	__be16 op;
	__u8 addresses[2 * (6 + 4)]; /* sender and target, hardware and protocol */
};

/* How far into a packet the parser looks; deeper headers are malformed. */
#define PARSE_MAX 1024
#define IPV6_EXT_MAX 6
/* Options walked in an IPv4 header; more is malformed (hosts send one, Router Alert, if any). */
#define IPV4_OPTIONS_MAX 10

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

/* Destinations a tunnel's configuration claims: its DNS, addresses and peers' AllowedIPs. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, KS_TUNNEL_ONLY_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ks_allow4_key);
	__type(value, __u8);
} ks_tunnel_only4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, KS_TUNNEL_ONLY_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ks_allow6_key);
	__type(value, __u8);
} ks_tunnel_only6 SEC(".maps");

/*
 * The client tunnels' peers: address and UDP port (port 0: the address, for
 * fragments). Only ksctl writes it, a few entries: not preallocated, so that
 * creating it costs nothing (4096 preallocated entries took 1-2 ms of 'up').
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KS_ENDPOINTS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ks_addr_key);
	__type(value, struct ks_endpoint);
} ks_endpoints SEC(".maps");

/* Resolvers outside the tunnel that DNS may reach (--lan-dns), port 0. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KS_LAN_DNS_MAX);
	__type(key, struct ks_addr_key);
	__type(value, __u8);
} ks_lan_dns SEC(".maps");

/* Drop events for `ksctl events`, within the rate `up` set (ks_config.event_rate). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KS_EVENTS_BUFFER);
} ks_events SEC(".maps");

/* What became of each drop's event, per CPU, by enum ks_event_outcome. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KS_EVENT_OUTCOME_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} ks_event_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_event_bucket);
} ks_event_bucket SEC(".maps");

/* ksctl selftest's probes, each to a destination of its own, while ks_config.probe_deadline runs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KS_PROBES_MAX);
	__type(key, struct ks_addr_key);
	__type(value, struct ks_probe);
} ks_probes SEC(".maps");

/* What the parser learnt of an IP packet. */
struct packet {
	struct ks_addr_key dst;     /* family, destination port (when known) and address; ARP: the address asked for */
	__u8 src[16];               /* the source address */
	__u16 src_port;             /* network order, when known */
	__u16 udp_len;              /* the UDP header's length field, host order */
	__u16 udp_payload;          /* offset of the UDP payload */
	__u8 l4;                    /* IPPROTO_* */
	__u8 hop_limit;             /* IPv6 */
	__u8 icmp_type;             /* ICMPv6 */
	bool later_fragment;        /* no transport header: ports unknown */
	bool has_ports;             /* TCP or UDP with its header in this packet */
	bool source_route;          /* LSRR/SSRR option or a routing header */
	bool arp;
};

enum ks_framing { KS_ETHERNET, KS_L3_TC, KS_L3_CGROUP };

/*
 * Copies @len bytes at @off into @buf. The helper reads non-linear data as
 * well, in tc and in cgroup_skb alike, and never changes the packet (a pull
 * would copy the cloned heads that TCP sends).
 */
static __always_inline bool load(struct __sk_buff *skb, __u32 off, void *buf, __u32 len)
{
	return off <= PARSE_MAX && bpf_skb_load_bytes(skb, off, buf, len) == 0;
}

/* Ports and, for UDP, the length and where the payload starts. */
static __always_inline bool parse_l4(struct __sk_buff *skb, __u32 off, struct packet *p)
{
	__u16 l4[4];

	if (p->l4 == IPPROTO_ICMPV6)
		return load(skb, off, &p->icmp_type, 1);
	if (p->l4 != IPPROTO_UDP && p->l4 != IPPROTO_TCP)
		return true;
	if (!load(skb, off, l4, sizeof(l4)))
		return false;
	p->src_port = l4[0];
	p->dst.port = l4[1];
	p->has_ports = true;
	p->udp_len = bpf_ntohs(l4[2]);
	p->udp_payload = off + 8;
	return true;
}

/* Walks the options for loose or strict source routing. false: malformed. */
static __always_inline bool ipv4_options(struct __sk_buff *skb, __u32 off, __u32 end, struct packet *p)
{
	for (int i = 0; i <= IPV4_OPTIONS_MAX && off < end; i++) {
		__u8 opt[2];

		if (!load(skb, off, opt, 1))
			return false;
		if (opt[0] == IPOPT_END)
			return true;
		if (i == IPV4_OPTIONS_MAX)
			return false; /* one option more than walked, before the end of the list */
		if (opt[0] == IPOPT_NOOP) {
			off++;
			continue;
		}
		if (opt[0] == IPOPT_LSRR || opt[0] == IPOPT_SSRR)
			p->source_route = true;
		if (!load(skb, off, opt, 2) || opt[1] < 2)
			return false;
		off += opt[1];
	}
	/* Options left unread, or one that runs past the header: malformed. */
	return off == end;
}

static __always_inline bool parse_ipv4(struct __sk_buff *skb, __u32 off, struct packet *p)
{
	struct iphdr ip;
	__u32 header_len;

	if (!load(skb, off, &ip, sizeof(ip)) || ip.version != 4 || ip.ihl < 5)
		return false;
	p->dst.family = 4;
	__builtin_memcpy(p->dst.addr, &ip.daddr, 4);
	__builtin_memcpy(p->src, &ip.saddr, 4);
	p->l4 = ip.protocol;
	header_len = ip.ihl * 4;
	/* A later fragment carries no transport header: its ports are unknown. */
	p->later_fragment = ip.frag_off & bpf_htons(IP_OFFSET);
	if (header_len > sizeof(ip) && !ipv4_options(skb, off + sizeof(ip), off + header_len, p))
		return false;
	return p->later_fragment || parse_l4(skb, off + header_len, p);
}

static __always_inline bool is_ipv6_extension(__u8 next)
{
	return next == IPPROTO_HOPOPTS || next == IPPROTO_DSTOPTS || next == IPPROTO_ROUTING ||
	       next == IPPROTO_FRAGMENT || next == IPPROTO_AH;
}

/* Follows extension headers to the transport header. false: malformed. */
static __always_inline bool parse_ipv6(struct __sk_buff *skb, __u32 off, struct packet *p)
{
	struct ipv6hdr ip;
	__u8 next;

	if (!load(skb, off, &ip, sizeof(ip)) || ip.version != 6)
		return false;
	p->dst.family = 6;
	__builtin_memcpy(p->dst.addr, &ip.daddr, 16);
	__builtin_memcpy(p->src, &ip.saddr, 16);
	p->hop_limit = ip.hop_limit;
	next = ip.nexthdr;
	off += sizeof(ip);
	for (int i = 0; i < IPV6_EXT_MAX && is_ipv6_extension(next); i++) {
		__u8 ext[4] = { 0 };

		if (!load(skb, off, ext, next == IPPROTO_FRAGMENT ? 4 : 2))
			return false;
		p->source_route |= next == IPPROTO_ROUTING;
		if (next == IPPROTO_FRAGMENT) {
			off += 8;
			if (((__u16)ext[2] << 8 | ext[3]) & 0xfff8) {
				p->l4 = ext[0];
				p->later_fragment = true;
				return true;
			}
		} else {
			off += next == IPPROTO_AH ? ((__u32)ext[1] + 2) * 4 : ((__u32)ext[1] + 1) * 8;
		}
		next = ext[0];
	}
	/* More than IPV6_EXT_MAX extension headers: more than any real packet has. */
	if (is_ipv6_extension(next))
		return false;
	p->l4 = next;
	return parse_l4(skb, off, p);
}

/*
 * A function of its own (a BPF global function): the verifier checks it
 * once, and the verdict after it once, instead of once for every way through
 * the headers. Loaded with CAP_BPF alone (a container), the verifier also
 * walks the paths a CPU could take speculatively: inlined, the header walks
 * multiplied the verdict past its limit of a million instructions.
 */
__attribute__((noinline)) int parse_ip(struct __sk_buff *skb, __u32 l3, __u32 version, struct packet *p)
{
	if (!p)
		return 0;
	return version == 4 ? parse_ipv4(skb, l3, p) : parse_ipv6(skb, l3, p);
}

static __always_inline bool is_link_local(const __u8 *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* ff02::N, the link-scope multicast group N (1 all nodes, 2 all routers). */
static __always_inline bool is_link_multicast(const __u8 *a, __u8 group)
{
	return a[0] == 0xff && a[1] == 0x02 && !a[2] && !a[3] && !a[4] && !a[5] && !a[6] && !a[7] && !a[8] &&
	       !a[9] && !a[10] && !a[11] && !a[12] && !a[13] && !a[14] && a[15] == group;
}

/* ff02::/16: multicast that never leaves the link. */
static __always_inline bool is_link_scope_multicast(const __u8 *a)
{
	return a[0] == 0xff && a[1] == 0x02;
}

/* ff02::1:ff00:0/104: the solicited-node groups that neighbour solicitations go to. */
static __always_inline bool is_solicited_node(const __u8 *a)
{
	return a[0] == 0xff && a[1] == 0x02 && !a[2] && !a[3] && !a[4] && !a[5] && !a[6] && !a[7] && !a[8] &&
	       !a[9] && !a[10] && a[11] == 0x01 && a[12] == 0xff;
}

/*
 * Neighbour discovery (RFC 4861) carries hop limit 255, but routers forward
 * it like any packet: it passes only to the link-scope destinations each
 * type needs. Multicast listener reports (MLD, RFC 3810), which switches that
 * snoop multicast need to deliver solicitations, carry hop limit 1 to link
 * multicast. Anything else is judged like any packet.
 */
static __always_inline bool is_link_housekeeping(const struct packet *p)
{
	const __u8 *dst = p->dst.addr;

	if (p->l4 != IPPROTO_ICMPV6 || p->later_fragment)
		return false;
	switch (p->icmp_type) {
	case MLD_QUERY:
	case MLD_REPORT:
	case MLD_DONE:
	case MLD2_REPORT:
		return p->hop_limit == 1 && is_link_scope_multicast(dst);
	}
	if (p->hop_limit != 255)
		return false;
	switch (p->icmp_type) {
	case ND_ROUTER_SOLICIT:
		return is_link_multicast(dst, 2);
	case ND_ROUTER_ADVERT:
	case ND_NEIGHBOUR_ADVERT:
		return is_link_multicast(dst, 1) || is_link_local(dst);
	case ND_NEIGHBOUR_SOLICIT:
		return is_solicited_node(dst) || is_link_local(dst);
	case ND_REDIRECT:
		return is_link_local(dst);
	}
	return false;
}

/*
 * WireGuard's own messages: a type (1 initiation, 2 response, 3 cookie,
 * 4 data) and three zero bytes, at the exact sizes each type has; data is
 * padded to 16 bytes (several messages at once under UDP GSO keep that).
 */
static __always_inline bool is_wireguard(struct __sk_buff *skb, const struct packet *p)
{
	__u32 payload = p->udp_len - 8, word;

	if (p->l4 != IPPROTO_UDP || !p->has_ports || p->udp_len < 8 + 4 || !load(skb, p->udp_payload, &word, 4))
		return false;
	word = bpf_ntohl(word);
	if (word & 0x00ffffff)
		return false;
	switch (word >> 24) {
	case 1:
		return payload == 148;
	case 2:
		return payload == 92;
	case 3:
		return payload == 64;
	case 4:
		return payload >= 32 && payload % 16 == 0;
	}
	return false;
}

static __always_inline bool mark_matches(__u64 mark_mask, __u32 mark)
{
	__u32 mask = KS_MASK_OF(mark_mask);

	return mask && (mark & mask) == KS_MARK_OF(mark_mask);
}

/* Does @mark carry one of the tunnels' marks? Only WireGuard's own socket should. */
static __always_inline bool tunnel_marked(__u32 mark)
{
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (mark_matches(ks_state.config.tunnel[i].mark_mask, mark))
			return true;
	return false;
}

static __always_inline bool is_tunnel(__u32 ifindex)
{
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (ks_state.config.tunnel[i].ifindex == ifindex)
			return true;
	return false;
}

/* A client tunnel's encrypted UDP: to a peer's endpoint, with the tunnel's mark, shaped as WireGuard. */
static __always_inline bool to_endpoint(struct __sk_buff *skb, const struct packet *p)
{
	struct ks_addr_key key = p->dst;
	struct ks_endpoint *endpoint;
	__u32 tunnels;

	if (p->later_fragment && p->l4 == IPPROTO_UDP) {
		key.port = 0; /* the address alone, in an entry of its own */
		key.fragment = 1;
	} else if (!is_wireguard(skb, p)) {
		return false;
	}
	endpoint = bpf_map_lookup_elem(&ks_endpoints, &key);
	if (!endpoint)
		return false;
	/* Two tunnels may share a peer: each with its own mark. */
	tunnels = endpoint->tunnels;
	for (int i = 0; i < KS_TUNNELS_MAX; i++) {
		__u64 mark_mask = ks_state.config.tunnel[i].mark_mask;

		if ((tunnels & (1U << i)) && (!KS_MASK_OF(mark_mask) || mark_matches(mark_mask, skb->mark)))
			return true;
	}
	return false;
}

/*
 * A server tunnel's encrypted UDP: from its ListenPort to wherever its
 * roaming peers are, shaped as WireGuard, and not from a raw or packet
 * socket (they can claim any source port). Kernel WireGuard's packets carry
 * no socket, or the socket of the application whose data they encrypt.
 */
static __always_inline bool from_listen_port(struct __sk_buff *skb, const struct packet *p)
{
	struct bpf_sock *sk = skb->sk;
	bool listening = false;

	if (!p->src_port || !is_wireguard(skb, p))
		return false;
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		listening |= ks_state.config.tunnel[i].listen_port == bpf_ntohs(p->src_port);
	if (!listening)
		return false;
	if (sk)
		sk = bpf_sk_fullsock(sk);
	if (sk && (sk->type == SOCK_RAW || (sk->family != AF_INET && sk->family != AF_INET6)))
		return false;
	return true;
}

static __always_inline bool is_dns(const struct packet *p)
{
	__u16 port = bpf_ntohs(p->dst.port);
	struct ks_addr_key key = p->dst;

	if (!p->has_ports || (port != KS_DNS_PORT && port != KS_DNS_TLS_PORT))
		return false;
	key.port = 0;
	return !bpf_map_lookup_elem(&ks_lan_dns, &key);
}

/* The /16's state decides, or its /24 block's, or else the trie, which is always complete. */
static __always_inline bool allowed4(const __u8 *addr)
{
	__u32 first = (__u32)addr[0] << 8 | addr[1], index = first / KS_ROOT4_PER_BLOCK;
	struct ks_block *block = bpf_map_lookup_elem(&ks_table4, &index);
	__u16 state = block ? block->root[first % KS_ROOT4_PER_BLOCK] : KS_ROOT_LPM;
	struct ks_allow4_key key = { .prefixlen = 32 };

	if (state >= KS_ROOT_BLOCK) {
		index = KS_ROOT4_BLOCKS + state - KS_ROOT_BLOCK;
		block = bpf_map_lookup_elem(&ks_table4, &index);
		state = block ? block->state[addr[2]] : KS_ROOT_LPM;
	}
	if (state != KS_ROOT_LPM)
		return state == KS_ROOT_ALLOW;
	__builtin_memcpy(key.addr, addr, 4);
	return bpf_map_lookup_elem(&ks_allow4, &key) != NULL;
}

static __always_inline bool allowed6(const __u8 *addr)
{
	__u8 state = ks_state.root6[(__u32)addr[0] << 8 | addr[1]];
	struct ks_allow6_key key = { .prefixlen = 128 };

	if (state != KS_ROOT_LPM)
		return state == KS_ROOT_ALLOW;
	__builtin_memcpy(key.addr, addr, 16);
	return bpf_map_lookup_elem(&ks_allow6, &key) != NULL;
}

static __always_inline bool tunnel_only(const struct packet *p)
{
	struct ks_allow4_key key4 = { .prefixlen = 32 };
	struct ks_allow6_key key6 = { .prefixlen = 128 };

	if (p->dst.family == 4) {
		__builtin_memcpy(key4.addr, p->dst.addr, 4);
		return bpf_map_lookup_elem(&ks_tunnel_only4, &key4) != NULL;
	}
	__builtin_memcpy(key6.addr, p->dst.addr, 16);
	return bpf_map_lookup_elem(&ks_tunnel_only6, &key6) != NULL;
}

/* Ethernet/IPv4 ARP, the only kind a WireGuard client needs: anything else is not housekeeping. */
static __always_inline enum ks_reason classify_arp(struct __sk_buff *skb, struct packet *p)
{
	struct arp_ipv4 arp;

	p->arp = true;
	if (!load(skb, ETH_HLEN, &arp, sizeof(arp)))
		return KS_REASON_MALFORMED;
	/* For the events and the selftest: the sender's address, and the one it asks for. */
	p->dst.family = 4;
	__builtin_memcpy(p->src, &arp.addresses[6], 4);
	__builtin_memcpy(p->dst.addr, &arp.addresses[16], 4);
	if (arp.hw_type != bpf_htons(ARP_HW_ETHER) || arp.proto != bpf_htons(ETH_P_IP) || arp.hw_len != 6 ||
	    arp.proto_len != 4 || (arp.op != bpf_htons(ARP_OP_REQUEST) && arp.op != bpf_htons(ARP_OP_REPLY)))
		return KS_REASON_OTHER;
	return KS_REASON_LINK_LAYER;
}

/* The verdict of an IP packet that leaves a filtered interface, in order. */
static __always_inline enum ks_reason classify_ip(struct __sk_buff *skb, const struct packet *p)
{
	bool allowed;

	if (p->source_route)
		return KS_REASON_SOURCE_ROUTE;
	if (p->dst.family == 6 && is_link_housekeeping(p))
		return KS_REASON_LINK_LAYER;
	if (to_endpoint(skb, p))
		return KS_REASON_ENDPOINT;
	if (from_listen_port(skb, p))
		return KS_REASON_LISTEN_PORT;
	if (tunnel_marked(skb->mark))
		return KS_REASON_FWMARK_OTHER;
	if (is_dns(p))
		return KS_REASON_DNS;
	allowed = p->dst.family == 4 ? allowed4(p->dst.addr) : allowed6(p->dst.addr);
	if (!allowed)
		return p->dst.family == 4 ? KS_REASON_IPV4 : KS_REASON_IPV6;
	return tunnel_only(p) ? KS_REASON_TUNNEL_ONLY : KS_REASON_ALLOWLIST;
}

/* Parses the frame into @p and judges it. */
static __always_inline enum ks_reason classify(struct __sk_buff *skb, enum ks_framing framing, struct packet *p)
{
	__u32 l3 = 0;
	__u8 version;

	if (framing == KS_ETHERNET) {
		struct ethhdr eth;

		if (!load(skb, 0, &eth, sizeof(eth)))
			return KS_REASON_MALFORMED;
		switch (eth.h_proto) {
		case bpf_htons(ETH_P_ARP):
			return classify_arp(skb, p);
		case bpf_htons(ETH_P_IP):
			version = 4;
			break;
		case bpf_htons(ETH_P_IPV6):
			version = 6;
			break;
		default:
			return KS_REASON_OTHER;
		}
		l3 = sizeof(eth);
	} else {
		/* Without a link-layer header the IP version nibble says what the packet is. */
		if (!load(skb, 0, &version, 1))
			return KS_REASON_MALFORMED;
		version >>= 4;
		if (version != 4 && version != 6)
			return KS_REASON_OTHER;
	}
	if (!parse_ip(skb, l3, version, p))
		return KS_REASON_MALFORMED;
	return classify_ip(skb, p);
}

/* Takes a token for an event, when the rate `up` set allows one now. */
static __always_inline bool event_admitted(__u64 now)
{
	__u32 rate = ks_state.config.event_rate, key = 0;
	struct ks_event_bucket *bucket;
	__u64 interval, tolerance, next;
	bool admitted;

	if (!rate)
		return false;
	bucket = bpf_map_lookup_elem(&ks_event_bucket, &key);
	if (!bucket)
		return false;
	/* A burst of @rate events at most, then one every 1/@rate s. */
	interval = 1000000000ULL / rate;
	tolerance = 1000000000ULL - interval;
	/* next_ns only grows: a flood is turned away here, without the lock. */
	if (bucket->next_ns > now + tolerance)
		return false;
	bpf_spin_lock(&bucket->lock);
	next = bucket->next_ns > now ? bucket->next_ns : now;
	admitted = next <= now + tolerance;
	if (admitted)
		bucket->next_ns = next + interval;
	bpf_spin_unlock(&bucket->lock);
	return admitted;
}

/* A dropped packet for `ksctl events`, within the rate limit; what became of it is counted. */
static __always_inline void report_drop(struct __sk_buff *skb, enum ks_reason reason, const struct packet *p,
					__u64 now)
{
	__u32 outcome = KS_EVENTS_SUPPRESSED;
	struct ks_event *e;
	__u64 *count;

	if (event_admitted(now)) {
		e = bpf_ringbuf_reserve(&ks_events, sizeof(*e), 0);
		outcome = e ? KS_EVENTS_WRITTEN : KS_EVENTS_LOST;
		if (e) {
			e->time_ns = now;
			e->cgroup_id = bpf_skb_cgroup_id(skb);
			e->ifindex = skb->ifindex;
			e->len = skb->len;
			e->mark = skb->mark;
			e->reason = reason;
			e->family = p->dst.family;
			e->l4 = p->l4;
			e->flags = (p->has_ports ? KS_EVENT_PORTS : 0) | (p->later_fragment ? KS_EVENT_FRAGMENT : 0) |
				   (p->arp ? KS_EVENT_ARP : 0);
			e->src_port = p->src_port;
			e->dst_port = p->dst.port;
			e->pad = 0;
			__builtin_memcpy(e->src, p->src, sizeof(e->src));
			__builtin_memcpy(e->dst, p->dst.addr, sizeof(e->dst));
			bpf_ringbuf_submit(e, 0);
		}
	}
	count = bpf_map_lookup_elem(&ks_event_counts, &outcome);
	if (count)
		(*count)++;
}

/* While `ksctl selftest` runs: how the verdict judged each of its probes. */
static __always_inline void note_probe(struct __sk_buff *skb, enum ks_reason reason, const struct packet *p,
				       __u64 now)
{
	struct ks_probe *probe;

	if (!ks_state.config.probe_deadline || now >= ks_state.config.probe_deadline)
		return;
	probe = bpf_map_lookup_elem(&ks_probes, &p->dst);
	if (!probe)
		return;
	__sync_fetch_and_add(&probe->count, 1);
	probe->reason = reason;
	probe->ifindex = skb->ifindex;
}

/*
 * What a verdict tells beyond its counter: an event for a drop, and how a
 * selftest probe was judged. A global function, verified once (see parse_ip).
 */
__attribute__((noinline)) int report(struct __sk_buff *skb, __u32 reason, struct packet *p)
{
	__u64 now;

	if (!p)
		return 0;
	now = bpf_ktime_get_boot_ns();
	note_probe(skb, reason, p, now);
	if (reason >= KS_REASON_FIRST_DROP)
		report_drop(skb, reason, p, now);
	return 0;
}

/* The verdict order lives here and in the functions it calls, and only there. */
static __always_inline bool verdict(struct __sk_buff *skb, enum ks_framing framing)
{
	struct packet p = {};
	enum ks_reason reason;
	struct ks_counter *counter;
	__u32 key;

	/* tc mode never attaches to a tunnel; a cgroup sees every interface. */
	if (framing == KS_L3_CGROUP && is_tunnel(skb->ifindex))
		reason = KS_REASON_TUNNEL;
	else if (skb->ifindex == LOOPBACK_IFINDEX)
		reason = KS_REASON_LOCAL;
	else
		reason = classify(skb, framing, &p);

	key = reason;
	counter = bpf_map_lookup_elem(&ks_counters, &key);
	if (counter) {
		counter->packets++;
		counter->bytes += skb->len;
	}
	if (reason >= KS_REASON_FIRST_DROP || ks_state.config.probe_deadline)
		report(skb, reason, &p);
	return reason < KS_REASON_FIRST_DROP;
}

/* A pass is "next", not "ok": programs and filters after ksctl still run. */
SEC("tc")
int ksctl_eth(struct __sk_buff *skb)
{
	return verdict(skb, KS_ETHERNET) ? TC_ACT_UNSPEC : TC_ACT_SHOT;
}

SEC("tc")
int ksctl_l3(struct __sk_buff *skb)
{
	return verdict(skb, KS_L3_TC) ? TC_ACT_UNSPEC : TC_ACT_SHOT;
}

SEC("cgroup_skb/egress")
int ksctl_cgroup(struct __sk_buff *skb)
{
	return verdict(skb, KS_L3_CGROUP) ? 1 : 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
