// SPDX-License-Identifier: MIT
/*
 * prog_cost: the BPF program's own cost, by one method. Each packet class
 * (a frame from tests/lib/frame.h) runs through the program in force, by
 * its pin, with BPF_PROG_TEST_RUN repeated REPEAT times, then the same
 * frame through an empty tc program, ROUNDS times interleaved; the kernel
 * times each loop itself, so there is no per-packet accounting. Before
 * timing, one run per class checks, from the program's own counters, that
 * the frame takes the reason it is named after.
 *
 * usage: prog_cost run IFNAME PROG_PIN EMPTY_PIN COUNTERS_PIN REPEAT ROUNDS
 *          prints per class: "class NAME reason R prog_min P prog_median P
 *          empty_min E empty_median E net_min N net_median N" (ns per run)
 *        prog_cost info PIN...
 *          prints per program: "prog NAME verified_insns V xlated_bytes X jited_bytes J"
 * Run it in the network namespace of IFNAME: the test run takes the
 * packet as leaving that device.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../tests/lib/frame.h"

/*
 * The benchmark's configuration (tools/bench/configs.sh): the WireGuard
 * peer and the provider's resolver (a tunnel-only destination inside the
 * allowed test prefix, so that every allowlist, 4 prefixes or 100,000,
 * takes it to that rule), the receiver and the blocked host.
 */
#define MARK 0xca6c
#define ENDPOINT "198.18.0.1"
#define WG_PORT 51820
#define ALLOWED "198.51.100.2"
#define TUNNEL_DNS "198.51.100.53"
#define OTHER_DNS "198.51.100.54"
#define BLOCKED4 "203.0.113.10"
#define BLOCKED6 "2001:db8:ffff::1"

#define KS_REASON_NAME(id, name, verdict, meaning) name,
static const char *const reason_names[] = { KS_REASONS(KS_REASON_NAME) };

struct packet_class {
	const char *name;
	struct frame frame;
	__u32 mark;
	enum ks_reason want;
};

static int classes(struct packet_class *out)
{
	int n = 0;

	out[n++] = (struct packet_class){ "endpoint", wireguard(ipv4(ENDPOINT, UDP), 40000, WG_PORT, 4, 32), MARK,
					  KS_REASON_ENDPOINT };
	out[n++] = (struct packet_class){ "allowlist", with_ports(ipv4(ALLOWED, UDP), 40000, 9000), 0,
					  KS_REASON_ALLOWLIST };
	out[n++] = (struct packet_class){ "drop_ipv4", with_ports(ipv4(BLOCKED4, UDP), 40000, 9000), 0,
					  KS_REASON_IPV4 };
	out[n++] = (struct packet_class){ "drop_ipv6", with_ports(ipv6(BLOCKED6, UDP, 64), 40000, 9000), 0,
					  KS_REASON_IPV6 };
	out[n++] = (struct packet_class){ "neighbour_discovery", icmpv6("ff02::1:ff00:2", 255, 135), 0,
					  KS_REASON_LINK_LAYER };
	out[n++] = (struct packet_class){ "dns", with_ports(ipv4(OTHER_DNS, UDP), 40000, 53), 0, KS_REASON_DNS };
	out[n++] = (struct packet_class){ "tunnel_only", with_ports(ipv4(TUNNEL_DNS, UDP), 40000, 443), 0,
					  KS_REASON_TUNNEL_ONLY };
	return n;
}

static int open_pin(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd < 0)
		fprintf(stderr, "prog_cost: cannot open pin '%s': %s\n", path, strerror(errno));
	return fd;
}

/* The kernel's average time per run of @prog on @c, over @repeat runs. */
static int time_run(int prog, const struct packet_class *c, unsigned int ifindex, __u32 repeat, __u32 *ns,
		    __u32 *retval)
{
	struct __sk_buff ctx = { .mark = c->mark, .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = c->frame.bytes, .data_size_in = c->frame.len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);
	int ret = bpf_prog_test_run_opts(prog, &opts);

	*ns = opts.duration;
	if (retval)
		*retval = opts.retval;
	return ret;
}

