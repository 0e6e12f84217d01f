/* SPDX-License-Identifier: MIT */
/*
 * A strict reader of the Prometheus text exposition format (version 0.0.4)
 * for the harnesses. It asserts, line by line: UTF-8 text ending in a line
 * feed; "# HELP name text" and "# TYPE name type" at most once per metric and
 * before its samples; each metric's samples together; samples as
 * name{label="value",...} value [timestamp] with valid names, the three
 * escapes only in label values, no label twice and no sample twice. Each
 * sample, its label values unescaped, goes to a callback for the harness's own
 * checks.
 */
#ifndef KSCTL_FUZZ_PROMETHEUS_CHECK_H
#define KSCTL_FUZZ_PROMETHEUS_CHECK_H

#include <ctype.h>

#include "fuzz.h"
#include "utf8.h"

#define PROM_LABELS_MAX 8
#define PROM_METRICS_MAX 64

struct prom_label {
	char *name, *value; /* value unescaped, NUL-terminated */
	size_t value_len;
};

struct prom_sample {
	char *name, *value;
	struct prom_label labels[PROM_LABELS_MAX];
	size_t label_count;
};

/* What the text has shown so far: metrics in order of appearance, samples as written. */
struct prom_state {
	char *metrics[PROM_METRICS_MAX];
	bool helped[PROM_METRICS_MAX], typed[PROM_METRICS_MAX], sampled[PROM_METRICS_MAX];
	size_t metric_count, last_sampled;
	char **samples;
	size_t sample_count;
};

static inline char *prom_copy(const char *s, size_t len)
{
	char *copy = strndup(s, len);

	if (!copy)
		abort();
	return copy;
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or label name (no ':'); its length. */
static inline size_t prom_name(const char *s, bool colon)
{
	size_t len = 0;

	while (isalpha((unsigned char)s[len]) || s[len] == '_' || (colon && s[len] == ':') ||
	       (len && isdigit((unsigned char)s[len])))
		len++;
	return len;
}

/* A float as Go's ParseFloat reads it, the way Prometheus writes them. */
static inline bool prom_float(const char *s)
{
	size_t digits;

	if (!strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf"))
		return true;
	s += *s == '-' || *s == '+';
	digits = strspn(s, "0123456789");
	s += digits;
	if (*s == '.') {
		s++;
		digits += strspn(s, "0123456789");
		s += strspn(s, "0123456789");
	}
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		s += *s == '-' || *s == '+';
		if (!strspn(s, "0123456789"))
			return false;
		s += strspn(s, "0123456789");
	}
	return !*s;
}

/* The metric's index in @st, added if new. */
static inline size_t prom_metric(struct prom_state *st, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < st->metric_count; i++)
		if (strlen(st->metrics[i]) == len && !strncmp(st->metrics[i], name, len))
			return i;
	FUZZ_ASSERT(i < PROM_METRICS_MAX, "more metrics than the reader keeps");
	st->metrics[i] = prom_copy(name, len);
	st->metric_count++;
	return i;
}

/* "# HELP name text" or "# TYPE name type"; other comments are free. */
static inline void prom_comment(struct prom_state *st, const char *line)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "summary", "untyped" };
	bool help = !strncmp(line, "# HELP ", 7), type = !strncmp(line, "# TYPE ", 7);
	const char *rest;
	size_t len, m;
	bool known = false;

	if (!help && !type)
		return;
	len = prom_name(line + 7, true);
	FUZZ_ASSERT(len && (line[7 + len] == ' ' || (help && !line[7 + len])), "bad name in '%s'", line);
	m = prom_metric(st, line + 7, len);
	FUZZ_ASSERT(!st->sampled[m], "'%s' after the metric's samples", line);
	FUZZ_ASSERT(help ? !st->helped[m] : !st->typed[m], "'%s' a second time", line);
	rest = line[7 + len] ? line + 8 + len : "";
	if (help) {
		st->helped[m] = true;
		/* Help text escapes only '\\' and line feed. */
		for (const char *c = strchr(rest, '\\'); c; c = strchr(c + 2, '\\'))
			FUZZ_ASSERT(c[1] == '\\' || c[1] == 'n', "bad escape in '%s'", line);
		return;
	}
	st->typed[m] = true;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		known |= !strcmp(rest, types[i]);
	FUZZ_ASSERT(known, "unknown type in '%s'", line);
}

