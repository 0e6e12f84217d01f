// SPDX-License-Identifier: MIT
/* ksctl selftest: probes that the kill switch must drop, and one it must pass. Exit 0 only if all held. */
#include "commands.h"
#include "selftest.h"

struct selftest_options {
	bool json;
	const char *pin_dir;
};

static const struct opt selftest_table[] = {
	OPT_JSON(struct selftest_options, json, "print every probe and its outcome"),
	OPT_PIN_DIR(struct selftest_options, pin_dir),
	{ 0 }
};

int cmd_selftest(int argc, char **argv)
{
	static struct selftest st; /* 128 probes: not on the stack */
	struct selftest_options o = { 0 };
	int ret = options_parse(&selftest_command, argc, argv, &o);
	struct json j;

	if (ret != EXIT_OK)
		return ret;
	if (selftest_in_force(o.pin_dir, &st) < 0)
		return EXIT_RUNTIME;
	if (o.json) {
		json_begin(&j, stdout);
		selftest_print_json(&j, NULL, &st);
		json_finish(&j);
	} else {
		selftest_print_plain(stdout, &st);
	}
	return st.held ? EXIT_OK : EXIT_RUNTIME;
}

const struct command selftest_command = {
	.name = "selftest",
	.run = cmd_selftest,
	.summary = "prove the kill switch holds: probes it must drop, one it must pass (exit 0 only if all held)",
	.options = selftest_table,
};
