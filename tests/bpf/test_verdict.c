// SPDX-License-Identifier: MIT
/*
 * The whole verdict table: the compiled program runs on crafted frames
 * through BPF_PROG_TEST_RUN, and each case checks the verdict and the exact
 * counter deltas (one packet, its bytes, under its reason and nowhere else).
 * The policy is written through the same code as `ksctl up` (policy_write).
 * Each case holds the reference model of README's table (tests/model) to
 * the same expectation, so that the model is checked by hand too.
 * Run by tests/bpf/run.sh in a throwaway network namespace that holds a veth
 * (Ethernet) and a tun (layer 3) device, named by KS_ETH_DEV and KS_L3_DEV.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "../lib/check.h"
#include "../lib/frame.h"
#include "../model/model_policy.h"
#include "counters.h"
#include "loader.h"
#include "log.h"
#include "policy.h"

#define MARK 0xca6c
#define ENDPOINT4 "198.18.1.2"
#define ENDPOINT6 "2001:db8:19::2"
#define WG_PORT 51820
#define SERVER_PORT 51821
#define PROVIDER_DNS "10.64.0.1"

static const char *const default_allow[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fe80::/10" };
static struct killswitch *skel;
static struct model_config model;
static unsigned int eth_ifindex, l3_ifindex;

enum target { ON_ETH, ON_L3, ON_CGROUP };

/* The model, given what the program is given (@f as handed to the test run), must say @want too. */
static void expect_model(const char *what, enum target target, unsigned int ifindex, __u32 mark,
			 const struct frame *f, enum ks_reason want)
{
	static const enum model_framing framings[] = { MODEL_ETHERNET, MODEL_LAYER3, MODEL_CGROUP };
	struct model_packet p = { .data = f->bytes, .len = f->len, .framing = framings[target], .mark = mark,
				  .ifindex = ifindex ? ifindex : 1 };
	__u16 type = (__u16)(f->bytes[12] << 8 | f->bytes[13]);
	enum ks_reason said;

	/* The test run's socket is IPv4 or IPv6 only if the first 14 bytes say so (tests/model/judge.h). */
	p.raw_socket = type != ETH_P_IP && type != ETH_P_IPV6;
	/* cgroup_skb sees what follows the Ethernet header the test run takes off. */
	if (target == ON_CGROUP) {
		p.data += ETH_HLEN;
		p.len -= ETH_HLEN;
	}
	/* Some cases set the live tunnels directly. */
	memcpy(model.tunnel, skel->bss->ks_state.config.tunnel, sizeof(model.tunnel));
	said = model_verdict(&model, &p);
	CHECK(said == want, "%s: the model of README's table says %s", what, ks_reason_names[said]);
}

/* Runs @f through the program for @target with @mark, expecting @want. */
static void expect(const char *what, enum target target, unsigned int ifindex, __u32 mark, struct frame f,
		   enum ks_reason want)
{
	struct bpf_program *progs[] = { skel->progs.ksctl_eth, skel->progs.ksctl_l3, skel->progs.ksctl_cgroup };
	struct __sk_buff ctx = { .mark = mark, .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.bytes, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);
	struct counters before, after;
	bool pass = want < KS_REASON_FIRST_DROP;
	/* Layer-3 hooks see the packet without the frame's Ethernet header. */
	__u64 bytes = target == ON_ETH ? f.len : f.len - ETH_HLEN;
	int fd = bpf_map__fd(skel->maps.ks_counters), events_fd = bpf_map__fd(skel->maps.ks_event_counts);
	__u64 outcomes = 0;
	__u32 want_retval;

	/*
	 * The test run always takes the first 14 bytes as Ethernet and, for tc,
	 * hands them to the program: a layer-3 device's packet is given bare.
	 */
	if (target == ON_L3) {
		memmove(f.bytes, f.bytes + ETH_HLEN, f.len - ETH_HLEN);
		f.len -= ETH_HLEN;
	}
	opts.data_size_in = f.len;
	expect_model(what, target, ifindex, mark, &f, want);
	CHECK(counters_read(fd, events_fd, &before) == 0, "%s: counters", what);
	CHECK(bpf_prog_test_run_opts(bpf_program__fd(progs[target]), &opts) == 0, "%s: test run failed", what);
	CHECK(counters_read(fd, events_fd, &after) == 0, "%s: counters", what);
	/* tc: TC_ACT_UNSPEC (TCX_NEXT) lets later programs run; TC_ACT_SHOT drops. */
	want_retval = target == ON_CGROUP ? pass : (pass ? (__u32)-1 : 2);
	CHECK(opts.retval == want_retval, "%s: verdict %d, want %d", what, (int)opts.retval, (int)want_retval);
	for (int r = 0; r < KS_REASON_COUNT; r++) {
		__u64 packets = after.by_reason[r].packets - before.by_reason[r].packets;
		__u64 byte_delta = after.by_reason[r].bytes - before.by_reason[r].bytes;

		CHECK(packets == (r == (int)want), "%s: %s counted %llu packets (want %s)", what, ks_reason_names[r],
		      (unsigned long long)packets, ks_reason_names[want]);
		CHECK(byte_delta == (r == (int)want ? bytes : 0), "%s: %s counted %llu bytes", what,
		      ks_reason_names[r], (unsigned long long)byte_delta);
	}
	/* Each drop has its event written, suppressed or lost; a pass has none. */
	for (int o = 0; o < KS_EVENT_OUTCOME_COUNT; o++)
		outcomes += after.events[o] - before.events[o];
	CHECK(outcomes == !pass, "%s: %llu event outcomes counted", what, (unsigned long long)outcomes);
}

