/* SPDX-License-Identifier: MIT */
/* The network interfaces of the current network namespace, and their changes. */
#ifndef KSCTL_LINKS_H
#define KSCTL_LINKS_H

#include <net/if.h>
#include <stdbool.h>

struct link {
	unsigned int ifindex;
	char name[IFNAMSIZ];
	char kind[16];      /* rtnetlink's IFLA_INFO_KIND: veth, wireguard, tun, macvlan...; "" for none */
	unsigned int lower; /* the device of this namespace it sends through (macvlan, vlan...); 0: none */
	bool loopback;
	bool ethernet;      /* frames start with an Ethernet header; else layer 3 (tun, wireguard) */
	bool up;            /* IFF_UP: a link that is down sends nothing */
	unsigned char mac[6]; /* an Ethernet link's address */
};

/* Fills *links (caller frees) and returns the count, or -errno. */
int links_list(struct link **links);
const struct link *links_find(const struct link *links, int count, unsigned int ifindex);

/*
 * A non-blocking netlink socket that hears of every link and tc change in
 * this namespace (ksctl watch). fd or -errno.
 */
int links_watch_open(void);
/* Reads every pending event: how many (an overrun counts as one), or -errno. */
int links_watch_drain(int sock);

#endif
