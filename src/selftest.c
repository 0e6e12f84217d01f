// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpffs.h"
#include "log.h"
#include "route.h"
#include "selftest.h"

/* How long a probe may take to be judged: a gateway's neighbour may have to be found first. */
#define JUDGE_WAIT_US 500000
/* The kill switch watches for the probes this long at most, should this run die before it says stop. */
#define WATCH_NS 5000000000ULL

static uint64_t clock_us(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Destinations of their own: IPv4 hosts of 203.0.113.0/24 each once, in a
 * random order; IPv6 in 2001:db8:6b73::/48 ("ks"), random; random ports
 * from 1024 (never DNS's).
 */
struct destinations {
	__u8 hosts[254];
	int used;
};

static void destinations_init(struct destinations *d)
{
	__u8 random[sizeof(d->hosts)];

	if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random))
		memset(random, 0x5a, sizeof(random));
	for (int i = 0; i < (int)sizeof(d->hosts); i++)
		d->hosts[i] = (__u8)(i + 1);
	for (int i = (int)sizeof(d->hosts) - 1; i > 0; i--) {
		int j = random[i] % (i + 1);
		__u8 t = d->hosts[i];

		d->hosts[i] = d->hosts[j];
		d->hosts[j] = t;
	}
	d->used = 0;
}

static bool has_port(enum probe_kind kind)
{
	return kind != PROBE_ICMP4 && kind != PROBE_ICMP6 && kind != PROBE_ARP;
}

static bool destination_take(struct destinations *d, struct probe *p)
{
	__u16 port;

	if (getrandom(&port, sizeof(port), 0) != sizeof(port))
		port = (__u16)getpid();
	p->dst.port = has_port(p->kind) ? htons((__u16)(1024 + port % (65536 - 1024))) : 0;
	if (probe_family(p->kind) == AF_INET6) {
		p->dst.family = 6;
		memcpy(p->dst.addr, (const __u8[]){ 0x20, 0x01, 0x0d, 0xb8, 0x6b, 0x73 }, 6);
		return getrandom(p->dst.addr + 6, 10, 0) == 10;
	}
	if (d->used == (int)sizeof(d->hosts))
		return false;
	p->dst.family = 4;
	memcpy(p->dst.addr, (const __u8[]){ 203, 0, 113, d->hosts[d->used++] }, 4);
	return true;
}

static struct probe *add_probe(struct selftest *st, struct destinations *d, enum probe_kind kind,
			       const struct link_view *v, unsigned int judged_at)
{
	struct probe *p = &st->probes[st->count];

	if (st->count == KS_PROBES_MAX)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->fd = -1;
	p->ifindex = v->link.ifindex;
	memcpy(p->ifname, v->link.name, sizeof(p->ifname));
	p->ethernet = v->link.ethernet;
	memcpy(p->mac, v->link.mac, sizeof(p->mac));
	p->judged_at = judged_at;
	if (!destination_take(d, p))
		return NULL;
	st->count++;
	return p;
}

/* The first tunnel's mark, for a probe that carries it where it must not; 0: no tunnel has one. */
static __u32 tunnel_mark(const struct ks_config *c)
{
	for (int i = 0; i < KS_TUNNELS_MAX; i++)
		if (c->tunnel[i].name[0] && KS_MASK_OF(c->tunnel[i].mark_mask))
			return KS_MARK_OF(c->tunnel[i].mark_mask);
	return 0;
}

/*
 * A link's probes: from sockets, for each family it routes to the internet
 * through a gateway (elsewhere they would wait for a neighbour that never
 * answers), and raw frames, which need neither. The mark and the ARP
 * probe go out of the first link that can carry them.
 */
static void plan_link(struct selftest *st, struct destinations *d, const struct observed *o,
		      const struct link_view *v, __u32 *mark, bool *pass_planned)
{
	static const enum probe_kind sockets[2][3] = { { PROBE_UDP4, PROBE_TCP4, PROBE_ICMP4 },
						       { PROBE_UDP6, PROBE_TCP6, PROBE_ICMP6 } };
	const struct link_view *carrier = link_carrier(v, o->views, o->count);
	unsigned int judged_at = carrier ? carrier->link.ifindex : v->link.ifindex;

	for (int f = 0; f < 2; f++) {
		struct probe *first = add_probe(st, d, sockets[f][0], v, judged_at);

		if (first && route_via_gateway(probe_family(first->kind), first->dst.addr, v->link.ifindex) != 1) {
			st->count--;
			continue;
		}
		for (int k = 1; first && k < 3; k++)
			add_probe(st, d, sockets[f][k], v, judged_at);
		if (first && f == 0 && *mark) {
			struct probe *marked = add_probe(st, d, PROBE_MARK, v, judged_at);

			if (marked)
				marked->mark = *mark;
			*mark = 0;
		}
	}
	add_probe(st, d, PROBE_RAW4, v, judged_at);
	add_probe(st, d, PROBE_RAW6, v, judged_at);
	if (!*pass_planned && v->link.ethernet)
		*pass_planned = add_probe(st, d, PROBE_ARP, v, judged_at) != NULL;
}

static void add_problem(struct selftest *st, const char *fmt, const char *a, const char *b)
{
	if (st->problem_count < SELFTEST_PROBLEMS_MAX)
		snprintf(st->problems[st->problem_count++], sizeof(st->problems[0]), fmt, a, b);
}

