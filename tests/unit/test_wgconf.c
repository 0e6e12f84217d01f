// SPDX-License-Identifier: MIT
/* wg-quick configurations: what wg-quick and wg setconf accept, refuse, and what ksctl derives. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/capture.h"
#include "../lib/check.h"
#include "../lib/tmpdir.h"
#include "log.h"
#include "wgconf.h"

/* Keys made by wg genkey/pubkey/genpsk for these tests. */
#define PRIV "oLBoyYyEzCon3ARBl4QUuVo/vNdXr+vCxCm+vL/lfkQ="
#define PSK "4uHkdPhlIgJsySS84LFuaF3M42Nk725ncd523tzC96g="
#define PUB1 "OMrss+JsFrGfT7WveIksv3kYpy1VdmchmCkhQ20H0QI="
#define PUB2 "3YYUnwgPrlJXPGSGwM0s9FSwCD5QgO03ghiIwHvhbwA="
#define PUB3 "R00n8Sedi4DL35yrFRVMVBtXBD+vt2kAdQ+7eG1MkDQ="

/* "a/8 b/128": the list in order, to compare in one line. */
static const char *list_text(const struct prefix_list *list)
{
	static char text[1024];
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < list->count && used < sizeof(text); i++) {
		char p[PREFIX_TEXT_MAX];

		prefix_format(&list->items[i], p);
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", i ? " " : "", p);
	}
	return text;
}

static bool parse(struct wgconf *c, const char *path, const char *text)
{
	struct capture cap;
	char *said;
	int ret;

	capture_begin(&cap);
	ret = wgconf_parse(c, path, text, strlen(text));
	said = capture_end(&cap);
	CHECK(ret == 0, "%s was refused: %s", path, said);
	free(said);
	return ret == 0;
}

/* Refused with one line "ksctl: error: wg0.conf:LINE: ..." holding @want, and no key. */
static void expect_refused(const char *text, unsigned int line, const char *want)
{
	char where[32];
	struct wgconf c;
	struct capture cap;
	char *said;
	int ret;

	capture_begin(&cap);
	ret = wgconf_parse(&c, "/etc/wireguard/wg0.conf", text, strlen(text));
	said = capture_end(&cap);
	snprintf(where, sizeof(where), "wg0.conf:%u: ", line);
	CHECK(ret == -EINVAL, "accepted (%d): %s", ret, text);
	if (ret == 0)
		wgconf_free(&c);
	CHECK(strstr(said, where) && strstr(said, want), "'%s' lacks '%s' or '%s'", said, where, want);
	CHECK(strlen(said) && strchr(said, '\n') == said + strlen(said) - 1, "not one line: '%s'", said);
	CHECK(!strstr(said, PRIV) && !strstr(said, PSK) && !strstr(said, "lfkQ") &&
		      !strstr(said, "96g="),
	      "a key was printed: '%s'", said);
	free(said);
}

/* As a provider (Mullvad) hands it out. */
static void unit_wgconf_provider_client(void)
{
	struct wgconf c;
	uint32_t mark = 0;

	if (!parse(&c, "/config/wg_confs/wg0.conf",
		   "[Interface]\n"
		   "# Device: Happy Otter\n"
		   "PrivateKey = " PRIV "\n"
		   "Address = 10.68.12.34/32,fc00:bbbb:bbbb:bb01::5:c21/128\n"
		   "DNS = 10.64.0.1\n"
		   "\n"
		   "[Peer]\n"
		   "PublicKey = " PUB1 "\n"
		   "AllowedIPs = 0.0.0.0/0,::0/0\n"
		   "Endpoint = 185.65.134.66:51820\n"))
		return;
	CHECK(!strcmp(c.name, "wg0") && !strcmp(c.path, "/config/wg_confs/wg0.conf"), "%s %s", c.name,
	      c.path);
	CHECK(!strcmp(list_text(&c.addresses), "10.68.12.34/32 fc00:bbbb:bbbb:bb01::5:c21/128"), "%s",
	      list_text(&c.addresses));
	CHECK(!strcmp(list_text(&c.dns), "10.64.0.1/32"), "%s", list_text(&c.dns));
	CHECK(c.allowed_ips.count == 0 && c.default_route, "%s", list_text(&c.allowed_ips));
	CHECK(c.endpoint_count == 1 && !strcmp(c.endpoints[0].host, "185.65.134.66") &&
		      c.endpoints[0].port == 51820 && c.endpoints[0].line == 10,
	      "endpoint");
	CHECK(!c.has_fwmark && !c.has_listen_port && c.table == WGCONF_TABLE_AUTO && c.peer_count == 1,
	      "flags");
	CHECK(wgconf_mark(&c, &mark) == WGCONF_MARK_INFERRED && mark == 51820, "mark %u", mark);
	wgconf_free(&c);
}

