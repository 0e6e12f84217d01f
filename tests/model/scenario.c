// SPDX-License-Identifier: MIT
/*
 * Random configurations, biased to where the verdict has edges: prefixes at
 * and around the fast path's /16 and /24 boundaries, nested and adjacent
 * prefixes, tunnels that share marks, endpoints, ports and resolvers with
 * each other and with the prefix sets.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static const uint8_t len4[] = { 8, 12, 15, 16, 16, 16, 17, 20, 22, 23, 23, 24, 24, 24, 24, 24, 25, 25, 26, 28, 30, 31, 32, 32, 32 };
static const uint8_t len6[] = { 7, 10, 15, 16, 16, 16, 17, 32, 48, 48, 56, 64, 64, 96, 127, 128, 128 };
static const uint8_t octet1[] = { 10, 10, 100, 172, 192, 198, 203, 1, 8, 45, 127, 169, 224, 255 };
static const uint8_t octet2[] = { 0, 1, 16, 31, 51, 168, 254, 255 };
static const uint8_t octet3[] = { 0, 1, 2, 100, 127, 128, 254, 255 };
static const uint16_t word1[] = { 0x2001, 0xfd00, 0xfc00, 0xfdff, 0xfe80, 0xfebf, 0xfec0, 0x2a00, 0xff02, 0x0000 };

static void clear_host_bits(uint8_t *addr, unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int keep = len > i * 8 ? len - i * 8 : 0;

		if (keep < 8)
			addr[i] &= (uint8_t)(0xff00 >> keep);
	}
}

static void random_prefix(struct rng *r, bool v6, struct model_prefix *p)
{
	memset(p, 0, sizeof(*p));
	rng_fill(r, p->addr, v6 ? 16 : 4);
	if (v6) {
		uint16_t w = RNG_PICK(r, word1);

		p->family = 6;
		if (!rng_percent(r, 10)) {
			p->addr[0] = w >> 8;
			p->addr[1] = w & 0xff;
		}
		if (rng_percent(r, 40))
			memcpy(p->addr + 2, "\x0d\xb8", 2);
		p->len = rng_percent(r, 95) ? RNG_PICK(r, len6) : (uint8_t)rng_below(r, 129);
	} else {
		p->family = 4;
		if (!rng_percent(r, 10))
			p->addr[0] = RNG_PICK(r, octet1);
		if (rng_percent(r, 60))
			p->addr[1] = RNG_PICK(r, octet2);
		if (rng_percent(r, 50))
			p->addr[2] = RNG_PICK(r, octet3);
		p->len = rng_percent(r, 95) ? RNG_PICK(r, len4) : (uint8_t)rng_below(r, 33);
	}
	clear_host_bits(p->addr, p->len);
}

/* Random bits in @p->addr after its first @len. */
static void randomize_after(struct rng *r, struct model_prefix *p, unsigned int len)
{
	unsigned int size = p->family == 4 ? 4 : 16;
	uint8_t noise[16];

	rng_fill(r, noise, sizeof(noise));
	for (unsigned int i = 0; i < size; i++) {
		unsigned int fixed = len > i * 8 ? len - i * 8 : 0;

		if (fixed < 8)
			p->addr[i] = (uint8_t)((p->addr[i] & (0xff00 >> fixed)) | (noise[i] & (0xff >> fixed)));
	}
}

/* A prefix inside @outer, up to 8 bits longer. */
static void prefix_inside(struct rng *r, const struct model_prefix *outer, struct model_prefix *p)
{
	unsigned int max = outer->family == 4 ? 32 : 128, len = outer->len + rng_below(r, 9);

	*p = *outer;
	randomize_after(r, p, outer->len);
	p->len = (uint8_t)(len > max ? max : len);
	clear_host_bits(p->addr, p->len);
}

static bool add_target(struct scenario *s, uint8_t family, const uint8_t *addr)
{
	if (s->target_count == s->target_capacity) {
		size_t wanted = s->target_capacity ? s->target_capacity * 2 : 256;
		struct target *grown = realloc(s->targets, wanted * sizeof(*grown));

		if (!grown)
			return false;
		s->targets = grown;
		s->target_capacity = wanted;
	}
	s->targets[s->target_count].family = family;
	memset(s->targets[s->target_count].addr, 0, 16);
	memcpy(s->targets[s->target_count++].addr, addr, family == 4 ? 4 : 16);
	return true;
}

