// SPDX-License-Identifier: MIT
/*
 * The differential test: random and mutated frames, under random
 * configurations that change during the run, judged by the real program
 * (tc on Ethernet, tc on a layer-3 device, cgroup) and by the reference
 * model of README's table; every reason and return value must agree.
 * Run by tests/model/run.sh in a throwaway network namespace holding a veth
 * and a tun device, named by KS_ETH_DEV and KS_L3_DEV. Any difference fails
 * the run and is shown (--verbose shows each configuration too).
 *
 *   test_differential [--frames N] [--seed S] [--configs N] [--show N] [--verbose]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/check.h"
#include "allowlist.h"
#include "counters.h"
#include "frames.h"
#include "judge.h"
#include "log.h"

#define ALLOW_LARGEST 100000
#define CONTROL_FRAMES 20000

struct options {
	uint64_t frames, seed;
	unsigned int configs, show;
	bool verbose;
};

struct run {
	struct options o;
	struct rng rng;
	struct judge judge;
	struct scenario scenario;
	struct scenario_devices dev;
	__u32 ifindex_eth, ifindex_l3;
	unsigned int config; /* which configuration is in force */
	uint64_t frame;
	uint64_t reasons[MODEL_FRAMINGS][KS_REASON_COUNT];
	uint64_t skipped[MODEL_FRAMINGS], runs, disagreements, errors;
	bool controlling;        /* the model is given a wrong mark: it must be caught */
	__u32 control_bit;       /* the bit of a tunnel's mark that the control flips */
	uint64_t control_caught;
};

static const char *const framing_names[MODEL_FRAMINGS] = { "tc-ethernet", "tc-layer3", "cgroup" };

static uint64_t number(const char *text, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || !*text || *end) {
		fprintf(stderr, "test_differential: %s is not a number: '%s'\n", what, text);
		exit(2);
	}
	return v;
}

static void parse_options(struct options *o, int argc, char **argv)
{
	static const struct option longs[] = { { "frames", required_argument, NULL, 'f' },
					       { "seed", required_argument, NULL, 's' },
					       { "configs", required_argument, NULL, 'c' },
					       { "show", required_argument, NULL, 'n' },
					       { "verbose", no_argument, NULL, 'v' },
					       { NULL, 0, NULL, 0 } };
	const char *env;
	struct timespec now;
	int c;

	clock_gettime(CLOCK_REALTIME, &now);
	o->frames = (env = getenv("DIFF_FRAMES")) && *env ? number(env, "DIFF_FRAMES") : 1000000;
	o->seed = (env = getenv("DIFF_SEED")) && *env ? number(env, "DIFF_SEED") :
							(uint64_t)now.tv_sec * 1000003 ^ (uint64_t)now.tv_nsec;
	o->configs = 0;
	o->show = 5;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->frames = number(optarg, "--frames");
			break;
		case 's':
			o->seed = number(optarg, "--seed");
			break;
		case 'c':
			o->configs = (unsigned int)number(optarg, "--configs");
			break;
		case 'n':
			o->show = (unsigned int)number(optarg, "--show");
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			exit(2);
		}
	}
	/* One configuration per 100,000 frames, at least 4: the policy is rewritten in place between them. */
	if (!o->configs)
		o->configs = o->frames / 100000 > 4 ? (unsigned int)(o->frames / 100000) : 4;
}

static __u16 be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/*
 * The IP stack marks a cgroup's packet as IPv4 or IPv6 by what it built (a
 * raw IPv4 socket with IP_HDRINCL can send any version nibble as IPv4).
 * What the test run would refuse as too short for that gets an ethertype it
 * does not look into, so that the program still sees every length.
 */