/* The reference article's configuration, its kill switch in PostUp/PreDown, and its mistake. */
static void unit_wgconf_article(void)
{
#define ARTICLE_RULE(op) \
	"iptables -" op " OUTPUT ! -o %i -m mark ! --mark $(wg show %i fwmark) -m addrtype ! --dst-type LOCAL -j REJECT"
	struct wgconf c;

	if (parse(&c, "wg0.conf",
		  "[Interface]\n"
		  "PrivateKey = " PRIV "\n"
		  "Address = 10.66.66.2/32\n"
		  "DNS = 10.64.0.1\n"
		  "PostUp = " ARTICLE_RULE("I") " && ip6" ARTICLE_RULE("I") "\n"
		  "PreDown = " ARTICLE_RULE("D") " && ip6" ARTICLE_RULE("D") "\n"
		  "\n"
		  "[Peer]\n"
		  "PublicKey = " PUB1 "\n"
		  "AllowedIPs = 0.0.0.0/0, ::/0\n"
		  "Endpoint = vpn.example.net:51820\n")) {
		CHECK(!strcmp(list_text(&c.dns), "10.64.0.1/32"), "%s", list_text(&c.dns));
		CHECK(c.endpoint_count == 1 && !strcmp(c.endpoints[0].host, "vpn.example.net"), "host");
		wgconf_free(&c);
	}
	expect_refused("[Interface]\nPrivateKey = " PRIV "\n"
		       "Address  # This malformed configuration leads to an error\n",
		       3, "Address has no '='");
#undef ARTICLE_RULE
}

/* What linuxserver/wireguard generates in server mode. */
static void unit_wgconf_linuxserver_server(void)
{
	struct wgconf c;
	uint32_t mark = 1;

	if (!parse(&c, "/config/wg_confs/wg0.conf",
		   "[Interface]\n"
		   "Address = 10.13.13.1\n"
		   "ListenPort = 51820\n"
		   "PrivateKey = " PRIV "\n"
		   "PostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -A FORWARD -o %i -j ACCEPT; "
		   "iptables -t nat -A POSTROUTING -o eth+ -j MASQUERADE\n"
		   "PostDown = iptables -D FORWARD -i %i -j ACCEPT; iptables -D FORWARD -o %i -j ACCEPT; "
		   "iptables -t nat -D POSTROUTING -o eth+ -j MASQUERADE\n"
		   "\n"
		   "[Peer]\n"
		   "# peer1\n"
		   "PublicKey = " PUB1 "\n"
		   "PresharedKey = " PSK "\n"
		   "AllowedIPs = 10.13.13.2/32\n"
		   "\n"
		   "[Peer]\n"
		   "# peer2\n"
		   "PublicKey = " PUB2 "\n"
		   "PresharedKey = " PSK "\n"
		   "AllowedIPs = 10.13.13.3/32\n"
		   "\n"
		   "[Peer]\n"
		   "# laptop\n"
		   "PublicKey = " PUB3 "\n"
		   "PresharedKey = " PSK "\n"
		   "AllowedIPs = 10.13.13.4/32, 192.168.50.0/24\n"))
		return;
	CHECK(c.has_listen_port && c.listen_port == 51820, "listen port");
	CHECK(!strcmp(list_text(&c.addresses), "10.13.13.1/32"), "%s", list_text(&c.addresses));
	CHECK(!strcmp(list_text(&c.allowed_ips), "10.13.13.2/32 10.13.13.3/32 10.13.13.4/32 192.168.50.0/24"),
	      "%s", list_text(&c.allowed_ips));
	CHECK(c.peer_count == 3 && c.endpoint_count == 0 && !c.default_route && c.dns.count == 0, "peers");
	CHECK(wgconf_mark(&c, &mark) == WGCONF_MARK_NONE && mark == 0, "a server sets no mark");
	wgconf_free(&c);
}

