// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "json.h"
#include "version.h"

#define REASON_NAME(id, name, verdict, meaning) [KS_REASON_##id] = name,
#define REASON_VERDICT(id, name, verdict, meaning) [KS_REASON_##id] = verdict,
#define REASON_MEANING(id, name, verdict, meaning) [KS_REASON_##id] = meaning,
const char *const ks_reason_names[KS_REASON_COUNT] = { KS_REASONS(REASON_NAME) };
const char *const ks_reason_verdicts[KS_REASON_COUNT] = { KS_REASONS(REASON_VERDICT) };
const char *const ks_reason_meanings[KS_REASON_COUNT] = { KS_REASONS(REASON_MEANING) };
#define OUTCOME_NAME(id, name, meaning) [KS_EVENTS_##id] = name,
#define OUTCOME_MEANING(id, name, meaning) [KS_EVENTS_##id] = meaning,
const char *const ks_event_outcome_names[KS_EVENT_OUTCOME_COUNT] = { KS_EVENT_OUTCOMES(OUTCOME_NAME) };
const char *const ks_event_outcome_meanings[KS_EVENT_OUTCOME_COUNT] = { KS_EVENT_OUTCOMES(OUTCOME_MEANING) };

/* Sums the @count per-CPU values of @fd, each @words 64-bit words, into @out (@count * @words words). */
static int sum_per_cpu(int fd, __u32 count, size_t words, __u64 *out)
{
	int cpus = libbpf_num_possible_cpus();
	__u64 *per_cpu;
	int ret = 0;

	if (cpus < 0)
		return cpus;
	per_cpu = calloc((size_t)cpus * words, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	memset(out, 0, count * words * sizeof(*out));
	for (__u32 key = 0; key < count && ret == 0; key++) {
		ret = bpf_map_lookup_elem(fd, &key, per_cpu);
		for (size_t i = 0; i < (size_t)cpus * words && ret == 0; i++)
			out[key * words + i % words] += per_cpu[i];
	}
	free(per_cpu);
	return ret;
}

int counters_read(int fd, int events_fd, struct counters *out)
{
	int ret = sum_per_cpu(fd, KS_REASON_COUNT, sizeof(struct ks_counter) / sizeof(__u64), (__u64 *)out->by_reason);

	return ret ? ret : sum_per_cpu(events_fd, KS_EVENT_OUTCOME_COUNT, 1, out->events);
}

static __u64 per_second(__u64 before, __u64 after, double seconds)
{
	/* Counters only grow, but `down` and `up` start them again. */
	return after >= before && seconds > 0 ? (__u64)((double)(after - before) / seconds + 0.5) : 0;
}

void counters_rate(struct counters *rate, const struct counters *before, const struct counters *after,
		   double seconds)
{
	memset(rate, 0, sizeof(*rate));
	rate->mode = after->mode;
	for (int r = 0; r < KS_REASON_COUNT; r++) {
		rate->by_reason[r].packets = per_second(before->by_reason[r].packets, after->by_reason[r].packets, seconds);
		rate->by_reason[r].bytes = per_second(before->by_reason[r].bytes, after->by_reason[r].bytes, seconds);
	}
	for (int o = 0; o < KS_EVENT_OUTCOME_COUNT; o++)
		rate->events[o] = per_second(before->events[o], after->events[o], seconds);
}

void counters_print_table(FILE *out, const struct counters *c, const struct counters *rate)
{
	fprintf(out, "%-8s %-14s %14s %16s", "verdict", "reason", "packets", "bytes");
	if (rate)
		fprintf(out, " %12s %14s", "packets/s", "bytes/s");
	fputc('\n', out);
	for (int r = 0; r < KS_REASON_COUNT; r++) {
		fprintf(out, "%-8s %-14s %14" PRIu64 " %16" PRIu64, ks_reason_verdicts[r], ks_reason_names[r],
			(uint64_t)c->by_reason[r].packets, (uint64_t)c->by_reason[r].bytes);
		if (rate)
			fprintf(out, " %12" PRIu64 " %14" PRIu64, (uint64_t)rate->by_reason[r].packets,
				(uint64_t)rate->by_reason[r].bytes);
		fputc('\n', out);
	}
	fprintf(out, "drop events: %" PRIu64 " %s, %" PRIu64 " %s (over up's --event-rate), %" PRIu64
		     " %s (the buffer was full)\n",
		(uint64_t)c->events[KS_EVENTS_WRITTEN], ks_event_outcome_names[KS_EVENTS_WRITTEN],
		(uint64_t)c->events[KS_EVENTS_SUPPRESSED], ks_event_outcome_names[KS_EVENTS_SUPPRESSED],
		(uint64_t)c->events[KS_EVENTS_LOST], ks_event_outcome_names[KS_EVENTS_LOST]);
}

static void json_verdict(struct json *j, const struct counters *c, const struct counters *rate, const char *verdict)
{
	json_object(j, verdict);
	for (int r = 0; r < KS_REASON_COUNT; r++) {
		if (strcmp(ks_reason_verdicts[r], verdict))
			continue;
		json_object(j, ks_reason_names[r]);
		json_uint(j, "packets", c->by_reason[r].packets);
		json_uint(j, "bytes", c->by_reason[r].bytes);
		if (rate) {
			json_uint(j, "packets_per_second", rate->by_reason[r].packets);
			json_uint(j, "bytes_per_second", rate->by_reason[r].bytes);
		}
		json_end(j);
	}
	json_end(j);
}

void counters_print_json(FILE *out, const struct counters *c, const struct counters *rate)
{
	struct json j;

	json_begin(&j, out);
	json_object(&j, NULL);
	json_string(&j, "mode", c->mode);
	json_verdict(&j, c, rate, "pass");
	json_verdict(&j, c, rate, "drop");
	json_object(&j, "events");
	for (int o = 0; o < KS_EVENT_OUTCOME_COUNT; o++)
		json_uint(&j, ks_event_outcome_names[o], c->events[o]);
	json_end(&j);
	json_finish(&j);
}

void prometheus_label_value(FILE *out, const char *value)
{
	while (*value) {
		size_t len = utf8_char_len(value);

		if (*value == '\\' || *value == '"')
			fprintf(out, "\\%c", *value);
		else if (*value == '\n')
			fputs("\\n", out);
		else if (!len)
			fputs("\xef\xbf\xbd", out); /* U+FFFD: the format has no escape for bytes */
		else
			fwrite(value, 1, len, out);
		value += len ? len : 1;
	}
}

static void prometheus_metric(FILE *out, const struct counters *c, const char *name, const char *help,
			      size_t field)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (int r = 0; r < KS_REASON_COUNT; r++) {
		const __u64 *value = (const void *)((const char *)&c->by_reason[r] + field);

		fprintf(out, "%s{verdict=\"", name);
		prometheus_label_value(out, ks_reason_verdicts[r]);
		fputs("\",reason=\"", out);
		prometheus_label_value(out, ks_reason_names[r]);
		fprintf(out, "\"} %" PRIu64 "\n", (uint64_t)*value);
	}
}

void counters_print_prometheus(FILE *out, const struct counters *c)
{
	prometheus_metric(out, c, "ksctl_packets_total", "Egress packets seen by the kill switch, by verdict and reason.",
			  offsetof(struct ks_counter, packets));
	prometheus_metric(out, c, "ksctl_bytes_total", "Egress bytes seen by the kill switch, by verdict and reason.",
			  offsetof(struct ks_counter, bytes));
	fputs("# HELP ksctl_drop_events_total Drops by what became of their event: written for 'ksctl events', "
	      "suppressed by the rate limit (up --event-rate), or lost to a full buffer.\n"
	      "# TYPE ksctl_drop_events_total counter\n",
	      out);
	for (int o = 0; o < KS_EVENT_OUTCOME_COUNT; o++)
		fprintf(out, "ksctl_drop_events_total{outcome=\"%s\"} %" PRIu64 "\n", ks_event_outcome_names[o],
			(uint64_t)c->events[o]);
	fputs("# HELP ksctl_build_info The version of ksctl that read these counters.\n"
	      "# TYPE ksctl_build_info gauge\nksctl_build_info{version=\"",
	      out);
	prometheus_label_value(out, ksctl_version);
	fputs("\"} 1\n", out);
}
