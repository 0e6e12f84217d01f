// SPDX-License-Identifier: MIT
#include <errno.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "links.h"

static int describe_link(int sock, struct link *link)
{
	struct ifreq ifr = { 0 };

	memcpy(ifr.ifr_name, link->name, IFNAMSIZ);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	link->loopback = ifr.ifr_flags & IFF_LOOPBACK;
	if (ioctl(sock, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	link->ethernet = ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
	return 0;
}

int links_list(struct link **links)
{
	struct if_nameindex *names, *n;
	struct link *out = NULL;
	int count = 0, ret, sock;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	names = if_nameindex();
	if (!names) {
		ret = -errno;
		goto out;
	}
	for (n = names; n->if_index; n++)
		count++;
	out = calloc(count ? count : 1, sizeof(*out));
	if (!out) {
		ret = -ENOMEM;
		goto out;
	}
	count = 0;
	for (n = names; n->if_index; n++) {
		struct link *link = &out[count];

		link->ifindex = n->if_index;
		strncpy(link->name, n->if_name, IFNAMSIZ - 1);
		ret = describe_link(sock, link);
		/* An interface deleted since the listing no longer needs a verdict. */
		if (ret == -ENODEV)
			continue;
		if (ret < 0)
			goto out;
		count++;
	}
	*links = out;
	out = NULL;
	ret = count;
out:
	free(out);
	if (names)
		if_freenameindex(names);
	close(sock);
	return ret;
}
