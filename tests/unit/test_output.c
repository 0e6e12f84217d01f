// SPDX-License-Identifier: MIT
/* Printers: the stats table, JSON and Prometheus forms, and the JSON writer. */
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "counters.h"
#include "json.h"

static char *render(void (*print)(FILE *, const struct counters *), const struct counters *c)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	print(out, c);
	fclose(out);
	return text;
}

/* The printers without rates, and with those of sample() over one second from zero. */
static void json_plain(FILE *out, const struct counters *c)
{
	counters_print_json(out, c, NULL);
}

static void table_plain(FILE *out, const struct counters *c)
{
	counters_print_table(out, c, NULL);
}

static void table_rates(FILE *out, const struct counters *c)
{
	struct counters zero = { .mode = "tc" }, rate;

	counters_rate(&rate, &zero, c, 0.5);
	counters_print_table(out, c, &rate);
}

static struct counters sample(void)
{
	struct counters c = { .mode = "tc" };

	c.by_reason[KS_REASON_ENDPOINT] = (struct ks_counter){ 7, 700 };
	c.by_reason[KS_REASON_IPV4] = (struct ks_counter){ 3, 252 };
	c.by_reason[KS_REASON_MALFORMED] = (struct ks_counter){ 1, 20 };
	c.events[KS_EVENTS_WRITTEN] = 2;
	c.events[KS_EVENTS_SUPPRESSED] = 2;
	return c;
}

static void unit_stats_json(void)
{
	struct counters c = sample();
	char *text = render(json_plain, &c);

	CHECK(!strcmp(text, "{\"mode\":\"tc\",\"pass\":{\"tunnel\":{\"packets\":0,\"bytes\":0},"
			    "\"local\":{\"packets\":0,\"bytes\":0},\"endpoint\":{\"packets\":7,\"bytes\":700},"
			    "\"listen_port\":{\"packets\":0,\"bytes\":0},"
			    "\"link_layer\":{\"packets\":0,\"bytes\":0},\"allowlist\":{\"packets\":0,\"bytes\":0}},"
			    "\"drop\":{\"fwmark_other\":{\"packets\":0,\"bytes\":0},"
			    "\"source_route\":{\"packets\":0,\"bytes\":0},\"dns\":{\"packets\":0,\"bytes\":0},"
			    "\"tunnel_only\":{\"packets\":0,\"bytes\":0},"
			    "\"ipv4\":{\"packets\":3,\"bytes\":252},\"ipv6\":{\"packets\":0,\"bytes\":0},"
			    "\"other\":{\"packets\":0,\"bytes\":0},\"malformed\":{\"packets\":1,\"bytes\":20}},"
			    "\"events\":{\"written\":2,\"suppressed\":2,\"lost\":0}}\n"),
	      "got %s", text);
	free(text);
}

static void unit_stats_prometheus(void)
{
	struct counters c = sample();
	char *text = render(counters_print_prometheus, &c);

	CHECK(strstr(text, "# HELP ksctl_packets_total ") == text, "HELP first: %s", text);
	CHECK(strstr(text, "# TYPE ksctl_packets_total counter\n"), "TYPE line");
	CHECK(strstr(text, "\nksctl_packets_total{verdict=\"pass\",reason=\"endpoint\"} 7\n"), "endpoint packets");
	CHECK(strstr(text, "\nksctl_bytes_total{verdict=\"drop\",reason=\"ipv4\"} 252\n"), "ipv4 bytes");
	CHECK(strstr(text, "# TYPE ksctl_bytes_total counter\n"), "bytes TYPE");
	CHECK(strstr(text, "\n# TYPE ksctl_build_info gauge\nksctl_build_info{version=\""), "build info");
	CHECK(strstr(text, "\n# TYPE ksctl_drop_events_total counter\n"), "events TYPE");
	CHECK(strstr(text, "\nksctl_drop_events_total{outcome=\"suppressed\"} 2\n"), "suppressed events: %s", text);
	/*
	 * Every reason, both metrics: 2 * (2 comment lines + one line per reason);
	 * the events in 2 + one per outcome; the build info in 3.
	 */
	int lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	CHECK(lines == 2 * (2 + KS_REASON_COUNT) + 2 + KS_EVENT_OUTCOME_COUNT + 3, "%d lines", lines);
	free(text);
}

