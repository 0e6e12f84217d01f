// SPDX-License-Identifier: MIT
/*
 * Frame generation. Every field the verdict reads is drawn mostly from the
 * values that decide a row (the scenario's addresses, ports and marks, the
 * WireGuard sizes, the link-scope groups, hop limits 1 and 255) and
 * sometimes from anywhere, and random bytes and mutations cover the rest.
 */
#include <string.h>

#include "frames.h"

static const uint8_t special4[][4] = { { 127, 0, 0, 1 },   { 0, 0, 0, 0 },     { 255, 255, 255, 255 },
				       { 224, 0, 0, 251 }, { 169, 254, 1, 1 }, { 10, 0, 0, 1 },
				       { 192, 168, 1, 1 }, { 172, 31, 255, 255 } };
#define IP6(...) { __VA_ARGS__ }
static const uint8_t special6[][16] = {
	IP6(0xff, 0x02, [15] = 1),         IP6(0xff, 0x02, [15] = 2),        IP6(0xff, 0x02, [15] = 0x16),
	IP6(0xff, 0x02, [15] = 0xfb),      IP6(0xff, 0x02, [11] = 1, 0xff),  IP6(0xff, 0x02, [11] = 1, 0xfe),
	IP6(0xff, 0x02, [11] = 2, 0xff),   IP6(0xff, 0x01, [15] = 1),        IP6(0xff, 0x05, [15] = 2),
	IP6(0xff, 0x12, [15] = 1),         IP6(0xff, 0x03, [11] = 1, 0xff),  IP6(0xfe, 0x80, [15] = 9),
	IP6(0xfe, 0xbf, 0xff, 0xff),       IP6(0xfe, 0xc0, [15] = 1),        IP6(0xfe, 0x7f, 0xff, 0xff, [15] = 0xff),
	IP6([15] = 1),                     IP6(0x20, 0x01, 0x0d, 0xb8, [15] = 1),
};

/* A destination: one the scenario aims at, a host inside an allowed prefix, a special one, or anywhere. */
static void destination(struct rng *r, const struct scenario *s, uint8_t family, uint8_t *dst)
{
	unsigned int size = family == 4 ? 4 : 16, roll = rng_below(r, 100);

	rng_fill(r, dst, size);
	if (roll < 60 && s->target_count) {
		for (int tries = 0; tries < 8; tries++) {
			const struct target *t = &s->targets[rng_below(r, (uint32_t)s->target_count)];

			if (t->family == family) {
				memcpy(dst, t->addr, size);
				return;
			}
		}
	} else if (roll < 75 && s->model.allow.count) {
		const struct model_prefix *p = &s->model.allow.items[rng_below(r, (uint32_t)s->model.allow.count)];

		for (unsigned int bit = 0; p->family == family && bit < p->len; bit++) {
			uint8_t mask = (uint8_t)(0x80 >> (bit % 8));

			dst[bit / 8] = (uint8_t)((dst[bit / 8] & ~mask) | (p->addr[bit / 8] & mask));
		}
	} else if (roll < 90) {
		if (family == 4)
			memcpy(dst, special4[rng_below(r, sizeof(special4) / sizeof(*special4))], 4);
		else
			memcpy(dst, special6[rng_below(r, sizeof(special6) / sizeof(*special6))], 16);
		/* Solicited-node groups and link-local hosts: their own low bits, and now and then one bit off. */
		if (family == 6 && rng_percent(r, 50))
			rng_fill(r, dst + 13, 3);
		if (rng_percent(r, 10))
			dst[rng_below(r, size)] ^= (uint8_t)(1 << rng_below(r, 8));
	}
}

/*
 * The test run reads a bare IP packet's bytes 12 and 13 as an ethertype, and
 * gives the run an IPv4 or IPv6 socket only if they say so: a source address
 * that does now and then lets layer-3 runs see both kinds of socket.
 */