/* Case, spacing, comments, CRLF, lists, brackets, names: all as wg-quick and wg take them. */
static void unit_wgconf_forms(void)
{
	struct wgconf c;

	if (!parse(&c, "./My_vpn-2.conf",
		   "# a comment before anything\r\n"
		   "  [INTERFACE]   # trailing comment\r\n"
		   "privatekey=" PRIV "\r\n"
		   "\tADDRESS\t=\t10.0.0.2/24 ,fd00::2/64\r\n"
		   "address = 10.0.1.2/32\r\n"
		   "Private Key = " PRIV "\r\n" /* wg removes every space: a key */
		   "dns = 1.1.1.1, 2606:4700:4700::1111 example.com,fe80::1%wg0\r\n"
		   "LISTENPORT = 0\r\n"
		   "fwmark = 0xCA6C\r\n"
		   "table = off\r\n"
		   "mtu = 0x578\r\n"
		   "SaveConfig = TRUE\r\n"
		   "[ peer ]\r\n"
		   "PUBLICKEY=" PUB1 "\r\n"
		   "allowedips = 10.1.0.0/16,\t10.2.0.0/16 , 2001:db8::/32, 10.9.9.9\r\n"
		   "Allowed IPs = 192.0.2.1/24\r\n" /* host bits: wg warns, keeps the network */
		   "endpoint = [2001:db8::1]:51820\r\n"
		   "persistentkeepalive = OFF\r\n"
		   "[Peer]\r\n"
		   "PublicKey = " PUB2 "\r\n"
		   "Endpoint = old.example.com:1\r\n"
		   "Endpoint = vpn.example.com:443 # the last one counts\r\n"
		   "AllowedIPs = +10.3.0.0/16, -10.4.0.0/16\r\n"
		   "PersistentKeepalive = 25"))
		return;
	CHECK(!strcmp(c.name, "My_vpn-2"), "name %s", c.name);
	CHECK(!strcmp(list_text(&c.addresses), "10.0.0.0/24 fd00::/64 10.0.1.2/32"), "%s",
	      list_text(&c.addresses));
	CHECK(!strcmp(list_text(&c.dns), "1.1.1.1/32 2606:4700:4700::1111/128 fe80::1/128"), "%s",
	      list_text(&c.dns));
	CHECK(!c.has_listen_port && c.has_fwmark && c.fwmark == 0xca6c && c.table == WGCONF_TABLE_OFF,
	      "interface values");
	CHECK(!strcmp(list_text(&c.allowed_ips),
		      "10.1.0.0/16 10.2.0.0/16 2001:db8::/32 10.9.9.9/32 192.0.2.0/24 10.3.0.0/16"),
	      "%s", list_text(&c.allowed_ips));
	CHECK(c.endpoint_count == 2 && !strcmp(c.endpoints[0].host, "2001:db8::1") &&
		      c.endpoints[0].port == 51820 && !strcmp(c.endpoints[1].host, "vpn.example.com") &&
		      c.endpoints[1].port == 443 && c.endpoints[1].line == 22,
	      "endpoints");
	CHECK(!c.default_route && c.peer_count == 2, "peers");
	wgconf_free(&c);

	/* Nothing at all, and empty values that wg-quick takes as unset. */
	if (parse(&c, "wg1.conf", "")) {
		CHECK(c.peer_count == 0 && c.addresses.count == 0, "empty");
		wgconf_free(&c);
	}
	if (parse(&c, "wg1.conf", "[Interface]\nAddress =\nDNS =\nMTU =\nTable =\nPostUp =\n")) {
		CHECK(c.addresses.count == 0 && c.table == WGCONF_TABLE_AUTO, "empty values");
		wgconf_free(&c);
	}
}

static void expect_mark(const char *table, const char *fwmark, const char *allowed,
			enum wgconf_mark_source want, uint32_t want_mark)
{
	char text[512];
	struct wgconf c;
	uint32_t mark = 7;

	snprintf(text, sizeof(text), "[Interface]\nPrivateKey = %s\n%s%s\n%s%s\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\n",
		 PRIV, table ? "Table = " : "", table ? table : "", fwmark ? "FwMark = " : "",
		 fwmark ? fwmark : "", PUB1, allowed);
	if (!parse(&c, "wg0.conf", text))
		return;
	CHECK(wgconf_mark(&c, &mark) == want && mark == want_mark,
	      "Table %s, FwMark %s, AllowedIPs %s: source %d mark %u, want %d %u", table, fwmark,
	      allowed, wgconf_mark(&c, &mark), mark, want, want_mark);
	wgconf_free(&c);
}

