// SPDX-License-Identifier: MIT
/* The option framework: parsing through a table, errors, -h and -v, and what the tables print. */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/capture.h"
#include "../lib/check.h"
#include "../lib/memout.h"
#include "commands.h"
#include "log.h"
#include "options.h"

struct sample {
	bool flag;
	const char *name;
	int colour;
	const char *seen[4];
	int seen_count;
};

static int collect(void *field, const char *value)
{
	struct sample *s = field;

	if (!strcmp(value, "bad"))
		return EXIT_RUNTIME; /* a parser's own exit code goes through */
	if (s->seen_count == 4)
		return usage_error("sample", "too many --item ('%s')", value);
	s->seen[s->seen_count++] = value;
	return EXIT_OK;
}

static int early_calls;
static void count_early(void)
{
	early_calls++;
}

static const char *const colours[] = { "red", "green", "blue", NULL };

static const struct opt sample_table[] = {
	{ .name = "flag", .short_name = 'f', .kind = OPT_FLAG, .offset = offsetof(struct sample, flag),
	  .help = "a flag", .early = count_early },
	{ .name = "name", .short_name = 'n', .kind = OPT_STRING, .value = "NAME", .offset = offsetof(struct sample, name),
	  .help = "a name", .def = "nobody", .env = "SAMPLE_NAME" },
	{ .name = "colour", .kind = OPT_CHOICE, .choices = colours, .offset = offsetof(struct sample, colour),
	  .help = "a colour" },
	{ .name = "item", .short_name = 'i', .kind = OPT_PARSE, .value = "ITEM", .parse = collect, .repeatable = true,
	  .help = "an item" },
	{ 0 }
};

static int run_nothing(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return EXIT_OK;
}

static const struct command sample_command = { "sample", run_nothing, "[WORD]...", "test the framework", sample_table };
static const struct command no_args_command = { "strict", run_nothing, NULL, "take no argument", sample_table };

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(argv) ((int)(sizeof(argv) / sizeof(char *)) - 1)

/* Parses a copy of @argv (getopt permutes it) and returns what options_parse said, its stderr in *err. */
static int parse(const struct command *c, char **argv, struct sample *s, char **err)
{
	struct capture cap;
	int argc = 0, ret;

	while (argv[argc])
		argc++;
	memset(s, 0, sizeof(*s));
	capture_begin(&cap);
	ret = options_parse(c, argc, argv, s);
	*err = capture_end(&cap);
	return ret;
}

static void unit_options_parse(void)
{
	struct sample s;
	char *err;
	int ret = parse(&sample_command,
			ARGV("sample", "one", "-f", "--name=x", "-i", "a", "two", "--colour", "blue", "--item=b", "-ni", "y",
			     "--", "-three"),
			&s, &err);

	CHECK(ret == EXIT_OK, "ret %d: %s", ret, err);
	CHECK(s.flag && !strcmp(s.name, "i") && s.colour == 2, "flag %d name %s colour %d", s.flag, s.name, s.colour);
	CHECK(s.seen_count == 2 && !strcmp(s.seen[0], "a") && !strcmp(s.seen[1], "b"), "%d items", s.seen_count);
	free(err);

	/* The same line again: getopt's state is reset (-ni above was a bundle), and permutation kept the arguments. */
	char *again[] = { "sample", "one", "-ni", "y", "-f", "two", "--", "-three", NULL };
	ret = parse(&sample_command, again, &s, &err);
	CHECK(ret == EXIT_OK && !strcmp(s.name, "i") && s.flag, "second parse: ret %d name %s", ret, s.name);
	CHECK(optind == 4 && !strcmp(again[optind], "one") && !strcmp(again[optind + 1], "y") &&
		      !strcmp(again[optind + 2], "two") && !strcmp(again[optind + 3], "-three"),
	      "positional arguments at optind %d: %s", optind, again[optind]);
	free(err);
}

static void expect_error(const struct command *c, char **argv, int want, const char *message)
{
	struct sample s;
	char *err;
	int ret = parse(c, argv, &s, &err);

	CHECK(ret == want, "%s %s: ret %d, want %d", argv[1], argv[2] ? argv[2] : "", ret, want);
	CHECK(want == EXIT_RUNTIME || strstr(err, message), "%s: said '%s', want '%s'", argv[1], err, message);
	CHECK(want != EXIT_USAGE || (strchr(err, '\n') && !strchr(err, '\n')[1]), "not one line: '%s'", err);
	free(err);
}

