// SPDX-License-Identifier: MIT
/*
 * attach_cost: where the time of an egress attachment goes, in the
 * kernel's own calls, on a device with nothing attached. Each round
 * attaches a trivial tc program with tcx (a new entry), replaces it
 * (BPF_F_REPLACE), detaches it, then does the same with a clsact qdisc and
 * filter, and times one synchronize_rcu() on its own: membarrier(
 * MEMBARRIER_CMD_GLOBAL) is exactly that call.
 *
 * Reading kernel/bpf/tcx.c: tcx_prog_attach() swaps the device's
 * bpf_mprog entry for its peer and then waits in tcx_entry_sync(), a
 * synchronize_rcu(), before it returns; a replace writes the program in
 * place and waits for nothing; a detach swaps and waits again. So a new
 * tcx attachment costs one RCU grace period: tens of microseconds when
 * grace periods are expedited (/sys/kernel/rcu_expedited, printed), a
 * normal grace period, several scheduler ticks, when they are not.
 *
 * usage: attach_cost IFNAME ROUNDS
 * prints medians in microseconds: "tcx_attach_us A tcx_replace_us R
 * tcx_detach_us D clsact_attach_us C clsact_detach_us X
 * synchronize_rcu_us S rcu_expedited E"
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define TCX_EGRESS 47 /* BPF_TCX_EGRESS: libbpf 1.1's headers predate it */

enum { TCX_ATTACH, TCX_REPLACE, TCX_DETACH, CLSACT_ATTACH, CLSACT_DETACH, SYNC_RCU, FIGURES };
static const char *const names[FIGURES] = { "tcx_attach_us", "tcx_replace_us", "tcx_detach_us",
					    "clsact_attach_us", "clsact_detach_us", "synchronize_rcu_us" };

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int load_trivial(const char *name)
{
	/* r0 = TC_ACT_UNSPEC; exit */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "Dual MIT/GPL", insns, 2, NULL);
}

static int rcu_expedited(void)
{
	FILE *f = fopen("/sys/kernel/rcu_expedited", "r");
	int v = -1;

	if (f && fscanf(f, "%d", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* One round: each figure in microseconds, or -1 when a call failed. */
static int round_once(int a, int b, int ifindex, double *t)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, replace, .flags = BPF_F_REPLACE, .replace_prog_fd = a);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, filter, .prog_fd = a, .handle = 0xb5, .priority = 1);
	double t0 = now_us();

	if (bpf_prog_attach_opts(a, ifindex, TCX_EGRESS, NULL))
		return -1;
	t[TCX_ATTACH] = now_us() - t0;
	t0 = now_us();
	if (bpf_prog_attach_opts(b, ifindex, TCX_EGRESS, &replace))
		return -1;
	t[TCX_REPLACE] = now_us() - t0;
	t0 = now_us();
	if (bpf_prog_detach2(b, ifindex, TCX_EGRESS))
		return -1;
	t[TCX_DETACH] = now_us() - t0;
	t0 = now_us();
	if (bpf_tc_hook_create(&hook) || bpf_tc_attach(&hook, &filter))
		return -1;
	t[CLSACT_ATTACH] = now_us() - t0;
	t0 = now_us();
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS; /* the whole qdisc */
	if (bpf_tc_hook_destroy(&hook))
		return -1;
	t[CLSACT_DETACH] = now_us() - t0;
	t0 = now_us();
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		return -1;
	t[SYNC_RCU] = now_us() - t0;
	return 0;
}

int main(int argc, char **argv)
{
	int ifindex, rounds, a, b;
	double *t;

	if (argc != 3 || !(ifindex = (int)if_nametoindex(argv[1])) || (rounds = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: attach_cost IFNAME ROUNDS (IFNAME a device here, with nothing attached)\n");
		return 2;
	}
	a = load_trivial("ksbench_a");
	b = load_trivial("ksbench_b");
	t = calloc((size_t)rounds * FIGURES, sizeof(*t));
	if (a < 0 || b < 0 || !t) {
		fprintf(stderr, "attach_cost: cannot load a tc program (root?)\n");
		return 1;
	}
	for (int r = 0; r < rounds; r++)
		if (round_once(a, b, ifindex, t + (size_t)r * FIGURES)) {
			perror("attach_cost: an attach call failed (is something attached already?)");
			return 1;
		}
	for (int f = 0; f < FIGURES; f++) {
		double *v = calloc((size_t)rounds, sizeof(*v));

		if (!v)
			return 1;
		for (int r = 0; r < rounds; r++)
			v[r] = t[(size_t)r * FIGURES + f];
		qsort(v, (size_t)rounds, sizeof(*v), compare);
		printf("%s %.1f ", names[f], v[rounds / 2]);
		free(v);
	}
	printf("rcu_expedited %d\n", rcu_expedited());
	free(t);
	return 0;
}
