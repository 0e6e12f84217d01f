// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

const char *const probe_kind_names[PROBE_KIND_COUNT] = {
	[PROBE_UDP4] = "udp4", [PROBE_TCP4] = "tcp4", [PROBE_ICMP4] = "icmp4", [PROBE_UDP6] = "udp6",
	[PROBE_TCP6] = "tcp6", [PROBE_ICMP6] = "icmp6", [PROBE_RAW4] = "raw4",   [PROBE_RAW6] = "raw6",
	[PROBE_MARK] = "mark", [PROBE_ARP] = "arp",
};

/* What a probe carries, so that whoever meets one knows what it is. */
static const char payload[] = "ksctl selftest probe";

enum ks_reason probe_expected(enum probe_kind kind)
{
	if (kind == PROBE_ARP)
		return KS_REASON_LINK_LAYER;
	if (kind == PROBE_MARK)
		return KS_REASON_FWMARK_OTHER;
	return probe_family(kind) == AF_INET ? KS_REASON_IPV4 : KS_REASON_IPV6;
}

int probe_family(enum probe_kind kind)
{
	return kind == PROBE_UDP6 || kind == PROBE_TCP6 || kind == PROBE_ICMP6 || kind == PROBE_RAW6 ? AF_INET6 :
												       AF_INET;
}

static __u16 checksum(const void *data, size_t len, __u32 sum)
{
	const __u8 *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

static socklen_t destination(const struct probe *p, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (p->dst.family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = p->dst.port;
		memcpy(&in->sin_addr, p->dst.addr, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = p->dst.port;
	memcpy(&in6->sin6_addr, p->dst.addr, 16);
	return sizeof(*in6);
}

/* A socket bound to the probe's interface, as a process with SO_BINDTODEVICE has: fd or -errno. */
static int bound_socket(const struct probe *p, int type, int protocol)
{
	int fd = socket(probe_family(p->kind), type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol), err;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->ifname, (socklen_t)strlen(p->ifname) + 1) == 0 &&
	    (!p->mark || setsockopt(fd, SOL_SOCKET, SO_MARK, &p->mark, sizeof(p->mark)) == 0))
		return fd;
	err = errno;
	close(fd);
	return -err;
}

/*
 * UDP: one datagram. TCP: a non-blocking connect sends one SYN, and closing
 * the socket before an answer sends nothing more.
 */
static int send_udp_or_tcp(struct probe *p, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = destination(p, &ss);

	p->fd = bound_socket(p, type, 0);
	if (p->fd < 0)
		return p->fd;
	if (type == SOCK_DGRAM)
		return sendto(p->fd, payload, sizeof(payload), 0, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
	return connect(p->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS ? -errno : 0;
}

/* An echo request from a raw socket, or else a ping socket (net.ipv4.ping_group_range). */
static int send_icmp(struct probe *p)
{
	bool v4 = probe_family(p->kind) == AF_INET;
	int protocol = v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	__u8 echo[8 + sizeof(payload)] = { v4 ? 8 : 128 };
	struct sockaddr_storage ss;
	socklen_t len = destination(p, &ss);

	echo[4] = 0x6b; /* the identifier: "ks" */
	echo[5] = 0x73;
	memcpy(echo + 8, payload, sizeof(payload));
	if (v4) /* ICMPv6's checksum, and a ping socket's, is the kernel's */
		memcpy(echo + 2, &(__u16){ checksum(echo, sizeof(echo), 0) }, 2);
	p->fd = bound_socket(p, SOCK_RAW, protocol);
	if (p->fd == -EPERM || p->fd == -EACCES)
		p->fd = bound_socket(p, SOCK_DGRAM, protocol);
	if (p->fd < 0)
		return p->fd;
	return sendto(p->fd, echo, sizeof(echo), 0, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
}

/* IPv4 or IPv6 with UDP, from the unspecified address: a frame no route or neighbour decides on. */
static size_t ip_frame(const struct probe *p, __u8 *f)
{
	__u8 udp[8 + sizeof(payload)] = { 0x6b, 0x73 }; /* source port 27507: "ks" */
	size_t header = p->dst.family == 4 ? 20 : 40;
	__u32 pseudo = IPPROTO_UDP + sizeof(udp);

	memcpy(udp + 2, &p->dst.port, 2);
	udp[4] = sizeof(udp) >> 8;
	udp[5] = sizeof(udp) & 0xff;
	memcpy(udp + 8, payload, sizeof(payload));
	if (p->dst.family == 4) {
		f[0] = 0x45;
		f[2] = (header + sizeof(udp)) >> 8;
		f[3] = (header + sizeof(udp)) & 0xff;
		f[8] = 64;
		f[9] = IPPROTO_UDP;
		memcpy(f + 16, p->dst.addr, 4);
		memcpy(f + 10, &(__u16){ checksum(f, header, 0) }, 2);
	} else {
		f[0] = 0x60;
		f[4] = sizeof(udp) >> 8;
		f[5] = sizeof(udp) & 0xff;
		f[6] = IPPROTO_UDP;
		f[7] = 64;
		memcpy(f + 24, p->dst.addr, 16);
		for (int i = 0; i < 16; i += 2)
			pseudo += (__u32)p->dst.addr[i] << 8 | p->dst.addr[i + 1];
		memcpy(udp + 6, &(__u16){ checksum(udp, sizeof(udp), pseudo) }, 2);
	}
	memcpy(f + header, udp, sizeof(udp));
	return header + sizeof(udp);
}

/* ARP who-has, from sender address 0.0.0.0 (RFC 5227): nobody learns from it. */
static size_t arp_frame(const struct probe *p, __u8 *f)
{
	static const __u8 head[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memcpy(f, head, sizeof(head));
	memcpy(f + 8, p->mac, 6);
	memcpy(f + 24, p->dst.addr, 4);
	return 28;
}

/* A frame handed to the interface by a packet socket: the link-layer header is the kernel's. */
static int send_frame(struct probe *p)
{
	__u16 protocol = p->kind == PROBE_ARP ? ETH_P_ARP : p->kind == PROBE_RAW4 ? ETH_P_IP : ETH_P_IPV6;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(protocol),
				  .sll_ifindex = (int)p->ifindex, .sll_halen = p->ethernet ? 6 : 0 };
	__u8 frame[128] = { 0 };
	size_t len = p->kind == PROBE_ARP ? arp_frame(p, frame) : ip_frame(p, frame);

	memset(to.sll_addr, 0xff, 6); /* broadcast: no neighbour to look up */
	/* Protocol 0: it sends, and receives nothing. */
	p->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	return sendto(p->fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -errno : 0;
}

void probe_send(struct probe *p)
{
	int ret;

	switch (p->kind) {
	case PROBE_TCP4:
	case PROBE_TCP6:
		ret = send_udp_or_tcp(p, SOCK_STREAM);
		break;
	case PROBE_ICMP4:
	case PROBE_ICMP6:
		ret = send_icmp(p);
		break;
	case PROBE_RAW4:
	case PROBE_RAW6:
	case PROBE_ARP:
		ret = send_frame(p);
		break;
	default:
		ret = send_udp_or_tcp(p, SOCK_DGRAM);
	}
	/* A drop at tc or in the cgroup may come back as ENOBUFS or EPERM: the probe left the socket. */
	p->sent = ret == 0 || (p->fd >= 0 && (ret == -ENOBUFS || ret == -EPERM));
	p->error = p->sent ? 0 : -ret;
}

void probe_close(struct probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
