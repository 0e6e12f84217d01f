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

int counters_read(int fd, struct counters *out)
{
	int cpus = libbpf_num_possible_cpus();
	struct ks_counter *per_cpu;
	int ret = 0;

	if (cpus < 0)
		return cpus;
	per_cpu = calloc((size_t)cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	memset(out->by_reason, 0, sizeof(out->by_reason));
	for (__u32 reason = 0; reason < KS_REASON_COUNT && ret == 0; reason++) {
		ret = bpf_map_lookup_elem(fd, &reason, per_cpu);
		for (int cpu = 0; cpu < cpus && ret == 0; cpu++) {
			out->by_reason[reason].packets += per_cpu[cpu].packets;
			out->by_reason[reason].bytes += per_cpu[cpu].bytes;
		}
	}
	free(per_cpu);
	return ret;
}

void counters_print_table(FILE *out, const struct counters *c)
{
	fprintf(out, "%-8s %-14s %14s %16s\n", "verdict", "reason", "packets", "bytes");
	for (int r = 0; r < KS_REASON_COUNT; r++)
		fprintf(out, "%-8s %-14s %14" PRIu64 " %16" PRIu64 "\n", ks_reason_verdicts[r], ks_reason_names[r],
			(uint64_t)c->by_reason[r].packets, (uint64_t)c->by_reason[r].bytes);
}

static void json_verdict(struct json *j, const struct counters *c, const char *verdict)
{
	json_object(j, verdict);
	for (int r = 0; r < KS_REASON_COUNT; r++) {
		if (strcmp(ks_reason_verdicts[r], verdict))
			continue;
		json_object(j, ks_reason_names[r]);
		json_uint(j, "packets", c->by_reason[r].packets);
		json_uint(j, "bytes", c->by_reason[r].bytes);
		json_end(j);
	}
	json_end(j);
}

void counters_print_json(FILE *out, const struct counters *c)
{
	struct json j;

	json_begin(&j, out);
	json_object(&j, NULL);
	json_string(&j, "mode", c->mode);
	json_verdict(&j, c, "pass");
	json_verdict(&j, c, "drop");
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
	fputs("# HELP ksctl_build_info The version of ksctl that read these counters.\n"
	      "# TYPE ksctl_build_info gauge\nksctl_build_info{version=\"",
	      out);
	prometheus_label_value(out, ksctl_version);
	fputs("\"} 1\n", out);
}
