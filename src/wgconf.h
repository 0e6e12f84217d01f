/* SPDX-License-Identifier: MIT */
/*
 * What ksctl derives from the wg-quick configuration files that wg-quick
 * itself will read: the interface, its mark, endpoints, listen port and the
 * destinations that belong to the tunnel only. A file is refused for what
 * wg-quick or `wg setconf` would refuse, so that `ksctl up` fails first.
 */
#ifndef KSCTL_WGCONF_H
#define KSCTL_WGCONF_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"
#include "prefix.h"

enum wgconf_table { WGCONF_TABLE_AUTO, WGCONF_TABLE_OFF, WGCONF_TABLE_SET };

struct wgconf {
	char name[IFNAMSIZ];            /* the interface: the file's name without .conf */
	char path[PATH_MAX];
	bool has_fwmark;                /* FwMark given and not 0/off */
	uint32_t fwmark;
	enum wgconf_table table;        /* Table unset or auto, off, or a number/name */
	bool has_listen_port;           /* ListenPort given and not 0 */
	uint16_t listen_port;
	bool default_route;             /* some peer's AllowedIPs holds 0.0.0.0/0 or ::/0 */
	struct prefix_list addresses;   /* Address, as networks (host bits cleared) */
	struct prefix_list dns;         /* DNS servers as /32 or /128; search domains skipped */
	struct prefix_list allowed_ips; /* every peer's AllowedIPs except 0.0.0.0/0 and ::/0 */
	struct wgconf_endpoint *endpoints; /* each peer's last Endpoint, in file order */
	size_t endpoint_count;
	size_t peer_count;
};

struct wgconf_list {
	struct wgconf *items;
	size_t count;
};

#define WGCONF_FILE_MAX (1u << 20)

/*
 * The interface wg-quick names after the file @path: "NAME.conf" with NAME
 * 1-15 of A-Z a-z 0-9 _ = + . - (and not "." or ".."). false if it is not one.
 */
bool wgconf_interface_name(char name[IFNAMSIZ], const char *path);

/*
 * Parses @text (@len bytes) as wg-quick and `wg setconf` would read the file
 * @path, whose name must be INTERFACE.conf. 0, or -EINVAL after printing one
 * line "PATH:LINE: problem" (never the value of PrivateKey or PresharedKey;
 * -ENOMEM if out of memory). @out is overwritten; after success free it with
 * wgconf_free(). Host names are kept as written: see wgconf_resolve().
 */
int wgconf_parse(struct wgconf *out, const char *path, const char *text, size_t len);
void wgconf_free(struct wgconf *c);

/*
 * Appends the configuration file @path, or every NAME.conf in the directory
 * @path (sorted by name; other files ignored), read with textfile_read (cap
 * WGCONF_FILE_MAX). The file name must be a valid interface name followed by
 * .conf, as wg-quick requires, and no two may name the same interface.
 * 0 or -errno with the message printed; on error @list is as it was.
 */
int wgconf_load(struct wgconf_list *list, const char *path);
void wgconf_list_free(struct wgconf_list *list);

enum wgconf_mark_source { WGCONF_MARK_NONE, WGCONF_MARK_FWMARK, WGCONF_MARK_INFERRED };

#define WGCONF_MARK_AUTO 51820u /* wg-quick's first choice of routing table, and so of mark */

/*
 * The mark wg-quick sets on the tunnel's encrypted UDP: FwMark; else, for a
 * config with a default route and Table auto, 51820 (inferred: wg-quick takes
 * the first free routing table from 51820 on); else none (wg-quick sets no
 * mark: Table off or a number, or no default route).
 */
enum wgconf_mark_source wgconf_mark(const struct wgconf *c, uint32_t *mark);

#endif
