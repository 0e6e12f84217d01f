// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "json.h"
#include "log.h"

enum log_level log_verbosity = LOG_INFO;
static bool log_json;

static const char *const prefixes[] = {
	[LOG_ERROR] = "ksctl: error: ",
	[LOG_WARN] = "ksctl: warning: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "ksctl: debug: ",
};

static const char *const json_keys[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void log_use_json(void)
{
	log_json = true;
}

/* {"error": "..."}: the level is the key, the text without "ksctl: " the value. */
static void log_json_line(enum log_level level, const char *fmt, va_list ap)
{
	const char *shown;
	char *text;
	struct json j;

	if (vasprintf(&text, fmt, ap) < 0)
		return;
	shown = strncmp(text, "ksctl: ", 7) ? text : text + 7;
	json_begin(&j, stderr);
	json_object(&j, NULL);
	json_string(&j, json_keys[level], shown);
	json_finish(&j);
	free(text);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_verbosity)
		return;
	va_start(ap, fmt);
	if (log_json) {
		log_json_line(level, fmt, ap);
	} else {
		fputs(prefixes[level], stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/* libbpf explains verifier and load failures at length: show them only with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (log_verbosity < LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
