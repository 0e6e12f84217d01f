// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "counters.h"
#include "events.h"
#include "json.h"

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void event_context_init(struct event_context *ctx, const struct container_roots *roots)
{
	memset(ctx, 0, sizeof(*ctx));
	cgroup_names_init(&ctx->cgroups);
	ctx->roots = *roots;
	ctx->boot_to_unix_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

void event_context_free(struct event_context *ctx)
{
	cgroup_names_free(&ctx->cgroups);
}

static void time_text(char *out, size_t size, int64_t unix_ns)
{
	time_t secs = (time_t)(unix_ns / 1000000000LL);
	struct tm tm;
	char day[24];

	if (!gmtime_r(&secs, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(day, sizeof(day), "?");
	snprintf(out, size, "%s.%06" PRId64 "Z", day, (int64_t)(unix_ns % 1000000000LL / 1000));
}

static void protocol_text(char *out, size_t size, const struct ks_event *e)
{
	static const struct {
		__u8 number;
		const char *name;
	} names[] = { { IPPROTO_UDP, "udp" }, { IPPROTO_TCP, "tcp" }, { IPPROTO_ICMP, "icmp" },
		      { IPPROTO_ICMPV6, "icmpv6" } };

	if (e->flags & KS_EVENT_ARP) {
		snprintf(out, size, "arp");
		return;
	}
	if (!e->family) {
		snprintf(out, size, "-");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (names[i].number == e->l4) {
			snprintf(out, size, "%s", names[i].name);
			return;
		}
	snprintf(out, size, "%u", e->l4);
}

void event_view_make(struct event_view *v, const struct ks_event *e, struct event_context *ctx)
{
	int family = e->family == 6 ? AF_INET6 : AF_INET;

	memset(v, 0, sizeof(*v));
	time_text(v->time, sizeof(v->time), (int64_t)e->time_ns + ctx->boot_to_unix_ns);
	v->verdict = e->reason < KS_REASON_COUNT ? ks_reason_verdicts[e->reason] : "drop";
	v->reason = e->reason < KS_REASON_COUNT ? ks_reason_names[e->reason] : "unknown";
	if (!if_indextoname(e->ifindex, v->interface))
		snprintf(v->interface, sizeof(v->interface), "if%u", e->ifindex);
	protocol_text(v->protocol, sizeof(v->protocol), e);
	if (e->family) {
		inet_ntop(family, e->src, v->src, sizeof(v->src));
		inet_ntop(family, e->dst, v->dst, sizeof(v->dst));
	}
	if (e->cgroup_id)
		v->cgroup = cgroup_names_find(&ctx->cgroups, e->cgroup_id);
	v->in_container = v->cgroup && container_from_cgroup(v->cgroup, &v->container);
	if (v->in_container)
		container_name(&v->container, &ctx->roots);
}

/* An address with its port: 198.51.100.1:53, [2001:db8::1]:53, or the address alone. */
static void endpoint(FILE *out, const char *addr, const struct ks_event *e, __u16 port)
{
	if (!(e->flags & KS_EVENT_PORTS))
		fputs(addr, out);
	else if (e->family == 6)
		fprintf(out, "[%s]:%u", addr, ntohs(port));
	else
		fprintf(out, "%s:%u", addr, ntohs(port));
}

void event_print_line(FILE *out, const struct event_view *v, const struct ks_event *e)
{
	fprintf(out, "%s %s %s %s %s", v->time, v->verdict, v->reason, v->interface, v->protocol);
	if (e->flags & KS_EVENT_ARP) {
		fprintf(out, " %s asks for %s", v->src, v->dst);
	} else if (e->family) {
		fputc(' ', out);
		endpoint(out, v->src, e, e->src_port);
		fputs(" > ", out);
		endpoint(out, v->dst, e, e->dst_port);
		if (e->flags & KS_EVENT_FRAGMENT)
			fputs(" (fragment)", out);
	}
	fprintf(out, " len %u", e->len);
	if (e->mark)
		fprintf(out, " mark 0x%x", e->mark);
	if (v->cgroup)
		fprintf(out, " cgroup %s", v->cgroup);
	else if (e->cgroup_id)
		fprintf(out, " cgroup id %" PRIu64 " (not visible here)", (uint64_t)e->cgroup_id);
	if (v->in_container)
		fprintf(out, " (%s%s %.12s%s%s)", v->container.kubernetes ? "kubernetes " : "", v->container.engine,
			v->container.id, v->container.name[0] ? " " : "", v->container.name);
	fputc('\n', out);
}

void event_print_json(FILE *out, const struct event_view *v, const struct ks_event *e)
{
	struct json j;

	json_begin(&j, out);
	json_object(&j, NULL);
	json_string(&j, "time", v->time);
	json_string(&j, "verdict", v->verdict);
	json_string(&j, "reason", v->reason);
	json_string(&j, "interface", v->interface);
	json_uint(&j, "ifindex", e->ifindex);
	json_uint(&j, "family", e->family);
	json_string(&j, "protocol", v->protocol);
	if (e->family) {
		json_string(&j, "source", v->src);
		json_string(&j, "destination", v->dst);
	}
	if (e->flags & KS_EVENT_PORTS) {
		json_uint(&j, "source_port", ntohs(e->src_port));
		json_uint(&j, "destination_port", ntohs(e->dst_port));
	}
	json_bool(&j, "fragment", e->flags & KS_EVENT_FRAGMENT);
	json_uint(&j, "length", e->len);
	json_uint(&j, "mark", e->mark);
	json_uint(&j, "cgroup_id", e->cgroup_id);
	if (v->cgroup)
		json_string(&j, "cgroup", v->cgroup);
	if (v->in_container) {
		json_object(&j, "container");
		json_string(&j, "engine", v->container.engine);
		json_bool(&j, "kubernetes", v->container.kubernetes);
		json_string(&j, "id", v->container.id);
		if (v->container.name[0])
			json_string(&j, "name", v->container.name);
		json_end(&j);
	}
	json_finish(&j);
}
