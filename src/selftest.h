/* SPDX-License-Identifier: MIT */
/*
 * ksctl selftest: proof that the kill switch holds right now. Probes that
 * it must drop leave every protected interface the ways a process can send
 * (UDP, a TCP SYN, ICMP, IPv4 and IPv6, bound to the interface; a raw frame;
 * a packet with a tunnel's mark), and one that it must pass (ARP). Each
 * goes to a destination of its own, which the kill switch watches for while
 * the run lasts: each must be judged once, at its interface, with the
 * expected reason. Nothing is left behind: sockets are closed, the watch
 * is removed.
 */
#ifndef KSCTL_SELFTEST_H
#define KSCTL_SELFTEST_H

#include <stdint.h>

#include "json.h"
#include "observe.h"
#include "probe.h"

#define SELFTEST_PROBLEMS_MAX 8

struct selftest {
	struct probe probes[KS_PROBES_MAX];
	int count;
	char problems[SELFTEST_PROBLEMS_MAX][256]; /* what kept the run from proving anything */
	int problem_count;
	int failed;          /* probes judged otherwise than they must be, or never */
	uint64_t duration_us;
	bool held;           /* every probe sent held, and nothing was left unproven */
};

/*
 * Probes the kill switch in force that @o observed (tc mode). 0, with the
 * outcome in @st; or -errno when it could not be run (printed).
 */
int selftest_run(struct selftest *st, const struct observed *o);

/*
 * Finds the kill switch in force under the pin root for @pin_dir (NULL: the
 * default) and probes it. 0 with the outcome in @st, or -errno (printed).
 */
int selftest_in_force(const char *pin_dir, struct selftest *st);

/* What became of one probe: "held", "FAILED" or "skipped", and why in @why. */
const char *selftest_outcome(const struct probe *p, char *why, size_t size);
void selftest_print_plain(FILE *out, const struct selftest *st);
/* The run as an object: under @key, or at the top level when @key is NULL. */
void selftest_print_json(struct json *j, const char *key, const struct selftest *st);

#endif
