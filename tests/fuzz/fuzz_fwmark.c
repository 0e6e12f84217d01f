// SPDX-License-Identifier: MIT
/*
 * parse_fwmark, the value of --fwmark, against an oracle written from what
 * it documents: "off", or MARK[/MASK] in decimal or 0x-hex up to 0xffffffff,
 * refusing a zero mark, a zero mask and a mark outside its mask.
 */
#include "fuzz.h"
#include "parse.h"

/* The parser copies the text into a fixed buffer and refuses what does not fit. */
#define FWMARK_TEXT_MAX 31

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* One number from *text up to @end: decimal, or 0x-hex. */
static bool oracle_number(uint32_t *out, const char *text, const char *end)
{
	unsigned int base = 10;
	uint64_t value = 0;

	if (end - text > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
	}
	if (text == end)
		return false;
	for (; text < end; text++) {
		unsigned int digit = (unsigned int)digit_value(*text);

		if (digit >= base)
			return false;
		value = value * base + digit;
		if (value > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)value;
	return true;
}

static bool oracle(const char *text, uint32_t *mark, uint32_t *mask)
{
	const char *slash = strchr(text, '/');
	const char *end = text + strlen(text);

	if (!strcmp(text, "off")) {
		*mark = *mask = 0;
		return true;
	}
	if (end - text > FWMARK_TEXT_MAX)
		return false;
	*mask = UINT32_MAX;
	if (!oracle_number(mark, text, slash ? slash : end))
		return false;
	if (slash && !oracle_number(mask, slash + 1, end))
		return false;
	return *mark && *mask && !(*mark & ~*mask);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	uint32_t mark = 0, mask = 0, want_mark = 0, want_mask = 0;
	bool accepted = parse_fwmark(&mark, &mask, text);

	FUZZ_ASSERT(accepted == oracle(text, &want_mark, &want_mask), "'%s' was %s", text,
		    accepted ? "accepted" : "rejected");
	if (accepted) {
		FUZZ_ASSERT(mark == want_mark && mask == want_mask, "'%s' gave 0x%x/0x%x, want 0x%x/0x%x", text,
			    mark, mask, want_mark, want_mask);
		/* The pass is off, or some marked packet matches and an unmarked one never does. */
		FUZZ_ASSERT((!mark && !mask) || (mark && (mark & mask) == mark), "'%s' gave 0x%x/0x%x", text,
			    mark, mask);
	}
	free(text);
	return 0;
}
