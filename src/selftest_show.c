// SPDX-License-Identifier: MIT
/* A selftest's outcome, for people and for scripts. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "counters.h"
#include "selftest.h"

const char *selftest_outcome(const struct probe *p, char *why, size_t size)
{
	char at[IF_NAMESIZE];

	why[0] = '\0';
	if (!p->sent) {
		snprintf(why, size, "not sent: %s%s", strerror(p->error),
			 p->error == EPERM || p->error == EACCES ? " (raw frames, ICMP and marks need CAP_NET_RAW)" : "");
		return "skipped";
	}
	if (!p->seen.count) {
		snprintf(why, size, "never judged: no kill switch saw it leave %s", p->ifname);
		return "FAILED";
	}
	if (p->seen.count > 1) {
		snprintf(why, size, "judged %u times", p->seen.count);
		return "FAILED";
	}
	if (p->seen.ifindex != p->judged_at) {
		if (!if_indextoname(p->seen.ifindex, at))
			snprintf(at, sizeof(at), "if%u", p->seen.ifindex);
		snprintf(why, size, "judged at %s, not where it left", at);
		return "FAILED";
	}
	if (p->seen.reason != probe_expected(p->kind)) {
		snprintf(why, size, "got %s %s",
			 p->seen.reason < KS_REASON_COUNT ? ks_reason_verdicts[p->seen.reason] : "?",
			 p->seen.reason < KS_REASON_COUNT ? ks_reason_names[p->seen.reason] : "?");
		return "FAILED";
	}
	return "held";
}

/* 203.0.113.7:4242, [2001:db8:6b73::1]:4242, or the address alone. */
static void destination_text(const struct probe *p, char *out, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(p->dst.family == 4 ? AF_INET : AF_INET6, p->dst.addr, addr, sizeof(addr));
	if (!p->dst.port)
		snprintf(out, size, "%s", addr);
	else
		snprintf(out, size, p->dst.family == 4 ? "%s:%u" : "[%s]:%u", addr, ntohs(p->dst.port));
}

static void expected_text(const struct probe *p, char *out, size_t size)
{
	enum ks_reason want = probe_expected(p->kind);

	snprintf(out, size, "%s %s", ks_reason_verdicts[want], ks_reason_names[want]);
}

void selftest_print_plain(FILE *out, const struct selftest *st)
{
	char dst[64], want[40], why[160];
	int names = 0;

	if (st->held)
		fprintf(out, "ksctl selftest: held: %d probes judged as they must be, in %llu ms\n", st->count,
			(unsigned long long)(st->duration_us + 500) / 1000);
	else {
		fprintf(out, "ksctl selftest: FAILED:");
		for (int i = 0; i < st->count; i++)
			if (!strcmp(selftest_outcome(&st->probes[i], why, sizeof(why)), "FAILED"))
				fprintf(out, "%s %s %s", names++ ? "," : "", st->probes[i].ifname,
					probe_kind_names[st->probes[i].kind]);
		fprintf(out, "%s (%d of %d probes did not hold, %d problem%s; %llu ms)\n", names ? "" : " nothing proven",
			st->failed, st->count, st->problem_count, st->problem_count == 1 ? "" : "s",
			(unsigned long long)(st->duration_us + 500) / 1000);
	}
	for (int i = 0; i < st->problem_count; i++)
		fprintf(out, "  problem: %s\n", st->problems[i]);
	for (int i = 0; i < st->count; i++) {
		const struct probe *p = &st->probes[i];
		const char *outcome = selftest_outcome(p, why, sizeof(why));

		destination_text(p, dst, sizeof(dst));
		expected_text(p, want, sizeof(want));
		fprintf(out, "  %-16s %-6s %-44s %-18s %s%s%s\n", p->ifname, probe_kind_names[p->kind], dst, want, outcome,
			why[0] ? ": " : "", why);
	}
}

void selftest_print_json(struct json *j, const char *key, const struct selftest *st)
{
	char dst[64], why[160];

	json_object(j, key);
	json_bool(j, "held", st->held);
	json_uint(j, "duration_us", st->duration_us);
	json_uint(j, "failed", (uint64_t)st->failed);
	json_array(j, "problems");
	for (int i = 0; i < st->problem_count; i++)
		json_string(j, NULL, st->problems[i]);
	json_end(j);
	json_array(j, "probes");
	for (int i = 0; i < st->count; i++) {
		const struct probe *p = &st->probes[i];
		enum ks_reason want = probe_expected(p->kind);

		inet_ntop(p->dst.family == 4 ? AF_INET : AF_INET6, p->dst.addr, dst, sizeof(dst));
		json_object(j, NULL);
		json_string(j, "interface", p->ifname);
		json_string(j, "kind", probe_kind_names[p->kind]);
		json_string(j, "destination", dst);
		if (p->dst.port)
			json_uint(j, "port", ntohs(p->dst.port));
		json_string(j, "expected_verdict", ks_reason_verdicts[want]);
		json_string(j, "expected_reason", ks_reason_names[want]);
		json_string(j, "outcome", selftest_outcome(p, why, sizeof(why)));
		if (why[0])
			json_string(j, "why", why);
		json_uint(j, "judged", p->seen.count);
		if (p->seen.count && p->seen.reason < KS_REASON_COUNT)
			json_string(j, "reason", ks_reason_names[p->seen.reason]);
		json_end(j);
	}
	json_end(j);
	json_end(j);
}
