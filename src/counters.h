/* SPDX-License-Identifier: MIT */
/* The per-reason counters: summed over CPUs, printed as a table, JSON or Prometheus text. */
#ifndef KSCTL_COUNTERS_H
#define KSCTL_COUNTERS_H

#include <stdbool.h>
#include <stdio.h>

#include "ksctl_common.h"

struct counters {
	const char *mode; /* "tc" or "cgroup" */
	struct ks_counter by_reason[KS_REASON_COUNT];
};

extern const char *const ks_reason_names[KS_REASON_COUNT];
extern const char *const ks_reason_verdicts[KS_REASON_COUNT];
extern const char *const ks_reason_meanings[KS_REASON_COUNT];

/* Sums the per-CPU counters map @fd into @out->by_reason. 0 or -errno. */
int counters_read(int fd, struct counters *out);
void counters_print_table(FILE *out, const struct counters *c);
void counters_print_json(FILE *out, const struct counters *c);
void counters_print_prometheus(FILE *out, const struct counters *c);

#endif
