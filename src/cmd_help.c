// SPDX-License-Identifier: MIT
/* ksctl help: the commands, a command's options; the build's man page and completion. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"

struct help_options {
	bool man, completion;
};

static const struct opt help_options[] = {
	{ .name = "man", .kind = OPT_FLAG, .help = "print every command's options as roff, for the man page (the build's)",
	  .offset = offsetof(struct help_options, man) },
	{ .name = "completion", .kind = OPT_FLAG,
	  .help = "print every command's options as shell functions, for the bash completion (the build's)",
	  .offset = offsetof(struct help_options, completion) },
	{ 0 }
};

void help_print_usage(FILE *out)
{
	fprintf(out, "Usage: ksctl [-v] COMMAND [OPTIONS]\n\n"
		     "An eBPF egress kill switch: every packet that would leave outside the tunnel is dropped.\n\n"
		     "Commands:\n");
	for (const struct command *const *c = commands; *c; c++)
		fprintf(out, "  %-8s %s\n", (*c)->name, (*c)->summary);
	fprintf(out, "\n'ksctl help COMMAND' or 'ksctl COMMAND -h' shows a command's options and their defaults;\n"
		     "-v anywhere on the line shows debug messages. 'man ksctl' tells the rest.\n");
}

static int cmd_help(int argc, char **argv)
{
	struct help_options o = { 0 };
	const struct command *c;
	int ret = options_parse(&help_command, argc, argv, &o);

	if (ret != EXIT_OK)
		return ret;
	if (o.man && o.completion)
		return usage_error("help", "--man and --completion exclude each other");
	if (argc - optind > ((o.man || o.completion) ? 0 : 1))
		return usage_error("help", "unexpected argument '%s'", argv[argc - 1]);
	if (o.man)
		options_print_man(stdout, commands);
	else if (o.completion)
		options_print_completion(stdout, commands);
	else if (optind == argc)
		help_print_usage(stdout);
	else if ((c = find_command(argv[optind])))
		options_print_help(stdout, c);
	else
		return usage_error("help", "unknown command '%s'", argv[optind]);
	return EXIT_OK;
}

const struct command help_command = {
	.name = "help",
	.run = cmd_help,
	.args = "[COMMAND]",
	.summary = "show ksctl's commands, or a command's options (the same as 'ksctl COMMAND -h')",
	.options = help_options,
};