/* Adds @delta (+1 or -1) to a big-endian address of @size bytes, wrapping. */
static void step(uint8_t *addr, unsigned int size, int delta)
{
	for (int i = (int)size - 1; i >= 0; i--) {
		addr[i] = (uint8_t)(addr[i] + delta);
		if (addr[i] != (delta > 0 ? 0 : 0xff))
			break;
	}
}

/* The first and last addresses of @p, and their neighbours outside it. */
static bool add_edges(struct scenario *s, const struct model_prefix *p)
{
	unsigned int size = p->family == 4 ? 4 : 16;
	uint8_t first[16], last[16];
	bool ok;

	memcpy(first, p->addr, 16);
	memcpy(last, p->addr, 16);
	for (unsigned int i = 0; i < size; i++) {
		unsigned int keep = p->len > i * 8 ? p->len - i * 8 : 0;

		if (keep < 8)
			last[i] |= (uint8_t)(0xff >> keep);
	}
	ok = add_target(s, p->family, first) && add_target(s, p->family, last);
	step(first, size, -1);
	step(last, size, +1);
	return ok && add_target(s, p->family, first) && add_target(s, p->family, last);
}

static bool to_policy(struct prefix_list *list, const struct model_prefix *m)
{
	struct prefix p = { .family = m->family == 4 ? AF_INET : AF_INET6, .len = m->len };

	memcpy(p.addr, m->addr, 16);
	return prefix_list_add(list, &p);
}

/* Adds @p to the allowlist or the tunnel-only set; aims frames at its edges once in @edge_every. */
static bool add_prefix(struct scenario *s, struct rng *r, bool allow, const struct model_prefix *p,
		       uint32_t edge_every)
{
	struct model_prefixes *set = allow ? &s->model.allow : &s->model.tunnel_only;

	if (!model_prefixes_add(set, p) || !to_policy(allow ? &s->policy.allow : &s->policy.tunnel_only, p))
		return false;
	return rng_below(r, edge_every) ? true : add_edges(s, p);
}

static bool default_allowlist(struct scenario *s, struct rng *r)
{
	static const struct model_prefix defaults[] = {
		{ 4, 8, { 10 } }, { 4, 12, { 172, 16 } }, { 4, 16, { 192, 168 } }, { 6, 10, { 0xfe, 0x80 } }
	};

	for (size_t i = 0; i < sizeof(defaults) / sizeof(*defaults); i++)
		if (!add_prefix(s, r, true, &defaults[i], 1))
			return false;
	return true;
}

static size_t allowlist_size(struct rng *r)
{
	switch (rng_below(r, 10)) {
	case 0:
	case 1:
	case 2:
		return 0; /* the defaults */
	case 3:
	case 4:
	case 5:
	case 6:
		return 1 + rng_below(r, 40);
	case 7:
	case 8:
		return 100 + rng_below(r, 3000);
	default:
		return 10000 + rng_below(r, 90001);
	}
}

static bool allowlist(struct scenario *s, struct rng *r, size_t count)
{
	uint32_t edge_every = count > 2000 ? (uint32_t)(count / 1000) : 1;
	struct model_prefix p, outer;
	unsigned int shortest;

	if (!count)
		return default_allowlist(s, r);
	for (size_t i = 0; i < count; i++) {
		random_prefix(r, rng_percent(r, 30), &p);
		shortest = count > 1000 ? (p.family == 4 ? 15 : 32) : (p.family == 4 ? 8 : 7);
		/* Nested prefixes: a longer one inside one already there. */
		if (i && rng_percent(r, 25)) {
			outer = s->model.allow.items[rng_below(r, (uint32_t)s->model.allow.count)];
			prefix_inside(r, &outer, &p);
		}
		/* Wide prefixes open most of the space: rare, and only in short lists. */
		if (p.len < shortest && (count > 40 || rng_percent(r, 80))) {
			randomize_after(r, &p, p.len);
			p.len = (uint8_t)(shortest + rng_below(r, (p.family == 4 ? 33 : 129) - shortest));
			clear_host_bits(p.addr, p.len);
		}
		if (!add_prefix(s, r, true, &p, edge_every))
			return false;
	}
	return true;
}

