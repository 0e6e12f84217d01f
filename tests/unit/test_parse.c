// SPDX-License-Identifier: MIT
/* Option parsers: CIDRs, fwmarks, interface names. */
#include <arpa/inet.h>
#include <string.h>

#include "../lib/check.h"
#include "log.h"
#include "parse.h"
#include "prefix.h"

static void expect_prefix(const char *text, const char *want, bool want_host_bits)
{
	char got[PREFIX_TEXT_MAX];
	bool host_bits = !want_host_bits;
	struct prefix p;

	if (!prefix_parse(&p, text, &host_bits)) {
		CHECK(false, "'%s' was rejected", text);
		return;
	}
	prefix_format(&p, got);
	CHECK(!strcmp(got, want), "'%s' gave '%s', want '%s'", text, got, want);
	CHECK(host_bits == want_host_bits, "'%s': host bits %d", text, host_bits);
}

static void expect_bad_prefix(const char *text)
{
	struct prefix p;
	bool host_bits;

	CHECK(!prefix_parse(&p, text, &host_bits), "'%s' was accepted", text);
}

static void unit_cidr_parse(void)
{
	expect_prefix("10.0.0.0/8", "10.0.0.0/8", false);
	expect_prefix("192.168.1.1/24", "192.168.1.0/24", true);
	expect_prefix("0.0.0.0/0", "0.0.0.0/0", false);
	expect_prefix("203.0.113.7", "203.0.113.7/32", false);
	expect_prefix("172.31.255.255/12", "172.16.0.0/12", true);
	expect_prefix("fe80::/10", "fe80::/10", false);
	expect_prefix("fe80::1/10", "fe80::/10", true);
	expect_prefix("2001:db8::1", "2001:db8::1/128", false);
	expect_prefix("2001:db8:ffff::/33", "2001:db8:8000::/33", true);
	expect_prefix("::/0", "::/0", false);
	expect_bad_prefix("");
	expect_bad_prefix("/8");
	expect_bad_prefix("10.0.0.0/33");
	expect_bad_prefix("10.0.0.0/");
	expect_bad_prefix("10.0.0.0/-1");
	expect_bad_prefix("10.0.0.0/8x");
	expect_bad_prefix("10.0.0.0/+8");
	expect_bad_prefix("10.0.0/8");
	expect_bad_prefix("256.0.0.0/8");
	expect_bad_prefix("fe80::/129");
	expect_bad_prefix("example.com/24");
	expect_bad_prefix("10.0.0.0/8/8");
	expect_bad_prefix("0123456789012345678901234567890123456789012345678/1");
}

static void expect_mark(const char *text, uint32_t want_mark, uint32_t want_mask)
{
	uint32_t mark = 1, mask = 1;

	CHECK(parse_fwmark(&mark, &mask, text), "'%s' was rejected", text);
	CHECK(mark == want_mark && mask == want_mask, "'%s' gave 0x%x/0x%x", text, mark, mask);
}

static void unit_fwmark_parse(void)
{
	uint32_t mark, mask;

	expect_mark("0xca6c", 0xca6c, 0xffffffff);
	expect_mark("51820", 51820, 0xffffffff);
	expect_mark("0x100/0xff00", 0x100, 0xff00);
	expect_mark("0xffffffff", 0xffffffff, 0xffffffff);
	expect_mark("off", 0, 0);
	CHECK(!parse_fwmark(&mark, &mask, "0"), "0 opens egress to every unmarked packet");
	CHECK(!parse_fwmark(&mark, &mask, "0xca6c/0"), "a zero mask matches everything");
	CHECK(!parse_fwmark(&mark, &mask, "0x1ff/0xff"), "mark outside its mask can never match");
	CHECK(!parse_fwmark(&mark, &mask, "0x100000000"), "above 32 bits");
	CHECK(!parse_fwmark(&mark, &mask, "-1"), "negative");
	CHECK(!parse_fwmark(&mark, &mask, "xyz"), "not a number");
	CHECK(!parse_fwmark(&mark, &mask, ""), "empty");
	CHECK(!parse_fwmark(&mark, &mask, "0xca6c/"), "empty mask");
	CHECK(!parse_fwmark(&mark, &mask, "12 "), "trailing space");
}

static void unit_ifname_parse(void)
{
	char name[IFNAMSIZ];

	CHECK(parse_ifname(name, "wg0") && !strcmp(name, "wg0"), "wg0");
	CHECK(parse_ifname(name, "abcdefghijklmno"), "15 characters fit");
	CHECK(!parse_ifname(name, "abcdefghijklmnop"), "16 characters do not");
	CHECK(!parse_ifname(name, ""), "empty");
	CHECK(!parse_ifname(name, "wg/0"), "slash");
	CHECK(!parse_ifname(name, "wg 0"), "space");
	CHECK(!parse_ifname(name, ".."), "dot-dot");
}

int main(void)
{
	log_verbosity = LOG_ERROR;
	RUN(unit_cidr_parse, "CIDRs parse to their network, host bits reported, bad ones rejected");
	RUN(unit_fwmark_parse, "marks and masks parse; 0, a zero mask and unmatchable marks are refused");
	RUN(unit_ifname_parse, "interface names are checked for length and characters");
	return check_failed_tests ? 1 : 0;
}
