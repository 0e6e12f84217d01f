// SPDX-License-Identifier: MIT
/* From a command's table of options to getopt_long, and from its results to the command's values. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "options.h"

static void raise_verbosity(void)
{
	log_verbosity = LOG_DEBUG;
}

const struct opt options_common[] = {
	{ .name = "help", .short_name = 'h', .kind = OPT_FLAG, .help = "print this help and exit" },
	{ .name = "verbose", .short_name = 'v', .kind = OPT_FLAG,
	  .help = "print debug messages, libbpf's own among them", .early = raise_verbosity },
	{ 0 }
};

/* getopt_long returns this plus an option's index for its long name. */
#define OPT_VAL_BASE 256

/* The command's options, then the common ones, as getopt_long wants them. */
struct table {
	const struct opt *opts[OPTIONS_MAX];
	int count, own;
	struct option longopts[OPTIONS_MAX + 1];
	char shortopts[1 + 2 * OPTIONS_MAX + 1];
	size_t short_len;
};

static bool table_add(struct table *t, const struct opt *list)
{
	for (const struct opt *o = list; o && o->name; o++) {
		if (t->count == OPTIONS_MAX)
			return false;
		t->longopts[t->count] = (struct option){ o->name, o->kind == OPT_FLAG ? no_argument : required_argument,
							 NULL, OPT_VAL_BASE + t->count };
		if (o->short_name) {
			t->shortopts[t->short_len++] = o->short_name;
			if (o->kind != OPT_FLAG)
				t->shortopts[t->short_len++] = ':';
		}
		t->opts[t->count++] = o;
	}
	return true;
}

static bool table_build(struct table *t, const struct command *c)
{
	memset(t, 0, sizeof(*t));
	t->shortopts[t->short_len++] = ':'; /* a missing value comes back as ':', not '?' */
	if (!table_add(t, c->options))
		return false;
	t->own = t->count;
	if (table_add(t, options_common))
		return true;
	pr_err("'%s' declares more than %d options: raise OPTIONS_MAX", c->name, OPTIONS_MAX);
	return false;
}

/* The index of what getopt_long returned, or -1 for '?' and ':'. */
static int table_find(const struct table *t, int opt)
{
	if (opt >= OPT_VAL_BASE && opt < OPT_VAL_BASE + t->count)
		return opt - OPT_VAL_BASE;
	for (int i = 0; i < t->count && opt != '?' && opt != ':'; i++)
		if (t->opts[i]->short_name == opt)
			return i;
	return -1;
}

/* Restarts getopt_long from argv[1]: 0 also resets its state inside a bundle of short options. */
static void getopt_restart(void)
{
	opterr = 0;
	optind = 0;
}

bool options_scan(const struct command *c, int argc, char **argv)
{
	struct table t;
	bool help = false;
	int opt;

	if (!table_build(&t, c))
		return false;
	getopt_restart();
	while ((opt = getopt_long(argc, argv, t.shortopts, t.longopts, NULL)) != -1) {
		int i = table_find(&t, opt);

		if (i < 0)
			continue;
		if (t.opts[i] == &options_common[0])
			help = true;
		else if (t.opts[i]->early)
			t.opts[i]->early();
	}
	return help;
}

static const char *join_choices(const struct opt *o, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; o->choices[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", !i ? "" : o->choices[i + 1] ? ", " : " or ",
					 o->choices[i]);
	return buf;
}

static int store(const struct command *c, const struct opt *o, void *dest, const char *value)
{
	void *field = (char *)dest + o->offset;
	char choices[128];

	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		return EXIT_OK;
	case OPT_STRING:
		*(const char **)field = value;
		return EXIT_OK;
	case OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(o->choices[i], value)) {
				*(int *)field = i;
				return EXIT_OK;
			}
		return usage_error(c->name, "invalid %s '%s': use %s", o->name, value,
				   join_choices(o, choices, sizeof(choices)));
	case OPT_PARSE:
		return o->parse(field, value);
	}
	return EXIT_USAGE;
}

/* getopt_long's '?' and ':', in words; optind has moved past the culprit. */
static int option_problem(const struct command *c, const struct table *t, int opt, char **argv)
{
	const char *arg = argv[optind - 1];

	if (opt == ':')
		return usage_error(c->name, "option '%s' needs a value", arg);
	if (optopt >= OPT_VAL_BASE && optopt < OPT_VAL_BASE + t->count)
		return usage_error(c->name, "option '--%s' takes no value", t->opts[optopt - OPT_VAL_BASE]->name);
	if (optopt)
		return usage_error(c->name, "unknown option '-%c' for '%s'", optopt, c->name);
	return usage_error(c->name, "unknown option '%s' for '%s'", arg, c->name);
}

int options_parse(const struct command *c, int argc, char **argv, void *dest)
{
	struct table t;
	int opt, ret = EXIT_OK;

	if (!table_build(&t, c))
		return EXIT_RUNTIME;
	getopt_restart();
	while (ret == EXIT_OK && (opt = getopt_long(argc, argv, t.shortopts, t.longopts, NULL)) != -1) {
		int i = table_find(&t, opt);

		if (i < 0)
			ret = option_problem(c, &t, opt, argv);
		else if (i < t.own) /* the common ones acted in options_scan */
			ret = store(c, t.opts[i], dest, optarg);
	}
	if (ret == EXIT_OK && !c->args && optind < argc)
		ret = usage_error(c->name, "unexpected argument '%s'", argv[optind]);
	return ret;
}

int usage_error(const char *command, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	/* One line: the problem, then where the usage is. */
	pr_err("%s: see 'ksctl help%s%s'", text ? text : fmt, command ? " " : "", command ? command : "");
	free(text);
	return EXIT_USAGE;
}
