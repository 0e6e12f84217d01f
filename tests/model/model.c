// SPDX-License-Identifier: MIT
/*
 * README's verdict table, row by row, in its order: the first row that
 * matches decides. Each row is one test on facts parsed beforehand, so that
 * the order reads as the table does. Written from the table; where the
 * table is silent or ambiguous the reading chosen is said where it is made.
 *
 * README does not say which bytes of a header must be there for it not to
 * be "cut short" (row 5). Read first as the header's whole length, then,
 * once compared with the program, as it reads it: a byte the verdict needs
 * is missing. It needs the first 8 bytes of TCP and UDP (ports, UDP's
 * length), ICMPv6's type, the first 2 bytes of an extension header (4 of a
 * fragment header: its offset), IPv4 options up to the end-of-list option,
 * and the 28 bytes of an Ethernet/IPv4 ARP; the rest may be missing.
 */
#include <string.h>

#include "model.h"

enum { ETH_HLEN_ = 14, ETH_IP = 0x0800, ETH_IPV6 = 0x86dd, ETH_ARP = 0x0806 };
enum { PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58 };
enum { EXT_HOPOPTS = 0, EXT_ROUTING = 43, EXT_FRAGMENT = 44, EXT_AH = 51, EXT_DSTOPTS = 60 };
enum { IPOPT_END_ = 0, IPOPT_NOP_ = 1, IPOPT_LSRR_ = 0x83, IPOPT_SSRR_ = 0x89 };
#define IPV4_OPTIONS_MAX 10
#define IPV6_EXTENSIONS_MAX 6
#define LOOPBACK_IFINDEX 1
/*
 * README is silent on how deep the parser looks; the program reads no
 * header that starts past byte 1024 of what it sees (the frame, with its
 * Ethernet header), and if the verdict needs one the packet is malformed.
 */
#define PARSE_DEPTH 1024

struct bytes {
	const uint8_t *data;
	size_t len;
};

/* What the rows after the parse need to know about an IP packet. */
struct ip_facts {
	uint8_t family;        /* 4 or 6 */
	uint8_t dst[16];
	uint8_t proto;         /* the transport protocol (after IPv6 extension headers) */
	bool later_fragment;   /* no transport header: no ports */
	bool source_route;
	uint8_t hop_limit;     /* IPv6 */
	size_t l4;             /* where the transport header starts */
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool readable(const struct bytes *b, size_t off, size_t n)
{
	return off <= PARSE_DEPTH && off + n <= b->len;
}

/* Row 4: Ethernet ARP for IPv4; shorter than such an ARP's 28 bytes is cut short, whatever it says. */
static enum ks_reason arp(const struct bytes *b)
{
	const uint8_t *a = b->data + ETH_HLEN_;

