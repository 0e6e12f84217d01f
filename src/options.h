/* SPDX-License-Identifier: MIT */
/*
 * Declared options, as xdp-tools' DEFINE_OPTION: one table per command
 * drives the parser, the command's help, the man page's option lists and
 * the shell completion, so none of them can drift from the code.
 */
#ifndef KSCTL_OPTIONS_H
#define KSCTL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct command;

enum opt_kind {
	OPT_FLAG,   /* no value: sets the bool at .offset */
	OPT_STRING, /* a value kept as given, the last one wins: the const char * at .offset */
	OPT_CHOICE, /* one of .choices: its index, in the int at .offset */
	OPT_PARSE,  /* a value for .parse, which checks it and keeps it at .offset */
};

/* What the shell offers to complete an option's value. */
enum opt_values { VALUES_ANY, VALUES_IFNAME, VALUES_PATH, VALUES_DIR };

struct opt {
	const char *name;  /* the long name, without "--" */
	char short_name;   /* 0: none */
	enum opt_kind kind;
	const char *value; /* the value's name in help ("CIDR"); a choice's are listed instead */
	const char *help;  /* what it does: one line, no capital, no final period */
	const char *def;   /* its default in words, NULL: none */
	void (*def_text)(char *buf, size_t size); /* or written from a list (defaults.h) */
	const char *env;   /* the environment variable read in its place */
	const char *const *choices; /* OPT_CHOICE: NULL-terminated, the first one the default */
	size_t offset;     /* where the value goes in the command's options */
	/* OPT_PARSE: checks @value, keeps it in @field; EXIT_OK, or the exit code after saying why. */
	int (*parse)(void *field, const char *value);
	bool repeatable;
	enum opt_values values;
	void (*early)(void); /* applied before the command runs, wherever the option stands */
};

/* A table holds at most this many, the common ones (-h, -v) included. */
#define OPTIONS_MAX 24
#define OPT_HELP_WIDTH_MAX 40

/* -h and -v: every command takes them. */
extern const struct opt options_common[];

#define KS_STRINGIFY_(x) #x
#define KS_STRINGIFY(x) KS_STRINGIFY_(x)

/*
 * Before the command runs: applies the .early actions of the options on the
 * line (-v, --json), wherever they stand and whatever else is wrong there.
 * True when -h or --help is among them. Says nothing: options_parse does.
 */
bool options_scan(const struct command *c, int argc, char **argv);

/*
 * Parses @argv (argv[0] the command's name) into @dest through the command's
 * table. EXIT_OK with optind at the first positional argument; EXIT_USAGE
 * after one line naming the bad option or value (also for a positional
 * argument when the command takes none); or a parser's own exit code.
 */
int options_parse(const struct command *c, int argc, char **argv, void *dest);

/* The option's default in words, NULL when it has none. */
const char *opt_default(const struct opt *o, char *buf, size_t size);
/* "MARK", or the choices "auto|tc|cgroup"; "" for a flag. */
const char *opt_value_name(const struct opt *o, char *buf, size_t size);

/* "Usage: ksctl COMMAND ...", the summary, and one line per option. */
void options_print_help(FILE *out, const struct command *c);
/* The same as roff for the man page: a .SS per command, a .TP per option. */
void options_print_man(FILE *out, const struct command *const *commands);
/* Shell functions that tell the completion script every command's options. */
void options_print_completion(FILE *out, const struct command *const *commands);

/* Prints "ksctl: error: ...: see 'ksctl help COMMAND'" and returns EXIT_USAGE. */
int usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
