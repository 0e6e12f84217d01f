// SPDX-License-Identifier: MIT
/*
 * prometheus_label_value, for label values that will hold interface and
 * tunnel names: any bytes at all must give a sample line that is valid text
 * exposition and whose label reads back as the input when that is UTF-8.
 */
#include "counters.h"
#include "prometheus_check.h"

static void check_sample(const struct prom_sample *s, void *ctx)
{
	const char *input = ctx;

	FUZZ_ASSERT(s->label_count == 1 && !strcmp(s->labels[0].name, "name"), "the label is lost");
	if (utf8_valid(input, strlen(input)))
		FUZZ_ASSERT(s->labels[0].value_len == strlen(input) && !memcmp(s->labels[0].value, input,
									 strlen(input)),
			    "'%s' reads back as '%s'", input, s->labels[0].value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = fuzz_text(data, size), *text = NULL;
	size_t len = 0;
	FILE *out = fuzz_memstream(&text, &len);

	fputs("# TYPE ksctl_label_test gauge\nksctl_label_test{name=\"", out);
	prometheus_label_value(out, input);
	fputs("\"} 1\n", out);
	fclose(out);
	prom_check(text, len, check_sample, input);
	free(input);
	free(text);
	return 0;
}