static __u16 cgroup_ethertype(const __u8 *ip, size_t len)
{
	__u16 type = len && ip[0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP;

	return judge_runnable(type, len + ETH_HLEN) ? type : ETH_P_802_EX1;
}

static __u32 pick_ifindex(struct run *run, enum model_framing framing)
{
	unsigned int roll = rng_below(&run->rng, 100);
	__u32 own = framing == MODEL_LAYER3 ? run->ifindex_l3 : run->ifindex_eth;

	if (roll < 8)
		return 1; /* loopback */
	if (framing == MODEL_CGROUP)
		return roll < 54 ? run->ifindex_eth : run->ifindex_l3;
	return roll < 95 ? own : (own == run->ifindex_l3 ? run->ifindex_eth : run->ifindex_l3);
}

static void print_hex(const __u8 *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%s%02x", i % 32 ? (i % 4 ? "" : " ") : "\n    ", data[i]);
	putchar('\n');
}

static void show(const struct run *run, const struct model_packet *p, enum ks_reason want,
		 const struct judgement *got, __u32 want_retval)
{
	printf("  disagreement: frame %" PRIu64 " of seed %" PRIu64 " (configuration %u), %s, ifindex %u, mark 0x%x, %s, "
	       "%zu bytes:",
	       run->frame, run->o.seed, run->config, framing_names[p->framing], p->ifindex, p->mark,
	       p->raw_socket ? "packet socket" : "inet socket", p->len);
	print_hex(p->data, p->len);
	printf("    model (README): %s (return %d)\n", ks_reason_names[want], (int)want_retval);
	if (got->counted)
		printf("    program: %s (return %d, %llu bytes counted)\n", ks_reason_names[got->reason],
		       (int)got->retval, (unsigned long long)got->bytes);
	else
		printf("    program: counters did not move by exactly one packet (return %d)\n", (int)got->retval);
	scenario_print(&run->scenario, stdout);
}

/* tc: TC_ACT_UNSPEC (TCX_NEXT) lets later programs run, TC_ACT_SHOT drops; cgroup: 1 or 0. */
static __u32 retval_of(enum model_framing framing, enum ks_reason reason)
{
	if (framing == MODEL_CGROUP)
		return model_passes(reason);
	return model_passes(reason) ? (__u32)-1 : 2;
}

static bool agrees(const struct judgement *got, const struct model_packet *p, enum ks_reason want)
{
	return got->counted && got->reason == want && got->retval == retval_of(p->framing, want) &&
	       got->bytes == p->len;
}

/* One packet through one program and the model. */
static void compare(struct run *run, enum model_framing framing, const __u8 *data, size_t len, __u32 mark)
{
	__u16 ethertype = framing == MODEL_CGROUP ? cgroup_ethertype(data, len) : be16(data + 12);
	size_t kernel_len = framing == MODEL_CGROUP ? len + ETH_HLEN : len;
	struct model_packet p = { .data = data, .len = len, .framing = framing, .mark = mark };
	struct judgement got;
	enum ks_reason want;
	int ret;

	p.ifindex = pick_ifindex(run, framing);
	p.raw_socket = judge_packet_socket(ethertype);
	if ((framing != MODEL_CGROUP && len < ETH_HLEN) || !judge_runnable(ethertype, kernel_len)) {
		run->skipped[framing]++;
		return;
	}
	if (run->controlling)
		p.mark ^= run->control_bit;
	want = model_verdict(&run->scenario.model, &p);
	ret = judge_run(&run->judge, framing, data, len, ethertype, mark, p.ifindex, &got);
	run->runs++;
	if (ret < 0) {
		if (run->errors++ < run->o.show)
			printf("  test run failed: frame %" PRIu64 ", %s, %zu bytes: %s\n", run->frame,
			       framing_names[framing], len, strerror(-ret));
		return;
	}
	if (run->controlling) {
		run->control_caught += !agrees(&got, &p, want);
		return;
	}
	if (agrees(&got, &p, want))
		run->reasons[framing][want]++;
	else if (++run->disagreements <= run->o.show)
		show(run, &p, want, &got, retval_of(framing, want));
}

/* A frame through the three programs: whole on Ethernet, bare behind it on layer 3 and cgroup. */
static void compare_frame(struct run *run, const struct frame *f, __u32 mark)
{
	compare(run, MODEL_ETHERNET, f->bytes, f->len, mark);
	if (f->len < ETH_HLEN) {
		run->skipped[MODEL_LAYER3]++;
		run->skipped[MODEL_CGROUP]++;
		return;
	}
	compare(run, MODEL_LAYER3, f->bytes + ETH_HLEN, f->len - ETH_HLEN, mark);
	compare(run, MODEL_CGROUP, f->bytes + ETH_HLEN, f->len - ETH_HLEN, mark);
}

/*
 * The next configuration, written over the one in force (the live rewrite
 * path): a new one, or the last one changed a little as `up` again or
 * `allow add`/`del` would; every third on freshly loaded programs and IPv4
 * table, as `up` again does. The second has the largest allowlist.
 */
static int next_config(struct run *run)
{
	static struct scenario next;
	size_t allow_count = run->config == 1 ? ALLOW_LARGEST : 0;
	bool evolve = run->config > 1 && rng_percent(&run->rng, 50);
	int ret;

	if (!(evolve ? scenario_evolve(&next, &run->scenario, &run->rng) :
		       scenario_generate(&next, &run->rng, &run->dev, allow_count)))
		return -ENOMEM;
	scenario_free(&run->scenario);
	run->scenario = next;
	if (run->config && run->config % 3 == 0) {
		__u32 blocks = allowlist_table4_size(&run->scenario.policy.allow);

		ret = blocks ? judge_reload(&run->judge, blocks) : -ENOMEM;
		if (ret < 0) {
			printf("  reloading the programs failed: %s\n", strerror(-ret));
			return ret;
		}
	}
	ret = judge_write(&run->judge, &run->scenario.policy);
	if (ret < 0)
		printf("  policy_write failed for configuration %u: %s\n", run->config, strerror(-ret));
	if (run->o.verbose) {
		printf("  configuration %u at frame %" PRIu64 " (%s%s):\n", run->config, run->frame,
		       evolve ? "changed from the last" : "new",
		       run->config && run->config % 3 == 0 ? ", programs reloaded" : "");
		scenario_print(&run->scenario, stdout);
		fflush(stdout);
	}
	return ret;
}

static void print_tally(const struct run *run, double seconds)
{
	printf("  %" PRIu64 " frames, %" PRIu64 " program runs in %.1f s: %.0f frames/s, %.0f runs/s; %u configurations\n",
	       run->frame, run->runs, seconds, run->frame / seconds, run->runs / seconds, run->o.configs);
	printf("  %-14s %12s %12s %12s\n", "reason", framing_names[0], framing_names[1], framing_names[2]);
	for (int r = 0; r < KS_REASON_COUNT; r++)
		printf("  %-14s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n", ks_reason_names[r],
		       run->reasons[MODEL_ETHERNET][r], run->reasons[MODEL_LAYER3][r], run->reasons[MODEL_CGROUP][r]);
	printf("  %-14s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n", "(not runnable)", run->skipped[MODEL_ETHERNET],
	       run->skipped[MODEL_LAYER3], run->skipped[MODEL_CGROUP]);
}

/* Every row in each program it applies to (tc has no tunnel row): else the generator has lost one. */
static bool every_row_reached(const struct run *run)
{
	for (int f = 0; f < MODEL_FRAMINGS; f++)
		for (int r = 0; r < KS_REASON_COUNT; r++)
			if (!run->reasons[f][r] && (f == MODEL_CGROUP || r != KS_REASON_TUNNEL))
				return false;
	return true;
}

static int setup(struct run *run)
{
	run->dev.eth = getenv("KS_ETH_DEV");
	run->dev.l3 = getenv("KS_L3_DEV");
	run->ifindex_eth = run->dev.eth ? if_nametoindex(run->dev.eth) : 0;
	run->ifindex_l3 = run->dev.l3 ? if_nametoindex(run->dev.l3) : 0;
	if (!run->ifindex_eth || !run->ifindex_l3) {
		printf("[differential] FAIL  KS_ETH_DEV and KS_L3_DEV must name existing devices\n");
		return -ENODEV;
	}
	if (judge_open(&run->judge, KS_ROOT4_BLOCKS + 64) < 0) {
		printf("[differential] FAIL  cannot load the BPF object (root? CAP_BPF?)\n");
		return -EPERM;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct run run;
	struct frame_source src = { .rng = &run.rng };
	struct timespec start, end;
	struct frame f;
	double seconds;
	__u32 mark;
	int ret = 0;

	parse_options(&run.o, argc, argv);
	log_setup_libbpf();
	printf("  seed %" PRIu64 ", %" PRIu64 " frames (replay: --seed %" PRIu64 " --frames %" PRIu64 ")\n", run.o.seed,
	       run.o.frames, run.o.seed, run.o.frames);
	fflush(stdout);
	rng_seed(&run.rng, run.o.seed);
	if (setup(&run) < 0)
		return 1;
	/*
	 * The positive control: the same comparison, with the model told a
	 * wrong mark, must see differences. A bit of a tunnel's mark is flipped,
	 * on a configuration that has one (else no mark could matter).
	 */
	for (int tries = 0; tries < 100 && ret == 0 && !run.control_bit; tries++) {
		ret = next_config(&run);
		for (int t = 0; t < run.scenario.policy.tunnel_count && !run.control_bit; t++)
			run.control_bit = KS_MARK_OF(run.scenario.policy.tunnels[t].mark_mask);
		run.control_bit &= -run.control_bit;
	}
	run.config++;
	run.controlling = true;
	for (run.frame = 0; run.frame < CONTROL_FRAMES && ret == 0; run.frame++) {
		frame_source_next(&src, &run.scenario, &f, &mark);
		compare_frame(&run, &f, mark);
	}
	run.controlling = false;
	run.runs = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (run.frame = 0; run.frame < run.o.frames && ret == 0; run.frame++) {
		if (run.frame == run.config * run.o.frames / run.o.configs) {
			ret = next_config(&run);
			run.config++;
		}
		frame_source_next(&src, &run.scenario, &f, &mark);
		compare_frame(&run, &f, mark);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	print_tally(&run, seconds);
	CHECK(ret == 0, "a configuration could not be written");
	CHECK(run.control_caught > 0, "the control (a wrong mark given to the model) went unnoticed");
	CHECK(run.disagreements == 0, "%" PRIu64 " disagreements between the program and the model (seed %" PRIu64 ")",
	      run.disagreements, run.o.seed);
	CHECK(run.errors == 0, "%" PRIu64 " test runs failed", run.errors);
	CHECK(run.frame < 1000000 || every_row_reached(&run), "a row was never reached in some program (see the table)");
	printf("  control: with a wrong mark the model differed on %" PRIu64 " runs of %u frames\n", run.control_caught,
	       CONTROL_FRAMES);
	check_report("differential", "the program's reason and return value equal the model of README's table "
				     "on every frame, in tc (Ethernet, layer 3) and cgroup");
	scenario_free(&run.scenario);
	judge_close(&run.judge);
	return check_failed_tests ? 1 : 0;
}
