// SPDX-License-Identifier: MIT
/*
 * prefix_parse, the CIDRs of --allow and allow files, against an oracle
 * written from its documentation: "ADDR/LEN" or a bare address, LEN in
 * decimal digits up to 32 or 128, host bits cleared and reported. What it
 * accepts must print as a CIDR that parses back to the same prefix.
 */
#include <arpa/inet.h>

#include "fuzz.h"
#include "prefix.h"

/* What the documentation says @text means: false if it means nothing. */
static bool oracle(const char *text, int *family, uint8_t addr[16], unsigned int *len)
{
	const char *slash = strchr(text, '/');
	char *address = strndup(text, slash ? (size_t)(slash - text) : strlen(text));
	unsigned int max;

	if (!address)
		abort();
	memset(addr, 0, 16);
	*family = inet_pton(AF_INET, address, addr) == 1 ? AF_INET :
		  inet_pton(AF_INET6, address, addr) == 1 ? AF_INET6 : 0;
	free(address);
	if (!*family)
		return false;
	max = *family == AF_INET ? 32 : 128;
	*len = max;
	if (!slash)
		return true;
	if (!slash[1])
		return false;
	*len = 0;
	for (const char *c = slash + 1; *c; c++) {
		if (*c < '0' || *c > '9')
			return false;
		*len = *len * 10 + (unsigned int)(*c - '0');
		if (*len > max)
			return false;
	}
	return true;
}

static bool same(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static void check_round_trip(const struct prefix *p)
{
	char text[PREFIX_TEXT_MAX], again[PREFIX_TEXT_MAX];
	bool host_bits = true;
	struct prefix back;

	prefix_format(p, text);
	FUZZ_ASSERT(strlen(text) < PREFIX_TEXT_MAX - 1, "'%s' may have been cut", text);
	FUZZ_ASSERT(prefix_parse(&back, text, &host_bits), "'%s' does not parse back", text);
	FUZZ_ASSERT(same(p, &back), "'%s' parses back to another prefix", text);
	FUZZ_ASSERT(!host_bits, "'%s' came back with host bits", text);
	prefix_format(&back, again);
	FUZZ_ASSERT(!strcmp(text, again), "'%s' prints again as '%s'", text, again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct prefix p;
	bool host_bits = false;
	bool accepted = prefix_parse(&p, text, &host_bits);
	uint8_t addr[16];
	unsigned int len;
	int family;

	FUZZ_ASSERT(accepted == oracle(text, &family, addr, &len), "'%s' was %s", text,
		    accepted ? "accepted" : "rejected");
	if (accepted) {
		bool want_host_bits = false;

		FUZZ_ASSERT(p.family == family && p.len == len, "'%s' gave family %d length %u", text, p.family,
			    p.len);
		/* Bit by bit, unlike the parser's byte masks: the network is the address up to len. */
		for (unsigned int bit = 0; bit < 128; bit++) {
			unsigned int byte = bit / 8, shift = 7 - bit % 8;
			unsigned int want = bit < len ? (addr[byte] >> shift) & 1 : 0;

			want_host_bits |= bit >= len && ((addr[byte] >> shift) & 1);
			FUZZ_ASSERT(((p.addr[byte] >> shift) & 1) == want, "'%s': bit %u of the network", text, bit);
		}
		FUZZ_ASSERT(host_bits == want_host_bits, "'%s': host bits said %d", text, host_bits);
		check_round_trip(&p);
	}
	free(text);
	return 0;
}