static void source_address(struct rng *r, struct frame *f, uint8_t family)
{
	static const uint8_t types[][2] = { { 0x08, 0x00 }, { 0x86, 0xdd } };
	uint8_t *src = f->bytes + ETH_HLEN + (family == 4 ? 12 : 8);

	if (rng_percent(r, 30))
		memcpy(f->bytes + ETH_HLEN + 12, types[rng_below(r, 2)], 2);
	else if (rng_percent(r, 20))
		rng_fill(r, src, family == 4 ? 4 : 16);
}

static uint16_t port(struct rng *r, const struct scenario *s, unsigned int scenario_percent)
{
	static const uint16_t dns[] = { 53, 853, 0, 5353, 54, 852 };

	if (s->port_count && rng_percent(r, scenario_percent))
		return s->ports[rng_below(r, s->port_count)];
	return rng_percent(r, 20) ? RNG_PICK(r, dns) : (uint16_t)rng_next(r);
}

/* A UDP payload length for WireGuard message @type: its own, one off, a multiple of 16, or anything. */
static uint32_t wireguard_len(struct rng *r, uint8_t type)
{
	static const uint32_t exact[] = { 0, 148, 92, 64, 32 };
	uint32_t len = type >= 1 && type <= 4 ? exact[type] : 32;

	switch (rng_below(r, 10)) {
	case 0:
		return len + 1;
	case 1:
		return len - 1;
	case 2:
	case 3:
		return 16 * rng_below(r, 100);
	case 4:
		return rng_below(r, 2000);
	default:
		return len;
	}
}

/* A WireGuard-shaped UDP payload, mostly: a type, three zero bytes, a length that fits the type, or nearly. */
static uint32_t wireguard_payload(struct rng *r, uint8_t *l4)
{
	uint8_t type = rng_percent(r, 85) ? (uint8_t)(1 + rng_below(r, 4)) : (uint8_t)rng_next(r);
	uint32_t udp_len = 8 + wireguard_len(r, type);

	if (rng_percent(r, 3))
		udp_len = rng_below(r, 12);
	put16(l4 + 4, (uint16_t)udp_len);
	memset(l4 + 8, 0, 16);
	l4[8] = type;
	if (rng_percent(r, 8))
		l4[9 + rng_below(r, 3)] = (uint8_t)(1 + rng_below(r, 255));
	return 12 + rng_below(r, 21); /* the bytes present: the first four of the payload, or more */
}

/* The transport header and payload at @f->l4, up to where the frame ends; UDP WireGuard-shaped @wg_percent of the time. */
static void transport(struct rng *r, const struct scenario *s, struct frame *f, uint8_t proto, unsigned int wg_percent)
{
	uint8_t *l4 = f->bytes + f->l4;
	uint32_t room = FRAME_MAX - f->l4, len = 8 + rng_below(r, 48);

	rng_fill(r, l4, room < 64 ? room : 64);
	if (proto == UDP || proto == TCP) {
		put16(l4, port(r, s, 35));
		put16(l4 + 2, port(r, s, 45));
	}
	if (proto == UDP && rng_percent(r, wg_percent)) {
		len = wireguard_payload(r, l4);
	} else if (proto == UDP) {
		put16(l4 + 4, (uint16_t)(rng_percent(r, 50) ? len : rng_next(r)));
	} else if (proto == ICMPV6) {
		static const uint8_t types[] = { 130, 131, 132, 133, 134, 135, 136, 137, 143 };

		l4[0] = rng_percent(r, 75) ? RNG_PICK(r, types) : (uint8_t)rng_next(r);
		if (rng_percent(r, 80))
			l4[1] = 0;
	} else if (proto == TCP) {
		len = 20 + rng_below(r, 20);
	}
	f->len = f->l4 + (len < room ? len : room);
}

static uint8_t ipv4_proto(struct rng *r)
{
	static const uint8_t protos[] = { 0, 1, 2, 41, 47, 50, 51, 58, 132, 255 };
	unsigned int roll = rng_below(r, 100);

	return roll < 50 ? UDP : roll < 75 ? TCP : roll < 90 ? RNG_PICK(r, protos) : (uint8_t)rng_next(r);
}

