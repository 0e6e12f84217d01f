// SPDX-License-Identifier: MIT
/*
 * The links of this network namespace, from one rtnetlink dump: name, type,
 * kind (veth, wireguard, tun, macvlan, ...) and, for a device stacked on
 * another of this namespace, that lower device. Plain netlink, no libmnl:
 * the static build has no libmnl to link.
 */
/* net/if.h (through links.h) before the kernel's headers: they then skip what glibc defines. */
#include "links.h"

#include <errno.h>
#include <net/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DUMP_BUFFER 32768

/* The attribute @type among @len bytes of attributes at @rta, or NULL. */
static const struct rtattr *attribute(const struct rtattr *rta, int len, unsigned short type)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if ((rta->rta_type & NLA_TYPE_MASK) == type)
			return rta;
	return NULL;
}

static void describe(struct link *link, const struct ifinfomsg *ifi, int len)
{
	const struct rtattr *attrs = IFLA_RTA(ifi), *a, *info;

	memset(link, 0, sizeof(*link));
	link->ifindex = (unsigned int)ifi->ifi_index;
	link->loopback = ifi->ifi_flags & IFF_LOOPBACK;
	link->ethernet = ifi->ifi_type == ARPHRD_ETHER;
	link->up = ifi->ifi_flags & IFF_UP;
	a = attribute(attrs, len, IFLA_ADDRESS);
	if (a && link->ethernet && RTA_PAYLOAD(a) == sizeof(link->mac))
		memcpy(link->mac, RTA_DATA(a), sizeof(link->mac));
	a = attribute(attrs, len, IFLA_IFNAME);
	if (a)
		strncpy(link->name, RTA_DATA(a), sizeof(link->name) - 1);
	/* A lower device in another namespace (Docker's macvlan: the host's eth0) covers nothing here. */
	a = attribute(attrs, len, IFLA_LINK);
	if (a && RTA_PAYLOAD(a) >= sizeof(__u32) && !attribute(attrs, len, IFLA_LINK_NETNSID))
		link->lower = *(const __u32 *)RTA_DATA(a);
	if (link->lower == link->ifindex)
		link->lower = 0;
	info = attribute(attrs, len, IFLA_LINKINFO);
	a = info ? attribute(RTA_DATA(info), (int)RTA_PAYLOAD(info), IFLA_INFO_KIND) : NULL;
	if (a)
		strncpy(link->kind, RTA_DATA(a), sizeof(link->kind) - 1);
}

static int request_dump(int sock)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC },
	};

	return send(sock, &req, sizeof(req), 0) < 0 ? -errno : 0;
}

static int append(struct link **links, int *count, const struct ifinfomsg *ifi, int len)
{
	struct link *grown = reallocarray(*links, (size_t)*count + 1, sizeof(**links));

	if (!grown)
		return -ENOMEM;
	*links = grown;
	describe(&grown[(*count)++], ifi, len);
	return 0;
}

/* Reads the dump's answers until NLMSG_DONE. */
static int read_dump(int sock, struct link **links, int *count)
{
	char *buf = malloc(DUMP_BUFFER);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = recv(sock, buf, DUMP_BUFFER, 0);
		int len = (int)n;

		if (n < 0) {
			ret = -errno;
			break;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned int)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nh);

				ret = err->error ? err->error : -EIO;
				goto out;
			}
			if (nh->nlmsg_type != RTM_NEWLINK)
				continue;
			ret = append(links, count, NLMSG_DATA(nh), (int)IFLA_PAYLOAD(nh));
			if (ret < 0)
				goto out;
		}
	}
out:
	free(buf);
	return ret;
}

int links_list(struct link **links)
{
	int sock, count = 0, ret;

	*links = NULL;
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		return -errno;
	ret = request_dump(sock);
	if (ret == 0)
		ret = read_dump(sock, links, &count);
	close(sock);
	if (ret < 0) {
		free(*links);
		*links = NULL;
		return ret;
	}
	return count;
}

const struct link *links_find(const struct link *links, int count, unsigned int ifindex)
{
	for (int i = 0; i < count; i++)
		if (links[i].ifindex == ifindex)
			return &links[i];
	return NULL;
}

int links_watch_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK | RTMGRP_TC };
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (sock < 0)
		return -errno;
	if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;

		close(sock);
		return -err;
	}
	return sock;
}

int links_watch_drain(int sock)
{
	char buf[8192];
	int events = 0;

	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf), 0);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? events : (errno == ENOBUFS ? events + 1 : -errno);
		events++;
	}
}