static void add_prefixes(struct prefix_list *list, const char *const *cidrs, size_t count)
{
	for (size_t i = 0; i < count; i++)
		CHECK(prefix_list_add_text(list, cidrs[i]), "%s", cidrs[i]);
}

static void add_endpoint(struct policy *p, int tunnel, const char *addr, __u16 port)
{
	__u8 bytes[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	CHECK(inet_pton(family, addr, bytes) == 1, "%s", addr);
	CHECK(policy_add_endpoint(p, tunnel, family, bytes, port, 1), "endpoint %s", addr);
}

/*
 * The test policy, through the same code as `ksctl up`: a client tunnel wg0
 * with the mark and two endpoints, a server tunnel wg1 listening on
 * SERVER_PORT, the provider's resolver as tunnel-only, @cidrs allowed.
 */
static void apply_policy(const char *const *cidrs, size_t count, __u64 client_mark_mask, const char *lan_dns)
{
	static const char *const tunnel_only[] = { PROVIDER_DNS "/32", "10.13.13.0/24", "fd00:13::/64" };
	struct policy p = { .mode = KS_MODE_TC };
	struct ks_tunnel *client = policy_tunnel(&p, "wg0"), *server = policy_tunnel(&p, "wg1");
	struct ks_maps maps;

	client->mark_mask = client_mark_mask;
	client->mark_source = KS_MARK_OPTION;
	server->listen_port = SERVER_PORT;
	add_endpoint(&p, 0, ENDPOINT4, WG_PORT);
	add_endpoint(&p, 0, ENDPOINT6, WG_PORT);
	add_prefixes(&p.tunnel_only, tunnel_only, sizeof(tunnel_only) / sizeof(*tunnel_only));
	add_prefixes(&p.allow, cidrs, count);
	if (lan_dns)
		add_prefixes(&p.lan_dns, &lan_dns, 1);
	loader_maps(skel, &maps);
	CHECK(policy_write(&p, &maps, NULL) == 0, "policy_write");
	CHECK(model_from_policy(&model, &p), "the model's configuration");
	policy_free(&p);
}

static void default_policy(void)
{
	apply_policy(default_allow, sizeof(default_allow) / sizeof(*default_allow), KS_MARK_MASK(MARK, 0xffffffff),
		     NULL);
}

static void verdict_tc_ethernet(void)
{
	unsigned int i = eth_ifindex;

	default_policy();
	expect("IPv4 to an allowed prefix", ON_ETH, i, 0, ipv4("10.1.2.3", UDP), KS_REASON_ALLOWLIST);
	expect("IPv4 to a public host", ON_ETH, i, 0, ipv4("203.0.113.9", UDP), KS_REASON_IPV4);
	expect("IPv4 just outside 10/8", ON_ETH, i, 0, ipv4("11.0.0.0", UDP), KS_REASON_IPV4);
	expect("IPv6 to link-local", ON_ETH, i, 0, ipv6("fe80::2", UDP, 64), KS_REASON_ALLOWLIST);
	expect("IPv6 to a public host", ON_ETH, i, 0, ipv6("2001:db8::1", UDP, 64), KS_REASON_IPV6);
	expect("LLDP", ON_ETH, i, 0, truncated(ethernet(0x88cc), 60), KS_REASON_OTHER);
	expect("802.1Q tagged", ON_ETH, i, 0, truncated(ethernet(0x8100), 60), KS_REASON_OTHER);
	expect("IPv4 ethertype, version 6", ON_ETH, i, 0, with(ipv4("10.1.2.3", UDP), ETH_HLEN, 0x65),
	       KS_REASON_MALFORMED);
	expect("IPv4 header length 4", ON_ETH, i, 0, with(ipv4("10.1.2.3", UDP), ETH_HLEN, 0x44),
	       KS_REASON_MALFORMED);
	expect("IPv6 ethertype, version 4", ON_ETH, i, 0, with(ipv6("fe80::2", UDP, 64), ETH_HLEN, 0x45),
	       KS_REASON_MALFORMED);
	expect("loopback", ON_ETH, 1, 0, ipv4("203.0.113.9", UDP), KS_REASON_LOCAL);
}

/* The mark alone proves nothing: it passes only WireGuard-shaped UDP to a peer's endpoint. */
static void verdict_endpoint(void)
{
	unsigned int i = eth_ifindex;
	struct frame frag = ipv4(ENDPOINT4, UDP);

	default_policy();
	expect("handshake to the endpoint, marked", ON_ETH, i, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 1, 148), KS_REASON_ENDPOINT);
	expect("data to the endpoint, marked", ON_ETH, i, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 4, 32 + 16 * 5), KS_REASON_ENDPOINT);
	expect("IPv6 data to the endpoint, marked", ON_ETH, i, MARK,
	       wireguard(ipv6(ENDPOINT6, UDP, 64), 40000, WG_PORT, 4, 32), KS_REASON_ENDPOINT);
	expect("response and cookie sizes", ON_ETH, i, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 3, 64), KS_REASON_ENDPOINT);
	expect("on a layer-3 device too", ON_L3, l3_ifindex, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 2, 92), KS_REASON_ENDPOINT);
	expect("to the endpoint, unmarked", ON_ETH, i, 0, wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 1, 148),
	       KS_REASON_IPV4);
	expect("marked, another port of the endpoint", ON_ETH, i, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT + 1, 1, 148), KS_REASON_FWMARK_OTHER);
	expect("marked TCP to the endpoint's port", ON_ETH, i, MARK,
	       with_ports(ipv4(ENDPOINT4, TCP), 40000, WG_PORT), KS_REASON_FWMARK_OTHER);
	expect("marked, not WireGuard (DNS-sized payload)", ON_ETH, i, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 1, 40), KS_REASON_FWMARK_OTHER);
	expect("marked, type byte with a non-zero reserved byte", ON_ETH, i, MARK,
	       with(wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 4, 32), ETH_HLEN + 20 + 8 + 1, 1),
	       KS_REASON_FWMARK_OTHER);
	expect("marked, data not padded to 16", ON_ETH, i, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 4, 40), KS_REASON_FWMARK_OTHER);
	expect("marked TCP to a public host", ON_ETH, i, MARK, with_ports(ipv4("203.0.113.9", TCP), 40000, 443),
	       KS_REASON_FWMARK_OTHER);
	expect("marked UDP to a public host", ON_ETH, i, MARK,
	       wireguard(ipv4("203.0.113.9", UDP), 40000, WG_PORT, 1, 148), KS_REASON_FWMARK_OTHER);
	expect("marked to the LAN", ON_ETH, i, MARK, with_ports(ipv4("192.168.1.1", TCP), 40000, 80),
	       KS_REASON_FWMARK_OTHER);
	expect("marked IPv6 to a public host", ON_ETH, i, MARK, with_ports(ipv6("2001:db8::1", TCP, 64), 1, 443),
	       KS_REASON_FWMARK_OTHER);
	expect("another mark to a public host", ON_ETH, i, MARK + 1, with_ports(ipv4("203.0.113.9", TCP), 1, 443),
	       KS_REASON_IPV4);
	/* A later fragment has no ports: the endpoint's address, with the mark, is all it can show. */
	put16(frag.bytes + ETH_HLEN + 6, 185);
	expect("marked later fragment to the endpoint", ON_ETH, i, MARK, frag, KS_REASON_ENDPOINT);
	expect("unmarked later fragment to the endpoint", ON_ETH, i, 0, frag, KS_REASON_IPV4);
	frag = ipv4("203.0.113.9", UDP);
	put16(frag.bytes + ETH_HLEN + 6, 185);
	expect("marked later fragment elsewhere", ON_ETH, i, MARK, frag, KS_REASON_FWMARK_OTHER);
	/* Port 0 is a port like any other: only a later fragment goes by the address alone. */
	expect("marked, port 0 of the endpoint's address", ON_ETH, i, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, 0, 1, 148), KS_REASON_FWMARK_OTHER);
}

