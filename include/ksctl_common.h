/* SPDX-License-Identifier: MIT */
/*
 * What the BPF program and the ksctl command share: the verdict reasons,
 * the counter layout, the configuration block and the map keys.
 * Only constants and fixed-width types, so that it compiles in both worlds.
 */
#ifndef KSCTL_COMMON_H
#define KSCTL_COMMON_H

#include <linux/bpf.h>
#include <linux/types.h>

/*
 * Every verdict, in the order the program decides it. Passing reasons come
 * first; KS_REASON_FIRST_DROP splits them. The names are what `ksctl stats`
 * prints, so they are part of the CLI contract.
 *   X(enum suffix, name, verdict, what it means)
 */
#define KS_REASONS(X)                                                                                       \
	X(TUNNEL, "tunnel", "pass", "it leaves a tunnel interface (cgroup mode)")                           \
	X(LOCAL, "local", "pass", "it leaves through loopback")                                             \
	X(ENDPOINT, "endpoint", "pass", "a client tunnel's encrypted UDP to its peer's endpoint")            \
	X(LISTEN_PORT, "listen_port", "pass", "a server tunnel's encrypted UDP from its ListenPort")          \
	X(LINK_LAYER, "link_layer", "pass", "well-formed ARP; neighbour discovery or MLD to link-scope addresses") \
	X(ALLOWLIST, "allowlist", "pass", "its destination is in an allowed prefix")                        \
	X(FWMARK_OTHER, "fwmark_other", "drop", "a tunnel's mark on anything but its encrypted UDP")        \
	X(SOURCE_ROUTE, "source_route", "drop", "it asks a hop to route it on (IPv4 LSRR/SSRR, IPv6 routing header)") \
	X(DNS, "dns", "drop", "DNS (port 53 or 853) to a resolver not named with --lan-dns")                \
	X(TUNNEL_ONLY, "tunnel_only", "drop", "an allowed destination that a tunnel's configuration claims") \
	X(IPV4, "ipv4", "drop", "any other IPv4 destination")                                               \
	X(IPV6, "ipv6", "drop", "any other IPv6 destination")                                               \
	X(OTHER, "other", "drop", "any other ethertype (VLAN, LLDP, ...) or IP version, or odd ARP")        \
	X(MALFORMED, "malformed", "drop", "truncated or invalid headers")

#define KS_REASON_ENUM(id, name, verdict, meaning) KS_REASON_##id,
enum ks_reason { KS_REASONS(KS_REASON_ENUM) KS_REASON_COUNT };
#undef KS_REASON_ENUM

#define KS_REASON_FIRST_DROP KS_REASON_FWMARK_OTHER

struct ks_counter {
	__u64 packets;
	__u64 bytes;
};

#define KS_TUNNELS_MAX 8
#define KS_ALLOW_MAX (1U << 18)
#define KS_TUNNEL_ONLY_MAX (1U << 16)
#define KS_ENDPOINTS_MAX 4096
#define KS_LAN_DNS_MAX 64
#define KS_CGROUP_PATH_MAX 256
#define KS_IFNAMSIZ 16

/* DNS and DNS over TLS or QUIC: the ports that the DNS rule watches. */
#define KS_DNS_PORT 53
#define KS_DNS_TLS_PORT 853

/*
 * The configuration lives in the program's .bss, which ksctl writes
 * through a shared mapping of the map: changes take effect for the next
 * packet, with no reload and no window. A mark and its mask share one
 * naturally aligned 64-bit word so that a change of both is one store.
 */
#define KS_MARK_MASK(mark, mask) (((__u64)(mark) << 32) | (__u32)(mask))
#define KS_MARK_OF(mark_mask) ((__u32)((mark_mask) >> 32))
#define KS_MASK_OF(mark_mask) ((__u32)(mark_mask))

enum ks_mode { KS_MODE_NONE = 0, KS_MODE_TC = 1, KS_MODE_CGROUP = 2 };

/* Where a tunnel's fwmark came from, for `status`. */
enum ks_mark_source { KS_MARK_NONE = 0, KS_MARK_OPTION, KS_MARK_FWMARK, KS_MARK_INFERRED };

