// SPDX-License-Identifier: MIT
/*
 * prefix_list_add_text_buffer, the parser of --allow-file, on any bytes.
 * What it accepts is a list of networks (host bits clear); what it rejects
 * leaves the list as the caller had it.
 */
#include <sys/socket.h>

#include "fuzz.h"
#include "prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prefix_list list = { 0 };
	bool ok = prefix_list_add_text_buffer(&list, "fuzz", (const char *)data, size);

	if (!ok)
		FUZZ_ASSERT(list.count == 0, "a rejected file left %zu prefixes", list.count);
	for (size_t i = 0; i < list.count; i++) {
		const struct prefix *p = &list.items[i];
		unsigned int bits = p->family == AF_INET ? 32 : 128;

		FUZZ_ASSERT(p->family == AF_INET || p->family == AF_INET6, "family %d", p->family);
		FUZZ_ASSERT(p->len <= bits, "length %u", p->len);
		for (unsigned int bit = p->len; bit < bits; bit++)
			FUZZ_ASSERT(!(p->addr[bit / 8] & (0x80 >> (bit % 8))), "host bit %u set", bit);
	}
	prefix_list_free(&list);
	return 0;
}
