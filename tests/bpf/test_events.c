// SPDX-License-Identifier: MIT
/*
 * What a verdict reports beyond its counter, through BPF_PROG_TEST_RUN: the
 * drop event's every field, the token bucket's exact count (a burst of
 * --event-rate events, then none within the same instant), the outcome
 * counters that account for every drop, a full ring buffer, and the notes
 * the program takes of `ksctl selftest`'s probes while, and only while, a
 * run watches. Run by tests/bpf/run.sh beside test_verdict.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../lib/check.h"
#include "../lib/frame.h"
#include "cgroup_names.h"
#include "counters.h"
#include "defaults.h"
#include "loader.h"
#include "log.h"

static struct killswitch *skel;
static unsigned int eth_ifindex;

struct received {
	struct ks_event events[8];
	int count;
};

static int keep_event(void *ctx, void *data, size_t size)
{
	struct received *r = ctx;

	if (r->count < 8 && size == sizeof(struct ks_event))
		memcpy(&r->events[r->count], data, size);
	r->count++;
	return 0;
}

/* Every event in the ring buffer, consumed; the first 8 kept. */
static struct received drain(void)
{
	struct received r = { 0 };
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.ks_events), keep_event, &r, NULL);

	CHECK(rb, "ring_buffer__new");
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
	return r;
}

static struct counters outcomes(void)
{
	struct counters c = { 0 };

	CHECK(counters_read(bpf_map__fd(skel->maps.ks_counters), bpf_map__fd(skel->maps.ks_event_counts), &c) == 0,
	      "counters");
	return c;
}

/* Runs @f through tc on the Ethernet device @repeat times, with @mark; returns the verdict. */
static __u32 run(struct frame f, __u32 mark, __u32 repeat)
{
	struct __sk_buff ctx = { .mark = mark, .ifindex = eth_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.bytes, .data_size_in = f.len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);

	CHECK(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ksctl_eth), &opts) == 0, "test run");
	return opts.retval;
}

static void reset_bucket(__u32 rate)
{
	struct ks_event_bucket empty = { 0 };
	__u32 key = 0;

	skel->bss->ks_state.config.event_rate = rate;
	CHECK(bpf_map_update_elem(bpf_map__fd(skel->maps.ks_event_bucket), &key, &empty, 0) == 0, "bucket reset");
	drain();
}

/* The cgroup v2 id of this process: the test run's socket is made in it. */
static __u64 own_cgroup_id(void)
{
	struct cgroup_names names;
	char line[512], path[PATH_MAX + 512];
	FILE *f = fopen("/proc/self/cgroup", "re");
	struct stat st = { 0 };

	cgroup_names_init(&names);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof(path), "%s%s", names.root, line + 3);
			stat(path, &st);
		}
	if (f)
		fclose(f);
	return st.st_ino;
}