struct ks_tunnel {
	char name[KS_IFNAMSIZ];   /* "": unused slot */
	__u64 mark_mask;          /* the mark on its encrypted UDP; mask 0: it sets none */
	__u32 ifindex;            /* cgroup mode recognises the tunnel's own traffic by it */
	__u16 listen_port;        /* a server's ListenPort (host order), 0: none */
	__u8 mark_source;         /* enum ks_mark_source */
	__u8 from_config;         /* its configuration file was read */
};

struct ks_config {
	struct ks_tunnel tunnel[KS_TUNNELS_MAX];
	/* Not read by the program: what `status` needs to find the instance. */
	__u32 mode;               /* enum ks_mode */
	__u32 generation;         /* bumped by every `up` */
	char cgroup_path[KS_CGROUP_PATH_MAX];
	__u32 event_rate;         /* drop events per second at most, in bursts of as many; 0: none */
	__u32 pad;
	__u64 probe_deadline;     /* selftest: its probes are watched for until then (CLOCK_BOOTTIME ns); 0: none */
};

/*
 * What became of a drop's event, counted per CPU in that order: written to
 * the ring buffer, held back by the rate limit, or lost to a full buffer.
 *   O(enum suffix, name, what it means)
 */
#define KS_EVENT_OUTCOMES(O)                                                                              \
	O(WRITTEN, "written", "drop events written for 'ksctl events'")                                  \
	O(SUPPRESSED, "suppressed", "drops over the event rate limit: counted, not reported")            \
	O(LOST, "lost", "drop events that found the buffer full: nobody read the ones before")

#define KS_EVENT_OUTCOME_ENUM(id, name, meaning) KS_EVENTS_##id,
enum ks_event_outcome { KS_EVENT_OUTCOMES(KS_EVENT_OUTCOME_ENUM) KS_EVENT_OUTCOME_COUNT };
#undef KS_EVENT_OUTCOME_ENUM

/* The ring buffer of drop events: 256 KiB, about 3,200 of them. */
#define KS_EVENTS_BUFFER (256 * 1024)

enum ks_event_flags {
	KS_EVENT_PORTS = 1,    /* TCP or UDP with its header: the ports are known */
	KS_EVENT_FRAGMENT = 2, /* a later fragment: no transport header */
	KS_EVENT_ARP = 4,      /* ARP: dst is the address it asks for */
};

/* One dropped packet, for `ksctl events`. */
struct ks_event {
	__u64 time_ns;            /* CLOCK_BOOTTIME */
	__u64 cgroup_id;          /* the cgroup v2 of the socket that sent it; 0: no socket (forwarded) */
	__u32 ifindex;            /* the interface it was to leave by */
	__u32 len;                /* its length in bytes */
	__u32 mark;
	__u8 reason;              /* enum ks_reason */
	__u8 family;              /* 4 or 6; 0: not IP, or cut short before the addresses */
	__u8 l4;                  /* IPPROTO_*, when known */
	__u8 flags;               /* enum ks_event_flags */
	__u16 src_port, dst_port; /* network order */
	__u32 pad;
	__u8 src[16], dst[16];    /* an IPv4 address in the first 4 bytes */
};

/*
 * The events' token bucket, shared by every CPU: a GCRA, the theoretical
 * time of the next event. `up` empties it when the rate changes.
 */
struct ks_event_bucket {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 next_ns;            /* CLOCK_BOOTTIME */
};

/* How the verdict judged a probe of `ksctl selftest`, found by its destination. */
#define KS_PROBES_MAX 128
struct ks_probe {
	__u32 count;              /* times judged */
	__u32 reason;             /* the last verdict's enum ks_reason */
	__u32 ifindex;            /* the interface it was judged at */
	__u32 pad;
};

/* An address with a port: the key of the endpoint and LAN DNS maps. */
struct ks_addr_key {
	__u8 family;              /* 4 or 6 */
	__u8 fragment;            /* 1: an endpoint's address alone, for later fragments (port 0) */
	__u16 port;               /* network order; 0 in the LAN DNS map and for fragments */
	__u8 addr[16];            /* an IPv4 address in the first 4 bytes */
};

/*
 * A peer endpoint: the encrypted UDP of the tunnels in @tunnels may go there,
 * each with its own mark (ks_config.tunnel[i].mark_mask; mask 0: none).
 */
struct ks_endpoint {
	__u64 resolved_at;        /* Unix time of the lookup, for `status` */
	__u32 tunnels;            /* bit i: tunnel[i] peers with it */
	__u32 pad;
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
