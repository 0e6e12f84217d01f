// SPDX-License-Identifier: MIT
/* The allowlist's fast path: what each kind of prefix makes of its /16s and /24s. */
#include <stdlib.h>

#include "../lib/check.h"
#include "allowlist.h"

static struct fast_path *fast_path_of(const char *const *cidrs, size_t count)
{
	struct fast_path *fp = calloc(1, sizeof(*fp));
	struct prefix_list list = { 0 };

	for (size_t i = 0; i < count; i++)
		CHECK(prefix_list_add_text(&list, cidrs[i]), "%s", cidrs[i]);
	CHECK(fp && fast_path_build(fp, &list), "build");
	prefix_list_free(&list);
	return fp;
}

static void release(struct fast_path *fp)
{
	fast_path_free(fp);
	free(fp);
}

static int count4(const struct fast_path *fp, __u16 state)
{
	int n = 0;

	for (int i = 0; i < KS_ROOT_SIZE; i++)
		n += fp->root4[i] == state;
	return n;
}

static int count6(const struct fast_path *fp, __u8 state)
{
	int n = 0;

	for (int i = 0; i < KS_ROOT_SIZE; i++)
		n += fp->root6[i] == state;
	return n;
}

static void unit_fast_path_default(void)
{
	static const char *const cidrs[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fe80::/10" };
	struct fast_path *fp = fast_path_of(cidrs, 4);
	const __u16 *root4 = fp->root4;

	CHECK(root4[0x0a00] == KS_ROOT_ALLOW && root4[0x0aff] == KS_ROOT_ALLOW, "10/8");
	CHECK(root4[0x0b00] == KS_ROOT_DENY && root4[0x09ff] == KS_ROOT_DENY, "around 10/8");
	CHECK(root4[0xac10] == KS_ROOT_ALLOW && root4[0xac1f] == KS_ROOT_ALLOW && root4[0xac20] == KS_ROOT_DENY,
	      "172.16/12");
	CHECK(root4[0xc0a8] == KS_ROOT_ALLOW && root4[0xc0a9] == KS_ROOT_DENY, "192.168/16");
	CHECK(count4(fp, KS_ROOT_ALLOW) == 256 + 16 + 1, "%d IPv4 /16s allowed", count4(fp, KS_ROOT_ALLOW));
	CHECK(count6(fp, KS_ROOT_ALLOW) == 64 && fp->root6[0xfe80] == KS_ROOT_ALLOW &&
		      fp->root6[0xfebf] == KS_ROOT_ALLOW,
	      "fe80::/10 is 64 /16s");
	CHECK(count4(fp, KS_ROOT_DENY) + count4(fp, KS_ROOT_ALLOW) == KS_ROOT_SIZE,
	      "no blocks, nothing for the trie");
	release(fp);
}

static void unit_fast_path_longer(void)
{
	static const char *const cidrs[] = { "203.0.113.0/24", "198.51.100.7/32", "198.51.100.128/25", "10.1.2.0/24",
					     "10.0.0.0/8", "198.51.102.0/23", "2001:db8::/32", "0.0.0.0/0" };
	struct fast_path *fp = fast_path_of(cidrs, 7);
	const struct ks_block *b;

	CHECK(fp->root4[0xcb00] == KS_ROOT_BLOCK && (b = fast_path_block(fp, 0xcb00)), "203.0/16 has a block");
	CHECK(b && b->state[113] == KS_ROOT_ALLOW && b->state[112] == KS_ROOT_DENY, "its /24");
	CHECK(fp->root4[0xc633] == KS_ROOT_BLOCK && (b = fast_path_block(fp, 0xc633)), "198.51/16 has a block");
	CHECK(b && b->state[100] == KS_ROOT_LPM, "a /24 with longer prefixes goes to the trie");
	CHECK(b && b->state[102] == KS_ROOT_ALLOW && b->state[103] == KS_ROOT_ALLOW && b->state[104] == KS_ROOT_DENY,
	      "a /23 is two /24s");
	CHECK(fp->root4[0x0a01] == KS_ROOT_ALLOW && !fast_path_block(fp, 0x0a01), "a /24 inside an allowed /8 needs no block");
	CHECK(fp->root6[0x2001] == KS_ROOT_LPM, "IPv6 beyond /16 goes to the trie");
	release(fp);
	fp = fast_path_of(cidrs, 8);
	CHECK(count4(fp, KS_ROOT_ALLOW) == KS_ROOT_SIZE, "0.0.0.0/0 allows every /16");
	CHECK(!fast_path_block(fp, 0xcb00), "and leaves no blocks");
	release(fp);
}

int main(void)
{
	RUN(unit_fast_path_default, "the default list is decided by /16 states alone");
	RUN(unit_fast_path_longer, "/24 blocks, the trie beyond /24, and shorter prefixes covering longer ones");
	return check_failed_tests ? 1 : 0;
}
