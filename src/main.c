// SPDX-License-Identifier: MIT
/* ksctl: an eBPF egress kill switch for WireGuard VPN containers. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "defaults.h"
#include "log.h"

#define KSCTL_VERSION "0.1.0"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const struct command commands[] = {
	{ "up", cmd_up,
	  "up [--config FILE|DIR]... [-i|--tunnel IFNAME]... [-m|--fwmark MARK[/MASK]|off]\n"
	  "      [--endpoint ADDR:PORT]... [--listen-port PORT] [-a|--allow CIDR]... [--allow-file FILE]\n"
	  "      [--lan-dns ADDR]... [--force] [--mode auto|tc|cgroup] [--cgroup PATH]\n"
	  "      [--attach auto|tcx|clsact] [--dry-run] [--pin-dir DIR]",
	  "put the kill switch in force, or update it in place" },
	{ "down", cmd_down, "down [--pin-dir DIR]", "remove the kill switch (the only command that does)" },
	{ "status", cmd_status, "status [--json] [-q|--quiet] [--pin-dir DIR]",
	  "say whether the kill switch is in force (exit 0 if and only if it is)" },
	{ "stats", cmd_stats, "stats [--json | --prometheus] [--pin-dir DIR]", "show the counters of every verdict" },
	{ "allow", cmd_allow, "allow list | add CIDR... [--force] | del CIDR... [--pin-dir DIR]",
	  "show or change the allowlist of the kill switch in force" },
	{ "watch", cmd_watch, "watch [--interval MS] [--pin-dir DIR]",
	  "keep the kill switch on every link as they come and go (stays running)" },
	{ "help", cmd_help, "help [COMMAND]", "show this help, or a command's" },
	{ "version", cmd_version, "version", "print ksctl's version" },
	{ 0 }
};

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void print_usage(FILE *out)
{
	fprintf(out, "Usage: ksctl [-v] COMMAND [OPTIONS]\n\n"
		     "An eBPF egress kill switch: every packet that would leave outside the tunnel is dropped.\n\n"
		     "Commands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fprintf(out, "\nDefaults: the tunnels' wg-quick configurations where wg-quick and linuxserver keep them (");
	for (size_t i = 0; i < ks_default_config_path_count; i++) {
		char path[128];

		snprintf(path, sizeof(path), ks_default_config_paths[i], "IFNAME");
		fprintf(out, "%s%s", i ? ", " : "", path);
	}
	fprintf(out, "), --tunnel %s, --fwmark 0x%x, --allow", KS_DEFAULT_TUNNEL, KS_DEFAULT_FWMARK);
	for (size_t i = 0; i < ks_default_allow_count; i++)
		fprintf(out, " %s", ks_default_allow[i]);
	fprintf(out, "\n'ksctl help COMMAND' shows a command's options; -v shows libbpf's messages.\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		print_usage(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error("help", "unknown command '%s'", argv[1]);
	printf("Usage: ksctl %s\n\n%s.\n", c->usage, c->summary);
	return EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("ksctl %s\n", KSCTL_VERSION);
	return EXIT_OK;
}

int usage_error(const char *command, const char *fmt, ...)
{
	const struct command *c = find_command(command);
	va_list ap;

	fputs("ksctl: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* One line: the problem, then where the usage is. */
	fprintf(stderr, ": see 'ksctl help%s%s'\n", c ? " " : "", c ? c->name : "");
	return EXIT_USAGE;
}

int option_error(const char *command, char **argv, int bad_opt)
{
	const char *arg = argv[optind - 1];

	if (bad_opt == ':')
		return usage_error(command, "option '%s' needs a value", arg);
	return usage_error(command, "unknown option '%s' for '%s'", arg, command);
}

int parse_pin_dir_only(const char *command, int argc, char **argv, const char **pin_dir)
{
	static const struct option long_options[] = { { "pin-dir", required_argument, NULL, 'P' }, { 0 } };
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		if (opt != 'P')
			return option_error(command, argv, opt);
		*pin_dir = optarg;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;

	log_setup_libbpf();
	if (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose"))) {
		log_verbosity = LOG_DEBUG;
		argc--;
		argv++;
	}
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(1, argv);
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "ksctl: error: unknown command '%s': see 'ksctl help'\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
