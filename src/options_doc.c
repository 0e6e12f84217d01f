// SPDX-License-Identifier: MIT
/* What the tables of options say to people: help, the man page, the shell completion. */
#include <ctype.h>
#include <string.h>

#include "commands.h"
#include "options.h"

const char *opt_default(const struct opt *o, char *buf, size_t size)
{
	if (o->def_text) {
		o->def_text(buf, size);
		return buf;
	}
	if (o->kind == OPT_CHOICE)
		return o->choices[0];
	return o->def;
}

const char *opt_value_name(const struct opt *o, char *buf, size_t size)
{
	size_t used = 0;

	if (o->kind == OPT_FLAG)
		return "";
	if (o->kind != OPT_CHOICE || o->value)
		return o->value;
	buf[0] = '\0';
	for (int i = 0; o->choices[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "|" : "", o->choices[i]);
	return buf;
}

/* "-i, --tunnel IFNAME" or "    --config FILE|DIR". */
static void opt_synopsis(const struct opt *o, char *buf, size_t size)
{
	char value[96];
	const char *name = opt_value_name(o, value, sizeof(value));

	snprintf(buf, size, "%c%c%s--%s%s%s", o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
		 o->short_name ? ", " : "  ", o->name, *name ? " " : "", name);
}

static void print_help_line(FILE *out, const struct opt *o, int width)
{
	char left[128], def[192];
	const char *shown = opt_default(o, def, sizeof(def));

	opt_synopsis(o, left, sizeof(left));
	fprintf(out, "  %-*s  %s", width, left, o->help);
	if (o->repeatable)
		fputs(" [repeatable]", out);
	if (shown)
		fprintf(out, " [default: %s]", shown);
	if (o->env)
		fprintf(out, " [env: %s]", o->env);
	fputc('\n', out);
}

static int synopsis_width(const struct opt *list, int width)
{
	char left[128];

	for (const struct opt *o = list; o && o->name; o++) {
		opt_synopsis(o, left, sizeof(left));
		if ((int)strlen(left) > width)
			width = (int)strlen(left);
	}
	return width > OPT_HELP_WIDTH_MAX ? OPT_HELP_WIDTH_MAX : width;
}

void options_print_help(FILE *out, const struct command *c)
{
	int width = synopsis_width(options_common, synopsis_width(c->options, 0));

	fprintf(out, "Usage: ksctl %s [OPTIONS]%s%s\n\n%c%s.\n\nOptions:\n", c->name, c->args ? " " : "",
		c->args ? c->args : "", toupper((unsigned char)c->summary[0]), c->summary + 1);
	for (const struct opt *o = c->options; o && o->name; o++)
		print_help_line(out, o, width);
	for (const struct opt *o = options_common; o->name; o++)
		print_help_line(out, o, width);
}

/* Text for roff: a backslash printed as one, '-' as a minus (options copy as typed). */
static void roff_text(FILE *out, const char *text)
{
	for (; *text; text++) {
		if (*text == '\\')
			fputs("\\e", out);
		else if (*text == '-')
			fputs("\\-", out);
		else
			fputc(*text, out);
	}
}

/* A sentence from a help phrase: a capital first, a full stop last. */
static void roff_sentence(FILE *out, const char *phrase)
{
	fputs("\\&", out); /* a leading '.' or '\'' would be a request */
	fputc(toupper((unsigned char)phrase[0]), out);
	roff_text(out, phrase + 1);
	fputs(".", out);
}

static void man_option(FILE *out, const struct opt *o)
{
	char value[96], def[192];
	const char *name = opt_value_name(o, value, sizeof(value)), *shown = opt_default(o, def, sizeof(def));

	fputs(".TP\n", out);
	if (o->short_name)
		fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
	fputs("\\fB\\-\\-", out);
	roff_text(out, o->name);
	fputs("\\fR", out);
	if (*name) {
		fputs(" \\fI", out);
		roff_text(out, name);
		fputs("\\fR", out);
	}
	fputc('\n', out);
	roff_sentence(out, o->help);
	if (o->repeatable)
		fputs(" Repeatable.", out);
	if (shown) {
		fputs(" Default: ", out);
		roff_text(out, shown);
		fputc('.', out);
	}
	if (o->env) {
		fputs(" Environment: \\fB", out);
		roff_text(out, o->env);
		fputs("\\fR.", out);
	}
	fputc('\n', out);
}

void options_print_man(FILE *out, const struct command *const *commands)
{
	for (const struct command *const *c = commands; *c; c++) {
		fprintf(out, ".SS \\fBksctl %s\\fR [\\fIOPTIONS\\fR]", (*c)->name);
		if ((*c)->args) {
			fputc(' ', out);
			roff_text(out, (*c)->args);
		}
		fputc('\n', out);
		roff_sentence(out, (*c)->summary);
		fputc('\n', out);
		for (const struct opt *o = (*c)->options; o && o->name; o++)
			man_option(out, o);
	}
	fputs(".SS Options of every command\n", out);
	for (const struct opt *o = options_common; o->name; o++)
		man_option(out, o);
}

static void completion_words(FILE *out, const struct opt *list)
{
	for (const struct opt *o = list; o && o->name; o++) {
		fprintf(out, " --%s", o->name);
		if (o->short_name)
			fprintf(out, " -%c", o->short_name);
	}
}

static const char *const value_kinds[] = {
	[VALUES_ANY] = "any",
	[VALUES_IFNAME] = "ifname",
	[VALUES_PATH] = "path",
	[VALUES_DIR] = "dir",
};

void options_print_completion(FILE *out, const struct command *const *commands)
{
	fputs("_ksctl_commands='", out);
	for (const struct command *const *c = commands; *c; c++)
		fprintf(out, "%s%s", c == commands ? "" : " ", (*c)->name);
	fputs("'\n\n# _ksctl_options COMMAND: its options\n_ksctl_options() {\n\tcase $1 in\n", out);
	for (const struct command *const *c = commands; *c; c++) {
		fprintf(out, "\t%s) echo '", (*c)->name);
		completion_words(out, (*c)->options);
		completion_words(out, options_common);
		fputs("' ;;\n", out);
	}
	fputs("\tesac\n}\n\n# _ksctl_value COMMAND OPTION: what its value is (ifname, path, dir, any, or\n"
	      "# 'choice' and the choices); fails for an option that takes none\n"
	      "_ksctl_value() {\n\tcase \"$1 $2\" in\n",
	      out);
	for (const struct command *const *c = commands; *c; c++)
		for (const struct opt *o = (*c)->options; o && o->name; o++) {
			if (o->kind == OPT_FLAG)
				continue;
			fprintf(out, "\t'%s --%s'", (*c)->name, o->name);
			if (o->short_name)
				fprintf(out, " | '%s -%c'", (*c)->name, o->short_name);
			if (o->kind == OPT_CHOICE) {
				fputs(") echo 'choice", out);
				for (int i = 0; o->choices[i]; i++)
					fprintf(out, " %s", o->choices[i]);
				fputs("' ;;\n", out);
			} else {
				fprintf(out, ") echo %s ;;\n", value_kinds[o->values]);
			}
		}
	fputs("\t*) return 1 ;;\n\tesac\n}\n", out);
}