static __u64 boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static void events_content(void)
{
	struct frame udp = with_ports(ipv4("203.0.113.9", UDP), 4242, 7);
	struct frame tcp = with_ports(ipv6("2001:db8::5", TCP, 64), 4343, 443);
	__u8 src4[4], dst4[4], dst6[16];
	__u64 before = boot_ns();
	struct received r;

	reset_bucket(1000);
	CHECK(run(udp, 0x1234, 1) == TC_ACT_SHOT, "the UDP frame is dropped");
	CHECK(run(tcp, 0, 1) == TC_ACT_SHOT, "the TCP frame is dropped");
	CHECK(run(truncated(ethernet(0x88cc), 60), 0, 1) == TC_ACT_SHOT, "LLDP is dropped");
	CHECK(run(arp_request(), 0, 1) != TC_ACT_SHOT, "ARP passes");
	r = drain();
	CHECK(r.count == 3, "%d events, want 3 (the drops, not the pass)", r.count);
	inet_pton(AF_INET, "198.51.100.1", src4);
	inet_pton(AF_INET, "203.0.113.9", dst4);
	inet_pton(AF_INET6, "2001:db8::5", dst6);
	const struct ks_event *e = &r.events[0];

	CHECK(e->time_ns >= before && e->time_ns <= boot_ns(), "time %llu, not CLOCK_BOOTTIME now",
	      (unsigned long long)e->time_ns);
	CHECK(e->reason == KS_REASON_IPV4 && e->family == 4 && e->l4 == UDP, "reason %u family %u l4 %u", e->reason,
	      e->family, e->l4);
	CHECK(e->flags == KS_EVENT_PORTS && ntohs(e->src_port) == 4242 && ntohs(e->dst_port) == 7, "flags %u ports %u %u",
	      e->flags, ntohs(e->src_port), ntohs(e->dst_port));
	CHECK(!memcmp(e->src, src4, 4) && !memcmp(e->dst, dst4, 4), "addresses");
	CHECK(e->ifindex == eth_ifindex && e->len == udp.len && e->mark == 0x1234, "ifindex %u len %u mark 0x%x",
	      e->ifindex, e->len, e->mark);
	CHECK(e->cgroup_id && e->cgroup_id == own_cgroup_id(), "cgroup %llu, not the test run's socket's %llu",
	      (unsigned long long)e->cgroup_id, (unsigned long long)own_cgroup_id());
	e = &r.events[1];
	CHECK(e->reason == KS_REASON_IPV6 && e->family == 6 && e->l4 == TCP && !memcmp(e->dst, dst6, 16) &&
		      ntohs(e->dst_port) == 443,
	      "IPv6 TCP: reason %u family %u l4 %u port %u", e->reason, e->family, e->l4, ntohs(e->dst_port));
	e = &r.events[2];
	CHECK(e->reason == KS_REASON_OTHER && e->family == 0 && e->flags == 0, "LLDP: reason %u family %u flags %u",
	      e->reason, e->family, e->flags);
}

static void events_token_bucket(void)
{
	struct frame f = with_ports(ipv4("203.0.113.9", UDP), 4242, 7);
	struct counters c0, c1, c2;
	struct received r;

	reset_bucket(10);
	c0 = outcomes();
	run(f, 0, 1000);
	c1 = outcomes();
	r = drain();
	/* 1,000 drops within a few hundred microseconds: the burst of 10, then one per 100 ms. */
	CHECK(c1.events[KS_EVENTS_WRITTEN] - c0.events[KS_EVENTS_WRITTEN] == 10, "%llu written, want 10",
	      (unsigned long long)(c1.events[KS_EVENTS_WRITTEN] - c0.events[KS_EVENTS_WRITTEN]));
	CHECK(c1.events[KS_EVENTS_SUPPRESSED] - c0.events[KS_EVENTS_SUPPRESSED] == 990, "%llu suppressed, want 990",
	      (unsigned long long)(c1.events[KS_EVENTS_SUPPRESSED] - c0.events[KS_EVENTS_SUPPRESSED]));
	CHECK(r.count == 10, "%d events in the ring, want 10", r.count);
	/* Rate 0: every drop is suppressed. */
	reset_bucket(0);
	run(f, 0, 100);
	c2 = outcomes();
	CHECK(c2.events[KS_EVENTS_SUPPRESSED] - c1.events[KS_EVENTS_SUPPRESSED] == 100 &&
		      c2.events[KS_EVENTS_WRITTEN] == c1.events[KS_EVENTS_WRITTEN] && drain().count == 0,
	      "rate 0 wrote events");
	__u64 drops = 0;

	for (int reason = KS_REASON_FIRST_DROP; reason < KS_REASON_COUNT; reason++)
		drops += c2.by_reason[reason].packets;
	CHECK(drops == c2.events[KS_EVENTS_WRITTEN] + c2.events[KS_EVENTS_SUPPRESSED] + c2.events[KS_EVENTS_LOST],
	      "drops %llu are not written + suppressed + lost", (unsigned long long)drops);
}

static void events_buffer_full(void)
{
	struct frame f = with_ports(ipv4("203.0.113.9", UDP), 4242, 7);
	struct counters c0, c1;
	__u64 written, lost;
	struct received r;

	reset_bucket(KS_EVENT_RATE_MAX);
	c0 = outcomes();
	run(f, 0, 5000);
	c1 = outcomes();
	written = c1.events[KS_EVENTS_WRITTEN] - c0.events[KS_EVENTS_WRITTEN];
	lost = c1.events[KS_EVENTS_LOST] - c0.events[KS_EVENTS_LOST];
	r = drain();
	/* 80 bytes an event with its header: 3,276 fit in 256 KiB. */
	CHECK(written == KS_EVENTS_BUFFER / (sizeof(struct ks_event) + 8) && written + lost == 5000,
	      "%llu written, %llu lost", (unsigned long long)written, (unsigned long long)lost);
	CHECK((__u64)r.count == written, "%d events read, %llu written", r.count, (unsigned long long)written);
	/* Read, the buffer takes events again. */
	run(f, 0, 1);
	CHECK(drain().count == 1, "no room after a read");
}

