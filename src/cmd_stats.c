// SPDX-License-Identifier: MIT
/* ksctl stats: what the kill switch passed and dropped, and why. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "counters.h"
#include "instance.h"
#include "log.h"

enum format { FORMAT_TABLE, FORMAT_JSON, FORMAT_PROMETHEUS };

int cmd_stats(int argc, char **argv)
{
	enum { OPT_PIN_DIR = 256, OPT_JSON, OPT_PROMETHEUS };
	static const struct option long_options[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
		{ 0 }
	};
	enum format format = FORMAT_TABLE;
	const char *pin_dir = NULL;
	struct counters c = { 0 };
	struct instance inst;
	int opt, ret;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		if (opt == OPT_JSON || opt == OPT_PROMETHEUS) {
			if (format != FORMAT_TABLE)
				return usage_error("stats", "--json and --prometheus exclude each other");
			format = opt == OPT_JSON ? FORMAT_JSON : FORMAT_PROMETHEUS;
		} else if (opt == OPT_PIN_DIR)
			pin_dir = optarg;
		else
			return option_error("stats", argv, opt);
	}
	if (optind < argc)
		return usage_error("stats", "unexpected argument '%s'", argv[optind]);

	ret = instance_open(&inst, pin_dir);
	if (ret != EXIT_OK)
		return ret;
	c.mode = inst.config.mode == KS_MODE_CGROUP ? "cgroup" : "tc";
	ret = counters_read(inst.map_fd[KS_MAP_COUNTERS], &c);
	instance_close(&inst);
	if (ret < 0) {
		pr_err("cannot read the counters: %s", strerror(-ret));
		return EXIT_RUNTIME;
	}
	if (format == FORMAT_JSON)
		counters_print_json(stdout, &c);
	else if (format == FORMAT_PROMETHEUS)
		counters_print_prometheus(stdout, &c);
	else
		counters_print_table(stdout, &c);
	return EXIT_OK;
}
