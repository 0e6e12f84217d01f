/* SPDX-License-Identifier: MIT */
/*
 * Frames for the BPF tests: an Ethernet header, then IPv4 (with options) or
 * IPv6 (with extension headers), 8 bytes of transport, and the pieces the
 * verdict reads (ports, a WireGuard message's first bytes, an ICMPv6 type).
 * Builders return the frame by value so that a case reads as one expression.
 */
#ifndef KSCTL_FRAME_H
#define KSCTL_FRAME_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <string.h>

#include "ksctl_common.h"

#define FRAME_MAX 1280
#define FRAME_TAIL 64 /* room that extension headers leave for the transport */

enum { UDP = 17, TCP = 6, ICMPV6 = 58, HOPOPTS = 0, ROUTING = 43, FRAGMENT = 44, AH = 51, DSTOPTS = 60 };

struct frame {
	__u8 bytes[FRAME_MAX];
	__u32 len;
	__u32 l4; /* where the transport header starts */
};

/* An IPv6 extension header: its type, its length field, and a fragment header's offset field. */
struct frame_ext {
	__u8 type;
	__u8 len;
	__u16 frag; /* offset << 3 | M */
};

static inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline struct frame ethernet(__u16 ethertype)
{
	struct frame f = { .len = ETH_HLEN };

	memset(f.bytes, 0x02, 12); /* locally administered MACs */
	put16(f.bytes + 12, ethertype);
	return f;
}

/* IPv4 to @dst carrying @proto, with @options (a multiple of 4 bytes) after the header, 8 bytes of transport. */
static inline struct frame ipv4_to(const __u8 dst[4], __u8 proto, const __u8 *options, __u8 options_len)
{
	struct frame f = ethernet(ETH_P_IP);
	__u8 *ip = f.bytes + ETH_HLEN;

	ip[0] = 0x40 | (5 + options_len / 4);
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, "198.51.100.1", ip + 12);
	memcpy(ip + 16, dst, 4);
	if (options && options_len)
		memcpy(ip + 20, options, options_len);
	f.l4 = ETH_HLEN + 20 + options_len;
	f.len = f.l4 + 8;
	put16(ip + 2, (__u16)(f.len - ETH_HLEN));
	return f;
}

static inline struct frame ipv4_opts(const char *dst, __u8 proto, const __u8 *options, __u8 options_len)
{
	__u8 addr[4] = { 0 };

	inet_pton(AF_INET, dst, addr);
	return ipv4_to(addr, proto, options, options_len);
}

static inline struct frame ipv4(const char *dst, __u8 proto)
{
	return ipv4_opts(dst, proto, NULL, 0);
}

static inline __u32 frame_ext_size(const struct frame_ext *e)
{
	if (e->type == FRAGMENT)
		return 8;
	return e->type == AH ? (e->len + 2U) * 4 : (e->len + 1U) * 8;
}

/* IPv6 to @dst through the extension headers @ext (zero-filled bodies, ending in @proto), 8 bytes of transport. */
static inline struct frame ipv6_to(const __u8 dst[16], const struct frame_ext *ext, int ext_count, __u8 proto,
				   __u8 hop_limit)
{
	struct frame f = ethernet(ETH_P_IPV6);
	__u8 *ip = f.bytes + ETH_HLEN;
	__u32 off = ETH_HLEN + 40;

	ip[0] = 0x60;
	ip[6] = ext_count ? ext[0].type : proto;
	ip[7] = hop_limit;
	inet_pton(AF_INET6, "fe80::1", ip + 8);
	memcpy(ip + 24, dst, 16);
	for (int i = 0; i < ext_count && off + frame_ext_size(&ext[i]) + FRAME_TAIL <= FRAME_MAX; i++) {
		__u8 *h = f.bytes + off;

		memset(h, 0, frame_ext_size(&ext[i]));
		h[0] = i + 1 < ext_count ? ext[i + 1].type : proto;
		if (ext[i].type == FRAGMENT)
			put16(h + 2, ext[i].frag);
		else
			h[1] = ext[i].len;
		off += frame_ext_size(&ext[i]);
	}
	f.l4 = off;
	f.len = f.l4 + 8;
	memset(f.bytes + f.l4, 0, 8);
	put16(ip + 4, (__u16)(f.len - ETH_HLEN - 40));
	return f;
}

/* IPv6 to @dst with the extension headers @types (each 8 bytes), then @proto. */
static inline struct frame ipv6_ext(const char *dst, const __u8 *types, int ext_count, __u8 proto, __u8 hop_limit)
{
	struct frame_ext ext[16] = { 0 };
	__u8 addr[16] = { 0 };

	for (int i = 0; i < ext_count && i < 16; i++)
		ext[i].type = types[i];
	inet_pton(AF_INET6, dst, addr);
	return ipv6_to(addr, ext, ext_count, proto, hop_limit);
}

static inline struct frame ipv6(const char *dst, __u8 proto, __u8 hop_limit)
{
	return ipv6_ext(dst, NULL, 0, proto, hop_limit);
}

static inline struct frame with_ports(struct frame f, __u16 sport, __u16 dport)
{
	put16(f.bytes + f.l4, sport);
	put16(f.bytes + f.l4 + 2, dport);
	put16(f.bytes + f.l4 + 4, 8);
	return f;
}

/* A UDP datagram whose payload starts with WireGuard message @type, @payload_len bytes long (16 of them present). */
static inline struct frame wireguard(struct frame f, __u16 sport, __u16 dport, __u8 type, __u16 payload_len)
{
	f = with_ports(f, sport, dport);
	put16(f.bytes + f.l4 + 4, 8 + payload_len);
	memset(f.bytes + f.l4 + 8, 0, 16);
	f.bytes[f.l4 + 8] = type;
	f.len = f.l4 + 8 + 16;
	return f;
}

static inline struct frame icmpv6(const char *dst, __u8 hop_limit, __u8 type)
{
	struct frame f = ipv6(dst, ICMPV6, hop_limit);

	f.bytes[f.l4] = type;
	return f;
}

static inline struct frame arp(__u16 hw_type, __u16 proto, __u8 hw_len, __u8 proto_len, __u16 op)
{
	struct frame f = ethernet(ETH_P_ARP);
	__u8 *a = f.bytes + ETH_HLEN;

	memset(a, 0, 28);
	put16(a, hw_type);
	put16(a + 2, proto);
	a[4] = hw_len;
	a[5] = proto_len;
	put16(a + 6, op);
	f.len += 28;
	return f;
}

static inline struct frame arp_request(void)
{
	return arp(1, ETH_P_IP, 6, 4, 1);
}

static inline struct frame with(struct frame f, unsigned int offset, __u8 value)
{
	f.bytes[offset] = value;
	return f;
}

static inline struct frame truncated(struct frame f, __u32 len)
{
	f.len = len;
	return f;
}

#endif