/* Which reason counted one run of @c: -1 when none or several did. */
static int reason_of(int prog, int counters, const struct packet_class *c, unsigned int ifindex)
{
	int cpus = libbpf_num_possible_cpus(), found = -1;
	struct ks_counter *before = calloc((size_t)cpus * KS_REASON_COUNT, sizeof(*before));
	struct ks_counter *after = calloc((size_t)cpus * KS_REASON_COUNT, sizeof(*after));
	__u32 ns;
	int ret = before && after ? 0 : -ENOMEM;

	for (__u32 r = 0; r < KS_REASON_COUNT && ret == 0; r++)
		ret = bpf_map_lookup_elem(counters, &r, before + (size_t)r * cpus);
	if (ret == 0)
		ret = time_run(prog, c, ifindex, 1, &ns, NULL);
	for (__u32 r = 0; r < KS_REASON_COUNT && ret == 0; r++)
		ret = bpf_map_lookup_elem(counters, &r, after + (size_t)r * cpus);
	for (int r = 0; r < KS_REASON_COUNT && ret == 0; r++) {
		__u64 delta = 0;

		for (int cpu = 0; cpu < cpus; cpu++)
			delta += after[(size_t)r * cpus + cpu].packets - before[(size_t)r * cpus + cpu].packets;
		if (delta)
			found = found == -1 && delta == 1 ? r : -2;
	}
	free(before);
	free(after);
	return ret ? -1 : (found < 0 ? -1 : found);
}

static int compare_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static double median_u32(__u32 *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), compare_u32);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static double median_long(long *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), compare_long);
	return n % 2 ? (double)v[n / 2] : (double)(v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int run(int argc, char **argv)
{
	struct packet_class c[16];
	int count = classes(c), prog, empty, counters, rounds;
	unsigned int ifindex;
	__u32 repeat;

	if (argc != 8) {
		fprintf(stderr, "usage: prog_cost run IFNAME PROG_PIN EMPTY_PIN COUNTERS_PIN REPEAT ROUNDS\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[2]);
	repeat = (__u32)strtoul(argv[6], NULL, 10);
	rounds = atoi(argv[7]);
	if (!ifindex || !repeat || rounds < 1) {
		fprintf(stderr, "prog_cost: no device '%s' here, or REPEAT/ROUNDS not positive\n", argv[2]);
		return 2;
	}
	prog = open_pin(argv[3]);
	empty = open_pin(argv[4]);
	counters = open_pin(argv[5]);
	if (prog < 0 || empty < 0 || counters < 0)
		return 1;
	for (int i = 0; i < count; i++) {
		__u32 *p = calloc((size_t)rounds, sizeof(*p)), *e = calloc((size_t)rounds, sizeof(*e));
		long *net = calloc((size_t)rounds, sizeof(*net));
		int reason = reason_of(prog, counters, &c[i], ifindex);
		double p_median, e_median;

		if (!p || !e || !net)
			return 1;
		if (reason != (int)c[i].want) {
			fprintf(stderr, "prog_cost: class %s was judged %s, not %s: the benchmark's configuration differs\n",
				c[i].name, reason >= 0 ? reason_names[reason] : "by no single reason",
				reason_names[c[i].want]);
			return 1;
		}
		/* Interleaved: whatever the machine does meanwhile, it does to both. */
		for (int r = 0; r < rounds; r++) {
			if (time_run(prog, &c[i], ifindex, repeat, &p[r], NULL) ||
			    time_run(empty, &c[i], ifindex, repeat, &e[r], NULL)) {
				fprintf(stderr, "prog_cost: test run failed: %s\n", strerror(errno));
				return 1;
			}
			net[r] = (long)p[r] - (long)e[r];
		}
		/* The medians sort: p[0] and e[0] are the minima after them. */
		p_median = median_u32(p, rounds);
		e_median = median_u32(e, rounds);
		printf("class %s reason %s prog_min %u prog_median %.1f empty_min %u empty_median %.1f net_min %ld "
		       "net_median %.1f\n",
		       c[i].name, reason_names[reason], p[0], p_median, e[0], e_median, (long)p[0] - (long)e[0],
		       median_long(net, rounds));
		free(p);
		free(e);
		free(net);
	}
	return 0;
}

static int info(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = open_pin(argv[i]);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
			fprintf(stderr, "prog_cost: no program info for '%s'\n", argv[i]);
			return 1;
		}
		printf("prog %s verified_insns %u xlated_bytes %u jited_bytes %u\n", info.name, info.verified_insns,
		       info.xlated_prog_len, info.jited_prog_len);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "run"))
		return run(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "info"))
		return info(argc, argv);
	fprintf(stderr, "usage: prog_cost run IFNAME PROG_PIN EMPTY_PIN COUNTERS_PIN REPEAT ROUNDS\n"
			"       prog_cost info PIN...\n");
	return 2;
}
