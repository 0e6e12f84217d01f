/* SPDX-License-Identifier: MIT */
/*
 * The C tests' reporting, in the same form as the shell suites:
 * "[name] PASS|FAIL" per test; CHECK() records a failed expectation with
 * its line and keeps going, so one run shows every broken case.
 */
#ifndef KSCTL_CHECK_H
#define KSCTL_CHECK_H

#include <stdio.h>

static int check_failures_in_test;
static int check_failed_tests;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stdout, "    %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stdout, __VA_ARGS__);                      \
			fputc('\n', stdout);                               \
			check_failures_in_test++;                          \
		}                                                          \
	} while (0)

static inline void check_report(const char *name, const char *proved)
{
	if (check_failures_in_test) {
		printf("[%s] FAIL  (%d failed expectations above)\n", name, check_failures_in_test);
		check_failed_tests++;
	} else {
		printf("[%s] PASS  %s\n", name, proved);
	}
	fflush(stdout);
	check_failures_in_test = 0;
}

#define RUN(test, proved)                  \
	do {                               \
		test();                    \
		check_report(#test, proved); \
	} while (0)

#endif