/* Up to 40 bytes of options, NOP-heavy around the walk's limit of 10, with source routes and bad lengths. */
static uint8_t ipv4_options(struct rng *r, uint8_t *opt)
{
	static const uint8_t types[] = { 0x83, 0x89, 0x07, 0x44, 0x94, 0x03, 0x09, 0x82, 0x86 };
	unsigned int count = 1 + rng_below(r, 13), len = 0;

	for (unsigned int i = 0; i < count && len < 40; i++) {
		unsigned int roll = rng_below(r, 100), size;

		if (roll < 45) {
			opt[len++] = 1; /* NOP */
			continue;
		}
		if (roll < 50) {
			opt[len++] = 0; /* end of list */
			continue;
		}
		opt[len] = roll < 90 ? RNG_PICK(r, types) : (uint8_t)rng_next(r);
		size = roll < 95 ? 2 + rng_below(r, 10) : rng_below(r, 2) ? rng_below(r, 2) : 40;
		if (len + 1 < 40)
			opt[len + 1] = (uint8_t)size;
		for (unsigned int b = len + 2; b < len + size && b < 40; b++)
			opt[b] = (uint8_t)rng_next(r);
		len += size < 2 ? 2 : size;
	}
	if (len > 40)
		len = 40;
	while (len % 4)
		opt[len++] = rng_percent(r, 80) ? 0 : (uint8_t)rng_next(r);
	return (uint8_t)len;
}

static void ipv4_frame(struct rng *r, const struct scenario *s, struct frame *f)
{
	uint8_t dst[4], opt[40], opt_len = rng_percent(r, 30) ? ipv4_options(r, opt) : 0, proto = ipv4_proto(r);
	uint8_t *ip;

	destination(r, s, 4, dst);
	*f = ipv4_to(dst, proto, opt, opt_len);
	source_address(r, f, 4);
	ip = f->bytes + ETH_HLEN;
	rng_fill(r, ip + 4, 4); /* id, flags and fragment offset */
	if (rng_percent(r, 80))
		put16(ip + 6, rng_percent(r, 50) ? 0x4000 : rng_percent(r, 50) ? 0x2000 : 0);
	if (rng_percent(r, 5))
		ip[0] = (uint8_t)(0x40 | rng_below(r, 16));
	transport(r, s, f, proto, 55);
	put16(ip + 2, (uint16_t)(rng_percent(r, 80) ? f->len - ETH_HLEN : rng_next(r)));
}

/* An extension header chain of up to 8, walked types mostly, with fragments first or later. */
static int ipv6_chain(struct rng *r, struct frame_ext *ext)
{
	static const uint8_t walked[] = { HOPOPTS, DSTOPTS, ROUTING, FRAGMENT, AH, DSTOPTS, HOPOPTS };
	static const uint8_t others[] = { 50, 59, 135, 139, 140, 253 };
	int count = rng_percent(r, 45) ? 0 : (int)(1 + rng_below(r, 8));

	for (int i = 0; i < count; i++) {
		ext[i].type = rng_percent(r, 95) ? RNG_PICK(r, walked) : RNG_PICK(r, others);
		ext[i].len = rng_percent(r, 70) ? 0 : rng_percent(r, 90) ? (uint8_t)rng_below(r, 4) : (uint8_t)rng_next(r);
		/* Now and then one long enough to move what follows around the parser's depth of 1024 bytes. */
		if (rng_percent(r, 2))
			ext[i].len = (uint8_t)(100 + rng_below(r, 41));
		ext[i].frag = rng_percent(r, 60) ? (uint16_t)rng_below(r, 2) : (uint16_t)rng_next(r);
	}
	return count;
}

