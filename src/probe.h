/* SPDX-License-Identifier: MIT */
/*
 * One probe of `ksctl selftest`: a packet sent out of one interface, the way
 * a process would send it, to a destination of its own (a documentation
 * address), so that the kill switch's note of it can be told apart from
 * any other packet's.
 */
#ifndef KSCTL_PROBE_H
#define KSCTL_PROBE_H

#include <net/if.h>
#include <stdbool.h>

#include "ksctl_common.h"

enum probe_kind {
	PROBE_UDP4,  /* a UDP socket bound to the interface (SO_BINDTODEVICE) */
	PROBE_TCP4,  /* a TCP SYN from such a socket */
	PROBE_ICMP4, /* an echo request from a raw or ping socket */
	PROBE_UDP6,
	PROBE_TCP6,
	PROBE_ICMP6,
	PROBE_RAW4,  /* UDP in a frame of a packet socket: no routing, no neighbour */
	PROBE_RAW6,
	PROBE_MARK,  /* UDP with a tunnel's mark (SO_MARK), to an address that is no endpoint */
	PROBE_ARP,   /* an ARP probe (RFC 5227: sender address 0): it must pass */
	PROBE_KIND_COUNT
};

struct probe {
	enum probe_kind kind;
	unsigned int ifindex;        /* sent out of it */
	char ifname[IF_NAMESIZE];
	bool ethernet;
	unsigned char mac[6];        /* an Ethernet interface's address, for ARP */
	unsigned int judged_at;      /* the interface whose kill switch must judge it */
	struct ks_addr_key dst;      /* its own destination: its key in the probes map */
	__u32 mark;                  /* PROBE_MARK */
	int fd;                      /* kept open until judged; -1: none */
	bool sent;
	int error;                   /* why it was not sent (errno) */
	struct ks_probe seen;        /* what the kill switch noted */
};

extern const char *const probe_kind_names[PROBE_KIND_COUNT];

/* The verdict @kind must get: ipv4 or ipv6, fwmark_other, or link_layer for ARP. */
enum ks_reason probe_expected(enum probe_kind kind);
/* AF_INET or AF_INET6: the destination's family. */
int probe_family(enum probe_kind kind);
/* Sends @p out of its interface: sets p->sent, or p->error. */
void probe_send(struct probe *p);
void probe_close(struct probe *p);

#endif
