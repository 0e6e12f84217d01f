// SPDX-License-Identifier: MIT
/*
 * link_latency: how soon a link created after `ksctl up` is judged, and
 * whether any of its packets leave unjudged (issue 9: watch covers new
 * links). In this namespace it creates a veth NAME, down, whose peer
 * NAMEp is in the receiver's namespace and set up at once; after
 * UP_DELAY_US it
 * sets NAME up and at once sends raw frames out of it as fast as it can,
 * for SECONDS: IPv4/UDP to DEST, numbered, from a packet socket (which tc
 * egress judges like any packet; a frame it drops fails with ENOBUFS).
 * Meanwhile it asks the kernel whether a tcx program is attached at NAME's
 * egress. A packet socket in the receiver's namespace, opened before the
 * link exists, catches every frame that arrived: DEST being blocked, each
 * one is a frame nobody judged. Then the link is deleted.
 *
 * usage: link_latency RCV_NETNS NAME DEST SECONDS UP_DELAY_US
 * prints "attach_ms A first_judged_ms J first_sent_ms F sent N unjudged U",
 * times from the creation's acknowledgement; -1: never.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define TCX_EGRESS 47 /* BPF_TCX_EGRESS: libbpf 1.1's headers predate it */
#define FRAMES_MAX 200000
#define MARKER 0x6b73626e /* "ksbn" */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct request {
	struct nlmsghdr h;
	char buf[1024];
};

static struct rtattr *put(struct request *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&r->h + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void end(struct request *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)&r->h + r->h.nlmsg_len - (char *)nest);
}

static struct ifinfomsg *start_link(struct request *r, int type, int flags)
{
	struct ifinfomsg *ifi;