static void unit_wgconf_mark(void)
{
	static const char *const tables[] = { NULL, "auto", "off", "1234", "main" };
	static const char *const allowed[] = { "0.0.0.0/0", "::/0", "10.0.0.0/8, fd00::/8" };
	static const char *const no_marks[] = { NULL, "off", "Off", "0", "0x0" };

	for (size_t t = 0; t < sizeof(tables) / sizeof(*tables); t++) {
		for (size_t a = 0; a < sizeof(allowed) / sizeof(*allowed); a++) {
			bool auto_default = t < 2 && a < 2;

			/* FwMark wins whatever the table; 0 and off leave it to wg-quick. */
			expect_mark(tables[t], "0x1234", allowed[a], WGCONF_MARK_FWMARK, 0x1234);
			expect_mark(tables[t], "51821", allowed[a], WGCONF_MARK_FWMARK, 51821);
			expect_mark(tables[t], "0xffffffff", allowed[a], WGCONF_MARK_FWMARK, 0xffffffff);
			for (size_t f = 0; f < sizeof(no_marks) / sizeof(*no_marks); f++)
				expect_mark(tables[t], no_marks[f], allowed[a],
					    auto_default ? WGCONF_MARK_INFERRED : WGCONF_MARK_NONE,
					    auto_default ? 51820 : 0);
		}
	}
}