static void ipv6_frame(struct rng *r, const struct scenario *s, struct frame *f)
{
	static const uint8_t hop_limits[] = { 1, 255, 64, 254, 2, 0 };
	struct frame_ext ext[8];
	int ext_count = ipv6_chain(r, ext);
	unsigned int roll = rng_below(r, 100);
	uint8_t dst[16], proto = roll < 40 ? UDP : roll < 60 ? TCP : roll < 90 ? ICMPV6 : ipv4_proto(r);
	uint8_t hop_limit = rng_percent(r, 85) ? RNG_PICK(r, hop_limits) : (uint8_t)rng_next(r);

	destination(r, s, 6, dst);
	*f = ipv6_to(dst, ext, ext_count, proto, hop_limit);
	source_address(r, f, 6);
	transport(r, s, f, proto, 55);
	if (rng_percent(r, 80))
		put16(f->bytes + ETH_HLEN + 4, (uint16_t)(f->len - ETH_HLEN - 40));
}

static void arp_frame(struct rng *r, struct frame *f)
{
	*f = arp(rng_percent(r, 80) ? 1 : (uint16_t)rng_below(r, 8), rng_percent(r, 80) ? ETH_P_IP : ETH_P_IPV6,
		 rng_percent(r, 80) ? 6 : (uint8_t)rng_below(r, 20), rng_percent(r, 80) ? 4 : (uint8_t)rng_below(r, 20),
		 rng_percent(r, 80) ? (uint16_t)(1 + rng_below(r, 2)) : (uint16_t)rng_below(r, 10));
	rng_fill(r, f->bytes + ETH_HLEN + 8, 20);
	if (rng_percent(r, 10))
		f->bytes[ETH_HLEN + rng_below(r, 8)] = (uint8_t)rng_next(r);
	f->len += rng_percent(r, 20) ? rng_below(r, 32) : 0; /* padded to the minimum frame */
}

/*
 * A tunnel's encrypted UDP, or nearly: to an endpoint's address and port (or
 * a later fragment to its address), or from a listen port to anywhere.
 */
static void wireguard_frame(struct rng *r, const struct scenario *s, struct frame *f)
{
	const struct model_endpoint *e = NULL;
	struct frame_ext frag = { .type = FRAGMENT, .frag = (uint16_t)(8 + rng_below(r, 0xfff8)) };
	bool later = rng_percent(r, 10);
	uint8_t dst[16] = { 0 }, family = rng_percent(r, 55) ? 4 : 6;

	if (s->model.endpoint_count && rng_percent(r, 75)) {
		e = &s->model.endpoints[rng_below(r, (uint32_t)s->model.endpoint_count)];
		family = e->key.family;
		memcpy(dst, e->key.addr, 16);
	} else {
		destination(r, s, family, dst);
	}
	*f = family == 4 ? ipv4_to(dst, UDP, NULL, 0) : ipv6_to(dst, &frag, later ? 1 : 0, UDP, 64);
	source_address(r, f, family);
	if (family == 4 && later)
		put16(f->bytes + ETH_HLEN + 6, (uint16_t)(1 + rng_below(r, 0x1fff)));
	transport(r, s, f, UDP, 90);
	if (e && rng_percent(r, 85))
		memcpy(f->bytes + f->l4 + 2, &e->key.port, 2);
	else if (e && rng_percent(r, 30))
		put16(f->bytes + f->l4 + 2, 0);
}

/* VLAN, QinQ, LLDP, MPLS, 802.3 lengths and the rest, in front of an IP packet. */
static void other_ethertype(struct rng *r, const struct scenario *s, struct frame *f)
{
	static const uint16_t types[] = { 0x8100, 0x88a8, 0x88cc, 0x8847, 0x0000, 0x05dc, 0xffff, 0x0801, 0x86dc };

	if (rng_percent(r, 50))
		ipv4_frame(r, s, f);
	else
		ipv6_frame(r, s, f);
	put16(f->bytes + 12, rng_percent(r, 80) ? RNG_PICK(r, types) : (uint16_t)rng_next(r));
}

