// SPDX-License-Identifier: MIT
/* ksctl: an eBPF egress kill switch for WireGuard VPN containers. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"

/* Before any command is known, --json anywhere asks for errors as JSON. */
static void scan_for_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			log_use_json();
}

int main(int argc, char **argv)
{
	const struct command *c;

	log_setup_libbpf();
	/* ksctl -v COMMAND, ksctl -h: the common options also stand before the command. */
	while (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose"))) {
		log_verbosity = LOG_DEBUG;
		argc--;
		argv++;
	}
	if (argc < 2) {
		help_print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		help_print_usage(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		scan_for_json(argc, argv);
		pr_err("unknown command '%s': see 'ksctl help'", argv[1]);
		return EXIT_USAGE;
	}
	if (options_scan(c, argc - 1, argv + 1)) {
		options_print_help(stdout, c);
		return EXIT_OK;
	}
	return c->run(argc - 1, argv + 1);
}
