/* SPDX-License-Identifier: MIT */
/* Where the kernel would send a packet: one RTM_GETROUTE, as `ip route get ADDR oif DEV` asks it. */
#ifndef KSCTL_ROUTE_H
#define KSCTL_ROUTE_H

/*
 * Would a socket bound to @oif send to @family (AF_INET, AF_INET6) @dst
 * through a gateway? 1: yes, the packet leaves at once (the gateway's
 * neighbour is known or quickly found); 0: no route, or only the
 * assumption that @dst is on the link (then the packet waits for a
 * neighbour that never answers); or -errno.
 */
int route_via_gateway(int family, const void *dst, unsigned int oif);

#endif