static void unit_stats_table(void)
{
	struct counters c = sample();
	char *text = render(table_plain, &c);

	CHECK(strstr(text, "verdict  reason"), "header: %s", text);
	CHECK(strstr(text, "drop     malformed                   1               20\n"), "malformed row: %s", text);
	CHECK(strstr(text, "\ndrop events: 2 written, 2 suppressed (over up's --event-rate), 0 lost"), "events: %s",
	      text);
	free(text);
	/* Over half a second from zero: twice the counts per second, rounded. */
	text = render(table_rates, &c);
	CHECK(strstr(text, "packets/s        bytes/s\n"), "rate header: %s", text);
	CHECK(strstr(text, "drop     ipv4                        3              252            6            504\n"),
	      "ipv4 rates: %s", text);
	free(text);
}

static void unit_json_writer(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	struct json j;

	json_begin(&j, out);
	json_object(&j, NULL);
	json_string(&j, "name", "a\"b\\c\n");
	json_array(&j, "list");
	json_uint(&j, NULL, 1);
	json_object(&j, NULL);
	json_bool(&j, "ok", true);
	json_end(&j);
	json_end(&j);
	json_array(&j, "empty");
	json_finish(&j);
	fclose(out);
	CHECK(!strcmp(text, "{\"name\":\"a\\\"b\\\\c\\u000a\",\"list\":[1,{\"ok\":true}],\"empty\":[]}\n"), "got %s", text);
	free(text);
}

/* One string value as a whole JSON document. */
static void json_document(FILE *out, const char *value)
{
	struct json j;

	json_begin(&j, out);
	json_string(&j, NULL, value);
	json_finish(&j);
}

/* What @print writes for @value must be @want. */
static void expect_printed(void (*print)(FILE *, const char *), const char *value, const char *want)
{
	char *got = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&got, &size);

	print(out, value);
	fclose(out);
	CHECK(!strcmp(got, want), "got %s, want %s", got, want);
	free(got);
}

static void expect_json_string(const char *value, const char *want)
{
	expect_printed(json_document, value, want);
}

static void unit_json_utf8(void)
{
	/* UTF-8 passes as it is: 2, 3 and 4 bytes, the last code point. */
	expect_json_string("wg\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92 \xf4\x8f\xbf\xbf",
			   "\"wg\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92 \xf4\x8f\xbf\xbf\"\n");
	/* Each byte that is not part of a character becomes U+FFFD. */
	expect_json_string("wg\xff" "0", "\"wg\\ufffd0\"\n");
	expect_json_string("\xc0\xaf", "\"\\ufffd\\ufffd\"\n"); /* overlong '/' */
	expect_json_string("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"\n"); /* overlong, 3 bytes */
	expect_json_string("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"\n"); /* surrogate U+D800 */
	expect_json_string("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n"); /* above U+10FFFF */
	expect_json_string("\xe2\x82", "\"\\ufffd\\ufffd\"\n"); /* cut short by the end */
	expect_json_string("\xe2\x82\"", "\"\\ufffd\\ufffd\\\"\"\n"); /* cut short by a quote */
	expect_json_string("\x80" "a", "\"\\ufffda\"\n"); /* a lone continuation byte */
}

static void unit_prometheus_label(void)
{
	expect_printed(prometheus_label_value, "wg0", "wg0");
	expect_printed(prometheus_label_value, "", "");
	/* The three escapes of the text format, and nothing else escaped. */
	expect_printed(prometheus_label_value, "a\\b\"c\nd", "a\\\\b\\\"c\\nd");
	expect_printed(prometheus_label_value, "tab\tcr\r{},=", "tab\tcr\r{},=");
	/* UTF-8 kept; other bytes become the character U+FFFD, as the format has no byte escape. */
	expect_printed(prometheus_label_value, "wg\xc3\xa9", "wg\xc3\xa9");
	expect_printed(prometheus_label_value, "wg\xff" "0", "wg\xef\xbf\xbd" "0");
	expect_printed(prometheus_label_value, "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

int main(void)
{
	RUN(unit_stats_json, "stats --json has every reason under its verdict, exact figures");
	RUN(unit_stats_prometheus, "Prometheus text: HELP/TYPE and one sample per reason and metric, and per event outcome");
	RUN(unit_stats_table, "the table lists every reason and the events' outcomes; --watch adds exact per-second rates");
	RUN(unit_json_writer, "JSON writer: commas, nesting, escaping");
	RUN(unit_json_utf8, "JSON writer: UTF-8 kept, every byte of invalid UTF-8 written as \\ufffd");
	RUN(unit_prometheus_label, "Prometheus label values: \\\\, \\\" and \\n escaped, invalid UTF-8 as U+FFFD");
	return check_failed_tests ? 1 : 0;
}