static void unit_options_errors(void)
{
	expect_error(&sample_command, ARGV("sample", "--bogus"), EXIT_USAGE, "unknown option '--bogus' for 'sample'");
	expect_error(&sample_command, ARGV("sample", "-fz"), EXIT_USAGE, "unknown option '-z' for 'sample'");
	expect_error(&sample_command, ARGV("sample", "--name"), EXIT_USAGE, "option '--name' needs a value");
	expect_error(&sample_command, ARGV("sample", "-n"), EXIT_USAGE, "option '-n' needs a value");
	expect_error(&sample_command, ARGV("sample", "--flag=1"), EXIT_USAGE, "option '--flag' takes no value");
	expect_error(&sample_command, ARGV("sample", "--colour", "mauve"), EXIT_USAGE,
		     "invalid colour 'mauve': use red, green or blue: see 'ksctl help sample'");
	expect_error(&sample_command, ARGV("sample", "-i", "bad"), EXIT_RUNTIME, NULL);
	expect_error(&sample_command, ARGV("sample", "-i1", "-i2", "-i3", "-i4", "-i5"), EXIT_USAGE,
		     "too many --item ('5')");
	expect_error(&no_args_command, ARGV("strict", "-f", "extra"), EXIT_USAGE, "unexpected argument 'extra'");
	/* -h and -v are every command's, and act in options_scan: the parse accepts them. */
	expect_error(&no_args_command, ARGV("strict", "-v", "--help"), EXIT_OK, "");
}

static bool scan(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return options_scan(&sample_command, argc, argv);
}

static void unit_options_scan(void)
{
	enum log_level saved = log_verbosity;

	early_calls = 0;
	CHECK(scan(ARGV("sample", "--bogus", "word", "--flag")) == false, "no -h: no help");
	CHECK(early_calls == 1, "an early option after an unknown one and an argument ran %d times", early_calls);
	CHECK(scan(ARGV("sample", "x", "-h")), "-h after an argument is help");
	CHECK(scan(ARGV("sample", "--colour", "mauve", "--help")), "--help after a bad value is help");
	CHECK(!scan(ARGV("sample", "-n", "-h")), "-h as the value of -n is not help");
	CHECK(!scan(ARGV("sample", "--", "-h")), "-h after -- is an argument");
	log_verbosity = LOG_INFO;
	scan(ARGV("sample", "word", "-fv"));
	CHECK(log_verbosity == LOG_DEBUG, "-v bundled at the end raises the verbosity");
	log_verbosity = saved;
}

static char *render_help(const struct command *c)
{
	struct memout m;

	options_print_help(memout_begin(&m), c);
	return memout_end(&m);
}

/* Every option's line says what it is, its default and its variable: for every command's table. */
static void check_help(const struct command *c, const struct opt *o, const char *text)
{
	char want[160], def[192], line_start[64];
	const char *shown = opt_default(o, def, sizeof(def)), *line;

	if (o->short_name)
		snprintf(line_start, sizeof(line_start), "\n  -%c, --%s", o->short_name, o->name);
	else
		snprintf(line_start, sizeof(line_start), "\n      --%s", o->name);
	line = strstr(text, line_start);
	CHECK(line, "'%s' help lacks --%s", c->name, o->name);
	if (!line)
		return;
	line++;
	snprintf(want, sizeof(want), "%.140s", o->help);
	CHECK(strstr(line, want) && strstr(line, want) < strchr(line, '\n'), "--%s: help text not on its line",
	      o->name);
	if (shown) {
		snprintf(want, sizeof(want), "[default: %.140s]", shown);
		CHECK(strstr(line, want) && strstr(line, want) < strchr(line, '\n'), "--%s: no '%s'", o->name, want);
	}
	if (o->env) {
		snprintf(want, sizeof(want), "[env: %s]", o->env);
		CHECK(strstr(line, want) && strstr(line, want) < strchr(line, '\n'), "--%s: no '%s'", o->name, want);
	}
}

static void unit_options_help(void)
{
	int options = 0;

	for (const struct command *const *c = commands; *c; c++) {
		char *text = render_help(*c), first[64];

		snprintf(first, sizeof(first), "Usage: ksctl %s [OPTIONS]", (*c)->name);
		CHECK(strstr(text, first) == text, "'%s' help starts: %.60s", (*c)->name, text);
		for (const struct opt *o = (*c)->options; o && o->name; o++, options++)
			check_help(*c, o, text);
		for (const struct opt *o = options_common; o->name; o++)
			check_help(*c, o, text);
		free(text);
	}
	char *text = render_help(&sample_command);
	CHECK(strstr(text, "\n  -n, --name NAME              a name [default: nobody] [env: SAMPLE_NAME]\n"), "%s", text);
	CHECK(strstr(text, "\n      --colour red|green|blue  a colour [default: red]\n"), "%s", text);
	CHECK(strstr(text, "\n  -i, --item ITEM              an item [repeatable]\n"), "%s", text);
	free(text);
	CHECK(options > 20, "only %d options in the tables", options);
}

