// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "endpoint.h"
#include "policy_show.h"

static const char *const mark_sources[] = {
	[KS_MARK_NONE] = "none",
	[KS_MARK_OPTION] = "--fwmark",
	[KS_MARK_FWMARK] = "FwMark",
	[KS_MARK_INFERRED] = "inferred",
};

static void endpoint_text(const struct policy_endpoint *e, char text[WG_ENDPOINT_TEXT_MAX])
{
	struct wg_endpoint shown = { .family = e->key.family == 4 ? AF_INET : AF_INET6, .port = ntohs(e->key.port) };

	memcpy(shown.addr, e->key.addr, sizeof(shown.addr));
	wg_endpoint_format(&shown, text);
}

static void time_text(uint64_t when, char text[32])
{
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(text, 32, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(text, 32, "?");
}

void policy_show_plain(FILE *out, const struct policy *p)
{
	char text[WG_ENDPOINT_TEXT_MAX], when[32];

	for (int i = 0; i < p->tunnel_count; i++) {
		const struct ks_tunnel *t = &p->tunnels[i];

		fprintf(out, "  tunnel %s:", t->name);
		if (KS_MASK_OF(t->mark_mask))
			fprintf(out, " mark 0x%x/0x%x (%s)", KS_MARK_OF(t->mark_mask), KS_MASK_OF(t->mark_mask),
				mark_sources[t->mark_source]);
		else
			fprintf(out, " no mark");
		if (t->listen_port)
			fprintf(out, ", listen port %u", t->listen_port);
		for (size_t j = 0; j < p->endpoint_count; j++) {
			const struct policy_endpoint *e = &p->endpoints[j];

			if (!(e->value.tunnels & (1U << i)) || e->key.fragment)
				continue;
			endpoint_text(e, text);
			time_text(e->value.resolved_at, when);
			fprintf(out, ", endpoint %s (resolved %s)", text, when);
		}
		fputc('\n', out);
	}
	fprintf(out, "  allowed prefixes: %zu ('ksctl allow list')\n", p->allow.count);
	if (p->tunnel_only.count)
		fprintf(out, "  tunnel-only destinations: %zu (never outside a tunnel, even where allowed)\n",
			p->tunnel_only.count);
	fprintf(out, "  DNS outside the tunnel:");
	for (size_t i = 0; i < p->lan_dns.count; i++) {
		inet_ntop(p->lan_dns.items[i].family, p->lan_dns.items[i].addr, text, sizeof(text));
		fprintf(out, " %s", text);
	}
	fprintf(out, "%s\n", p->lan_dns.count ? " (--lan-dns)" : " none (--lan-dns names a resolver)");
	if (p->event_rate)
		fprintf(out, "  drop events: %u per second at most ('ksctl events')\n", p->event_rate);
	else
		fprintf(out, "  drop events: none (--event-rate 0)\n");
}

void policy_show_json(struct json *j, const struct policy *p)
{
	char text[WG_ENDPOINT_TEXT_MAX];

	json_array(j, "tunnels");
	for (int i = 0; i < p->tunnel_count; i++) {
		const struct ks_tunnel *t = &p->tunnels[i];

		json_object(j, NULL);
		json_string(j, "name", t->name);
		json_uint(j, "fwmark", KS_MARK_OF(t->mark_mask));
		json_uint(j, "fwmark_mask", KS_MASK_OF(t->mark_mask));
		json_string(j, "fwmark_source", mark_sources[t->mark_source]);
		json_uint(j, "listen_port", t->listen_port);
		json_array(j, "endpoints");
		for (size_t k = 0; k < p->endpoint_count; k++) {
			const struct policy_endpoint *e = &p->endpoints[k];

			if (!(e->value.tunnels & (1U << i)) || e->key.fragment)
				continue;
			endpoint_text(e, text);
			json_object(j, NULL);
			json_string(j, "endpoint", text);
			json_uint(j, "resolved_at", e->value.resolved_at);
			json_end(j);
		}
		json_end(j);
		json_end(j);
	}
	json_end(j);
	json_uint(j, "allowed_prefixes", p->allow.count);
	json_uint(j, "tunnel_only_prefixes", p->tunnel_only.count);
	json_array(j, "lan_dns");
	for (size_t i = 0; i < p->lan_dns.count; i++) {
		inet_ntop(p->lan_dns.items[i].family, p->lan_dns.items[i].addr, text, sizeof(text));
		json_string(j, NULL, text);
	}
	json_end(j);
	json_uint(j, "event_rate", p->event_rate);
}
