/* SPDX-License-Identifier: MIT */
/*
 * The harnesses' own UTF-8 reader, written apart from the writers it checks:
 * it decodes first, then refuses overlong forms, surrogates and code points
 * above U+10FFFF (RFC 3629).
 */
#ifndef KSCTL_FUZZ_UTF8_H
#define KSCTL_FUZZ_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length of the character at @s (at most @n bytes), with its code point in *cp; 0 if invalid. */
static inline size_t utf8_char(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint32_t smallest[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		len = 1, *cp = s[0];
	else if ((s[0] & 0xe0) == 0xc0)
		len = 2, *cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, *cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, *cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < smallest[len] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

static inline bool utf8_valid(const void *text, size_t n)
{
	const uint8_t *s = text;
	uint32_t cp;

	for (size_t len; n; s += len, n -= len) {
		len = utf8_char(s, n, &cp);
		if (!len)
			return false;
	}
	return true;
}

/* Appends the UTF-8 form of @cp (a valid code point) at @out; returns its length. */
static inline size_t utf8_put(uint8_t *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

#endif