/* The tables themselves: names unique with the common ones, the fields each kind needs. */
static void check_table(const struct command *c)
{
	const struct opt *all[OPTIONS_MAX * 2];
	int n = 0;

	for (const struct opt *o = c->options; o && o->name; o++)
		all[n++] = o;
	for (const struct opt *o = options_common; o->name; o++)
		all[n++] = o;
	CHECK(n <= OPTIONS_MAX, "'%s': %d options", c->name, n);
	CHECK(c->summary && islower((unsigned char)c->summary[0]), "'%s': summary", c->name);
	for (int i = 0; i < n; i++) {
		const struct opt *o = all[i];
		size_t len = strlen(o->help);

		for (int j = 0; j < i; j++) {
			CHECK(strcmp(o->name, all[j]->name), "'%s': --%s twice", c->name, o->name);
			CHECK(!o->short_name || o->short_name != all[j]->short_name, "'%s': -%c twice", c->name,
			      o->short_name);
		}
		CHECK(len && o->help[len - 1] != '.' && !isupper((unsigned char)o->help[0]), "'%s' --%s: help '%s'",
		      c->name, o->name, o->help);
		CHECK((o->kind == OPT_FLAG) == !o->value || o->kind == OPT_CHOICE, "'%s' --%s: value name", c->name,
		      o->name);
		CHECK(o->kind != OPT_CHOICE || (o->choices && o->choices[0] && !o->value), "'%s' --%s: choices",
		      c->name, o->name);
		CHECK((o->kind == OPT_PARSE) == !!o->parse, "'%s' --%s: parser", c->name, o->name);
	}
}

static void unit_command_tables(void)
{
	int count = 0;

	for (const struct command *const *c = commands; *c; c++, count++) {
		check_table(*c);
		CHECK(find_command((*c)->name) == *c, "find_command('%s')", (*c)->name);
	}
	CHECK(count == 10 && !find_command("upp") && !find_command("u"), "%d commands; no prefix matching", count);
}

static char *render_all(void (*print)(FILE *, const struct command *const *))
{
	struct memout m;

	print(memout_begin(&m), commands);
	return memout_end(&m);
}

/* "--pin-dir" as roff writes it: each '-' a minus. */
static void roff_name(char *buf, size_t size, const char *name)
{
	size_t used = (size_t)snprintf(buf, size, "\\fB\\-\\-");

	for (; *name && used + 3 < size; name++) {
		if (*name == '-')
			buf[used++] = '\\';
		buf[used++] = *name;
	}
	buf[used] = '\0';
}

static void unit_options_man_and_completion(void)
{
	char *man = render_all(options_print_man), *comp = render_all(options_print_completion);
	char want[96];

	for (const struct command *const *c = commands; *c; c++) {
		snprintf(want, sizeof(want), ".SS \\fBksctl %s\\fR", (*c)->name);
		CHECK(strstr(man, want), "man: no section '%s'", want);
		snprintf(want, sizeof(want), "\t%s) echo '", (*c)->name);
		CHECK(strstr(comp, want), "completion: no options for %s", (*c)->name);
		for (const struct opt *o = (*c)->options; o && o->name; o++) {
			roff_name(want, sizeof(want), o->name);
			CHECK(strstr(man, want), "man: no %s", want);
			snprintf(want, sizeof(want), " --%s", o->name);
			CHECK(strstr(comp, want), "completion: no --%s", o->name);
		}
	}
	CHECK(strstr(man, ".SS Options of every command\n"), "man: no common options");
	CHECK(!strstr(man, "\n\n"), "man: a blank line (groff warns)");
	CHECK(strstr(comp, "\t'up --tunnel' | 'up -i') echo ifname ;;\n"), "completion: -i is an interface");
	CHECK(strstr(comp, "\t'up --mode') echo 'choice auto tc cgroup' ;;\n"), "completion: --mode's choices");
	free(man);
	free(comp);
}

/* Last: there is no way back from JSON messages. */
static void unit_json_errors(void)
{
	struct capture cap;
	char *err;
	int ret;

	capture_begin(&cap);
	log_use_json();
	ret = options_parse(&sample_command, 2, ARGV("sample", "--colour=\"x\""), &(struct sample){ 0 });
	pr_warn("a %s", "warning");
	pr_info("ksctl: said");
	err = capture_end(&cap);
	CHECK(ret == EXIT_USAGE, "ret %d", ret);
	CHECK(!strcmp(err, "{\"error\":\"invalid colour '\\\"x\\\"': use red, green or blue: see 'ksctl help sample'\"}\n"
			   "{\"warning\":\"a warning\"}\n{\"info\":\"said\"}\n"),
	      "got %s", err);
	free(err);
}

int main(void)
{
	RUN(unit_options_parse, "a table parses flags, strings, choices and repeated values, options among arguments, twice");
	RUN(unit_options_errors, "unknown, valueless, value-taking flags, bad choices, stray arguments: exit 2, one line");
	RUN(unit_options_scan, "-h and early options (-v, --json) count wherever they stand, but not as a value");
	RUN(unit_options_help, "every command's help has a line per option with its default and variable");
	RUN(unit_command_tables, "the tables: unique names beside -h and -v, each kind's fields, 7 commands");
	RUN(unit_options_man_and_completion, "man page sections and completion words for every option");
	RUN(unit_json_errors, "after --json every message is one JSON object a line, the usage error the same exit 2");
	return check_failed_tests ? 1 : 0;
}
