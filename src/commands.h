/* SPDX-License-Identifier: MIT */
/* The command table: one entry per command, one file per command. */
#ifndef KSCTL_COMMANDS_H
#define KSCTL_COMMANDS_H

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

extern const struct command commands[];

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_allow(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* For getopt_long's '?' and ':' results: prints the problem and the usage line, returns EXIT_USAGE. */
int option_error(const char *command, char **argv, int bad_opt);
/* For commands whose only option is --pin-dir. EXIT_OK or EXIT_USAGE; optind is at the first argument. */
int parse_pin_dir_only(const char *command, int argc, char **argv, const char **pin_dir);
/* Prints a usage problem for @command and returns EXIT_USAGE. */
int usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