static void random_frame(struct rng *r, struct frame *f)
{
	static const uint16_t types[] = { ETH_P_IP, ETH_P_IPV6, ETH_P_ARP };

	f->len = ETH_HLEN + rng_below(r, 200);
	f->l4 = 0;
	rng_fill(r, f->bytes, f->len);
	if (rng_percent(r, 60))
		put16(f->bytes + 12, RNG_PICK(r, types));
	if (rng_percent(r, 40))
		f->bytes[ETH_HLEN] = (uint8_t)((rng_percent(r, 50) ? 0x40 : 0x60) | (f->bytes[ETH_HLEN] & 0x0f));
}

static __u32 moved(__u32 len, int delta)
{
	long to = (long)len + delta;

	return to < 0 ? 0 : to > FRAME_MAX ? FRAME_MAX : (__u32)to;
}

/* A recent frame with a few bytes or bits changed, mostly in the headers, or its length moved. */
static void mutate(struct rng *r, struct frame *f)
{
	unsigned int changes = 1 + rng_below(r, 4);

	for (unsigned int i = 0; i < changes && f->len; i++) {
		uint32_t at = rng_percent(r, 70) && f->len > 80 ? rng_below(r, 80) : rng_below(r, f->len);

		switch (rng_below(r, 3)) {
		case 0:
			f->bytes[at] = (uint8_t)rng_next(r);
			break;
		case 1:
			f->bytes[at] ^= (uint8_t)(1 << rng_below(r, 8));
			break;
		default:
			f->len = moved(f->len, (int)rng_below(r, 65) - 32);
		}
	}
}

static __u32 mark(struct rng *r, const struct scenario *s)
{
	static const __u32 usual[] = { 0xca6c, 0x1, 0xffffffff, 0x10000 };
	unsigned int roll = rng_below(r, 100);

	if (roll < 35)
		return 0;
	if (roll < 75 && s->policy.tunnel_count) {
		__u64 mark_mask = s->policy.tunnels[rng_below(r, (uint32_t)s->policy.tunnel_count)].mark_mask;
		__u32 m = KS_MARK_OF(mark_mask), mask = KS_MASK_OF(mark_mask);

		if (rng_percent(r, 30))
			m |= (__u32)rng_next(r) & ~mask; /* bits that are not the tunnel's */
		if (rng_percent(r, 15))
			m ^= 1U << rng_below(r, 32);
		return m;
	}
	return roll < 90 ? RNG_PICK(r, usual) : (__u32)rng_next(r);
}

static void remember(struct frame_source *src, const struct frame *f)
{
	src->recent[src->recent_count++ % FRAMES_RECENT] = *f;
}

void frame_source_next(struct frame_source *src, const struct scenario *s, struct frame *out, __u32 *mark_out)
{
	struct rng *r = src->rng;
	unsigned int roll = rng_below(r, 100);

	if (src->sweeping) {
		*out = src->sweep;
		*mark_out = src->sweep_mark;
		src->sweeping = src->sweep.len-- > 0;
		return;
	}
	if (roll < 30)
		ipv4_frame(r, s, out);
	else if (roll < 60)
		ipv6_frame(r, s, out);
	else if (roll < 72)
		wireguard_frame(r, s, out);
	else if (roll < 78)
		arp_frame(r, out);
	else if (roll < 82)
		other_ethertype(r, s, out);
	else if (roll < 87)
		random_frame(r, out);
	else if (src->recent_count) {
		*out = src->recent[rng_below(r, src->recent_count < FRAMES_RECENT ? src->recent_count : FRAMES_RECENT)];
		mutate(r, out);
	} else {
		random_frame(r, out);
	}
	*mark_out = mark(r, s);
	if (rng_percent(r, 1) && rng_percent(r, 20)) {
		src->sweep = *out;
		src->sweep_mark = *mark_out;
		src->sweeping = true;
	}
	if (rng_percent(r, 50))
		remember(src, out);
	if (rng_percent(r, 20))
		out->len = rng_below(r, out->len + 1);
}