/* One quoted label value at *p, unescaped into @label; moves *p past its closing quote. */
static inline void prom_label_value(const char **p, struct prom_label *label, const char *line)
{
	const char *s = *p;
	char *value = malloc(strlen(s) + 1);
	size_t len = 0;

	if (!value)
		abort();
	FUZZ_ASSERT(*s == '"', "no opening quote in '%s'", line);
	for (s++; *s != '"'; s++) {
		FUZZ_ASSERT(*s, "no closing quote in '%s'", line);
		if (*s == '\\') {
			s++;
			FUZZ_ASSERT(*s == '\\' || *s == '"' || *s == 'n', "bad escape in '%s'", line);
			value[len++] = *s == 'n' ? '\n' : *s;
		} else {
			value[len++] = *s;
		}
	}
	value[len] = '\0';
	label->value = value;
	label->value_len = len;
	*p = s + 1;
}

static inline void prom_sample_free(struct prom_sample *s)
{
	for (size_t i = 0; i < s->label_count; i++) {
		free(s->labels[i].name);
		free(s->labels[i].value);
	}
	free(s->name);
	free(s->value);
}

/* name{labels} value [timestamp] */
static inline void prom_sample_line(struct prom_state *st, const char *line, struct prom_sample *s)
{
	const char *p = line, *end;
	size_t len = prom_name(p, true), m;

	FUZZ_ASSERT(len, "no metric name in '%s'", line);
	s->name = prom_copy(p, len);
	m = prom_metric(st, p, len);
	FUZZ_ASSERT(!st->sampled[m] || st->last_sampled == m, "'%s' is apart from the rest of its metric", line);
	st->sampled[m] = true;
	st->last_sampled = m;
	p += len;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			struct prom_label *label = &s->labels[s->label_count];

			FUZZ_ASSERT(s->label_count < PROM_LABELS_MAX, "too many labels in '%s'", line);
			len = prom_name(p, false);
			FUZZ_ASSERT(len && p[len] == '=', "bad label name in '%s'", line);
			FUZZ_ASSERT(strncmp(p, "__", 2), "reserved label name in '%s'", line);
			label->name = prom_copy(p, len);
			s->label_count++;
			for (size_t i = 0; i + 1 < s->label_count; i++)
				FUZZ_ASSERT(strcmp(s->labels[i].name, label->name), "label twice in '%s'", line);
			p += len + 1;
			prom_label_value(&p, label, line);
			FUZZ_ASSERT(*p == ',' || *p == '}', "no ',' or '}' after a label in '%s'", line);
			p += *p == ',';
		}
		p++;
	}
	FUZZ_ASSERT(*p == ' ', "no space before the value in '%s'", line);
	p++;
	end = strchr(p, ' ');
	s->value = prom_copy(p, end ? (size_t)(end - p) : strlen(p));
	FUZZ_ASSERT(prom_float(s->value), "bad value in '%s'", line);
	if (end) {
		const char *stamp = end + 1 + (end[1] == '-');

		FUZZ_ASSERT(*stamp && strspn(stamp, "0123456789") == strlen(stamp), "bad timestamp in '%s'", line);
	}
}

/* The label set without the value: two samples of one series may not both appear. */
static inline char *prom_series(const char *line)
{
	const char *brace = strrchr(line, '}');
	const char *space = brace ? strchr(brace, ' ') : strchr(line, ' ');

	return prom_copy(line, (size_t)(space - line));
}

/*
 * Checks the whole exposition @text (@n bytes); @each sees every sample.
 * Label order is taken as written: the writers here print labels in one order.
 */
static inline void prom_check(const char *text, size_t n, void (*each)(const struct prom_sample *, void *),
			      void *ctx)
{
	struct prom_state st = { 0 };
	const char *line = text, *end;

	FUZZ_ASSERT(strlen(text) == n, "a NUL byte in the text");
	FUZZ_ASSERT(utf8_valid(text, n), "not UTF-8: %s", text);
	FUZZ_ASSERT(n && text[n - 1] == '\n', "no line feed at the end: %s", text);
	for (; *line; line = end + 1) {
		char *copy;

		end = strchr(line, '\n');
		copy = prom_copy(line, (size_t)(end - line));
		if (*copy == '#') {
			prom_comment(&st, copy);
		} else if (*copy) {
			struct prom_sample s = { 0 };
			char *series;

			prom_sample_line(&st, copy, &s);
			series = prom_series(copy);
			for (size_t i = 0; i < st.sample_count; i++)
				FUZZ_ASSERT(strcmp(st.samples[i], series), "'%s' a second time", series);
			st.samples = realloc(st.samples, (st.sample_count + 1) * sizeof(*st.samples));
			if (!st.samples)
				abort();
			st.samples[st.sample_count++] = series;
			each(&s, ctx);
			prom_sample_free(&s);
		}
		free(copy);
	}
	for (size_t i = 0; i < st.metric_count; i++)
		free(st.metrics[i]);
	for (size_t i = 0; i < st.sample_count; i++)
		free(st.samples[i]);
	free(st.samples);
}

#endif