/* Two client tunnels to one server (two keys, one endpoint): each tunnel's mark reaches it. */
static void verdict_shared_endpoint(void)
{
	struct frame handshake = wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 1, 148);
	struct policy p = { .mode = KS_MODE_TC };
	struct ks_tunnel *first = policy_tunnel(&p, "wg0"), *second = policy_tunnel(&p, "wg2");
	unsigned int i = eth_ifindex;
	struct ks_maps maps;

	first->mark_mask = KS_MARK_MASK(MARK, 0xffffffff);
	second->mark_mask = KS_MARK_MASK(MARK + 1, 0xffffffff);
	first->mark_source = second->mark_source = KS_MARK_OPTION;
	add_endpoint(&p, 0, ENDPOINT4, WG_PORT);
	add_endpoint(&p, 1, ENDPOINT4, WG_PORT);
	add_prefixes(&p.allow, default_allow, sizeof(default_allow) / sizeof(*default_allow));
	loader_maps(skel, &maps);
	CHECK(policy_write(&p, &maps, NULL) == 0, "policy_write");
	CHECK(model_from_policy(&model, &p), "the model's configuration");
	policy_free(&p);
	expect("the first tunnel's mark", ON_ETH, i, MARK, handshake, KS_REASON_ENDPOINT);
	expect("the second tunnel's mark", ON_ETH, i, MARK + 1, handshake, KS_REASON_ENDPOINT);
	expect("neither tunnel's mark", ON_ETH, i, MARK + 2, handshake, KS_REASON_IPV4);
	default_policy();
}

static void verdict_fwmark_mask(void)
{
	unsigned int i = eth_ifindex;
	struct frame handshake = wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 1, 148);

	apply_policy(default_allow, 4, KS_MARK_MASK(0x100, 0xff00), NULL);
	expect("mark inside the mask", ON_ETH, i, 0x1ff, handshake, KS_REASON_ENDPOINT);
	expect("mark outside the mask", ON_ETH, i, 0x200, handshake, KS_REASON_IPV4);
	expect("our bits, elsewhere", ON_ETH, i, 0x1ff, ipv4("203.0.113.9", UDP), KS_REASON_FWMARK_OTHER);
	/* A tunnel whose wg-quick sets no mark (Table = off, or no default route). */
	apply_policy(default_allow, 4, 0, NULL);
	expect("no mark needed: unmarked handshake", ON_ETH, i, 0, handshake, KS_REASON_ENDPOINT);
	expect("no mark needed: any mark", ON_ETH, i, MARK, handshake, KS_REASON_ENDPOINT);
	expect("no mark: a marked packet elsewhere is just a packet", ON_ETH, i, MARK, ipv4("203.0.113.9", UDP),
	       KS_REASON_IPV4);
	default_policy();
}

