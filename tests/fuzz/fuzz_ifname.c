// SPDX-License-Identifier: MIT
/*
 * parse_ifname, the value of --tunnel, against the kernel's own rule for a
 * device name (dev_valid_name in net/core/dev.c): 1 to IFNAMSIZ - 1 bytes,
 * not "." or "..", no '/', ':' or white space. What it accepts it copies whole.
 */
#include <net/if.h>

#include "fuzz.h"
#include "parse.h"

/* The kernel's isspace(): lib/ctype.c also counts 0xa0, the Latin-1 no-break space. */
static bool kernel_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static bool oracle(const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len >= IFNAMSIZ || !strcmp(text, ".") || !strcmp(text, ".."))
		return false;
	for (const char *c = text; *c; c++)
		if (*c == '/' || *c == ':' || kernel_space((unsigned char)*c))
			return false;
	return true;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	char name[IFNAMSIZ];
	bool accepted;

	memset(name, 0x55, sizeof(name));
	accepted = parse_ifname(name, text);
	if (oracle(text))
		FUZZ_ASSERT(accepted, "'%s' is a valid device name and was rejected", text);
	if (accepted) {
		FUZZ_ASSERT(oracle(text), "'%s' is no device name and was accepted", text);
		FUZZ_ASSERT(!strcmp(name, text), "'%s' was copied as '%.*s'", text, IFNAMSIZ, name);
	}
	free(text);
	return 0;
}
