// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "endpoint.h"
#include "log.h"
#include "parse.h"

void wg_endpoint_format(const struct wg_endpoint *e, char buf[WG_ENDPOINT_TEXT_MAX])
{
	char address[INET6_ADDRSTRLEN];
	bool v6 = e->family == AF_INET6;

	inet_ntop(e->family, e->addr, address, sizeof(address));
	snprintf(buf, WG_ENDPOINT_TEXT_MAX, "%s%s%s:%u", v6 ? "[" : "", address, v6 ? "]" : "",
		 e->port);
}

const char *wgconf_endpoint_problem(struct wgconf_endpoint *out, const char *text)
{
	const char *host = text, *host_end, *port;
	unsigned long long value;
	size_t host_len;

	if (!*text)
		return "it is empty";
	if (*text == '[') {
		host = text + 1;
		host_end = strchr(host, ']');
		if (!host_end)
			return "no ']' closes the IPv6 address";
		if (host_end[1] != ':' || !host_end[2])
			return "no :PORT after ']'";
		port = host_end + 2;
	} else {
		host_end = strrchr(text, ':');
		if (!host_end || !host_end[1])
			return "no :PORT at its end";
		port = host_end + 1;
	}
	host_len = (size_t)(host_end - host);
	if (!host_len)
		return "no host before the port";
	if (host_len >= sizeof(out->host))
		return "the host is longer than 255 characters";
	if (!parse_uint(&value, port, 10, UINT16_MAX))
		return "the port is not a number 0-65535";
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';
	out->port = (uint16_t)value;
	out->line = 0;
	return NULL;
}

bool wgconf_parse_endpoint(struct wgconf_endpoint *out, const char *text)
{
	const char *problem = wgconf_endpoint_problem(out, text);

	if (problem)
		pr_err("invalid endpoint '%s': %s; expected HOST:PORT or [IPV6]:PORT", text, problem);
	return !problem;
}

/* As wg reads it: a number of retries, or "infinity" (-1); unset is 15, empty is 0. */
static int resolution_retries(int *retries)
{
	const char *text = getenv("WG_ENDPOINT_RESOLUTION_RETRIES");
	unsigned long long value = 0;

	if (!text) {
		*retries = 15;
		return 0;
	}
	if (!strcmp(text, "infinity")) {
		*retries = -1;
		return 0;
	}
	if (*text && !parse_uint(&value, text, 10, INT_MAX)) {
		pr_err("invalid WG_ENDPOINT_RESOLUTION_RETRIES '%s': give a number of retries or 'infinity'",
		       text);
		return -EINVAL;
	}
	*retries = (int)value;
	return 0;
}

/* What glibc calls permanent failures (sourceware.org/glibc/wiki/NameResolver); wg retries the rest. */
static bool resolution_failed_for_good(int ret)
{
#ifdef EAI_NODATA
	if (ret == EAI_NODATA)
		return true;
#endif
	return ret == EAI_NONAME || ret == EAI_FAIL;
}

static int resolution_errno(int ret, int saved_errno)
{
	switch (ret) {
	case EAI_SYSTEM:
		return saved_errno ? saved_errno : EIO;
	case EAI_MEMORY:
		return ENOMEM;
	case EAI_AGAIN:
		return EAGAIN;
	default:
		return ENOENT;
	}
}

static bool endpoint_listed(const struct wg_endpoint *e, const struct wg_endpoint *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (list[i].family == e->family && list[i].port == e->port &&
		    !memcmp(list[i].addr, e->addr, sizeof(e->addr)))
			return true;
	return false;
}

/* Every IPv4 and IPv6 address of @resolved not already listed: wg would keep only the first. */
static int append_addresses(const struct addrinfo *resolved, struct wg_endpoint **out,
			    size_t *count)
{
	bool found = false;

	for (const struct addrinfo *ai = resolved; ai; ai = ai->ai_next) {
		struct wg_endpoint e = { .family = ai->ai_family };
		struct wg_endpoint *bigger;

		if (ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(struct sockaddr_in)) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;

			memcpy(e.addr, &sin->sin_addr, sizeof(sin->sin_addr));
			e.port = ntohs(sin->sin_port);
		} else if (ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof(struct sockaddr_in6)) {
			const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ai->ai_addr;

			memcpy(e.addr, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
			e.port = ntohs(sin6->sin6_port);
		} else {
			continue;
		}
		found = true;
		if (endpoint_listed(&e, *out, *count))
			continue;
		bigger = reallocarray(*out, *count + 1, sizeof(**out));
		if (!bigger)
			return -ENOMEM;
		*out = bigger;
		(*out)[(*count)++] = e;
	}
	return found ? 0 : -EAFNOSUPPORT;
}

static void sleep_us(unsigned int us)
{
	struct timespec t = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

int wgconf_resolve(const struct wgconf_endpoint *spec, struct wg_endpoint **out, size_t *count)
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	};
	struct addrinfo *resolved;
	unsigned int wait_us = 1000000;
	char port[8];
	int retries, ret;

	ret = resolution_retries(&retries);
	if (ret)
		return ret;
	snprintf(port, sizeof(port), "%u", spec->port);
	/* wg's schedule: 1 s, then 1.2 times longer each time, at most 20 s. */
	while ((ret = getaddrinfo(spec->host, port, &hints, &resolved))) {
		int err = resolution_errno(ret, errno);
		const char *why = ret == EAI_SYSTEM ? strerror(err) : gai_strerror(ret);

		if (resolution_failed_for_good(ret) || (retries >= 0 && !retries--)) {
			pr_err("cannot resolve endpoint host '%s': %s; check the Endpoint and the DNS",
			       spec->host, why);
			return -err;
		}
		pr_warn("cannot resolve endpoint host '%s' yet: %s; trying again in %.2f s", spec->host,
			why, wait_us / 1e6);
		sleep_us(wait_us);
		wait_us = wait_us * 6 / 5 < 20000000 ? wait_us * 6 / 5 : 20000000;
	}
	ret = append_addresses(resolved, out, count);
	freeaddrinfo(resolved);
	if (ret == -ENOMEM)
		pr_err("out of memory for the addresses of endpoint host '%s'", spec->host);
	else if (ret)
		pr_err("endpoint host '%s' has neither an IPv4 nor an IPv6 address", spec->host);
	return ret;
}