/* A server's encrypted UDP goes from its ListenPort to roaming peers, with or without a mark. */
static void verdict_listen_port(void)
{
	unsigned int i = eth_ifindex;

	default_policy();
	expect("server response to a phone", ON_ETH, i, 0,
	       wireguard(ipv4("203.0.113.50", UDP), SERVER_PORT, 33333, 2, 92), KS_REASON_LISTEN_PORT);
	expect("server data over IPv6", ON_ETH, i, 0,
	       wireguard(ipv6("2001:db8:50::1", UDP, 64), SERVER_PORT, 33333, 4, 48), KS_REASON_LISTEN_PORT);
	expect("from the port, not WireGuard", ON_ETH, i, 0,
	       wireguard(ipv4("203.0.113.50", UDP), SERVER_PORT, 33333, 1, 30), KS_REASON_IPV4);
	expect("TCP from the port", ON_ETH, i, 0, with_ports(ipv4("203.0.113.50", TCP), SERVER_PORT, 443),
	       KS_REASON_IPV4);
	expect("another source port", ON_ETH, i, 0,
	       wireguard(ipv4("203.0.113.50", UDP), SERVER_PORT + 1, 33333, 2, 92), KS_REASON_IPV4);
}

static void verdict_neighbour_discovery(void)
{
	unsigned int i = eth_ifindex;

	default_policy();
	expect("RS to all routers", ON_ETH, i, 0, icmpv6("ff02::2", 255, 133), KS_REASON_LINK_LAYER);
	expect("RA to all nodes", ON_ETH, i, 0, icmpv6("ff02::1", 255, 134), KS_REASON_LINK_LAYER);
	expect("NS to a solicited-node group", ON_ETH, i, 0, icmpv6("ff02::1:ff00:1", 255, 135), KS_REASON_LINK_LAYER);
	expect("NS to a link-local neighbour", ON_ETH, i, 0, icmpv6("fe80::9", 255, 135), KS_REASON_LINK_LAYER);
	expect("NA to a link-local neighbour", ON_ETH, i, 0, icmpv6("fe80::9", 255, 136), KS_REASON_LINK_LAYER);
	expect("unsolicited NA to all nodes", ON_ETH, i, 0, icmpv6("ff02::1", 255, 136), KS_REASON_LINK_LAYER);
	expect("redirect to a link-local host", ON_ETH, i, 0, icmpv6("fe80::9", 255, 137), KS_REASON_LINK_LAYER);
	expect("NS to a public address", ON_ETH, i, 0, icmpv6("2001:db8::1", 255, 135), KS_REASON_IPV6);
	expect("NA to a public address", ON_ETH, i, 0, icmpv6("2001:db8::1", 255, 136), KS_REASON_IPV6);
	expect("RS to a public address", ON_ETH, i, 0, icmpv6("2001:db8::1", 255, 133), KS_REASON_IPV6);
	expect("RS to all nodes", ON_ETH, i, 0, icmpv6("ff02::1", 255, 133), KS_REASON_IPV6);
	expect("NS to ff02::1:ff00:1 with hop limit 64", ON_ETH, i, 0, icmpv6("ff02::1:ff00:1", 64, 135),
	       KS_REASON_IPV6);
	expect("NS to a site-scope group", ON_ETH, i, 0, icmpv6("ff05::1:ff00:1", 255, 135), KS_REASON_IPV6);
	expect("ICMPv6 echo, hop limit 255", ON_ETH, i, 0, icmpv6("2001:db8::1", 255, 128), KS_REASON_IPV6);
	expect("ICMPv6 type 138 to ff02::1", ON_ETH, i, 0, icmpv6("ff02::1", 255, 138), KS_REASON_IPV6);
	expect("NS behind a routing header", ON_ETH, i, 0,
	       with(ipv6_ext("ff02::1:ff00:1", (const __u8[]){ ROUTING }, 1, ICMPV6, 255), ETH_HLEN + 48, 135),
	       KS_REASON_SOURCE_ROUTE);
	expect("NS on a layer-3 device", ON_L3, l3_ifindex, 0, icmpv6("ff02::1:ff00:1", 255, 135),
	       KS_REASON_LINK_LAYER);
	expect("MLDv2 report to ff02::16", ON_ETH, i, 0, icmpv6("ff02::16", 1, 143), KS_REASON_LINK_LAYER);
	expect("MLDv1 report to a solicited-node group", ON_ETH, i, 0, icmpv6("ff02::1:ff00:1", 1, 131),
	       KS_REASON_LINK_LAYER);
	expect("MLD report with hop limit 2", ON_ETH, i, 0, icmpv6("ff02::16", 2, 143), KS_REASON_IPV6);
	expect("MLD report to a public address", ON_ETH, i, 0, icmpv6("2001:db8::1", 1, 143), KS_REASON_IPV6);
	expect("MLD report to a site-scope group", ON_ETH, i, 0, icmpv6("ff05::2", 1, 143), KS_REASON_IPV6);
}

