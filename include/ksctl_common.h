/* SPDX-License-Identifier: MIT */
/*
 * What the BPF program and the ksctl command share: the verdict reasons,
 * the counter layout, the configuration block and the allowlist keys.
 * Only constants and fixed-width types, so that it compiles in both worlds.
 */
#ifndef KSCTL_COMMON_H
#define KSCTL_COMMON_H

#include <linux/types.h>

/*
 * Every verdict, in the order the program decides it. Passing reasons come
 * first; KS_REASON_FIRST_DROP splits them. The names are what `ksctl stats`
 * prints, so they are part of the CLI contract.
 *   X(enum suffix, name, verdict)
 */
#define KS_REASONS(X)                       \
	X(TUNNEL, "tunnel", "pass")         \
	X(LOCAL, "local", "pass")           \
	X(FWMARK, "fwmark", "pass")         \
	X(LINK_LAYER, "link_layer", "pass") \
	X(ALLOWLIST, "allowlist", "pass")   \
	X(IPV4, "ipv4", "drop")             \
	X(IPV6, "ipv6", "drop")             \
	X(OTHER, "other", "drop")           \
	X(MALFORMED, "malformed", "drop")

#define KS_REASON_ENUM(id, name, verdict) KS_REASON_##id,
enum ks_reason { KS_REASONS(KS_REASON_ENUM) KS_REASON_COUNT };
#undef KS_REASON_ENUM

#define KS_REASON_FIRST_DROP KS_REASON_IPV4

struct ks_counter {
	__u64 packets;
	__u64 bytes;
};

#define KS_TUNNELS_MAX 8
#define KS_ALLOW_MAX (1U << 18)
#define KS_CGROUP_PATH_MAX 256

/*
 * The configuration lives in the program's .data section, which ksctl
 * writes through a shared mapping of the map: changes take effect for the
 * next packet, with no reload and no window. mark and mask share one
 * naturally aligned 64-bit word so that a change of both is one store.
 */
#define KS_MARK_MASK(mark, mask) (((__u64)(mark) << 32) | (__u32)(mask))
#define KS_MARK_OF(mark_mask) ((__u32)((mark_mask) >> 32))
#define KS_MASK_OF(mark_mask) ((__u32)(mark_mask))

enum ks_mode { KS_MODE_NONE = 0, KS_MODE_TC = 1, KS_MODE_CGROUP = 2 };

struct ks_config {
	__u64 mark_mask;                        /* mask 0: the fwmark pass is off */
	__u32 tunnel_ifindex[KS_TUNNELS_MAX];   /* 0: unused slot */
	/* Not read by the program: what `status` needs to find the instance. */
	__u32 mode;                             /* enum ks_mode */
	__u32 generation;                       /* bumped by every `up` */
	__u32 table4_blocks;                    /* /24 blocks in use in the IPv4 table */
	char cgroup_path[KS_CGROUP_PATH_MAX];
	char tunnel_name[KS_TUNNELS_MAX][16];   /* IFNAMSIZ */
};

/*
 * The allowlist's fast path, so that its cost does not grow with its size:
 * a state per /16 of each family, and for an IPv4 /16 that holds longer
 * prefixes, a block with a state per /24, all in plain arrays (one inlined
 * load each). The LPM tries stay the complete record and decide what the
 * states leave open (IPv4 beyond /24, IPv6 beyond /16).
 *
 * The IPv4 table is one array of 256-byte blocks: the first KS_ROOT4_BLOCKS
 * hold the /16 states as 16-bit entries, the rest the /24 blocks. A /16
 * state of KS_ROOT_BLOCK + n points at block n.
 */
#define KS_ROOT_SIZE 65536
#define KS_BLOCK_SIZE 256
#define KS_ROOT4_PER_BLOCK (KS_BLOCK_SIZE / 2)
#define KS_ROOT4_BLOCKS (KS_ROOT_SIZE / KS_ROOT4_PER_BLOCK)
#define KS_TABLE4_MAX 65535 /* so that KS_ROOT_BLOCK + n fits 16 bits */
enum ks_root_state { KS_ROOT_DENY = 0, KS_ROOT_ALLOW = 1, KS_ROOT_LPM = 2, KS_ROOT_BLOCK = 3 };

struct ks_block {
	union {
		__u8 state[KS_BLOCK_SIZE];      /* a /24 block, by the third byte */
		__u16 root[KS_ROOT4_PER_BLOCK]; /* a piece of the /16 states */
	};
};

/* Everything in the program's .bss, in one struct so that its layout is fixed. */
struct ks_state {
	struct ks_config config;
	__u8 root6[KS_ROOT_SIZE]; /* by the first two bytes of the IPv6 destination */
};

struct ks_allow4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct ks_allow6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

#endif
