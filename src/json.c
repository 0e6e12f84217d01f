// SPDX-License-Identifier: MIT
#include <inttypes.h>

#include "json.h"

void json_begin(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->has_items[0] = false;
}

size_t utf8_char_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char low = 0x80, high = 0xbf; /* the second byte's range */
	size_t len;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		low = u[0] == 0xe0 ? 0xa0 : low; /* overlong below */
		high = u[0] == 0xed ? 0x9f : high; /* surrogates above */
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		low = u[0] == 0xf0 ? 0x90 : low; /* overlong below */
		high = u[0] == 0xf4 ? 0x8f : high; /* beyond U+10FFFF above */
	} else {
		return 0;
	}
	/* A NUL fails these tests: nothing is read past the end of the string. */
	if (u[1] < low || u[1] > high)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((u[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* JSON text must be UTF-8 and interface names need not be: each stray byte becomes U+FFFD. */
static void write_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	while (*s) {
		unsigned char c = (unsigned char)*s;
		size_t len = utf8_char_len(s);

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else if (!len)
			fputs("\\ufffd", out);
		else
			fwrite(s, 1, len, out);
		s += len ? len : 1;
	}
	fputc('"', out);
}

static void item(struct json *j, const char *key)
{
	if (j->has_items[j->depth])
		fputc(',', j->out);
	j->has_items[j->depth] = true;
	if (key) {
		write_escaped(j->out, key);
		fputc(':', j->out);
	}
}

/* Nesting beyond JSON_DEPTH_MAX is a programming error, not input: ksctl's documents are shallow. */
static void open_container(struct json *j, const char *key, char opener, char closer)
{
	item(j, key);
	fputc(opener, j->out);
	j->depth++;
	j->has_items[j->depth] = false;
	j->closer[j->depth] = closer;
}

void json_object(struct json *j, const char *key)
{
	open_container(j, key, '{', '}');
}

void json_array(struct json *j, const char *key)
{
	open_container(j, key, '[', ']');
}

void json_end(struct json *j)
{
	fputc(j->closer[j->depth], j->out);
	j->depth--;
}

void json_string(struct json *j, const char *key, const char *value)
{
	item(j, key);
	write_escaped(j->out, value);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	item(j, key);
	fprintf(j->out, "%" PRIu64, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	item(j, key);
	fputs(value ? "true" : "false", j->out);
}

void json_finish(struct json *j)
{
	while (j->depth > 0)
		json_end(j);
	fputc('\n', j->out);
}