static void verdict_arp(void)
{
	unsigned int i = eth_ifindex;

	expect("ARP request", ON_ETH, i, 0, arp_request(), KS_REASON_LINK_LAYER);
	expect("ARP reply", ON_ETH, i, 0, arp(1, ETH_P_IP, 6, 4, 2), KS_REASON_LINK_LAYER);
	expect("RARP opcode", ON_ETH, i, 0, arp(1, ETH_P_IP, 6, 4, 3), KS_REASON_OTHER);
	expect("ARP for IPv6's ethertype", ON_ETH, i, 0, arp(1, ETH_P_IPV6, 6, 16, 1), KS_REASON_OTHER);
	expect("ARP with hardware type 6", ON_ETH, i, 0, arp(6, ETH_P_IP, 6, 4, 1), KS_REASON_OTHER);
	expect("ARP with hardware length 8", ON_ETH, i, 0, arp(1, ETH_P_IP, 8, 4, 1), KS_REASON_OTHER);
	expect("truncated ARP", ON_ETH, i, 0, truncated(arp_request(), ETH_HLEN + 20), KS_REASON_MALFORMED);
	expect("ARP bytes on a layer-3 device", ON_L3, l3_ifindex, 0, arp_request(), KS_REASON_OTHER);
}

static void verdict_source_route(void)
{
	static const __u8 lsrr[] = { 0x83, 7, 4, 0, 0, 0, 0, 0 }, ssrr[] = { 0x89, 7, 4, 0, 0, 0, 0, 0 },
			  record_route[] = { 0x07, 7, 4, 0, 0, 0, 0, 0 }, nops[] = { 1, 1, 1, 0 },
			  bad_length[] = { 0x83, 1, 0, 0 }, past_header[] = { 0x44, 12, 5, 0 };
	unsigned int i = eth_ifindex;

	default_policy();
	expect("LSRR to an allowed first hop", ON_ETH, i, 0, ipv4_opts("192.168.1.1", UDP, lsrr, 8),
	       KS_REASON_SOURCE_ROUTE);
	expect("SSRR to an allowed first hop", ON_ETH, i, 0, ipv4_opts("10.1.1.1", TCP, ssrr, 8),
	       KS_REASON_SOURCE_ROUTE);
	expect("LSRR after NOPs", ON_ETH, i, 0,
	       ipv4_opts("10.1.1.1", UDP, (const __u8[]){ 1, 1, 1, 1, 0x83, 7, 4, 0, 0, 0, 0, 0 }, 12),
	       KS_REASON_SOURCE_ROUTE);
	expect("record route is not routing", ON_ETH, i, 0, ipv4_opts("10.1.1.1", UDP, record_route, 8),
	       KS_REASON_ALLOWLIST);
	expect("NOPs and end of list", ON_ETH, i, 0, ipv4_opts("10.1.1.1", UDP, nops, 4), KS_REASON_ALLOWLIST);
	expect("option length 1", ON_ETH, i, 0, ipv4_opts("10.1.1.1", UDP, bad_length, 4), KS_REASON_MALFORMED);
	expect("option longer than the header", ON_ETH, i, 0, ipv4_opts("10.1.1.1", UDP, past_header, 4),
	       KS_REASON_MALFORMED);
	expect("IPv6 routing header to link-local", ON_ETH, i, 0,
	       ipv6_ext("fe80::9", (const __u8[]){ ROUTING }, 1, UDP, 64), KS_REASON_SOURCE_ROUTE);
	expect("IPv6 routing header after hop-by-hop", ON_ETH, i, 0,
	       ipv6_ext("fe80::9", (const __u8[]){ HOPOPTS, ROUTING }, 2, UDP, 64), KS_REASON_SOURCE_ROUTE);
	expect("IPv6 hop-by-hop and destination options", ON_ETH, i, 0,
	       ipv6_ext("fe80::9", (const __u8[]){ HOPOPTS, DSTOPTS }, 2, UDP, 64), KS_REASON_ALLOWLIST);
	expect("IPv6 six extension headers", ON_ETH, i, 0,
	       ipv6_ext("fe80::9", (const __u8[]){ HOPOPTS, DSTOPTS, DSTOPTS, DSTOPTS, DSTOPTS, DSTOPTS }, 6, UDP, 64),
	       KS_REASON_ALLOWLIST);
	expect("ten options then end of list", ON_ETH, i, 0,
	       ipv4_opts("10.1.1.1", UDP, (const __u8[]){ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }, 12),
	       KS_REASON_ALLOWLIST);
	expect("eleven options", ON_ETH, i, 0,
	       ipv4_opts("10.1.1.1", UDP, (const __u8[]){ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 }, 12),
	       KS_REASON_MALFORMED);
	expect("IPv4 options past the walk's limit", ON_ETH, i, 0,
	       ipv4_opts("10.1.1.1", UDP, (const __u8[]){ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x83, 7, 4, 0, 0, 0, 0, 0 },
			 20),
	       KS_REASON_MALFORMED);
	expect("IPv6 seven extension headers", ON_ETH, i, 0,
	       ipv6_ext("fe80::9", (const __u8[]){ DSTOPTS, DSTOPTS, DSTOPTS, DSTOPTS, DSTOPTS, DSTOPTS, DSTOPTS }, 7,
			UDP, 64),
	       KS_REASON_MALFORMED);
	expect("IPv6 seventh header a later fragment's", ON_ETH, i, 0,
	       ipv6_to((const __u8[16]){ 0xfe, 0x80, [15] = 9 },
		       (const struct frame_ext[]){ { .type = DSTOPTS }, { .type = DSTOPTS }, { .type = DSTOPTS },
						   { .type = DSTOPTS }, { .type = DSTOPTS }, { .type = DSTOPTS },
						   { .type = FRAGMENT, .frag = 185 << 3 } },
		       7, UDP, 64),
	       KS_REASON_MALFORMED);
	expect("IPv6 extension header cut short", ON_L3, l3_ifindex, 0,
	       truncated(ipv6_ext("fe80::9", (const __u8[]){ HOPOPTS }, 1, UDP, 64), ETH_HLEN + 41),
	       KS_REASON_MALFORMED);
}

