// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/if_ether.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "judge.h"

static struct bpf_program *program(struct killswitch *skel, enum model_framing framing)
{
	static const enum ks_prog progs[MODEL_FRAMINGS] = { KS_PROG_ETH, KS_PROG_L3, KS_PROG_CGROUP };

	return loader_prog(skel, progs[framing]);
}

/* Sums the counters over CPUs in one batch read: reading them key by key would cost more than the run. */
static int read_counters(struct judge *j, struct ks_counter *sum)
{
	__u32 keys[KS_REASON_COUNT] = { 0 }, count = KS_REASON_COUNT, next;
	int ret;

	memset(sum, 0, sizeof(*sum) * KS_REASON_COUNT);
	ret = bpf_map_lookup_batch(j->counters_fd, NULL, &next, keys, j->per_cpu, &count, NULL);
	if (ret < 0 && errno != ENOENT)
		return -errno;
	if (count != KS_REASON_COUNT)
		return -EIO;
	for (__u32 i = 0; i < count; i++)
		for (int cpu = 0; cpu < j->cpus && keys[i] < KS_REASON_COUNT; cpu++) {
			sum[keys[i]].packets += j->per_cpu[i * j->cpus + cpu].packets;
			sum[keys[i]].bytes += j->per_cpu[i * j->cpus + cpu].bytes;
		}
	return 0;
}

static bool reused(const struct ks_maps *old, int fd)
{
	for (int i = 0; i < KS_MAP_COUNT; i++)
		if (i != KS_MAP_TABLE4 && old->fd[i] == fd)
			return true;
	return false;
}

/*
 * Opens the object with every program: `up` loads only its mode's, but here
 * one set of maps serves all three. With @old, its maps but the IPv4 table
 * are reused, as loader_load() does for a running kill switch.
 */
static int load(struct killswitch **out, struct killswitch *old, __u32 table4_blocks)
{
	struct killswitch *skel = killswitch__open();
	struct ks_maps old_maps;
	struct bpf_map *map;
	int ret;

	if (!skel)
		return -errno;
	ret = bpf_map__set_max_entries(skel->maps.ks_table4, table4_blocks);
	if (old) {
		loader_maps(old, &old_maps);
		bpf_object__for_each_map(map, old->obj)
			if (ret == 0 && reused(&old_maps, bpf_map__fd(map)))
				ret = bpf_map__reuse_fd(bpf_object__find_map_by_name(skel->obj, bpf_map__name(map)),
							bpf_map__fd(map));
	}
	if (ret == 0)
		ret = killswitch__load(skel);
	if (ret < 0) {
		killswitch__destroy(skel);
		return ret;
	}
	*out = skel;
	return 0;
}

static int attach_counters(struct judge *j)
{
	j->counters_fd = bpf_map__fd(j->skel->maps.ks_counters);
	return read_counters(j, j->last);
}

int judge_open(struct judge *j, __u32 table4_blocks)
{
	int ret;

	memset(j, 0, sizeof(*j));
	j->cpus = libbpf_num_possible_cpus();
	if (j->cpus < 0)
		return j->cpus;
	j->per_cpu = calloc((size_t)j->cpus * KS_REASON_COUNT, sizeof(*j->per_cpu));
	if (!j->per_cpu)
		return -ENOMEM;
	ret = load(&j->skel, NULL, table4_blocks);
	return ret < 0 ? ret : attach_counters(j);
}

int judge_reload(struct judge *j, __u32 table4_blocks)
{
	struct killswitch *fresh;
	int ret = load(&fresh, j->skel, table4_blocks);

	if (ret < 0)
		return ret;
	killswitch__destroy(j->skel);
	j->skel = fresh;
	return attach_counters(j);
}

int judge_write(struct judge *j, const struct policy *p)
{
	struct ks_maps maps;

	loader_maps(j->skel, &maps);
	return policy_write(p, &maps, NULL);
}

bool judge_runnable(__u16 ethertype, size_t len)
{
	if (len < ETH_HLEN)
		return false;
	if (ethertype == ETH_P_IP)
		return len >= ETH_HLEN + 20;
	return ethertype != ETH_P_IPV6 || len >= ETH_HLEN + 40;
}

bool judge_packet_socket(__u16 ethertype)
{
	return ethertype != ETH_P_IP && ethertype != ETH_P_IPV6;
}

int judge_run(struct judge *j, enum model_framing framing, const __u8 *data, size_t len, __u16 cgroup_ethertype,
	      __u32 mark, __u32 ifindex, struct judgement *out)
{
	struct __sk_buff ctx = { .mark = mark, .ifindex = ifindex };
	__u8 buf[ETH_HLEN + 2048];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = (__u32)len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	struct ks_counter now[KS_REASON_COUNT];
	int ret, moved = 0;

	/* cgroup_skb sees the packet after the Ethernet header that the test run takes off. */
	if (framing == MODEL_CGROUP) {
		if (len > sizeof(buf) - ETH_HLEN)
			return -EMSGSIZE;
		memset(buf, 0x02, 12);
		buf[12] = cgroup_ethertype >> 8;
		buf[13] = cgroup_ethertype & 0xff;
		memcpy(buf + ETH_HLEN, data, len);
		opts.data_in = buf;
		opts.data_size_in = (__u32)(len + ETH_HLEN);
	}
	ret = bpf_prog_test_run_opts(bpf_program__fd(program(j->skel, framing)), &opts);
	if (ret < 0)
		return ret;
	ret = read_counters(j, now);
	if (ret < 0)
		return ret;
	memset(out, 0, sizeof(*out));
	out->retval = opts.retval;
	for (int r = 0; r < KS_REASON_COUNT; r++) {
		if (now[r].packets == j->last[r].packets)
			continue;
		moved += (int)(now[r].packets - j->last[r].packets);
		out->reason = (enum ks_reason)r;
		out->bytes = now[r].bytes - j->last[r].bytes;
	}
	out->counted = moved == 1;
	memcpy(j->last, now, sizeof(now));
	return 0;
}

void judge_close(struct judge *j)
{
	killswitch__destroy(j->skel);
	free(j->per_cpu);
	memset(j, 0, sizeof(*j));
}
