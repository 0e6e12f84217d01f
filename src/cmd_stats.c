// SPDX-License-Identifier: MIT
/* ksctl stats: what the kill switch passed and dropped, and why; once, or live. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "commands.h"
#include "counters.h"
#include "instance.h"
#include "log.h"
#include "parse.h"
#include "stop.h"

#define WATCH_SECONDS_MAX 86400

struct stats_options {
	bool json, prometheus, watch;
	const char *pin_dir, *output;
};

static const struct opt stats_table[] = {
	OPT_JSON(struct stats_options, json, "print the counters"),
	{ .name = "prometheus", .kind = OPT_FLAG, .offset = offsetof(struct stats_options, prometheus),
	  .help = "print the counters in Prometheus' text format, with ksctl_build_info" },
	{ .name = "watch", .kind = OPT_FLAG, .offset = offsetof(struct stats_options, watch),
	  .help = "print them again every SECONDS (default 1) with per-second rates, until interrupted; a "
		  "terminal's table is redrawn in place" },
	{ .name = "output", .short_name = 'o', .kind = OPT_STRING, .value = "FILE",
	  .offset = offsetof(struct stats_options, output), .values = VALUES_PATH,
	  .help = "write to FILE instead, whole or not at all (a temporary file renamed over it), as "
		  "node_exporter's textfile collector wants" },
	OPT_PIN_DIR(struct stats_options, pin_dir),
	{ 0 }
};

/* What one printing needs: the counters, the rates (NULL: none), the format. */
struct snapshot {
	const struct stats_options *o;
	const struct counters *c, *rate;
};

static void print_snapshot(FILE *out, const void *data)
{
	const struct snapshot *s = data;

	if (s->o->json)
		counters_print_json(out, s->c, s->rate);
	else if (s->o->prometheus)
		counters_print_prometheus(out, s->c);
	else
		counters_print_table(out, s->c, s->rate);
}

static int emit(const struct snapshot *s)
{
	if (s->o->output)
		return atomic_file_write(s->o->output, print_snapshot, s) < 0 ? EXIT_RUNTIME : EXIT_OK;
	print_snapshot(stdout, s);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
}

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_counters(const struct instance *inst, struct counters *c)
{
	int ret = counters_read(inst->map_fd[KS_MAP_COUNTERS], inst->map_fd[KS_MAP_EVENT_COUNTS], c);

	if (ret < 0)
		pr_err("cannot read the counters: %s", strerror(-ret));
	c->mode = inst->config.mode == KS_MODE_CGROUP ? "cgroup" : "tc";
	return ret;
}

/* A table on a terminal is redrawn in place; anything else gets one snapshot after another. */
static void watch_header(const struct stats_options *o, unsigned int seconds)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	if (o->json || o->prometheus || o->output)
		return;
	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	if (!gmtime_r(&t, &tm) || !strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(now, sizeof(now), "?");
	printf("ksctl stats at %s, rates over the last %u s (Ctrl-C ends)\n", now, seconds);
}

static int watch(const struct instance *inst, const struct stats_options *o, unsigned int seconds,
		 struct counters *before)
{
	struct counters after, rate;
	struct snapshot s = { .o = o, .c = &after, .rate = &rate };
	double then = monotonic_seconds(), now;
	int ret = EXIT_OK;

	stop_on_signals();
	while (ret == EXIT_OK && !stop_requested) {
		struct timespec interval = { .tv_sec = seconds };

		if (nanosleep(&interval, NULL) < 0 || stop_requested)
			break;
		now = monotonic_seconds();
		if (read_counters(inst, &after) < 0)
			return EXIT_RUNTIME;
		counters_rate(&rate, before, &after, now - then);
		watch_header(o, seconds);
		ret = emit(&s);
		*before = after;
		then = now;
	}
	return ret;
}

/* [SECONDS]: only after --watch. */
static int watch_seconds(const struct stats_options *o, int argc, char **argv, unsigned int *seconds)
{
	unsigned long long value = 1;

	if (optind < argc && !o->watch)
		return usage_error("stats", "unexpected argument '%s' (SECONDS goes with --watch)", argv[optind]);
	if (optind < argc && !parse_uint(&value, argv[optind], 10, WATCH_SECONDS_MAX))
		return usage_error("stats", "invalid SECONDS '%s': give a whole number of seconds, 1-%d", argv[optind],
				   WATCH_SECONDS_MAX);
	if (value == 0)
		return usage_error("stats", "invalid SECONDS '0': give a whole number of seconds, 1-%d", WATCH_SECONDS_MAX);
	if (optind + 1 < argc)
		return usage_error("stats", "unexpected argument '%s'", argv[optind + 1]);
	*seconds = (unsigned int)value;
	return EXIT_OK;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_options o = { 0 };
	struct counters c = { 0 };
	struct snapshot s = { .o = &o, .c = &c };
	struct instance inst;
	unsigned int seconds = 1;
	int ret = options_parse(&stats_command, argc, argv, &o);

	if (ret == EXIT_OK)
		ret = watch_seconds(&o, argc, argv, &seconds);
	if (ret != EXIT_OK)
		return ret;
	if (o.json && o.prometheus)
		return usage_error("stats", "--json and --prometheus exclude each other");

	ret = instance_open(&inst, o.pin_dir);
	if (ret != EXIT_OK)
		return ret;
	ret = read_counters(&inst, &c) < 0 ? EXIT_RUNTIME : EXIT_OK;
	if (ret == EXIT_OK && (!o.watch || o.output))
		ret = emit(&s);
	if (ret == EXIT_OK && o.watch)
		ret = watch(&inst, &o, seconds, &c);
	instance_close(&inst);
	return ret;
}

const struct command stats_command = {
	.name = "stats",
	.run = cmd_stats,
	.args = "[SECONDS]",
	.summary = "show the counters of every verdict, and what became of the drops' events",
	.options = stats_table,
};