/* A tunnel's DNS servers, Address networks and AllowedIPs: often inside the allowlist. */
static bool tunnel_only(struct scenario *s, struct rng *r)
{
	uint32_t count = rng_percent(r, 60) ? rng_below(r, 6) : rng_percent(r, 75) ? rng_below(r, 50) : 200 + rng_below(r, 1800);
	struct model_prefix p;

	for (uint32_t i = 0; i < count; i++) {
		if (s->model.allow.count && rng_percent(r, 60))
			prefix_inside(r, &s->model.allow.items[rng_below(r, (uint32_t)s->model.allow.count)], &p);
		else
			random_prefix(r, rng_percent(r, 30), &p);
		if (p.len < 8)
			continue;
		if (!add_prefix(s, r, false, &p, count > 200 ? 10 : 1))
			return false;
	}
	return true;
}

/* An address: inside an allowed or tunnel-only prefix, one already aimed at, or anywhere. */
static void random_address(struct scenario *s, struct rng *r, uint8_t *family, uint8_t *addr)
{
	const struct model_prefixes *set = rng_percent(r, 70) ? &s->model.allow : &s->model.tunnel_only;
	struct model_prefix p;

	if (set->count && rng_percent(r, 60)) {
		p = set->items[rng_below(r, (uint32_t)set->count)];
		randomize_after(r, &p, p.len);
	} else if (s->target_count && rng_percent(r, 40)) {
		const struct target *t = &s->targets[rng_below(r, (uint32_t)s->target_count)];

		p.family = t->family;
		memcpy(p.addr, t->addr, 16);
	} else {
		random_prefix(r, rng_percent(r, 35), &p);
		randomize_after(r, &p, p.len);
	}
	*family = p.family;
	memset(addr, 0, 16);
	memcpy(addr, p.addr, p.family == 4 ? 4 : 16);
}

static uint64_t random_mark(struct rng *r, const struct scenario *s, int tunnels)
{
	static const uint32_t marks[] = { 0xca6c, 0xca6d, 0x1, 0xffffffff, 0x10000, 0x80000000 };
	static const uint32_t masks[] = { 0xff00, 0xffff0000, 0xff0000, 0x1, 0xffff, 0x80000000 };
	uint32_t mark, mask;

	if (rng_percent(r, 25))
		return 0; /* wg-quick sets none */
	if (tunnels && rng_percent(r, 20)) /* shared with another tunnel */
		return s->policy.tunnels[rng_below(r, (uint32_t)tunnels)].mark_mask;
	mask = rng_percent(r, 60) ? 0xffffffff : rng_percent(r, 80) ? RNG_PICK(r, masks) : (uint32_t)rng_next(r);
	mark = rng_percent(r, 50) ? RNG_PICK(r, marks) : (uint32_t)rng_next(r);
	mark &= mask;
	if (!mark) /* ksctl refuses 0: it would match every unmarked packet */
		mark = mask & -mask;
	return mask ? KS_MARK_MASK(mark, mask) : 0;
}

static uint16_t random_port(struct rng *r, const struct scenario *s)
{
	static const uint16_t ports[] = { 51820, 51820, 51821, 53, 853, 1, 65535, 443 };

	if (s->port_count && rng_percent(r, 15))
		return s->ports[rng_below(r, s->port_count)];
	return rng_percent(r, 70) ? RNG_PICK(r, ports) : (uint16_t)(1 + rng_below(r, 65535));
}

static void add_port(struct scenario *s, uint16_t port)
{
	if (port && s->port_count < sizeof(s->ports) / sizeof(*s->ports))
		s->ports[s->port_count++] = port;
}

/* Tunnels named after nothing (wg0...), or after the namespace's devices, loopback included. */
static bool tunnels(struct scenario *s, struct rng *r, const struct scenario_devices *dev)
{
	const char *names[] = { "wg0", "wg1", "wg2", "wg3", "wg4", "wg5", "wg6", "wg7", dev->l3, dev->eth, "lo" };
	uint32_t count = rng_percent(r, 5) ? 0 : rng_percent(r, 65) ? 1 + rng_below(r, 2) : 3 + rng_below(r, 6);

	for (uint32_t i = 0; i < count; i++) {
		const char *name = names[rng_percent(r, 60) ? rng_below(r, 8) : 8 + rng_below(r, 3)];
		int index = s->policy.tunnel_count;
		struct ks_tunnel *t = policy_tunnel(&s->policy, name);

		if (!t || index == s->policy.tunnel_count)
			continue; /* that name was taken */
		t->mark_mask = random_mark(r, s, index);
		t->mark_source = t->mark_mask ? KS_MARK_OPTION : KS_MARK_NONE;
		t->listen_port = rng_percent(r, 50) ? 0 : random_port(r, s);
		add_port(s, t->listen_port);
	}
	return true;
}

