// SPDX-License-Identifier: MIT
/*
 * wgconf_parse, the wg-quick configurations `ksctl up --config` reads,
 * on any bytes. Beyond "no crash": what it accepts holds only well-formed
 * facts (the interface named by the file, prefixes whose host bits are
 * clear, endpoints with a host), and parsing is deterministic.
 */
#include <sys/socket.h>

#include "fuzz.h"
#include "wgconf.h"

static void expect_networks(const struct prefix_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct prefix *p = &list->items[i];
		unsigned int bits = p->family == AF_INET ? 32 : 128;

		FUZZ_ASSERT(p->family == AF_INET || p->family == AF_INET6, "family %d", p->family);
		FUZZ_ASSERT(p->len <= bits, "length %u", p->len);
		for (unsigned int bit = p->len; bit < bits; bit++)
			FUZZ_ASSERT(!(p->addr[bit / 8] & (0x80 >> (bit % 8))), "host bit %u set", bit);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgconf first, again;
	uint32_t mark = 0;
	int ret = wgconf_parse(&first, "/fuzz/wg0.conf", (const char *)data, size);

	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ENOMEM, "returned %d", ret);
	if (ret)
		return 0;
	FUZZ_ASSERT(!strcmp(first.name, "wg0"), "interface '%s'", first.name);
	expect_networks(&first.addresses);
	expect_networks(&first.dns);
	expect_networks(&first.allowed_ips);
	for (size_t i = 0; i < first.endpoint_count; i++)
		FUZZ_ASSERT(first.endpoints[i].host[0], "endpoint %zu without a host", i);
	FUZZ_ASSERT(first.endpoint_count <= first.peer_count, "%zu endpoints, %zu peers", first.endpoint_count,
		    first.peer_count);
	if (wgconf_mark(&first, &mark) != WGCONF_MARK_NONE)
		FUZZ_ASSERT(mark, "a mark of 0");
	FUZZ_ASSERT(wgconf_parse(&again, "/fuzz/wg0.conf", (const char *)data, size) == 0, "second parse failed");
	FUZZ_ASSERT(again.addresses.count == first.addresses.count && again.endpoint_count == first.endpoint_count &&
			    again.has_fwmark == first.has_fwmark && again.listen_port == first.listen_port,
		    "two parses differ");
	wgconf_free(&again);
	wgconf_free(&first);
	return 0;
}
