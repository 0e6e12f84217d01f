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
	__u64 events[KS_EVENT_OUTCOME_COUNT]; /* what became of each drop's event */
};

extern const char *const ks_reason_names[KS_REASON_COUNT];
extern const char *const ks_reason_verdicts[KS_REASON_COUNT];
extern const char *const ks_reason_meanings[KS_REASON_COUNT];
extern const char *const ks_event_outcome_names[KS_EVENT_OUTCOME_COUNT];
extern const char *const ks_event_outcome_meanings[KS_EVENT_OUTCOME_COUNT];

/*
 * Sums the per-CPU counters map @fd into @out->by_reason, and the event
 * outcomes map @events_fd into @out->events. 0 or -errno.
 */
int counters_read(int fd, int events_fd, struct counters *out);
/*
 * The per-second rates between @before and @after, @seconds apart, as a
 * struct counters of its own (for the printers' @rate).
 */
void counters_rate(struct counters *rate, const struct counters *before, const struct counters *after,
		   double seconds);
/* With @rate (NULL: none), a column of packets and one of bytes per second. */
void counters_print_table(FILE *out, const struct counters *c, const struct counters *rate);
/* With @rate (NULL: none), each reason's "packets_per_second" and "bytes_per_second". */
void counters_print_json(FILE *out, const struct counters *c, const struct counters *rate);
void counters_print_prometheus(FILE *out, const struct counters *c);
/*
 * Writes @value for inside the double quotes of a Prometheus label: '\\', '"'
 * and line feed escaped as the text exposition format says, and each byte that
 * is not UTF-8, which the format requires, as U+FFFD. For any label value,
 * interface and tunnel names included.
 */
void prometheus_label_value(FILE *out, const char *value);

#endif