/* DNS leaves a non-tunnel interface only to a resolver named with --lan-dns. */
static void verdict_dns(void)
{
	unsigned int i = eth_ifindex;

	default_policy();
	expect("UDP DNS to the provider's resolver", ON_ETH, i, 0, with_ports(ipv4(PROVIDER_DNS, UDP), 5353, 53),
	       KS_REASON_DNS);
	expect("TCP DNS to a LAN resolver", ON_ETH, i, 0, with_ports(ipv4("192.168.1.1", TCP), 40000, 53),
	       KS_REASON_DNS);
	expect("DNS over TLS to a LAN resolver", ON_ETH, i, 0, with_ports(ipv4("192.168.1.1", TCP), 40000, 853),
	       KS_REASON_DNS);
	expect("IPv6 DNS to link-local", ON_ETH, i, 0, with_ports(ipv6("fe80::53", UDP, 64), 40000, 53),
	       KS_REASON_DNS);
	expect("DNS to a public resolver", ON_ETH, i, 0, with_ports(ipv4("203.0.113.53", UDP), 40000, 53),
	       KS_REASON_DNS);
	expect("a reply from a DNS server here", ON_ETH, i, 0, with_ports(ipv4("192.168.1.9", UDP), 53, 40000),
	       KS_REASON_ALLOWLIST);
	expect("DNS through loopback", ON_ETH, 1, 0, with_ports(ipv4("127.0.0.11", UDP), 40000, 53), KS_REASON_LOCAL);
	apply_policy(default_allow, 4, KS_MARK_MASK(MARK, 0xffffffff), "192.168.1.1");
	expect("--lan-dns: UDP to that resolver", ON_ETH, i, 0, with_ports(ipv4("192.168.1.1", UDP), 40000, 53),
	       KS_REASON_ALLOWLIST);
	expect("--lan-dns: TCP to that resolver", ON_ETH, i, 0, with_ports(ipv4("192.168.1.1", TCP), 40000, 53),
	       KS_REASON_ALLOWLIST);
	expect("--lan-dns: another LAN host", ON_ETH, i, 0, with_ports(ipv4("192.168.1.2", UDP), 40000, 53),
	       KS_REASON_DNS);
	apply_policy((const char *const[]){ "10.0.0.0/8" }, 1, KS_MARK_MASK(MARK, 0xffffffff), "192.168.1.1");
	expect("--lan-dns outside the allowlist", ON_ETH, i, 0, with_ports(ipv4("192.168.1.1", UDP), 40000, 53),
	       KS_REASON_IPV4);
	default_policy();
}

static void verdict_tunnel_only(void)
{
	unsigned int i = eth_ifindex;

	default_policy();
	expect("the provider's resolver, not DNS", ON_ETH, i, 0, with_ports(ipv4(PROVIDER_DNS, TCP), 40000, 80),
	       KS_REASON_TUNNEL_ONLY);
	expect("a phone's tunnel address", ON_ETH, i, 0, ipv4("10.13.13.2", UDP), KS_REASON_TUNNEL_ONLY);
	expect("next to it", ON_ETH, i, 0, ipv4("10.13.14.2", UDP), KS_REASON_ALLOWLIST);
	expect("IPv6 tunnel network, not allowed anyway", ON_ETH, i, 0, ipv6("fd00:13::2", UDP, 64), KS_REASON_IPV6);
	apply_policy((const char *const[]){ "10.0.0.0/8", "fd00::/8" }, 2, KS_MARK_MASK(MARK, 0xffffffff), NULL);
	expect("IPv6 tunnel network, allowed", ON_ETH, i, 0, ipv6("fd00:13::2", UDP, 64), KS_REASON_TUNNEL_ONLY);
	expect("IPv6 next to it", ON_ETH, i, 0, ipv6("fd00:14::2", UDP, 64), KS_REASON_ALLOWLIST);
	default_policy();
}

