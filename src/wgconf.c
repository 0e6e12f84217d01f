// SPDX-License-Identifier: MIT
/*
 * A configuration file is read twice, as it is in real life: wg-quick takes
 * its own keys from [Interface] (KEY = VALUE, trimmed, case-insensitive) and
 * hands every other line to `wg setconf`, which removes all whitespace and
 * refuses what it does not know. Each view keeps its own idea of the section.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "textfile.h"
#include "wgconf.h"
#include "wgconf_read.h"

/* wg's whitespace (and bash's [[:space:]] in the C locale). */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (is_space(*s))
		s++;
	while (end > s && is_space(end[-1]))
		*--end = '\0';
	return s;
}

bool wgconf_fail(const struct wgconf_parser *ps, const char *fmt, ...)
{
	char problem[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	pr_err("%s:%u: %s", ps->c->path, ps->line, problem);
	return false;
}

static const char *const section_names[] = {
	[WGCONF_SECTION_NONE] = "before any [Interface] or [Peer]",
	[WGCONF_SECTION_INTERFACE] = "in [Interface]",
	[WGCONF_SECTION_PEER] = "in [Peer]",
};

/* wg refuses a peer without a public key once the whole file is read. */
static bool end_peer(struct wgconf_parser *ps)
{
	if (ps->section == WGCONF_SECTION_PEER && !ps->peer_has_public_key) {
		ps->line = ps->peer_line;
		return wgconf_fail(ps, "this [Peer] has no PublicKey: every peer needs one");
	}
	return true;
}

static bool start_section(struct wgconf_parser *ps, enum wgconf_section section)
{
	if (!end_peer(ps))
		return false;
	ps->section = section;
	if (section == WGCONF_SECTION_PEER) {
		ps->c->peer_count++;
		ps->peer_line = ps->line;
		ps->peer_has_public_key = false;
		ps->peer_endpoint = SIZE_MAX;
	}
	return true;
}

/* Keys and section names are letters: quote one only if it is short and looks like one. */
static bool quotable_name(const char *s, size_t len)
{
	static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	return len && len <= 32 && strspn(s, letters) >= len;
}

static bool misplaced_key(struct wgconf_parser *ps, const struct wgconf_key *k)
{
	const char *where = section_names[ps->section];

	if (!k->wg_quick)
		return wgconf_fail(ps, "%s belongs in [%s], not %s", k->name,
				   k->section == WGCONF_SECTION_PEER ? "Peer" : "Interface", where);
	if (ps->section != WGCONF_SECTION_INTERFACE)
		return wgconf_fail(ps, "%s belongs in [Interface], not %s", k->name, where);
	if (!ps->wg_quick_interface)
		return wgconf_fail(ps, "wg-quick reads %s only under a header written exactly "
				   "[Interface], without spaces inside the brackets", k->name);
	return wgconf_fail(ps, "%s is written with spaces inside: wg-quick would not read it, and "
			   "wg setconf would refuse it", k->name);
}

/* The line as `wg setconf` sees it: @line has no whitespace left. */
static bool read_wg_line(struct wgconf_parser *ps, char *line)
{
	const struct wgconf_key *k;
	char *eq = strchr(line, '=');
	size_t len = strlen(line);

	if (!len)
		return true;
	if (!strcasecmp(line, "[Interface]"))
		return start_section(ps, WGCONF_SECTION_INTERFACE);
	if (!strcasecmp(line, "[Peer]"))
		return start_section(ps, WGCONF_SECTION_PEER);
	if (len >= 2 && line[0] == '[' && line[len - 1] == ']' && quotable_name(line + 1, len - 2))
		return wgconf_fail(ps, "unknown section '%s': there are only [Interface] and [Peer]", line);
	/* Never quote a line we cannot name: it could be a key that lost its 'PrivateKey ='. */
	if (!eq)
		return wgconf_fail(ps, "this line (not shown) is neither a section header nor KEY = VALUE");
	*eq = '\0';
	k = wgconf_find_key(line);
	if (!k && quotable_name(line, strlen(line)))
		return wgconf_fail(ps, "unknown key '%s': wg setconf would refuse the line", line);
	if (!k)
		return wgconf_fail(ps, "unknown key (not shown): wg setconf would refuse the line");
	ps->key = k->name;
	if (k->wg_quick || k->section != ps->section)
		return misplaced_key(ps, k);
	if (!eq[1])
		return wgconf_fail(ps, "%s has no value: wg setconf would refuse the line", k->name);
	return k->read(ps, eq + 1);
}

/*
 * One line, in @buf and @squeezed (each with room for it): wg-quick's view
 * first, and what wg-quick does not take goes to wg's.
 */
static bool read_line(struct wgconf_parser *ps, const char *start, size_t n, char *buf,
		      char *squeezed)
{
	const char *hash = memchr(start, '#', n);
	const struct wgconf_key *k;
	char *key, *value = NULL, *eq;
	size_t m = 0;

	if (memchr(start, '\0', n))
		return wgconf_fail(ps, "NUL byte: this is not a text file");
	if (hash)
		n = (size_t)(hash - start);
	for (size_t i = 0; i < n; i++)
		if (!is_space(start[i]))
			squeezed[m++] = start[i];
	squeezed[m] = '\0';

	memcpy(buf, start, n);
	buf[n] = '\0';
	eq = strchr(buf, '=');
	if (eq) {
		*eq = '\0';
		value = trim(eq + 1);
	}
	key = trim(buf);
	if (*key == '[')
		ps->wg_quick_interface = !strcasecmp(key, "[Interface]");
	k = ps->wg_quick_interface ? wgconf_find_key(key) : NULL;
	if (!k || !k->wg_quick)
		return read_wg_line(ps, squeezed);
	ps->key = k->name;
	if (!value)
		return wgconf_fail(ps, "%s has no '=': write %s = VALUE", k->name, k->name);
	return k->read(ps, value);
}

bool wgconf_interface_name(char name[IFNAMSIZ], const char *path)
{
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_=+.-";
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t len = strlen(base);

	if (len <= 5 || strcmp(base + len - 5, ".conf"))
		return false;
	len -= 5;
	/* ip refuses "." and "..", which wg-quick's pattern lets through. */
	if (len >= IFNAMSIZ || strspn(base, allowed) < len || (len == 1 && base[0] == '.') ||
	    (len == 2 && !strncmp(base, "..", 2)))
		return false;
	memcpy(name, base, len);
	name[len] = '\0';
	return true;
}

int wgconf_parse(struct wgconf *out, const char *path, const char *text, size_t len)
{
	struct wgconf_parser ps = { .c = out, .peer_endpoint = SIZE_MAX };
	const char *cursor = text, *start;
	bool ok = true;
	char *buf;
	size_t n;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(out->path, sizeof(out->path), "%s", path) >= sizeof(out->path)) {
		pr_err("WireGuard configuration path '%.64s...' is too long", path);
		return -EINVAL;
	}
	if (!wgconf_interface_name(out->name, path)) {
		pr_err("%s: the file name must be an interface name (1-15 of A-Z a-z 0-9 _ = + . -) "
		       "followed by .conf, as wg-quick requires", path);
		return -EINVAL;
	}
	buf = malloc(2 * (len + 1));
	if (!buf) {
		pr_err("out of memory reading %s", path);
		return -ENOMEM;
	}
	while (ok && (start = textfile_line(&cursor, text + len, &n))) {
		ps.line++;
		ok = read_line(&ps, start, n, buf, buf + len + 1);
	}
	ok = ok && end_peer(&ps);
	/* The lines held keys. */
	explicit_bzero(buf, 2 * (len + 1));
	free(buf);
	if (!ok) {
		wgconf_free(out);
		return -EINVAL;
	}
	return 0;
}

void wgconf_free(struct wgconf *c)
{
	prefix_list_free(&c->addresses);
	prefix_list_free(&c->dns);
	prefix_list_free(&c->allowed_ips);
	free(c->endpoints);
	c->endpoints = NULL;
	c->endpoint_count = 0;
}

enum wgconf_mark_source wgconf_mark(const struct wgconf *c, uint32_t *mark)
{
	if (c->has_fwmark) {
		*mark = c->fwmark;
		return WGCONF_MARK_FWMARK;
	}
	/* wg-quick's add_default() marks only for a /0 route in its own table. */
	if (c->default_route && c->table == WGCONF_TABLE_AUTO) {
		*mark = WGCONF_MARK_AUTO;
		return WGCONF_MARK_INFERRED;
	}
	*mark = 0;
	return WGCONF_MARK_NONE;
}
