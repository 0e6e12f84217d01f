// SPDX-License-Identifier: MIT
/*
 * counters_print_prometheus, the text of `ksctl stats --prometheus`, with
 * counters taken from the input (8 bytes a figure): it must be valid text
 * exposition, two counters with one sample per reason, each carrying its own
 * reason's figure, the drop events' counter with one sample per outcome, and
 * ksctl_build_info with the version.
 */
#include <inttypes.h>

#include "counters.h"
#include "prometheus_check.h"
#include "version.h"

struct seen {
	const struct counters *c;
	size_t samples, outcomes, build_info;
};

/* ksctl_drop_events_total{outcome="..."}: each outcome's own figure. */
static void check_outcome(const struct prom_sample *s, struct seen *seen)
{
	int o;

	FUZZ_ASSERT(s->label_count == 1 && !strcmp(s->labels[0].name, "outcome"), "labels of an events sample");
	for (o = 0; o < KS_EVENT_OUTCOME_COUNT && strcmp(ks_event_outcome_names[o], s->labels[0].value); o++)
		;
	FUZZ_ASSERT(o < KS_EVENT_OUTCOME_COUNT, "outcome %s", s->labels[0].value);
	FUZZ_ASSERT(strspn(s->value, "0123456789") == strlen(s->value) &&
			    strtoull(s->value, NULL, 10) == seen->c->events[o],
		    "events %s is %s", s->labels[0].value, s->value);
	seen->outcomes++;
}

static void check_sample(const struct prom_sample *s, void *ctx)
{
	struct seen *seen = ctx;
	bool packets = !strcmp(s->name, "ksctl_packets_total");
	int r;

	if (!strcmp(s->name, "ksctl_build_info")) {
		FUZZ_ASSERT(s->label_count == 1 && !strcmp(s->labels[0].name, "version") &&
				    !strcmp(s->labels[0].value, ksctl_version) && !strcmp(s->value, "1"),
			    "build info %s", s->value);
		seen->build_info++;
		return;
	}
	if (!strcmp(s->name, "ksctl_drop_events_total")) {
		check_outcome(s, seen);
		return;
	}
	FUZZ_ASSERT(packets || !strcmp(s->name, "ksctl_bytes_total"), "metric %s", s->name);
	FUZZ_ASSERT(s->label_count == 2 && !strcmp(s->labels[0].name, "verdict") &&
			    !strcmp(s->labels[1].name, "reason"),
		    "labels of a %s sample", s->name);
	for (r = 0; r < KS_REASON_COUNT && strcmp(ks_reason_names[r], s->labels[1].value); r++)
		;
	FUZZ_ASSERT(r < KS_REASON_COUNT, "reason %s", s->labels[1].value);
	FUZZ_ASSERT(!strcmp(ks_reason_verdicts[r], s->labels[0].value), "verdict %s", s->labels[0].value);
	FUZZ_ASSERT(strspn(s->value, "0123456789") == strlen(s->value) &&
			    strtoull(s->value, NULL, 10) ==
				    (packets ? seen->c->by_reason[r].packets : seen->c->by_reason[r].bytes),
		    "%s of %s is %s", s->name, ks_reason_names[r], s->value);
	seen->samples++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct counters c = { .mode = "tc" };
	struct seen seen = { .c = &c };
	char *text = NULL;
	size_t len = 0;
	FILE *out = fuzz_memstream(&text, &len);

	for (int r = 0; r < KS_REASON_COUNT; r++) {
		c.by_reason[r].packets = fuzz_next_u64(&data, &size);
		c.by_reason[r].bytes = fuzz_next_u64(&data, &size);
	}
	for (int o = 0; o < KS_EVENT_OUTCOME_COUNT; o++)
		c.events[o] = fuzz_next_u64(&data, &size);
	counters_print_prometheus(out, &c);
	fclose(out);
	prom_check(text, len, check_sample, &seen);
	FUZZ_ASSERT(seen.samples == 2 * KS_REASON_COUNT && seen.outcomes == KS_EVENT_OUTCOME_COUNT &&
			    seen.build_info == 1,
		    "%zu samples, %zu outcomes, %zu build info", seen.samples, seen.outcomes, seen.build_info);
	FUZZ_ASSERT(strstr(text, "# TYPE ksctl_packets_total counter\n") &&
			    strstr(text, "# TYPE ksctl_bytes_total counter\n") &&
			    strstr(text, "# TYPE ksctl_drop_events_total counter\n"),
		    "not typed as counters: %s", text);
	free(text);
	return 0;
}