/* After the tunnels: the policy's endpoint carries its tunnel's mark as it is when added. */
static bool add_endpoint(struct scenario *s, const struct model_endpoint *e)
{
	add_port(s, ntohs(e->key.port));
	return model_add_endpoint(&s->model, e) &&
	       policy_add_endpoint(&s->policy, (int)e->tunnel, e->key.family == 4 ? AF_INET : AF_INET6, e->key.addr,
				   ntohs(e->key.port), 1) &&
	       add_target(s, e->key.family, e->key.addr);
}

/* Peer endpoints: their addresses and ports shared between tunnels now and then, as with one provider. */
static bool endpoints(struct scenario *s, struct rng *r)
{
	for (int t = 0; t < s->policy.tunnel_count; t++) {
		uint32_t count = rng_percent(r, 30) ? 0 : rng_percent(r, 70) ? 1 + rng_below(r, 2) : 3 + rng_below(r, 4);

		for (uint32_t i = 0; i < count; i++) {
			struct model_endpoint e = { .tunnel = (uint32_t)t };
			uint16_t port = random_port(r, s);

			if (s->model.endpoint_count && rng_percent(r, 15)) {
				e.key = s->model.endpoints[rng_below(r, (uint32_t)s->model.endpoint_count)].key;
				if (rng_percent(r, 50))
					e.key.port = htons(port);
			} else {
				random_address(s, r, &e.key.family, e.key.addr);
				e.key.port = htons(port);
			}
			if (!add_endpoint(s, &e))
				return false;
		}
	}
	return true;
}

/* Resolvers named with --lan-dns: addresses, mostly on the allowed LAN. */
static bool lan_dns(struct scenario *s, struct rng *r)
{
	uint32_t count = rng_percent(r, 50) ? 0 : 1 + rng_below(r, 3);

	for (uint32_t i = 0; i < count; i++) {
		struct ks_addr_key k = { 0 };
		struct model_prefix p = { 0 };

		if (s->model.endpoint_count && rng_percent(r, 10)) {
			k = s->model.endpoints[rng_below(r, (uint32_t)s->model.endpoint_count)].key;
			k.port = 0;
		} else {
			random_address(s, r, &k.family, k.addr);
		}
		p.family = k.family;
		p.len = k.family == 4 ? 32 : 128;
		memcpy(p.addr, k.addr, 16);
		if (!model_add_lan_dns(&s->model, &k) || !to_policy(&s->policy.lan_dns, &p) ||
		    !add_target(s, k.family, k.addr))
			return false;
	}
	return true;
}

static void copy_tunnels_to_model(struct scenario *s)
{
	for (int i = 0; i < s->policy.tunnel_count; i++) {
		s->model.tunnel[i] = s->policy.tunnels[i];
		s->model.tunnel[i].ifindex = if_nametoindex(s->model.tunnel[i].name);
	}
}

bool scenario_generate(struct scenario *s, struct rng *r, const struct scenario_devices *dev, size_t allow_count)
{
	bool ok;

	memset(s, 0, sizeof(*s));
	s->policy.mode = KS_MODE_TC;
	add_port(s, 53);
	add_port(s, 853);
	ok = allowlist(s, r, allow_count ? allow_count : allowlist_size(r)) && tunnel_only(s, r) && tunnels(s, r, dev);
	copy_tunnels_to_model(s);
	/* Sealed before endpoints and resolvers draw from them. */
	model_prefixes_seal(&s->model.allow);
	model_prefixes_seal(&s->model.tunnel_only);
	return ok && endpoints(s, r) && lan_dns(s, r);
}

/* @prev's prefixes of one set, but one in fifty; then up to @added new ones. */
static bool evolve_prefixes(struct scenario *s, struct rng *r, bool allow, const struct prefix_list *prev,
			    uint32_t added)
{
	uint32_t edge_every = prev->count > 2000 ? (uint32_t)(prev->count / 1000) : 1;
	struct model_prefix p;

	for (size_t i = 0; i < prev->count; i++) {
		p.family = prev->items[i].family == AF_INET ? 4 : 6;
		p.len = prev->items[i].len;
		memcpy(p.addr, prev->items[i].addr, 16);
		if (!rng_percent(r, 2) && !add_prefix(s, r, allow, &p, edge_every))
			return false;
	}
	for (uint32_t i = rng_below(r, added + 1); i > 0; i--) {
		random_prefix(r, rng_percent(r, 30), &p);
		if (p.len >= 8 && !add_prefix(s, r, allow, &p, 1))
			return false;
	}
	return true;
}

