// SPDX-License-Identifier: MIT
/*
 * The JSON writer (src/json.c) driven by the input: each byte picks a call
 * (object, array, end, string, number, bool), keys and strings are the
 * NUL-separated bytes that follow, any bytes at all (interface names may not
 * be UTF-8). Whatever is asked, the document must be valid UTF-8 and valid
 * JSON, and read back as exactly what was written, strings that are valid
 * UTF-8 byte for byte.
 */
#include <inttypes.h>

#include "json.h"
#include "json_check.h"

enum op { OP_OBJECT, OP_ARRAY, OP_END, OP_STRING, OP_UINT, OP_BOOL, OP_COUNT };

/* A string the writer was given: read back as itself if it is UTF-8, as some valid string if not. */
static void want_string(struct tokens *want, char type, const char *s)
{
	bool utf8 = utf8_valid(s, strlen(s));

	tokens_add(want, type, utf8 ? s : NULL, strlen(s));
}

/* One call of the writer; its tokens go to @want. Returns the new depth. */
static int write_one(struct json *j, enum op op, const uint8_t **data, size_t *size, char *closers, int depth,
		     struct tokens *want)
{
	char *key = NULL, *value, number[24];
	uint64_t n;
	bool b;

	if (depth > 0 && closers[depth - 1] == '}') {
		key = fuzz_next_text(data, size);
		want_string(want, 'k', key);
	}
	switch (op) {
	case OP_OBJECT:
	case OP_ARRAY:
		closers[depth] = op == OP_OBJECT ? '}' : ']';
		tokens_add(want, op == OP_OBJECT ? '{' : '[', NULL, 0);
		(op == OP_OBJECT ? json_object : json_array)(j, key);
		depth++;
		break;
	case OP_STRING:
		value = fuzz_next_text(data, size);
		want_string(want, 's', value);
		json_string(j, key, value);
		free(value);
		break;
	case OP_UINT:
		n = fuzz_next_u64(data, size);
		snprintf(number, sizeof(number), "%" PRIu64, n);
		tokens_add(want, 'n', number, strlen(number));
		json_uint(j, key, n);
		break;
	default:
		b = *size && (*data)[0] & 1;
		*data += *size ? 1 : 0;
		*size -= *size ? 1 : 0;
		tokens_add(want, 'l', b ? "true" : "false", b ? 4 : 5);
		json_bool(j, key, b);
		break;
	}
	free(key);
	return depth;
}

static void compare(const struct tokens *got, const struct tokens *want, const char *text)
{
	FUZZ_ASSERT(got->count == want->count, "%zu tokens read back, %zu written: %s", got->count, want->count,
		    text);
	for (size_t i = 0; i < got->count; i++) {
		const struct token *g = &got->items[i], *w = &want->items[i];

		FUZZ_ASSERT(g->type == w->type, "token %zu is '%c', want '%c': %s", i, g->type, w->type, text);
		if (w->text)
			FUZZ_ASSERT(g->len == w->len && !memcmp(g->text, w->text, w->len),
				    "token %zu reads back as '%s', want '%s'", i, g->text, w->text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tokens want = { 0 }, got = { 0 };
	char closers[JSON_DEPTH_MAX];
	int depth = 0;
	bool written = false;
	char *text = NULL;
	size_t len = 0;
	FILE *out = fuzz_memstream(&text, &len);
	struct json j;

	json_begin(&j, out);
	/* One document: stop when its top-level value is complete. */
	while (size && !(written && depth == 0)) {
		enum op op = (enum op)(data[0] % OP_COUNT);

		data++;
		size--;
		if (op == OP_END && depth > 0) {
			json_end(&j);
			tokens_add(&want, closers[--depth], NULL, 0);
		} else if (op != OP_END && !((op == OP_OBJECT || op == OP_ARRAY) && depth == JSON_DEPTH_MAX - 1)) {
			/* Deeper than JSON_DEPTH_MAX is the caller's error, not input: json.h says so. */
			depth = write_one(&j, op, &data, &size, closers, depth, &want);
			written = true;
		}
	}
	if (written) {
		json_finish(&j);
		while (depth > 0)
			tokens_add(&want, closers[--depth], NULL, 0);
	}
	fclose(out);
	if (written) {
		FUZZ_ASSERT(strlen(text) == len, "a NUL byte in the output");
		FUZZ_ASSERT(utf8_valid(text, len), "not UTF-8: %s", text);
		FUZZ_ASSERT(json_check(text, len, &got), "not JSON: %s", text);
		compare(&got, &want, text);
	}
	tokens_free(&want);
	tokens_free(&got);
	free(text);
	return 0;
}