static void verdict_tc_layer3(void)
{
	unsigned int i = l3_ifindex;

	default_policy();
	expect("IPv4 allowed", ON_L3, i, 0, ipv4("192.168.4.4", UDP), KS_REASON_ALLOWLIST);
	expect("IPv4 public", ON_L3, i, 0, ipv4("203.0.113.9", UDP), KS_REASON_IPV4);
	expect("IPv4 marked", ON_L3, i, MARK, ipv4("203.0.113.9", UDP), KS_REASON_FWMARK_OTHER);
	expect("IPv6 public", ON_L3, i, 0, ipv6("2001:db8::1", UDP, 64), KS_REASON_IPV6);
	/* What leaves is decided by the bytes, whatever the claimed protocol. */
	expect("version nibble 5", ON_L3, i, 0, with(ipv4("10.1.2.3", UDP), ETH_HLEN, 0x55), KS_REASON_OTHER);
	/* The kernel's test run refuses short IP frames behind an Ethernet header; bare, they reach the program. */
	expect("truncated IPv4", ON_L3, i, 0, truncated(ipv4("10.1.2.3", UDP), ETH_HLEN + 16), KS_REASON_MALFORMED);
	expect("truncated IPv6", ON_L3, i, 0, truncated(ipv6("fe80::2", UDP, 64), ETH_HLEN + 30), KS_REASON_MALFORMED);
	expect("UDP header cut short", ON_L3, i, 0, truncated(ipv4("10.1.2.3", UDP), ETH_HLEN + 24),
	       KS_REASON_MALFORMED);
}

static void verdict_cgroup(void)
{
	default_policy();
	skel->bss->ks_state.config.tunnel[0].ifindex = l3_ifindex;
	expect("into the tunnel", ON_CGROUP, l3_ifindex, 0, ipv4("203.0.113.9", UDP), KS_REASON_TUNNEL);
	expect("loopback", ON_CGROUP, 1, 0, ipv4("127.0.0.1", UDP), KS_REASON_LOCAL);
	expect("IPv4 allowed", ON_CGROUP, eth_ifindex, 0, ipv4("172.16.0.1", UDP), KS_REASON_ALLOWLIST);
	expect("IPv4 public", ON_CGROUP, eth_ifindex, 0, ipv4("203.0.113.9", UDP), KS_REASON_IPV4);
	expect("IPv4 marked", ON_CGROUP, eth_ifindex, MARK, ipv4("203.0.113.9", UDP), KS_REASON_FWMARK_OTHER);
	expect("handshake to the endpoint", ON_CGROUP, eth_ifindex, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 1, 148), KS_REASON_ENDPOINT);
	expect("IPv6 public", ON_CGROUP, eth_ifindex, 0, ipv6("2001:db8::1", TCP, 64), KS_REASON_IPV6);
	expect("IPv6 link-local", ON_CGROUP, eth_ifindex, 0, ipv6("fe80::9", TCP, 64), KS_REASON_ALLOWLIST);
	skel->bss->ks_state.config.tunnel[0].ifindex = 0;
	expect("tunnel gone: public IPv4", ON_CGROUP, l3_ifindex, 0, ipv4("203.0.113.9", UDP), KS_REASON_IPV4);
}

static void allow_only(const char *const *cidrs, size_t count)
{
	apply_policy(cidrs, count, KS_MARK_MASK(MARK, 0xffffffff), NULL);
}

/* Prefixes longer than /16 send their /16 to the trie; everything else is decided by the /16 state. */
static void verdict_allowlist_paths(void)
{
	static const char *const cidrs[] = { "10.0.0.0/8", "203.0.113.0/24", "198.51.100.7/32", "2001:db8:1::/48",
					     "2001:db8:2:3::/64", "fc00::/7", "198.51.100.128/25", "198.51.101.0/24" };
	unsigned int i = eth_ifindex;

	allow_only(cidrs, sizeof(cidrs) / sizeof(*cidrs));
	expect("/8 by its /16 state", ON_ETH, i, 0, ipv4("10.255.0.1", UDP), KS_REASON_ALLOWLIST);
	expect("/24 through the trie", ON_ETH, i, 0, ipv4("203.0.113.200", UDP), KS_REASON_ALLOWLIST);
	expect("same /16, outside the /24", ON_ETH, i, 0, ipv4("203.0.114.1", UDP), KS_REASON_IPV4);
	expect("/32 through the trie", ON_ETH, i, 0, ipv4("198.51.100.7", UDP), KS_REASON_ALLOWLIST);
	expect("next to the /32", ON_ETH, i, 0, ipv4("198.51.100.8", UDP), KS_REASON_IPV4);
	expect("/25 in the same /24 as the /32", ON_ETH, i, 0, ipv4("198.51.100.200", UDP), KS_REASON_ALLOWLIST);
	expect("/24 beside them, by its block", ON_ETH, i, 0, ipv4("198.51.101.1", UDP), KS_REASON_ALLOWLIST);
	expect("the /24 after", ON_ETH, i, 0, ipv4("198.51.102.1", UDP), KS_REASON_IPV4);
	expect("a /16 with nothing", ON_ETH, i, 0, ipv4("192.168.1.1", UDP), KS_REASON_IPV4);
	expect("IPv6 /48", ON_ETH, i, 0, ipv6("2001:db8:1:ffff::1", UDP, 64), KS_REASON_ALLOWLIST);
	expect("IPv6 /64", ON_ETH, i, 0, ipv6("2001:db8:2:3::9", UDP, 64), KS_REASON_ALLOWLIST);
	expect("IPv6 same /16, outside", ON_ETH, i, 0, ipv6("2001:db8:2:4::9", UDP, 64), KS_REASON_IPV6);
	expect("IPv6 /7 spans /16s", ON_ETH, i, 0, ipv6("fdff:1::1", UDP, 64), KS_REASON_ALLOWLIST);
	expect("fe80::/10 no longer allowed", ON_ETH, i, 0, ipv6("fe80::2", UDP, 64), KS_REASON_IPV6);
	default_policy();
	expect("replaced: the /24 is gone", ON_ETH, i, 0, ipv4("203.0.113.200", UDP), KS_REASON_IPV4);
	expect("replaced: back to the defaults", ON_ETH, i, 0, ipv4("192.168.1.1", UDP), KS_REASON_ALLOWLIST);
}