/* @prev's tunnels, a mark or a listen port changed now and then. */
static void evolve_tunnels(struct scenario *s, struct rng *r, const struct scenario *prev)
{
	for (int i = 0; i < prev->policy.tunnel_count; i++) {
		struct ks_tunnel *t = policy_tunnel(&s->policy, prev->policy.tunnels[i].name);

		*t = prev->policy.tunnels[i];
		if (rng_percent(r, 30))
			t->mark_mask = random_mark(r, s, i);
		if (rng_percent(r, 20))
			t->listen_port = rng_percent(r, 50) ? 0 : random_port(r, s);
		add_port(s, t->listen_port);
	}
	copy_tunnels_to_model(s);
}

bool scenario_evolve(struct scenario *s, const struct scenario *prev, struct rng *r)
{
	memset(s, 0, sizeof(*s));
	s->policy.mode = KS_MODE_TC;
	add_port(s, 53);
	add_port(s, 853);
	if (!evolve_prefixes(s, r, true, &prev->policy.allow, 20) ||
	    !evolve_prefixes(s, r, false, &prev->policy.tunnel_only, 3))
		return false;
	model_prefixes_seal(&s->model.allow);
	model_prefixes_seal(&s->model.tunnel_only);
	evolve_tunnels(s, r, prev);
	for (size_t i = 0; i < prev->model.endpoint_count; i++)
		if (!rng_percent(r, 10) && !add_endpoint(s, &prev->model.endpoints[i]))
			return false;
	for (size_t i = 0; i < prev->model.lan_dns_count; i++) {
		const struct ks_addr_key *k = &prev->model.lan_dns[i];
		struct model_prefix p = { .family = k->family, .len = k->family == 4 ? 32 : 128 };

		memcpy(p.addr, k->addr, 16);
		if (!rng_percent(r, 10) &&
		    (!model_add_lan_dns(&s->model, k) || !to_policy(&s->policy.lan_dns, &p) ||
		     !add_target(s, k->family, k->addr)))
			return false;
	}
	return true;
}

void scenario_free(struct scenario *s)
{
	model_config_free(&s->model);
	policy_free(&s->policy);
	free(s->targets);
	memset(s, 0, sizeof(*s));
}

static void print_address(FILE *out, uint8_t family, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	fputs(text, out);
}

static void print_prefixes(FILE *out, const char *name, const struct model_prefixes *set)
{
	fprintf(out, "  %s: %zu prefixes", name, set->count);
	for (size_t i = 0; i < set->count && i < 12; i++) {
		fputc(' ', out);
		print_address(out, set->items[i].family, set->items[i].addr);
		fprintf(out, "/%u", set->items[i].len);
	}
	fputs(set->count > 12 ? " ...\n" : "\n", out);
}

void scenario_print(const struct scenario *s, FILE *out)
{
	fprintf(out, "  tunnels:");
	for (int i = 0; i < KS_TUNNELS_MAX; i++) {
		const struct ks_tunnel *t = &s->model.tunnel[i];

		if (t->name[0])
			fprintf(out, " [%d] %s ifindex %u mark 0x%x/0x%x listen %u;", i, t->name, t->ifindex,
				KS_MARK_OF(t->mark_mask), KS_MASK_OF(t->mark_mask), t->listen_port);
	}
	fprintf(out, "\n  endpoints:");
	for (size_t i = 0; i < s->model.endpoint_count; i++) {
		fputc(' ', out);
		print_address(out, s->model.endpoints[i].key.family, s->model.endpoints[i].key.addr);
		fprintf(out, " port %u tunnel %u;", ntohs(s->model.endpoints[i].key.port), s->model.endpoints[i].tunnel);
	}
	fprintf(out, "\n  lan dns:");
	for (size_t i = 0; i < s->model.lan_dns_count; i++) {
		fputc(' ', out);
		print_address(out, s->model.lan_dns[i].family, s->model.lan_dns[i].addr);
	}
	fputc('\n', out);
	print_prefixes(out, "tunnel-only", &s->model.tunnel_only);
	print_prefixes(out, "allowed", &s->model.allow);
}
