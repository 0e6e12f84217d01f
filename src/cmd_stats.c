// SPDX-License-Identifier: MIT
/* ksctl stats: what the kill switch passed and dropped, and why. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "counters.h"
#include "instance.h"
#include "log.h"

struct stats_options {
	bool json, prometheus;
	const char *pin_dir;
};

static const struct opt stats_table[] = {
	OPT_JSON(struct stats_options, json, "print the counters"),
	{ .name = "prometheus", .kind = OPT_FLAG, .offset = offsetof(struct stats_options, prometheus),
	  .help = "print the counters in Prometheus' text format, with ksctl_build_info" },
	OPT_PIN_DIR(struct stats_options, pin_dir),
	{ 0 }
};

int cmd_stats(int argc, char **argv)
{
	struct stats_options o = { 0 };
	struct counters c = { 0 };
	struct instance inst;
	int ret = options_parse(&stats_command, argc, argv, &o);

	if (ret != EXIT_OK)
		return ret;
	if (o.json && o.prometheus)
		return usage_error("stats", "--json and --prometheus exclude each other");

	ret = instance_open(&inst, o.pin_dir);
	if (ret != EXIT_OK)
		return ret;
	c.mode = inst.config.mode == KS_MODE_CGROUP ? "cgroup" : "tc";
	ret = counters_read(inst.map_fd[KS_MAP_COUNTERS], &c);
	instance_close(&inst);
	if (ret < 0) {
		pr_err("cannot read the counters: %s", strerror(-ret));
		return EXIT_RUNTIME;
	}
	if (o.json)
		counters_print_json(stdout, &c);
	else if (o.prometheus)
		counters_print_prometheus(stdout, &c);
	else
		counters_print_table(stdout, &c);
	return EXIT_OK;
}

const struct command stats_command = {
	.name = "stats",
	.run = cmd_stats,
	.summary = "show the counters of every verdict",
	.options = stats_table,
};