static void probe_notes(void)
{
	struct ks_addr_key key = { .family = 4, .port = htons(7) }, arp_key = { .family = 4 };
	struct ks_probe seen, none = { 0 };
	int fd = bpf_map__fd(skel->maps.ks_probes);
	struct frame udp = with_ports(ipv4("203.0.113.9", UDP), 4242, 7), arp = arp_request();

	inet_pton(AF_INET, "203.0.113.9", key.addr);
	inet_pton(AF_INET, "203.0.113.77", arp_key.addr);
	memcpy(arp.bytes + ETH_HLEN + 24, arp_key.addr, 4); /* the address the ARP asks for */
	CHECK(bpf_map_update_elem(fd, &key, &none, 0) == 0 && bpf_map_update_elem(fd, &arp_key, &none, 0) == 0, "keys");
	skel->bss->ks_state.config.probe_deadline = 0;
	run(udp, 0, 1);
	CHECK(bpf_map_lookup_elem(fd, &key, &seen) == 0 && seen.count == 0, "noted without a watch: %u", seen.count);
	skel->bss->ks_state.config.probe_deadline = boot_ns() + 1000000000ULL;
	run(udp, 0, 1);
	run(with_ports(ipv4("203.0.113.9", UDP), 4242, 8), 0, 1); /* another port: another destination */
	run(arp, 0, 1);
	CHECK(bpf_map_lookup_elem(fd, &key, &seen) == 0 && seen.count == 1 && seen.reason == KS_REASON_IPV4 &&
		      seen.ifindex == eth_ifindex,
	      "UDP probe: count %u reason %u ifindex %u", seen.count, seen.reason, seen.ifindex);
	CHECK(bpf_map_lookup_elem(fd, &arp_key, &seen) == 0 && seen.count == 1 && seen.reason == KS_REASON_LINK_LAYER,
	      "ARP probe: count %u reason %u", seen.count, seen.reason);
	skel->bss->ks_state.config.probe_deadline = boot_ns() - 1;
	run(udp, 0, 1);
	CHECK(bpf_map_lookup_elem(fd, &key, &seen) == 0 && seen.count == 1, "noted after the deadline: %u", seen.count);
	skel->bss->ks_state.config.probe_deadline = 0;
	bpf_map_delete_elem(fd, &key);
	bpf_map_delete_elem(fd, &arp_key);
}

int main(void)
{
	const char *eth = getenv("KS_ETH_DEV");

	log_setup_libbpf();
	eth_ifindex = eth ? if_nametoindex(eth) : 0;
	if (!eth_ifindex) {
		printf("[events_setup] FAIL  KS_ETH_DEV must name an existing device\n");
		return 1;
	}
	skel = killswitch__open();
	if (skel && (bpf_map__set_max_entries(skel->maps.ks_table4, KS_ROOT4_BLOCKS) || killswitch__load(skel))) {
		killswitch__destroy(skel);
		skel = NULL;
	}
	if (!skel) {
		printf("[events_setup] FAIL  cannot load the BPF object (root? CAP_BPF?)\n");
		return 1;
	}
	RUN(events_content, "a drop's event: boot time, reason, family, protocol, addresses, ports, interface, "
			    "length, mark; none for a pass");
	RUN(events_token_bucket, "rate 10: 1,000 drops in an instant write exactly 10 events, 990 suppressed; rate 0 "
				 "none; drops = written + suppressed + lost");
	RUN(events_buffer_full, "a full ring buffer: 3,276 events written, the rest counted lost; after a read, room "
				"again");
	RUN(probe_notes, "a selftest probe is noted once with its reason and interface, only while the watch runs; "
			 "ARP by the address it asks for");
	killswitch__destroy(skel);
	return check_failed_tests ? 1 : 0;
}
