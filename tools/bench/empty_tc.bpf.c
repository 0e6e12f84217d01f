// SPDX-License-Identifier: MIT
/*
 * The benchmark's baseline: a tc program that lets every packet pass. Its
 * run time under kernel.bpf_stats_enabled is what the accounting itself and
 * the call cost; ksctl's "net" run time is its own minus this one's.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int ksbench_empty(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