/* More /16s needing a block than the table holds: the rest go to the trie and stay right. */
static void verdict_table_full(void)
{
	char cidrs_text[80][24];
	const char *cidrs[80];

	for (int n = 0; n < 80; n++) {
		snprintf(cidrs_text[n], sizeof(cidrs_text[n]), "100.%d.7.0/24", n);
		cidrs[n] = cidrs_text[n];
	}
	allow_only(cidrs, 80);
	expect("the first /16's block", ON_ETH, eth_ifindex, 0, ipv4("100.0.7.1", UDP), KS_REASON_ALLOWLIST);
	expect("a /16 past the table's room", ON_ETH, eth_ifindex, 0, ipv4("100.79.7.1", UDP), KS_REASON_ALLOWLIST);
	expect("beside it", ON_ETH, eth_ifindex, 0, ipv4("100.79.8.1", UDP), KS_REASON_IPV4);
	default_policy();
	expect("all gone again", ON_ETH, eth_ifindex, 0, ipv4("100.79.7.1", UDP), KS_REASON_IPV4);
}

static void verdict_empty_policy(void)
{
	struct killswitch *fresh = killswitch__open_and_load();
	struct killswitch *saved = skel;

	CHECK(fresh, "a second instance loads");
	if (!fresh)
		return;
	/* Nothing configured at all: only link-layer traffic passes. */
	skel = fresh;
	model_config_free(&model);
	expect("no config: private IPv4", ON_ETH, eth_ifindex, 0, ipv4("10.1.2.3", UDP), KS_REASON_IPV4);
	expect("no config: marked handshake", ON_ETH, eth_ifindex, MARK,
	       wireguard(ipv4(ENDPOINT4, UDP), 40000, WG_PORT, 1, 148), KS_REASON_IPV4);
	expect("no config: ARP", ON_ETH, eth_ifindex, 0, arp_request(), KS_REASON_LINK_LAYER);
	skel = saved;
	killswitch__destroy(fresh);
}

int main(void)
{
	const char *eth = getenv("KS_ETH_DEV"), *l3 = getenv("KS_L3_DEV");

	log_setup_libbpf();
	eth_ifindex = eth ? if_nametoindex(eth) : 0;
	l3_ifindex = l3 ? if_nametoindex(l3) : 0;
	if (!eth_ifindex || !l3_ifindex) {
		printf("[verdict_setup] FAIL  KS_ETH_DEV and KS_L3_DEV must name existing devices\n");
		return 1;
	}
	skel = killswitch__open();
	if (skel && (bpf_map__set_max_entries(skel->maps.ks_table4, KS_ROOT4_BLOCKS + 64) || killswitch__load(skel))) {
		killswitch__destroy(skel);
		skel = NULL;
	}
	if (!skel) {
		printf("[verdict_setup] FAIL  cannot load the BPF object (root? CAP_BPF?)\n");
		return 1;
	}
	RUN(verdict_tc_ethernet, "tc on Ethernet: allowlist, drops, odd ethertypes, loopback; exact counter deltas");
	RUN(verdict_endpoint, "the mark passes only WireGuard-shaped UDP to a peer's endpoint; elsewhere fwmark_other");
	RUN(verdict_shared_endpoint, "an endpoint two tunnels share passes with either tunnel's mark");
	RUN(verdict_fwmark_mask, "(mark & mask) == mark; a tunnel without a mark needs none to its endpoint");
	RUN(verdict_listen_port, "a server's WireGuard UDP from its ListenPort passes to any address, nothing else");
	RUN(verdict_neighbour_discovery, "ND (hop limit 255) and MLD (hop limit 1) pass only to link-scope destinations");
	RUN(verdict_arp, "only well-formed Ethernet/IPv4 ARP requests and replies pass");
	RUN(verdict_source_route, "LSRR/SSRR and IPv6 routing headers are dropped; other options and headers parse");
	RUN(verdict_dns, "DNS (53, 853) is dropped even to allowed resolvers, except --lan-dns ones");
	RUN(verdict_tunnel_only, "a tunnel's own destinations are dropped outside it even where allowed");
	RUN(verdict_tc_layer3, "tc on a layer-3 device: the version nibble decides, not the claimed protocol");
	RUN(verdict_cgroup, "cgroup_skb: tunnel by ifindex, loopback, allowlist, endpoint, fwmark_other");
	RUN(verdict_allowlist_paths, "/16 states and the LPM trie agree with the prefixes, and follow a replace");
	RUN(verdict_table_full, "with the IPv4 table full, /16s fall back to the trie and stay right");
	RUN(verdict_empty_policy, "an unconfigured program fails closed");
	killswitch__destroy(skel);
	model_config_free(&model);
	return check_failed_tests ? 1 : 0;
}