/* What wg-quick or wg setconf would refuse: the text, the line named, and why. */
static const struct refused {
	const char *text;
	unsigned int line;
	const char *why;
} refused[] = {
#define IFACE "[Interface]\n"
#define PEER "[Peer]\nPublicKey = " PUB1 "\n"
	{ IFACE "PrivateKey = " PRIV "\nFoo = bar\n", 3, "unknown key 'Foo'" },
	{ "ListenPort = 51820\n[Interface]\n", 1, "ListenPort belongs in [Interface], not before" },
	{ PEER "ListenPort = 1\n", 3, "ListenPort belongs in [Interface], not in [Peer]" },
	{ IFACE "PublicKey = " PUB1 "\n", 2, "PublicKey belongs in [Peer]" },
	{ PEER "PostUp = echo hi\n", 3, "PostUp belongs in [Interface]" },
	{ PEER "Address = 10.0.0.2/32\n", 3, "Address belongs in [Interface]" },
	{ IFACE "Post Up = echo hi\n", 2, "PostUp is written with spaces inside" },
	{ "[ Interface ]\nAddress = 10.0.0.2/32\n", 2, "written exactly [Interface]" },
	{ "[Foo]\n", 1, "unknown section '[Foo]'" },
	{ IFACE "some words\n", 2, "this line (not shown)" },
	{ IFACE PRIV "\n", 2, "unknown key (not shown)" },
	{ IFACE "PrivateKey =\n" PRIV "=\n", 2, "PrivateKey has no value" },
	{ IFACE PRIV "=x\n", 2, "unknown key (not shown)" },
	/* Keys: the value is never printed. */
	{ IFACE "PrivateKey = " PRIV "x\n", 2, "PrivateKey is not a WireGuard key" },
	{ IFACE "PrivateKey = oLBoyYyEzCon3ARBl4QUuVo/vNdXr+vCxCm+vL/lfkQ\n", 2, "not a WireGuard key" },
	{ IFACE "PrivateKey = oLBoyYyEzCon3ARBl4QUuVo/vNdXr+vCxCm+vL/lfkR=\n", 2, "not a WireGuard key" },
	{ IFACE "PrivateKey = oLBoyYyEzCon3ARBl4QUuVo/vNdXr+vCxCm+vL_lfkQ=\n", 2, "not a WireGuard key" },
	{ PEER "PresharedKey = " PSK "=\n", 3, "PresharedKey is not a WireGuard key" },
	{ "[Peer]\nAllowedIPs = 10.0.0.0/8\n[Peer]\nPublicKey = " PUB1 "\n", 1, "this [Peer] has no PublicKey" },
	{ PEER "[Peer]\nEndpoint = 192.0.2.1:1\n", 3, "has no PublicKey" },
	{ "[Peer]\nPublicKey = bad\n", 2, "PublicKey is not a WireGuard key" },
	/* Values. */
	{ IFACE "ListenPort = 65536\n", 2, "ListenPort '65536' is not a port number" },
	{ IFACE "ListenPort = wireguard\n", 2, "ListenPort 'wireguard'" },
	{ IFACE "ListenPort = -1\n", 2, "ListenPort '-1'" },
	{ IFACE "ListenPort =\n", 2, "ListenPort has no value" },
	{ IFACE "FwMark = 0x100000000\n", 2, "FwMark '0x100000000' is neither off nor" },
	{ IFACE "FwMark = 0XCA6C\n", 2, "FwMark '0XCA6C'" },
	{ IFACE "FwMark = 0x\n", 2, "FwMark '0x'" },
	{ PEER "PersistentKeepalive = 65536\n", 3, "PersistentKeepalive '65536'" },
	{ PEER "AllowedIPs = 10.0.0.0/33\n", 3, "AllowedIPs entry '10.0.0.0/33'" },
	{ PEER "AllowedIPs = 10.0.0.0/8,\n", 3, "AllowedIPs entry ''" },
	{ PEER "AllowedIPs = example.com/8\n", 3, "AllowedIPs entry 'example.com/8'" },
	{ PEER "AllowedIPs =\n", 3, "AllowedIPs has no value" },
	{ PEER "Endpoint = 192.0.2.1\n", 3, "Endpoint '192.0.2.1': no :PORT" },
	{ PEER "Endpoint = [2001:db8::1:51820\n", 3, "no ']'" },
	{ PEER "Endpoint = host:70000\n", 3, "port is not a number" },
	{ IFACE "Address = 10.0.0.300/24\n", 2, "Address '10.0.0.300/24' is not" },
	{ IFACE "Address = 10.0.0.2/24;\n", 2, "Address '10.0.0.2/24;'" },
	{ IFACE "DNS = 10.64.0.999\n", 2, "DNS server '10.64.0.999' is not an IPv4" },
	{ IFACE "DNS = dns.example:53\n", 2, "DNS server 'dns.example:53' is not an IPv6" },
	{ IFACE "MTU = big\n", 2, "MTU 'big'" },
	{ IFACE "Table = Off\n", 2, "Table 'Off': write it in lower case" },
	{ IFACE "Table = 12 34\n", 2, "Table '12 34'" },
	{ IFACE "SaveConfig = yes\n", 2, "SaveConfig 'yes'" },
	{ IFACE "SaveConfig =\n", 2, "SaveConfig ''" },
	{ IFACE "PostUp\n", 2, "PostUp has no '='" },
	{ IFACE "Address = 10.0.0.2/32\n\x01\n", 3, "not shown" },
#undef IFACE
#undef PEER
};

static void unit_wgconf_refused(void)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		expect_refused(refused[i].text, refused[i].line, refused[i].why);
}

static void unit_wgconf_names(void)
{
	char name[IFNAMSIZ];
	struct wgconf c;
	struct capture cap;
	char *said;

	CHECK(wgconf_interface_name(name, "/etc/wireguard/wg0.conf") && !strcmp(name, "wg0"), "wg0");
	CHECK(wgconf_interface_name(name, "a.b=c+d_e-f.conf") && !strcmp(name, "a.b=c+d_e-f"), "%s", name);
	CHECK(wgconf_interface_name(name, "abcdefghijklmno.conf"), "15 characters");
	CHECK(!wgconf_interface_name(name, "abcdefghijklmnop.conf"), "16 characters");
	CHECK(!wgconf_interface_name(name, ".conf"), "empty name");
	CHECK(!wgconf_interface_name(name, "..conf") && !wgconf_interface_name(name, "...conf"), ". and ..");
	CHECK(!wgconf_interface_name(name, "wg 0.conf") && !wgconf_interface_name(name, "wg:0.conf"), "characters");
	CHECK(!wgconf_interface_name(name, "wg0.config") && !wgconf_interface_name(name, "wg0"), "suffix");
	CHECK(!wgconf_interface_name(name, "/etc/wireguard.conf/"), "directory");

	capture_begin(&cap);
	CHECK(wgconf_parse(&c, "/tmp/my vpn.conf", "", 0) == -EINVAL, "a bad name is refused");
	said = capture_end(&cap);
	CHECK(strstr(said, "/tmp/my vpn.conf: the file name must be an interface name"), "%s", said);
	free(said);
}