	memset(r, 0, sizeof(*r));
	r->h.nlmsg_type = (unsigned short)type;
	r->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	ifi = NLMSG_DATA(&r->h);
	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

/* Sends @r on @sock and waits for its acknowledgement: 0 or -errno. */
static int talk(int sock, struct request *r)
{
	char reply[4096];
	ssize_t n;

	if (send(sock, &r->h, r->h.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(sock, reply, sizeof(reply), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		return -EIO;
	return ((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)reply))->error;
}

static int create_veth(int sock, const char *name, const char *peer, int peer_netns)
{
	struct request r;
	struct rtattr *info, *data, *peer_info;
	struct ifinfomsg *peer_ifi;

	start_link(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	info = put(&r, IFLA_LINKINFO, NULL, 0);
	put(&r, IFLA_INFO_KIND, "veth", 5);
	data = put(&r, IFLA_INFO_DATA, NULL, 0);
	peer_info = put(&r, VETH_INFO_PEER, NULL, sizeof(struct ifinfomsg));
	peer_ifi = RTA_DATA(peer_info);
	memset(peer_ifi, 0, sizeof(*peer_ifi));
	put(&r, IFLA_IFNAME, peer, strlen(peer) + 1);
	put(&r, IFLA_NET_NS_FD, &peer_netns, sizeof(peer_netns));
	end(&r, peer_info);
	end(&r, data);
	end(&r, info);
	return talk(sock, &r);
}

/* Sets the link @name up (the namespace is @sock's). */
static int set_up(int sock, const char *name)
{
	struct request r;
	struct ifinfomsg *ifi = start_link(&r, RTM_NEWLINK, 0);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	return talk(sock, &r);
}

static int delete_link(int sock, int ifindex)
{
	struct request r;
	struct ifinfomsg *ifi = start_link(&r, RTM_DELLINK, 0);

	ifi->ifi_index = ifindex;
	return talk(sock, &r);
}

/* Ethernet (broadcast) + IPv4 + UDP to @dest, with the marker and @seq as payload. */
static size_t frame(unsigned char *f, struct in_addr dest, __u32 seq)
{
	unsigned char *ip = f + ETH_HLEN, *udp = ip + 20;
	__u32 payload[2] = { htonl(MARKER), htonl(seq) };

	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x6b\x01", 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[3] = 20 + 8 + sizeof(payload);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	inet_pton(AF_INET, "198.51.100.1", ip + 12);
	memcpy(ip + 16, &dest, 4);
	memset(udp, 0, 8);
	udp[0] = 0x9c;
	udp[2] = 0x23;
	udp[3] = 0x29; /* 9001 */
	udp[5] = 8 + sizeof(payload);
	memcpy(udp + 8, payload, sizeof(payload));
	return ETH_HLEN + 20 + 8 + sizeof(payload);
}

/*
 * The receiver's packet socket, opened in its namespace before the link
 * exists, and a netlink socket there to set the peer up.
 */
static int open_receiver(int netns, int home, int *nl)
{
	int size = 16 << 20, sock;

	if (setns(netns, CLONE_NEWNET))
		return -1;
	sock = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_IP));
	if (sock >= 0)
		setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	*nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (setns(home, CLONE_NEWNET)) {
		close(sock);
		return -1;
	}
	return *nl < 0 ? -1 : sock;
}

static bool tcx_attached(int ifindex)
{
	__u32 count = 0;

	return bpf_prog_query(ifindex, TCX_EGRESS, 0, NULL, NULL, &count) == 0 && count > 0;
}

int main(int argc, char **argv)
{
	static unsigned char arrived[FRAMES_MAX];
	double created, deadline, attach = -1, seconds;
	int home, netns, rx, nl, peer_nl = -1, tx, ifindex, err, delay_us;
	char peer[IFNAMSIZ + 2];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	unsigned char f[128], buf[2048];
	__u32 sent = 0, unjudged = 0;
	double first_judged = -1, first_sent = -1;
	struct in_addr dest;
	ssize_t n;

	if (argc != 6 || inet_pton(AF_INET, argv[3], &dest) != 1 || (seconds = atof(argv[4])) <= 0) {
		fprintf(stderr, "usage: link_latency RCV_NETNS NAME DEST SECONDS UP_DELAY_US\n");
		return 2;
	}
	delay_us = atoi(argv[5]);
	home = open("/proc/self/ns/net", O_RDONLY);
	netns = open(argv[1], O_RDONLY);
	rx = home < 0 || netns < 0 ? -1 : open_receiver(netns, home, &peer_nl);
	nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	tx = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (rx < 0 || nl < 0 || tx < 0) {
		perror("link_latency: sockets (root?)");
		return 1;
	}
	snprintf(peer, sizeof(peer), "%sp", argv[2]);
	err = create_veth(nl, argv[2], peer, netns);
	created = now_ms();
	ifindex = (int)if_nametoindex(argv[2]);
	if (err || !ifindex) {
		fprintf(stderr, "link_latency: cannot create veth '%s': %s\n", argv[2], strerror(-err));
		return 1;
	}
	/* The peer up first: it takes frames from the first one on. */
	err = set_up(peer_nl, peer);
	while (!err && now_ms() < created + delay_us / 1e3)
		;
	if (err || (err = set_up(nl, argv[2]))) {
		fprintf(stderr, "link_latency: cannot set '%s' up: %s\n", argv[2], strerror(-err));
		delete_link(nl, ifindex);
		return 1;
	}
	to.sll_ifindex = ifindex;
	deadline = created + seconds * 1e3;
	for (double t = now_ms(); t < deadline && sent < FRAMES_MAX; t = now_ms()) {
		size_t len = frame(f, dest, sent);
		bool judged = false;

		if (attach < 0 && tcx_attached(ifindex))
			attach = now_ms() - created;
		/*
		 * ENETDOWN until the link is up: no frame. ENOBUFS: the egress hook
		 * dropped it, so it was judged (the time of the first one); whether
		 * any other got through, only the far side says.
		 */
		if (sendto(tx, f, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len &&
		    !(judged = errno == ENOBUFS))
			continue;
		if (judged && first_judged < 0)
			first_judged = t - created;
		if (!sent++)
			first_sent = t - created;
	}
	usleep(100000); /* the last frames reach the receiver */
	while ((n = recv(rx, buf, sizeof(buf), 0)) > 0) {
		__u32 marker, seq;

		if (n < ETH_HLEN + 20 + 8 + 8 || buf[ETH_HLEN + 9] != IPPROTO_UDP)
			continue;
		memcpy(&marker, buf + ETH_HLEN + 28, 4);
		memcpy(&seq, buf + ETH_HLEN + 32, 4);
		if (ntohl(marker) == MARKER && ntohl(seq) < sent && !arrived[ntohl(seq)]++)
			unjudged++;
	}
	delete_link(nl, ifindex);
	printf("attach_ms %.3f first_judged_ms %.3f first_sent_ms %.3f sent %u unjudged %u\n", attach, first_judged,
	       first_sent, sent, unjudged);
	return 0;
}
