/* SPDX-License-Identifier: MIT */
/* WireGuard endpoints: "HOST:PORT" as written, and the addresses it resolves to, as wg does. */
#ifndef KSCTL_ENDPOINT_H
#define KSCTL_ENDPOINT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wg_endpoint {            /* a resolved endpoint */
	int family;             /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;          /* host order */
};

struct wgconf_endpoint {        /* an endpoint as written */
	char host[256];         /* address or host name, without IPv6 brackets */
	uint16_t port;
	unsigned int line;      /* 0 when it came from the command line */
};

/* "[ADDR]:PORT" */
#define WG_ENDPOINT_TEXT_MAX (INET6_ADDRSTRLEN + 8)
void wg_endpoint_format(const struct wg_endpoint *e, char buf[WG_ENDPOINT_TEXT_MAX]);

/*
 * Splits "HOST:PORT" or "[IPV6]:PORT" as wg does for Endpoint (the last ':'
 * ends an unbracketed host). PORT is a number 0-65535: wg would also take a
 * service name, ksctl does not. NULL, or what is wrong (a constant string),
 * printing nothing.
 */
const char *wgconf_endpoint_problem(struct wgconf_endpoint *out, const char *text);
/* The same, printing the problem in one line quoting @text (for --endpoint). */
bool wgconf_parse_endpoint(struct wgconf_endpoint *out, const char *text);
/*
 * Resolves @spec as wg does (getaddrinfo AF_UNSPEC/SOCK_DGRAM/IPPROTO_UDP,
 * retrying transient failures the way wg does, honouring
 * WG_ENDPOINT_RESOLUTION_RETRIES), but keeps EVERY address returned, not only
 * the first, appending to *out and *count (realloc) those not already there.
 * 0 or -errno with one message naming the host.
 */
int wgconf_resolve(const struct wgconf_endpoint *spec, struct wg_endpoint **out, size_t *count);

#endif
