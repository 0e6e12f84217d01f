// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "route.h"

/* Appends attribute @type with @len bytes of @data to @nh, within @room bytes. */
static void put_attribute(struct nlmsghdr *nh, size_t room, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	if (NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len) > room)
		return;
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len);
}

/* Does the answer to RTM_GETROUTE name a gateway? */
static int answer_has_gateway(const char *buf, ssize_t n)
{
	const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
	const struct rtattr *rta;
	int len;

	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nh, (unsigned int)n))
		return -EIO;
	if (nh->nlmsg_type == NLMSG_ERROR)
		return 0; /* no route: ENETUNREACH and the like */
	if (nh->nlmsg_type != RTM_NEWROUTE)
		return -EIO;
	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(NLMSG_DATA(nh)); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == RTA_GATEWAY || rta->rta_type == RTA_VIA)
			return 1;
	return 0;
}

int route_via_gateway(int family, const void *dst, unsigned int oif)
{
	__u32 req[(NLMSG_SPACE(sizeof(struct rtmsg)) + 64) / 4] = { 0 };
	struct nlmsghdr *nh = (struct nlmsghdr *)req;
	struct rtmsg *rt = NLMSG_DATA(nh);
	char buf[4096];
	int sock, ret;

	*nh = (struct nlmsghdr){ .nlmsg_len = NLMSG_LENGTH(sizeof(*rt)), .nlmsg_type = RTM_GETROUTE,
				 .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 };
	rt->rtm_family = (unsigned char)family;
	rt->rtm_dst_len = family == AF_INET ? 32 : 128;
	put_attribute(nh, sizeof(req), RTA_DST, dst, family == AF_INET ? 4 : 16);
	put_attribute(nh, sizeof(req), RTA_OIF, &oif, sizeof(oif));
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		return -errno;
	if (send(sock, req, nh->nlmsg_len, 0) < 0)
		ret = -errno;
	else
		ret = answer_has_gateway(buf, recv(sock, buf, sizeof(buf), 0));
	close(sock);
	return ret;
}
