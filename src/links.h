/* SPDX-License-Identifier: MIT */
/* The network interfaces of the current network namespace. */
#ifndef KSCTL_LINKS_H
#define KSCTL_LINKS_H

#include <net/if.h>
#include <stdbool.h>

struct link {
	unsigned int ifindex;
	char name[IFNAMSIZ];
	bool loopback;
	bool ethernet; /* frames start with an Ethernet header; else layer 3 (tun, wireguard) */
};

/* Fills *links (caller frees) and returns the count, or -errno. */
int links_list(struct link **links);

#endif
