// SPDX-License-Identifier: MIT
/* The allowlist's /16 states: what each kind of prefix makes of its /16s. */
#include <stdlib.h>

#include "../lib/check.h"
#include "allowlist.h"

static __u8 root4[KS_ROOT_SIZE], root6[KS_ROOT_SIZE];

static void roots_of(const char *const *cidrs, size_t count)
{
	struct prefix_list list = { 0 };

	for (size_t i = 0; i < count; i++)
		CHECK(prefix_list_add_text(&list, cidrs[i]), "%s", cidrs[i]);
	allowlist_roots(&list, root4, root6);
	prefix_list_free(&list);
}

static int count_state(const __u8 *root, __u8 state)
{
	int n = 0;

	for (int i = 0; i < KS_ROOT_SIZE; i++)
		n += root[i] == state;
	return n;
}

static void unit_roots_default(void)
{
	static const char *const cidrs[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fe80::/10" };

	roots_of(cidrs, 4);
	CHECK(root4[0x0a00] == KS_ROOT_ALLOW && root4[0x0aff] == KS_ROOT_ALLOW, "10/8");
	CHECK(root4[0x0b00] == KS_ROOT_DENY && root4[0x09ff] == KS_ROOT_DENY, "around 10/8");
	CHECK(root4[0xac10] == KS_ROOT_ALLOW && root4[0xac1f] == KS_ROOT_ALLOW && root4[0xac20] == KS_ROOT_DENY,
	      "172.16/12");
	CHECK(root4[0xc0a8] == KS_ROOT_ALLOW && root4[0xc0a9] == KS_ROOT_DENY, "192.168/16");
	CHECK(count_state(root4, KS_ROOT_ALLOW) == 256 + 16 + 1, "%d IPv4 /16s allowed",
	      count_state(root4, KS_ROOT_ALLOW));
	CHECK(count_state(root6, KS_ROOT_ALLOW) == 64 && root6[0xfe80] == KS_ROOT_ALLOW && root6[0xfebf] == KS_ROOT_ALLOW,
	      "fe80::/10 is 64 /16s");
	CHECK(count_state(root4, KS_ROOT_LPM) + count_state(root6, KS_ROOT_LPM) == 0, "nothing for the trie");
}

static void unit_roots_longer_and_overlapping(void)
{
	static const char *const cidrs[] = { "203.0.113.0/24", "198.51.100.7/32", "10.1.2.0/24", "10.0.0.0/8",
					     "2001:db8::/32", "0.0.0.0/0" };

	roots_of(cidrs, 5);
	CHECK(root4[0xcb00] == KS_ROOT_LPM, "203.0/16 holds a /24");
	CHECK(root4[0xc633] == KS_ROOT_LPM, "198.51/16 holds a /32");
	CHECK(root4[0x0a01] == KS_ROOT_ALLOW, "a /24 inside an allowed /8 is already allowed");
	CHECK(root6[0x2001] == KS_ROOT_LPM, "2001:db8::/32 is longer than /16");
	roots_of(cidrs, 6);
	CHECK(count_state(root4, KS_ROOT_ALLOW) == KS_ROOT_SIZE, "0.0.0.0/0 allows every /16");
}

int main(void)
{
	RUN(unit_roots_default, "the default list is decided by /16 states alone");
	RUN(unit_roots_longer_and_overlapping, "longer prefixes defer to the trie, unless a shorter one covers them");
	return check_failed_tests ? 1 : 0;
}
