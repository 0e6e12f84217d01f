/* SPDX-License-Identifier: MIT */
/* Levelled messages on stderr; libbpf's own messages go through the same path. */
#ifndef KSCTL_LOG_H
#define KSCTL_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_verbosity;

void log_setup_libbpf(void);
/* From now on each message is one JSON object on a line of its own: {"error": "..."} (--json). */
void log_use_json(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
