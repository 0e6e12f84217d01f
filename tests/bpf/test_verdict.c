// SPDX-License-Identifier: MIT
/*
 * The whole verdict table: the compiled program runs on crafted frames
 * through BPF_PROG_TEST_RUN, and each case checks the verdict and the exact
 * counter deltas (one packet, its bytes, under its reason and nowhere else).
 * Run by tests/bpf/run.sh in a throwaway network namespace that holds a veth
 * (Ethernet) and a tun (layer 3) device, named by KS_ETH_DEV and KS_L3_DEV.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "../lib/check.h"
#include "allowlist.h"
#include "counters.h"
#include "killswitch.skel.h"
#include "log.h"

#define MARK 0xca6c

struct frame {
	__u8 bytes[128];
	__u32 len;
};

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static struct frame ethernet(__u16 ethertype)
{
	struct frame f = { .len = ETH_HLEN };

	memset(f.bytes, 0x02, 12); /* locally administered MACs */
	put16(f.bytes + 12, ethertype);
	return f;
}

static struct frame ipv4(const char *dst)
{
	struct frame f = ethernet(ETH_P_IP);
	__u8 *ip = f.bytes + ETH_HLEN;

	ip[0] = 0x45;
	put16(ip + 2, 28);
	ip[8] = 64;
	ip[9] = 17; /* UDP */
	inet_pton(AF_INET, "198.51.100.1", ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	f.len += 28;
	return f;
}

static struct frame ipv6(const char *dst, __u8 next_header, __u8 hop_limit, __u8 icmp_type)
{
	struct frame f = ethernet(ETH_P_IPV6);
	__u8 *ip = f.bytes + ETH_HLEN;

	ip[0] = 0x60;
	put16(ip + 4, 8);
	ip[6] = next_header;
	ip[7] = hop_limit;
	inet_pton(AF_INET6, "fe80::1", ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	ip[40] = icmp_type;
	f.len += 48;
	return f;
}

static struct frame arp(void)
{
	struct frame f = ethernet(ETH_P_ARP);