/* Tells the kill switch which destinations to note, until *until (CLOCK_BOOTTIME ns). */
static int arm(struct selftest *st, int fd, __u64 *deadline, __u64 *until)
{
	struct ks_probe none = { 0 };
	__u64 seen;

	for (int i = 0; i < st->count; i++)
		if (bpf_map_update_elem(fd, &st->probes[i].dst, &none, BPF_NOEXIST) < 0)
			return -errno;
	*until = clock_us(CLOCK_BOOTTIME) * 1000 + WATCH_NS;
	/* Another run may be watching too: the later deadline stands. */
	seen = __atomic_load_n(deadline, __ATOMIC_RELAXED);
	while (seen < *until && !__atomic_compare_exchange_n(deadline, &seen, *until, false, __ATOMIC_SEQ_CST,
							      __ATOMIC_RELAXED))
		;
	return 0;
}

static void disarm(struct selftest *st, int fd, __u64 *deadline, __u64 until)
{
	for (int i = 0; i < st->count; i++)
		bpf_map_delete_elem(fd, &st->probes[i].dst);
	/* Unless another run has moved it on: its watch is its own. */
	__atomic_compare_exchange_n(deadline, &until, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

/* Reads what the kill switch noted, until every probe sent was judged or the wait is over. */
static void collect(struct selftest *st, int fd)
{
	uint64_t start = clock_us(CLOCK_MONOTONIC);
	bool all;

	do {
		all = true;
		for (int i = 0; i < st->count; i++) {
			struct probe *p = &st->probes[i];

			if (p->sent && bpf_map_lookup_elem(fd, &p->dst, &p->seen) == 0 && !p->seen.count)
				all = false;
		}
	} while (!all && clock_us(CLOCK_MONOTONIC) - start < JUDGE_WAIT_US && usleep(1000) == 0);
}

/* What a run proves nothing about is a problem: a link no probe left, or no probe that must pass. */
static void check_coverage(struct selftest *st, const struct observed *o, bool pass_planned)
{
	char why[128];

	for (int i = 0; i < o->count; i++) {
		const struct link_view *v = &o->views[i];
		const struct probe *first = NULL;
		bool sent = false;

		for (int k = 0; k < st->count; k++)
			if (st->probes[k].ifindex == v->link.ifindex) {
				first = first ? first : &st->probes[k];
				sent |= st->probes[k].sent;
			}
		if (v->role == ROLE_FILTERED && v->link.up && !sent) {
			snprintf(why, sizeof(why), "%s", first ? strerror(first->error) : "too many probes");
			add_problem(st, "%s: no probe could be sent out of it (%s)", v->link.name, why);
		}
	}
	for (int k = 0; k < st->count; k++)
		if (st->probes[k].kind == PROBE_ARP && !st->probes[k].sent)
			add_problem(st, "the probe that must pass could not be sent out of %s (%s)", st->probes[k].ifname,
				    strerror(st->probes[k].error));
	if (!pass_planned)
		add_problem(st, "no probe that must pass: no protected Ethernet interface is up%s%s", "", "");
}

int selftest_run(struct selftest *st, const struct observed *o)
{
	uint64_t start = clock_us(CLOCK_MONOTONIC);
	__u64 *deadline = &o->inst.state->config.probe_deadline, until = 0;
	int fd = o->inst.map_fd[KS_MAP_PROBES], ret;
	struct destinations d;
	__u32 mark = tunnel_mark(&o->inst.config);
	bool pass_planned = false;

	memset(st, 0, sizeof(*st));
	if (o->inst.config.mode == KS_MODE_CGROUP) {
		pr_err("selftest probes the tc mode's interfaces: a kill switch in cgroup mode is not probed");
		return -EOPNOTSUPP;
	}
	destinations_init(&d);
	for (int i = 0; i < o->count; i++)
		if (o->views[i].role == ROLE_FILTERED && o->views[i].link.up)
			plan_link(st, &d, o, &o->views[i], &mark, &pass_planned);
	ret = arm(st, fd, deadline, &until);
	if (ret == 0) {
		for (int i = 0; i < st->count; i++)
			probe_send(&st->probes[i]);
		collect(st, fd);
	}
	disarm(st, fd, deadline, until);
	for (int i = 0; i < st->count; i++)
		probe_close(&st->probes[i]);
	if (ret < 0) {
		pr_err("cannot watch for the probes: %s", strerror(-ret));
		return ret;
	}
	for (int i = 0; i < st->count; i++) {
		char why[128];

		st->failed += !strcmp(selftest_outcome(&st->probes[i], why, sizeof(why)), "FAILED");
	}
	check_coverage(st, o, pass_planned);
	st->held = !st->failed && !st->problem_count;
	st->duration_us = clock_us(CLOCK_MONOTONIC) - start;
	return 0;
}

int selftest_in_force(const char *pin_dir, struct selftest *st)
{
	struct observed o = { 0 };
	int ret = observe(&o, pin_root(pin_dir), NULL, 0);

	if (ret == 0 && o.inst.source == SOURCE_NONE) {
		pr_err("no kill switch is in force in this network namespace: run 'ksctl up'%s",
		       pin_dir ? "" : " (or give the --pin-dir it was set up with)");
		ret = -ENOENT;
	} else if (ret == 0 && o.inst.source == SOURCE_UNREACHABLE) {
		instance_explain_unreachable();
		ret = -EACCES;
	}
	if (ret == 0)
		ret = selftest_run(st, &o);
	observed_free(&o);
	return ret;
}