	if (!readable(b, ETH_HLEN_, 28))
		return KS_REASON_MALFORMED;
	if (be16(a) == 1 && be16(a + 2) == ETH_IP && a[4] == 6 && a[5] == 4 && (be16(a + 6) == 1 || be16(a + 6) == 2))
		return KS_REASON_LINK_LAYER;
	return KS_REASON_OTHER;
}

/*
 * Row 5 for IPv4 options from @off to the header's @end: each is NOP, end
 * of list, or type, length (at least 2) and data within the header; more
 * than ten before the end of the list is malformed. Row 6: LSRR or SSRR.
 */
static bool ipv4_options(const struct bytes *b, size_t off, size_t end, bool *source_route)
{
	unsigned int count = 0;

	while (off < end) {
		uint8_t type, len;

		if (!readable(b, off, 1))
			return false;
		type = b->data[off];
		if (type == IPOPT_END_)
			return true;
		if (++count > IPV4_OPTIONS_MAX)
			return false;
		if (type == IPOPT_NOP_) {
			off++;
			continue;
		}
		if (off + 1 >= end || !readable(b, off, 2))
			return false; /* its length byte is past the header */
		len = b->data[off + 1];
		if (len < 2 || off + len > end)
			return false;
		*source_route |= type == IPOPT_LSRR_ || type == IPOPT_SSRR_;
		off += len;
	}
	return true;
}

/* The total length field is not read: what the program sees ends where the packet ends. */
static bool parse_ipv4(const struct bytes *b, size_t l3, struct ip_facts *f)
{
	const uint8_t *ip = b->data + l3;
	size_t header_len;

	if (!readable(b, l3, 20))
		return false;
	header_len = (size_t)(ip[0] & 0x0f) * 4;
	if (header_len < 20 || !ipv4_options(b, l3 + 20, l3 + header_len, &f->source_route))
		return false;
	f->family = 4;
	memcpy(f->dst, ip + 16, 4);
	f->proto = ip[9];
	f->later_fragment = (be16(ip + 6) & 0x1fff) != 0;
	f->l4 = l3 + header_len;
	return true;
}

/*
 * The extension headers README names or implies (hop-by-hop, routing,
 * fragment, destination options, AH), in any order. Any other next header
 * is the transport, as ESP or "no next header" would be.
 */
static bool is_extension(uint8_t next)
{
	return next == EXT_HOPOPTS || next == EXT_ROUTING || next == EXT_FRAGMENT || next == EXT_AH ||
	       next == EXT_DSTOPTS;
}

static size_t extension_len(uint8_t type, const uint8_t *h)
{
	if (type == EXT_FRAGMENT)
		return 8;
	if (type == EXT_AH)
		return ((size_t)h[1] + 2) * 4;
	return ((size_t)h[1] + 1) * 8;
}

/*
 * Row 5 for IPv6: at most six extension headers. A fragment header with a
 * non-zero offset ends the walk: what follows is fragment data, with no
 * transport header.
 */
static bool parse_ipv6(const struct bytes *b, size_t l3, struct ip_facts *f)
{
	const uint8_t *ip = b->data + l3;
	unsigned int count = 0;
	size_t off = l3 + 40;
	uint8_t next;

	if (!readable(b, l3, 40))
		return false;
	next = ip[6];
	while (is_extension(next)) {
		const uint8_t *h = b->data + off;
		uint8_t type = next;

		if (!readable(b, off, type == EXT_FRAGMENT ? 4 : 2))
			return false;
		if (++count > IPV6_EXTENSIONS_MAX)
			return false;
		next = h[0];
		f->source_route |= type == EXT_ROUTING;
		off += extension_len(type, h);
		if (type == EXT_FRAGMENT && (be16(h + 2) & 0xfff8)) {
			f->later_fragment = true;
			break;
		}
	}
	f->family = 6;
	memcpy(f->dst, ip + 24, 16);
	f->proto = next;
	f->hop_limit = ip[7];
	f->l4 = off;
	return true;
}

/* Row 5, the transport: TCP and UDP need 8 bytes (ports, UDP's length), ICMPv6 its type. */
static bool transport_whole(const struct bytes *b, const struct ip_facts *f)
{
	if (f->later_fragment)
		return true;
	if (f->proto == PROTO_TCP || f->proto == PROTO_UDP)
		return readable(b, f->l4, 8);
	return f->proto != PROTO_ICMPV6 || readable(b, f->l4, 1);
}

static bool ipv6_is(const uint8_t *a, const char *bytes16)
{
	return !memcmp(a, bytes16, 16);
}

static bool in_prefix6(const uint8_t *a, const char *prefix, unsigned int len)
{
	for (unsigned int bit = 0; bit < len; bit++) {
		unsigned int mask = 0x80 >> (bit % 8);

		if ((a[bit / 8] & mask) != ((uint8_t)prefix[bit / 8] & mask))
			return false;
	}
	return true;
}

#define ALL_NODES "\xff\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"
#define ALL_ROUTERS "\xff\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\x02"
#define SOLICITED_NODE "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff\0\0\0"
#define LINK_LOCAL "\xfe\x80"
#define LINK_MULTICAST "\xff\x02"

/* Row 7: neighbour discovery and multicast listener messages to their link-scope destinations. */
static bool link_layer_icmpv6(const struct bytes *b, const struct ip_facts *f)
{
	const uint8_t *dst = f->dst;
	bool nd = f->hop_limit == 255, link_local = in_prefix6(dst, LINK_LOCAL, 10);

	if (f->family != 6 || f->proto != PROTO_ICMPV6 || f->later_fragment)
		return false;
	switch (b->data[f->l4]) {
	case 133: /* router solicitation */
		return nd && ipv6_is(dst, ALL_ROUTERS);
	case 134: /* router advertisement */
	case 136: /* neighbour advertisement */
		return nd && (ipv6_is(dst, ALL_NODES) || link_local);
	case 135: /* neighbour solicitation */
		return nd && (in_prefix6(dst, SOLICITED_NODE, 104) || link_local);
	case 137: /* redirect */
		return nd && link_local;
	case 130: /* multicast listener query, report, done; MLDv2 report */
	case 131:
	case 132:
	case 143:
		return f->hop_limit == 1 && in_prefix6(dst, LINK_MULTICAST, 16);
	default:
		return false;
	}
}

/*
 * "Shaped as a WireGuard message": a type byte and three zero bytes, and a
 * payload length (the UDP header's length less its 8 bytes) that fits the
 * type. Only the first four payload bytes need be in the packet.
 */
static bool wireguard_shaped(const struct bytes *b, const struct ip_facts *f)
{
	const uint8_t *payload = b->data + f->l4 + 8;
	uint16_t udp_len = be16(b->data + f->l4 + 4);
	size_t len;

	if (udp_len < 8 || !readable(b, f->l4 + 8, 4) || payload[1] || payload[2] || payload[3])
		return false;
	len = udp_len - 8;
	switch (payload[0]) {
	case 1:
		return len == 148;
	case 2:
		return len == 92;
	case 3:
		return len == 64;
	case 4:
		return len >= 32 && len % 16 == 0;
	default:
		return false;
	}
}

static bool mark_matches(uint64_t mark_mask, uint32_t mark)
{
	return (mark & KS_MASK_OF(mark_mask)) == KS_MARK_OF(mark_mask);
}

/* The mark a tunnel's endpoint asks for: none when its mask is 0 (wg-quick sets none). */
static bool endpoint_mark_ok(const struct model_config *c, const struct model_endpoint *e, uint32_t mark)
{
	uint64_t mark_mask = c->tunnel[e->tunnel].mark_mask;

	return !KS_MASK_OF(mark_mask) || mark_matches(mark_mask, mark);
}

static bool same_address(const struct ks_addr_key *k, const struct ip_facts *f)
{
	return k->family == f->family && !memcmp(k->addr, f->dst, f->family == 4 ? 4 : 16);
}

/*
 * Row 8: to a peer's endpoint, address and port (@port in network order),
 * or the address alone for a later fragment, with that tunnel's mark.
 */
static bool to_endpoint(const struct model_config *c, const struct ip_facts *f, const uint8_t *port, uint32_t mark)
{
	for (size_t i = 0; i < c->endpoint_count; i++) {
		const struct model_endpoint *e = &c->endpoints[i];

		if (!same_address(&e->key, f) || (port && memcmp(&e->key.port, port, 2)))
			continue;
		if (endpoint_mark_ok(c, e, mark))
			return true;
	}
	return false;
}

/* Row 9: from a server tunnel's ListenPort. */
static bool from_listen_port(const struct model_config *c, uint16_t sport)
{
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (c->tunnel[i].listen_port && c->tunnel[i].listen_port == sport)
			return true;
	return false;
}

/* Row 10: any tunnel's mark (a tunnel whose mask is 0 has none). */
static bool carries_tunnel_mark(const struct model_config *c, uint32_t mark)
{
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (KS_MASK_OF(c->tunnel[i].mark_mask) && mark_matches(c->tunnel[i].mark_mask, mark))
			return true;
	return false;
}

static bool lan_resolver(const struct model_config *c, const struct ip_facts *f)
{
	for (size_t i = 0; i < c->lan_dns_count; i++)
		if (same_address(&c->lan_dns[i], f))
			return true;
	return false;
}

/* Rows 8 and 9: a tunnel's own encrypted UDP. */
static enum ks_reason wireguard_row(const struct model_config *c, const struct model_packet *p, const struct bytes *b,
				    const struct ip_facts *f)
{
	const uint8_t *l4 = b->data + f->l4;

	if (f->proto != PROTO_UDP)
		return KS_REASON_COUNT;
	if (f->later_fragment)
		return to_endpoint(c, f, NULL, p->mark) ? KS_REASON_ENDPOINT : KS_REASON_COUNT;
	if (!wireguard_shaped(b, f))
		return KS_REASON_COUNT;
	if (to_endpoint(c, f, l4 + 2, p->mark))
		return KS_REASON_ENDPOINT;
	if (from_listen_port(c, be16(l4)) && !p->raw_socket)
		return KS_REASON_LISTEN_PORT;
	return KS_REASON_COUNT;
}

/* Rows 6 to 14, for an IP packet that parsed. */
static enum ks_reason judge_ip(const struct model_config *c, const struct model_packet *p, const struct bytes *b,
			       const struct ip_facts *f)
{
	bool ports = (f->proto == PROTO_TCP || f->proto == PROTO_UDP) && !f->later_fragment;
	enum ks_reason wireguard;
	uint16_t dport = ports ? be16(b->data + f->l4 + 2) : 0;

	if (f->source_route)
		return KS_REASON_SOURCE_ROUTE;
	if (link_layer_icmpv6(b, f))
		return KS_REASON_LINK_LAYER;
	wireguard = wireguard_row(c, p, b, f);
	if (wireguard != KS_REASON_COUNT)
		return wireguard;
	if (carries_tunnel_mark(c, p->mark))
		return KS_REASON_FWMARK_OTHER;
	if (ports && (dport == KS_DNS_PORT || dport == KS_DNS_TLS_PORT) && !lan_resolver(c, f))
		return KS_REASON_DNS;
	if (!model_prefixes_contain(&c->allow, f->family, f->dst))
		return f->family == 4 ? KS_REASON_IPV4 : KS_REASON_IPV6;
	if (model_prefixes_contain(&c->tunnel_only, f->family, f->dst))
		return KS_REASON_TUNNEL_ONLY;
	return KS_REASON_ALLOWLIST;
}

/* Row 1, in cgroup mode only: tc is never attached to a tunnel. */
static bool leaves_tunnel(const struct model_config *c, const struct model_packet *p)
{
	if (p->framing != MODEL_CGROUP)
		return false;
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (c->tunnel[i].name[0] && c->tunnel[i].ifindex && c->tunnel[i].ifindex == p->ifindex)
			return true;
	return false;
}

enum ks_reason model_verdict(const struct model_config *c, const struct model_packet *p)
{
	const struct bytes b = { p->data, p->len };
	struct ip_facts f = { 0 };
	unsigned int version;
	size_t l3 = 0;
	bool parsed;

