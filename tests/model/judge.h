/* SPDX-License-Identifier: MIT */
/*
 * The real program's verdict on one packet: the compiled object loaded as
 * `ksctl up` loads it, the policy written with policy_write(), each packet
 * run with BPF_PROG_TEST_RUN, and its reason read from the counters.
 */
#ifndef KSCTL_JUDGE_H
#define KSCTL_JUDGE_H

#include "ksctl_common.h"
#include "loader.h"
#include "model.h"
#include "policy.h"

struct judge {
	struct killswitch *skel;
	int counters_fd, cpus;
	struct ks_counter *per_cpu;          /* KS_REASON_COUNT * cpus, for one batch read */
	struct ks_counter last[KS_REASON_COUNT]; /* summed over CPUs at the last read */
};

/* What one run showed. */
struct judgement {
	enum ks_reason reason;
	__u32 retval;
	__u64 bytes;  /* the bytes counted, which must be the packet's */
	bool counted; /* exactly one packet, under one reason */
};

/* Loads every program (tc Ethernet, tc layer 3, cgroup) with an IPv4 table of @table4_blocks. 0 or -errno. */
int judge_open(struct judge *j, __u32 table4_blocks);
/* As `up` again does: new programs and a new IPv4 table of @table4_blocks on the same other maps. */
int judge_reload(struct judge *j, __u32 table4_blocks);
/* Writes @p over what the maps hold: the live rewrite path. 0 or -errno. */
int judge_write(struct judge *j, const struct policy *p);
/*
 * Whether the kernel's test run takes @len bytes starting with @ethertype:
 * it reads them as an Ethernet header, and refuses frames shorter than
 * that, or than the IPv4 or IPv6 header the ethertype promises.
 */
bool judge_runnable(__u16 ethertype, size_t len);
/*
 * Whether the run's socket counts as a raw or packet socket (row 9): the
 * test run gives every packet a socket of no type, whose family it sets to
 * AF_INET or AF_INET6 only when the first 14 bytes' ethertype says IPv4 or
 * IPv6, and leaves AF_UNSPEC otherwise, as a packet socket's would not be.
 */
bool judge_packet_socket(__u16 ethertype);
/*
 * Runs a packet through @framing's program. @data holds what the program
 * sees: for MODEL_CGROUP the IP packet, behind which the run puts an
 * Ethernet header of @cgroup_ethertype. 0 or -errno.
 */
int judge_run(struct judge *j, enum model_framing framing, const __u8 *data, size_t len, __u16 cgroup_ethertype,
	      __u32 mark, __u32 ifindex, struct judgement *out);
void judge_close(struct judge *j);

#endif
