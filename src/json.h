/* SPDX-License-Identifier: MIT */
/* A streaming JSON writer that places commas and tracks nesting for its callers. */
#ifndef KSCTL_JSON_H
#define KSCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json {
	FILE *out;
	int depth;
	bool has_items[JSON_DEPTH_MAX];
	char closer[JSON_DEPTH_MAX];
};

void json_begin(struct json *j, FILE *out);
/* @key is NULL inside arrays and at the top level. */
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
void json_end(struct json *j); /* closes the innermost object or array */
void json_string(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
/* Closes everything still open and ends the line. */
void json_finish(struct json *j);

/*
 * The length (1-4) of the UTF-8 character that starts @s, or 0 where none
 * does (RFC 3629: no overlong forms, surrogates or code points above
 * U+10FFFF). Strings are written as UTF-8 with it, here and in Prometheus text.
 */
size_t utf8_char_len(const char *s);

#endif
