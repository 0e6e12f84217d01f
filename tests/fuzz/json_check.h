/* SPDX-License-Identifier: MIT */
/*
 * A strict JSON reader (RFC 8259) for the harnesses: it accepts one value
 * followed by a newline, refuses anything else, and lists what it read as
 * tokens (strings decoded to UTF-8), so that a harness can compare them with
 * what it asked the writer for.
 */
#ifndef KSCTL_FUZZ_JSON_CHECK_H
#define KSCTL_FUZZ_JSON_CHECK_H

#include "fuzz.h"
#include "utf8.h"

/* '{', '}', '[', ']'; 'k' a key, 's' a string, 'n' a number, 'l' true, false or null. */
struct token {
	char type;
	char *text; /* decoded; NULL in an expected token: any valid string */
	size_t len;
};

struct tokens {
	struct token *items;
	size_t count, capacity;
};

static inline void tokens_add(struct tokens *t, char type, const void *text, size_t len)
{
	struct token *item;

	if (t->count == t->capacity) {
		t->capacity = t->capacity ? 2 * t->capacity : 64;
		t->items = realloc(t->items, t->capacity * sizeof(*t->items));
		if (!t->items)
			abort();
	}
	item = &t->items[t->count++];
	item->type = type;
	item->len = len;
	item->text = NULL;
	if (text) {
		item->text = malloc(len + 1);
		if (!item->text)
			abort();
		memcpy(item->text, text, len);
		item->text[len] = '\0';
	}
}

static inline void tokens_free(struct tokens *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->items[i].text);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

struct json_reader {
	const uint8_t *s;
	size_t n, pos;
	int depth;
	struct tokens *tokens;
};

#define JSON_READER_DEPTH_MAX 64

static bool json_read_value(struct json_reader *r);

static inline int json_peek(const struct json_reader *r)
{
	return r->pos < r->n ? r->s[r->pos] : -1;
}

static inline void json_skip_space(struct json_reader *r)
{
	while (json_peek(r) == ' ' || json_peek(r) == '\t' || json_peek(r) == '\n' || json_peek(r) == '\r')
		r->pos++;
}

static inline bool json_take(struct json_reader *r, char c)
{
	if (json_peek(r) != c)
		return false;
	r->pos++;
	return true;
}

static inline bool json_read_hex4(struct json_reader *r, uint32_t *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		int c = json_peek(r);

		if (c >= '0' && c <= '9')
			*out = *out << 4 | (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*out = *out << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
		else
			return false;
		r->pos++;
	}
	return true;
}

/* After a backslash: one escape, decoded into @out; its length, or 0 if invalid. */
static inline size_t json_read_escape(struct json_reader *r, uint8_t *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *simple;
	uint32_t cp, low;
	int c = json_peek(r);

	r->pos++;
	if (c > 0 && (simple = strchr(from, c))) {
		*out = (uint8_t)to[simple - from];
		return 1;
	}
	if (c != 'u' || !json_read_hex4(r, &cp))
		return 0;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return 0; /* a low surrogate alone */
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (!json_take(r, '\\') || !json_take(r, 'u') || !json_read_hex4(r, &low) || low < 0xdc00 ||
		    low > 0xdfff)
			return 0;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	}
	return utf8_put(out, cp);
}

static inline bool json_read_string(struct json_reader *r, char type)
{
	uint8_t *text = malloc(r->n + 1); /* decoding never lengthens */
	size_t len = 0, step;
	uint32_t cp;
	bool ok = false;

	if (!text)
		abort();
	if (!json_take(r, '"'))
		goto out;
	while (!json_take(r, '"')) {
		int c = json_peek(r);

		if (c < 0x20) /* the end, or a raw control character */
			goto out;
		if (c == '\\') {
			r->pos++;
			step = json_read_escape(r, text + len);
		} else {
			step = utf8_char(r->s + r->pos, r->n - r->pos, &cp);
			memcpy(text + len, r->s + r->pos, step);
			r->pos += step;
		}
		if (!step)
			goto out;
		len += step;
	}
	tokens_add(r->tokens, type, text, len);
	ok = true;
out:
	free(text);
	return ok;
}

static inline size_t json_digits(struct json_reader *r)
{
	size_t start = r->pos;

	while (json_peek(r) >= '0' && json_peek(r) <= '9')
		r->pos++;
	return r->pos - start;
}

static inline bool json_read_number(struct json_reader *r)
{
	size_t start = r->pos;

	json_take(r, '-');
	if (json_take(r, '0')) {
		if (json_peek(r) >= '0' && json_peek(r) <= '9')
			return false;
	} else if (!json_digits(r)) {
		return false;
	}
	if (json_take(r, '.') && !json_digits(r))
		return false;
	if (json_take(r, 'e') || json_take(r, 'E')) {
		if (!json_take(r, '+'))
			json_take(r, '-');
		if (!json_digits(r))
			return false;
	}
	tokens_add(r->tokens, 'n', r->s + start, r->pos - start);
	return true;
}

static inline bool json_read_literal(struct json_reader *r)
{
	static const char *const literals[] = { "true", "false", "null" };

	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(literals[i]);

		if (r->n - r->pos >= len && !memcmp(r->s + r->pos, literals[i], len)) {
			tokens_add(r->tokens, 'l', literals[i], len);
			r->pos += len;
			return true;
		}
	}
	return false;
}

/* An object or an array: @member reads one key and value, or one value. */
static inline bool json_read_container(struct json_reader *r, char open, char close,
				       bool (*member)(struct json_reader *r))
{
	if (++r->depth > JSON_READER_DEPTH_MAX || !json_take(r, open))
		return false;
	tokens_add(r->tokens, open, NULL, 0);
	json_skip_space(r);
	if (!json_take(r, close)) {
		do {
			json_skip_space(r);
			if (!member(r))
				return false;
			json_skip_space(r);
		} while (json_take(r, ','));
		if (!json_take(r, close))
			return false;
	}
	tokens_add(r->tokens, close, NULL, 0);
	r->depth--;
	return true;
}

static inline bool json_read_member(struct json_reader *r)
{
	if (!json_read_string(r, 'k'))
		return false;
	json_skip_space(r);
	if (!json_take(r, ':'))
		return false;
	json_skip_space(r);
	return json_read_value(r);
}

static bool json_read_value(struct json_reader *r)
{
	switch (json_peek(r)) {
	case '{':
		return json_read_container(r, '{', '}', json_read_member);
	case '[':
		return json_read_container(r, '[', ']', json_read_value);
	case '"':
		return json_read_string(r, 's');
	case 't':
	case 'f':
	case 'n':
		return json_read_literal(r);
	default:
		return json_read_number(r);
	}
}

/* Whether @text (@n bytes) is one JSON value and a newline; what it holds goes to @tokens. */
static inline bool json_check(const char *text, size_t n, struct tokens *tokens)
{
	struct json_reader r = { .s = (const uint8_t *)text, .n = n, .tokens = tokens };

	return json_read_value(&r) && json_take(&r, '\n') && r.pos == n;
}

#endif
