/* SPDX-License-Identifier: MIT */
/* The command table: one entry per command, one file per command. */
#ifndef KSCTL_COMMANDS_H
#define KSCTL_COMMANDS_H

#include <stddef.h>

#include "bpffs.h"
#include "log.h"
#include "options.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;    /* the positional arguments' synopsis; NULL: it takes none */
	const char *summary; /* one line, no capital, no final period */
	const struct opt *options; /* ends with { 0 }; -h and -v are added */
};

/* Every command, in the order help lists them; NULL-terminated. */
extern const struct command *const commands[];
const struct command *find_command(const char *name);

extern const struct command up_command, down_command, status_command, stats_command, events_command,
	selftest_command, allow_command, watch_command, help_command, version_command;

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_allow(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* ksctl's own usage: the commands and what they do. */
void help_print_usage(FILE *out);

/* --pin-dir and --json, which several commands take: @type's field @field holds the value. */
#define OPT_PIN_DIR(type, field)                                                                     \
	{ .name = "pin-dir", .kind = OPT_STRING, .value = "DIR",                                     \
	  .help = "the directory on a bpffs where ksctl keeps its pins, one folder per network namespace", \
	  .def = KS_PIN_ROOT_DEFAULT, .env = KS_PIN_ROOT_ENV, .offset = offsetof(type, field),          \
	  .values = VALUES_DIR }
#define OPT_JSON(type, field, what)                                                         \
	{ .name = "json", .kind = OPT_FLAG, .help = what " as one JSON object; errors too, on stderr", \
	  .offset = offsetof(type, field), .early = log_use_json }

#endif
