// SPDX-License-Identifier: MIT
/* Endpoints: HOST:PORT as wg splits it, and resolution keeping every address (no network used). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/capture.h"
#include "../lib/check.h"
#include "endpoint.h"
#include "log.h"

static void expect_split(const char *text, const char *host, uint16_t port)
{
	struct wgconf_endpoint e = { .line = 9 };

	CHECK(wgconf_parse_endpoint(&e, text), "'%s' was refused", text);
	CHECK(!strcmp(e.host, host) && e.port == port && e.line == 0, "'%s' gave '%s' %u", text, e.host,
	      e.port);
}

static void expect_bad(const char *text, const char *why)
{
	struct wgconf_endpoint e;
	struct capture c;
	char *said;
	bool ok;

	capture_begin(&c);
	ok = wgconf_parse_endpoint(&e, text);
	said = capture_end(&c);
	CHECK(!ok, "'%s' was accepted", text);
	CHECK(strstr(said, why), "'%s': message '%s' lacks '%s'", text, said, why);
	CHECK(!*text || strstr(said, text), "'%s' is not quoted in '%s'", text, said);
	free(said);
}

static void unit_endpoint_parse(void)
{
	char host[300], want[256];

	expect_split("192.0.2.1:51820", "192.0.2.1", 51820);
	expect_split("[2001:db8::1]:51820", "2001:db8::1", 51820);
	expect_split("[fe80::1%eth0]:1", "fe80::1%eth0", 1);
	expect_split("vpn.example.com:443", "vpn.example.com", 443);
	expect_split("2001:db8::1:51820", "2001:db8::1", 51820); /* wg splits at the last ':' */
	expect_split("localhost:0", "localhost", 0);
	expect_split("host:065535", "host", 65535);
	expect_bad("", "empty");
	expect_bad("192.0.2.1", "no :PORT");
	expect_bad("192.0.2.1:", "no :PORT");
	expect_bad("[2001:db8::1]", "no :PORT after ']'");
	expect_bad("[2001:db8::1]:", "no :PORT after ']'");
	expect_bad("[2001:db8::1]51820", "no :PORT after ']'");
	expect_bad("[2001:db8::1:51820", "no ']'");
	expect_bad(":51820", "no host");
	expect_bad("[]:51820", "no host");
	expect_bad("host:65536", "not a number 0-65535");
	expect_bad("host:https", "not a number 0-65535");
	expect_bad("host:-1", "not a number 0-65535");
	expect_bad("host:+1", "not a number 0-65535");
	/* 255 characters fit (a DNS name has at most 253), 256 do not. */
	memset(host, 'a', 256);
	strcpy(host + 256, ":1");
	expect_bad(host, "longer than 255");
	strcpy(host + 255, ":1");
	memset(want, 'a', 255);
	want[255] = '\0';
	expect_split(host, want, 1);
}

static const char *text_of(const struct wg_endpoint *e)
{
	static char text[WG_ENDPOINT_TEXT_MAX];

	wg_endpoint_format(e, text);
	return text;
}

static void unit_endpoint_resolve_literal(void)
{
	struct wgconf_endpoint v4, v6;
	struct wg_endpoint *out = NULL;
	size_t count = 0;

	CHECK(wgconf_parse_endpoint(&v4, "192.0.2.7:51820") && wgconf_parse_endpoint(&v6, "[2001:db8::5]:443"),
	      "parse");
	CHECK(!wgconf_resolve(&v4, &out, &count) && count == 1, "v4: %zu", count);
	CHECK(count >= 1 && out[0].family == AF_INET && !strcmp(text_of(&out[0]), "192.0.2.7:51820"), "%s",
	      text_of(&out[0]));
	CHECK(!wgconf_resolve(&v6, &out, &count) && count == 2, "v6 appended: %zu", count);
	CHECK(count >= 2 && out[1].family == AF_INET6 && !strcmp(text_of(&out[1]), "[2001:db8::5]:443"),
	      "%s", text_of(&out[1]));
	CHECK(!wgconf_resolve(&v4, &out, &count) && count == 2, "the same address twice: %zu", count);
	free(out);
}

static bool is_loopback(const struct wg_endpoint *e)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (e->family == AF_INET)
		return e->addr[0] == 127;
	return e->family == AF_INET6 && !memcmp(e->addr, v6_loopback, 16);
}

/* Answered by /etc/hosts: no DNS query. */
static void unit_endpoint_resolve_localhost(void)
{
	struct wgconf_endpoint spec;
	struct wg_endpoint *out = NULL;
	size_t count = 0;

	CHECK(wgconf_parse_endpoint(&spec, "localhost:51820"), "parse");
	CHECK(!wgconf_resolve(&spec, &out, &count) && count >= 1, "localhost: %zu addresses", count);
	for (size_t i = 0; i < count; i++)
		CHECK(is_loopback(&out[i]) && out[i].port == 51820, "localhost gave %s", text_of(&out[i]));
	free(out);
}

static void unit_endpoint_retries_variable(void)
{
	struct wgconf_endpoint spec;
	struct wg_endpoint *out = NULL;
	size_t count = 0;
	struct capture c;
	char *said;
	int ret;

	CHECK(wgconf_parse_endpoint(&spec, "192.0.2.7:1"), "parse");
	setenv("WG_ENDPOINT_RESOLUTION_RETRIES", "many", 1);
	capture_begin(&c);
	ret = wgconf_resolve(&spec, &out, &count);
	said = capture_end(&c);
	CHECK(ret == -EINVAL && count == 0, "a bad retry count is refused, as wg does: %d", ret);
	CHECK(strstr(said, "WG_ENDPOINT_RESOLUTION_RETRIES 'many'"), "%s", said);
	free(said);
	for (const char *const *v = (const char *const[]){ "infinity", "0", "", "3", NULL }; *v; v++) {
		setenv("WG_ENDPOINT_RESOLUTION_RETRIES", *v, 1);
		CHECK(!wgconf_resolve(&spec, &out, &count) && count == 1, "retries '%s'", *v);
	}
	unsetenv("WG_ENDPOINT_RESOLUTION_RETRIES");
	free(out);
}

int main(void)
{
	log_verbosity = LOG_ERROR;
	unsetenv("WG_ENDPOINT_RESOLUTION_RETRIES");
	RUN(unit_endpoint_parse, "HOST:PORT and [IPV6]:PORT split as wg does; bad forms quoted and refused");
	RUN(unit_endpoint_resolve_literal, "IP literals resolve to themselves, appended once each");
	RUN(unit_endpoint_resolve_localhost, "localhost resolves to loopback addresses only");
	RUN(unit_endpoint_retries_variable, "WG_ENDPOINT_RESOLUTION_RETRIES: a count, infinity or empty; junk refused");
	return check_failed_tests ? 1 : 0;
}