	put16(f.bytes + ETH_HLEN, 1);      /* Ethernet */
	put16(f.bytes + ETH_HLEN + 2, ETH_P_IP);
	f.bytes[ETH_HLEN + 4] = 6;
	f.bytes[ETH_HLEN + 5] = 4;
	put16(f.bytes + ETH_HLEN + 6, 1); /* request */
	f.len += 28;
	return f;
}

static struct frame with(struct frame f, unsigned int offset, __u8 value)
{
	f.bytes[offset] = value;
	return f;
}

static struct frame truncated(struct frame f, __u32 len)
{
	f.len = len;
	return f;
}

static const char *const default_allow[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fe80::/10" };
static struct killswitch *skel;
static unsigned int eth_ifindex, l3_ifindex;

enum target { ON_ETH, ON_L3, ON_CGROUP };

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

	/*
	 * The test run always takes the first 14 bytes as Ethernet and, for tc,
	 * hands them to the program: a layer-3 device's packet is given bare.
	 */
	if (target == ON_L3) {
		memmove(f.bytes, f.bytes + ETH_HLEN, f.len - ETH_HLEN);
		f.len -= ETH_HLEN;
	}
	int fd = bpf_map__fd(skel->maps.ks_counters);
	__u32 want_retval;

	opts.data_size_in = f.len;
	CHECK(counters_read(fd, &before) == 0, "%s: counters", what);
	CHECK(bpf_prog_test_run_opts(bpf_program__fd(progs[target]), &opts) == 0, "%s: test run failed", what);
	CHECK(counters_read(fd, &after) == 0, "%s: counters", what);
	want_retval = target == ON_CGROUP ? pass : (pass ? 0 /* TC_ACT_OK */ : 2 /* TC_ACT_SHOT */);
	CHECK(opts.retval == want_retval, "%s: verdict %u, want %u", what, opts.retval, want_retval);
	for (int r = 0; r < KS_REASON_COUNT; r++) {
		__u64 packets = after.by_reason[r].packets - before.by_reason[r].packets;
		__u64 byte_delta = after.by_reason[r].bytes - before.by_reason[r].bytes;

		CHECK(packets == (r == (int)want), "%s: %s counted %llu packets", what, ks_reason_names[r],
		      (unsigned long long)packets);
		CHECK(byte_delta == (r == (int)want ? bytes : 0), "%s: %s counted %llu bytes", what,
		      ks_reason_names[r], (unsigned long long)byte_delta);
	}
}

/* Through the same code as `ksctl up`: the tries and the /16 states. */
static void allow_only(const char *const *cidrs, size_t count)
{
	struct allowlist maps = { bpf_map__fd(skel->maps.ks_allow4), bpf_map__fd(skel->maps.ks_allow6),
				  bpf_map__fd(skel->maps.ks_table4), &skel->bss->ks_state };
	struct prefix_list list = { 0 };

	for (size_t i = 0; i < count; i++)
		CHECK(prefix_list_add_text(&list, cidrs[i]), "%s", cidrs[i]);
	CHECK(allowlist_replace(&maps, &list) == 0, "allowlist_replace");
	prefix_list_free(&list);
}

static void set_mark(__u32 mark, __u32 mask)
{
	skel->bss->ks_state.config.mark_mask = KS_MARK_MASK(mark, mask);
}

static void verdict_tc_ethernet(void)
{
	unsigned int i = eth_ifindex;

	set_mark(MARK, 0xffffffff);
	expect("IPv4 to an allowed prefix", ON_ETH, i, 0, ipv4("10.1.2.3"), KS_REASON_ALLOWLIST);
	expect("IPv4 to a public host", ON_ETH, i, 0, ipv4("203.0.113.9"), KS_REASON_IPV4);
	expect("IPv4 just outside 10/8", ON_ETH, i, 0, ipv4("11.0.0.0"), KS_REASON_IPV4);
	expect("IPv4 carrying the tunnel's mark", ON_ETH, i, MARK, ipv4("203.0.113.9"), KS_REASON_FWMARK);
	expect("IPv4 with another mark", ON_ETH, i, MARK + 1, ipv4("203.0.113.9"), KS_REASON_IPV4);
	expect("IPv6 to link-local", ON_ETH, i, 0, ipv6("fe80::2", 17, 64, 0), KS_REASON_ALLOWLIST);
	expect("IPv6 to a public host", ON_ETH, i, 0, ipv6("2001:db8::1", 17, 64, 0), KS_REASON_IPV6);
	expect("IPv6 carrying the mark", ON_ETH, i, MARK, ipv6("2001:db8::1", 17, 64, 0), KS_REASON_FWMARK);
	expect("ARP", ON_ETH, i, 0, arp(), KS_REASON_LINK_LAYER);
	for (__u8 type = 133; type <= 137; type++)
		expect("neighbour discovery", ON_ETH, i, 0, ipv6("ff02::1:ff00:1", 58, 255, type), KS_REASON_LINK_LAYER);
	expect("NDP type with hop limit 64 (could be routed)", ON_ETH, i, 0, ipv6("2001:db8::1", 58, 64, 135),
	       KS_REASON_IPV6);
	expect("ICMPv6 echo, hop limit 255", ON_ETH, i, 0, ipv6("2001:db8::1", 58, 255, 128), KS_REASON_IPV6);
	expect("ICMPv6 type 138 (not NDP)", ON_ETH, i, 0, ipv6("2001:db8::1", 58, 255, 138), KS_REASON_IPV6);
	expect("LLDP", ON_ETH, i, 0, truncated(ethernet(0x88cc), 60), KS_REASON_OTHER);
	expect("802.1Q tagged", ON_ETH, i, 0, truncated(ethernet(0x8100), 60), KS_REASON_OTHER);
	expect("IPv4 ethertype, version 6", ON_ETH, i, 0, with(ipv4("10.1.2.3"), ETH_HLEN, 0x65), KS_REASON_MALFORMED);
	expect("IPv4 header length 4", ON_ETH, i, 0, with(ipv4("10.1.2.3"), ETH_HLEN, 0x44), KS_REASON_MALFORMED);
	expect("IPv6 ethertype, version 4", ON_ETH, i, 0, with(ipv6("fe80::2", 17, 64, 0), ETH_HLEN, 0x45),
	       KS_REASON_MALFORMED);
	expect("loopback", ON_ETH, 1, 0, ipv4("203.0.113.9"), KS_REASON_LOCAL);
}

static void verdict_fwmark_mask(void)
{
	unsigned int i = eth_ifindex;

	set_mark(0x100, 0xff00);
	expect("mark inside the mask", ON_ETH, i, 0x1ff, ipv4("203.0.113.9"), KS_REASON_FWMARK);
	expect("mark outside the mask", ON_ETH, i, 0x200, ipv4("203.0.113.9"), KS_REASON_IPV4);
	set_mark(0, 0);
	expect("fwmark pass off, unmarked", ON_ETH, i, 0, ipv4("203.0.113.9"), KS_REASON_IPV4);
	expect("fwmark pass off, marked", ON_ETH, i, MARK, ipv4("203.0.113.9"), KS_REASON_IPV4);
	set_mark(MARK, 0xffffffff);
}

static void verdict_tc_layer3(void)
{
	unsigned int i = l3_ifindex;

	expect("IPv4 allowed", ON_L3, i, 0, ipv4("192.168.4.4"), KS_REASON_ALLOWLIST);
	expect("IPv4 public", ON_L3, i, 0, ipv4("203.0.113.9"), KS_REASON_IPV4);
	expect("IPv4 marked", ON_L3, i, MARK, ipv4("203.0.113.9"), KS_REASON_FWMARK);
	expect("IPv6 public", ON_L3, i, 0, ipv6("2001:db8::1", 17, 64, 0), KS_REASON_IPV6);
	expect("NDP", ON_L3, i, 0, ipv6("ff02::1:ff00:1", 58, 255, 135), KS_REASON_LINK_LAYER);
	/* What leaves is decided by the bytes, whatever the claimed protocol. */
	expect("ARP bytes on a layer-3 device", ON_L3, i, 0, arp(), KS_REASON_OTHER);
	expect("version nibble 5", ON_L3, i, 0, with(ipv4("10.1.2.3"), ETH_HLEN, 0x55), KS_REASON_OTHER);
	/* The kernel's test run refuses short IP frames behind an Ethernet header; bare, they reach the program. */
	expect("truncated IPv4", ON_L3, i, 0, truncated(ipv4("10.1.2.3"), ETH_HLEN + 16), KS_REASON_MALFORMED);
	expect("truncated IPv6", ON_L3, i, 0, truncated(ipv6("fe80::2", 17, 64, 0), ETH_HLEN + 30),
	       KS_REASON_MALFORMED);
}

static void verdict_cgroup(void)
{
	set_mark(MARK, 0xffffffff);
	skel->bss->ks_state.config.tunnel_ifindex[0] = l3_ifindex;
	expect("into the tunnel", ON_CGROUP, l3_ifindex, 0, ipv4("203.0.113.9"), KS_REASON_TUNNEL);
	expect("loopback", ON_CGROUP, 1, 0, ipv4("127.0.0.1"), KS_REASON_LOCAL);
	expect("IPv4 allowed", ON_CGROUP, eth_ifindex, 0, ipv4("172.16.0.1"), KS_REASON_ALLOWLIST);
	expect("IPv4 public", ON_CGROUP, eth_ifindex, 0, ipv4("203.0.113.9"), KS_REASON_IPV4);
	expect("IPv4 marked", ON_CGROUP, eth_ifindex, MARK, ipv4("203.0.113.9"), KS_REASON_FWMARK);
	expect("IPv6 public", ON_CGROUP, eth_ifindex, 0, ipv6("2001:db8::1", 6, 64, 0), KS_REASON_IPV6);
	expect("IPv6 link-local", ON_CGROUP, eth_ifindex, 0, ipv6("fe80::9", 6, 64, 0), KS_REASON_ALLOWLIST);
	skel->bss->ks_state.config.tunnel_ifindex[0] = 0;
	expect("tunnel gone: public IPv4", ON_CGROUP, l3_ifindex, 0, ipv4("203.0.113.9"), KS_REASON_IPV4);
}

/* Prefixes longer than /16 send their /16 to the trie; everything else is decided by the /16 state. */
static void verdict_allowlist_paths(void)
{
	static const char *const cidrs[] = { "10.0.0.0/8", "203.0.113.0/24", "198.51.100.7/32", "2001:db8:1::/48",
					     "2001:db8:2:3::/64", "fc00::/7", "198.51.100.128/25", "198.51.101.0/24" };
	unsigned int i = eth_ifindex;

	allow_only(cidrs, sizeof(cidrs) / sizeof(*cidrs));
	expect("/8 by its /16 state", ON_ETH, i, 0, ipv4("10.255.0.1"), KS_REASON_ALLOWLIST);
	expect("/24 through the trie", ON_ETH, i, 0, ipv4("203.0.113.200"), KS_REASON_ALLOWLIST);
	expect("same /16, outside the /24", ON_ETH, i, 0, ipv4("203.0.114.1"), KS_REASON_IPV4);
	expect("/32 through the trie", ON_ETH, i, 0, ipv4("198.51.100.7"), KS_REASON_ALLOWLIST);
	expect("next to the /32", ON_ETH, i, 0, ipv4("198.51.100.8"), KS_REASON_IPV4);
	expect("/25 in the same /24 as the /32", ON_ETH, i, 0, ipv4("198.51.100.200"), KS_REASON_ALLOWLIST);
	expect("/24 beside them, by its block", ON_ETH, i, 0, ipv4("198.51.101.1"), KS_REASON_ALLOWLIST);
	expect("the /24 after", ON_ETH, i, 0, ipv4("198.51.102.1"), KS_REASON_IPV4);
	expect("a /16 with nothing", ON_ETH, i, 0, ipv4("192.168.1.1"), KS_REASON_IPV4);
	expect("IPv6 /48", ON_ETH, i, 0, ipv6("2001:db8:1:ffff::1", 17, 64, 0), KS_REASON_ALLOWLIST);
	expect("IPv6 /64", ON_ETH, i, 0, ipv6("2001:db8:2:3::9", 17, 64, 0), KS_REASON_ALLOWLIST);
	expect("IPv6 same /16, outside", ON_ETH, i, 0, ipv6("2001:db8:2:4::9", 17, 64, 0), KS_REASON_IPV6);
	expect("IPv6 /7 spans /16s", ON_ETH, i, 0, ipv6("fdff:1::1", 17, 64, 0), KS_REASON_ALLOWLIST);
	expect("fe80::/10 no longer allowed", ON_ETH, i, 0, ipv6("fe80::2", 17, 64, 0), KS_REASON_IPV6);
	allow_only(default_allow, sizeof(default_allow) / sizeof(*default_allow));
	expect("replaced: the /24 is gone", ON_ETH, i, 0, ipv4("203.0.113.200"), KS_REASON_IPV4);
	expect("replaced: back to the defaults", ON_ETH, i, 0, ipv4("192.168.1.1"), KS_REASON_ALLOWLIST);
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
	expect("the first /16's block", ON_ETH, eth_ifindex, 0, ipv4("100.0.7.1"), KS_REASON_ALLOWLIST);
	expect("a /16 past the table's room", ON_ETH, eth_ifindex, 0, ipv4("100.79.7.1"), KS_REASON_ALLOWLIST);
	expect("beside it", ON_ETH, eth_ifindex, 0, ipv4("100.79.8.1"), KS_REASON_IPV4);
	allow_only(default_allow, sizeof(default_allow) / sizeof(*default_allow));
	expect("all gone again", ON_ETH, eth_ifindex, 0, ipv4("100.79.7.1"), KS_REASON_IPV4);
}

static void verdict_empty_allowlist(void)
{
	struct killswitch *fresh = killswitch__open_and_load();
	struct killswitch *saved = skel;

	CHECK(fresh, "a second instance loads");
	if (!fresh)
		return;
	/* Nothing configured at all: only link-layer traffic passes. */
	skel = fresh;
	expect("no config: private IPv4", ON_ETH, eth_ifindex, 0, ipv4("10.1.2.3"), KS_REASON_IPV4);
	expect("no config: marked", ON_ETH, eth_ifindex, MARK, ipv4("203.0.113.9"), KS_REASON_IPV4);
	expect("no config: ARP", ON_ETH, eth_ifindex, 0, arp(), KS_REASON_LINK_LAYER);
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
	allow_only(default_allow, sizeof(default_allow) / sizeof(*default_allow));
	RUN(verdict_tc_ethernet, "tc on Ethernet: every reason, exact counter deltas");
	RUN(verdict_fwmark_mask, "fwmark with a mask matches (mark & mask) == mark; 'off' passes nothing");
	RUN(verdict_tc_layer3, "tc on a layer-3 device: the version nibble decides, not the claimed protocol");
	RUN(verdict_cgroup, "cgroup_skb: tunnel by ifindex, loopback, allowlist, fwmark");
	RUN(verdict_allowlist_paths, "/16 states and the LPM trie agree with the prefixes, and follow a replace");
	RUN(verdict_table_full, "with the IPv4 table full, /16s fall back to the trie and stay right");
	RUN(verdict_empty_allowlist, "an unconfigured program fails closed");
	killswitch__destroy(skel);
	return check_failed_tests ? 1 : 0;
}