	if (leaves_tunnel(c, p))
		return KS_REASON_TUNNEL;
	if (p->ifindex == LOOPBACK_IFINDEX)
		return KS_REASON_LOCAL;
	if (p->framing == MODEL_ETHERNET) {
		uint16_t type;

		if (!readable(&b, 0, ETH_HLEN_))
			return KS_REASON_MALFORMED;
		type = be16(p->data + 12);
		if (type == ETH_ARP)
			return arp(&b);
		if (type != ETH_IP && type != ETH_IPV6)
			return KS_REASON_OTHER;
		version = type == ETH_IP ? 4 : 6;
		l3 = ETH_HLEN_;
		/* Row 5: the version nibble must agree with the ethertype. */
		if (!readable(&b, l3, 1) || p->data[l3] >> 4 != version)
			return KS_REASON_MALFORMED;
	} else {
		/* Row 3 on a layer-3 device; a cgroup's packets have no link-layer header either. */
		if (!readable(&b, 0, 1))
			return KS_REASON_MALFORMED;
		version = p->data[0] >> 4;
		if (version != 4 && version != 6)
			return KS_REASON_OTHER;
	}
	parsed = version == 4 ? parse_ipv4(&b, l3, &f) : parse_ipv6(&b, l3, &f);
	if (!parsed || !transport_whole(&b, &f))
		return KS_REASON_MALFORMED;
	return judge_ip(c, p, &b, &f);
}