static char *load(struct wgconf_list *list, const char *path, int *ret)
{
	struct capture cap;

	capture_begin(&cap);
	*ret = wgconf_load(list, path);
	return capture_end(&cap);
}

static void unit_wgconf_load(void)
{
	static const char good[] = "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.0.0.2/32\n";
	struct wgconf_list list = { 0 };
	char *said;
	int ret;

	tmpdir_write("wg1.conf", good, strlen(good));
	tmpdir_write("wg0.conf", good, strlen(good));
	tmpdir_write("README", "not a configuration", 19);
	tmpdir_write("wg0.conf.bak", "junk", 4);
	tmpdir_write(".hidden.conf", "junk", 4);
	tmpdir_write("much-too-long-name.conf", "junk", 4);
	said = load(&list, tmpdir, &ret);
	CHECK(ret == 0 && list.count == 2, "%d, %zu configurations: %s", ret, list.count, said);
	CHECK(list.count == 2 && !strcmp(list.items[0].name, "wg0") && !strcmp(list.items[1].name, "wg1"),
	      "sorted by name");
	CHECK(list.count && !strcmp(list.items[0].path, tmpdir_path("wg0.conf")), "path %s", list.items[0].path);
	CHECK(strstr(said, "ignoring") && strstr(said, "much-too-long-name.conf") && !strstr(said, "hidden"),
	      "warning: '%s'", said);
	free(said);

	/* The same interface again, a bad file, a bad directory: refused, the list unchanged. */
	free(load(&list, tmpdir_path("wg0.conf"), &ret));
	CHECK(ret == -EEXIST && list.count == 2, "wg0 twice: %d", ret);
	tmpdir_write("wg2.conf", "[Interface]\nListenPort = x\n", 27);
	said = load(&list, tmpdir_path("wg2.conf"), &ret);
	CHECK(ret == -EINVAL && list.count == 2 && strstr(said, "wg2.conf:2: ListenPort 'x'"), "%s", said);
	free(said);
	wgconf_list_free(&list);
	tmpdir_write("wg3.conf", good, strlen(good));
	free(load(&list, tmpdir, &ret));
	CHECK(ret == -EINVAL && list.count == 0, "a directory with a bad file: %d %zu", ret,
	      list.count);
	unlink(tmpdir_path("wg2.conf"));

	said = load(&list, tmpdir_path("README"), &ret);
	CHECK(ret == -EINVAL && strstr(said, "must be an interface name"), "%s", said);
	free(said);
	said = load(&list, tmpdir_path("nothing.conf"), &ret);
	CHECK(ret == -ENOENT && strstr(said, "nothing.conf"), "%s", said);
	free(said);
	CHECK(!mkfifo(tmpdir_path("wg9.conf"), 0600), "mkfifo");
	said = load(&list, tmpdir_path("wg9.conf"), &ret);
	CHECK(ret == -EINVAL && strstr(said, "is a FIFO"), "%s", said);
	free(said);
	wgconf_list_free(&list);
}

int main(void)
{
	log_verbosity = LOG_WARN;
	tmpdir_make();
	RUN(unit_wgconf_provider_client, "a provider's client config: addresses, DNS, default route, endpoint, mark 51820");
	RUN(unit_wgconf_article, "the article's config (DNS 10.64.0.1, PostUp rules); its 'Address' line without '=' is refused");
	RUN(unit_wgconf_linuxserver_server, "linuxserver's server config: listen port, peers' AllowedIPs, no mark");
	RUN(unit_wgconf_forms, "odd case and spacing, comments, CRLF, lists, brackets, names, last Endpoint wins");
	RUN(unit_wgconf_mark, "the mark for each Table, FwMark and default route combination");
	RUN(unit_wgconf_refused, "what wg-quick or wg would refuse, in one line with its line number, no key shown");
	RUN(unit_wgconf_names, "file names must be an interface name followed by .conf");
	RUN(unit_wgconf_load, "files and directories: sorted, others ignored, duplicates and bad files refused whole");
	tmpdir_remove();
	return check_failed_tests ? 1 : 0;
}
