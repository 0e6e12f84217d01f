/* SPDX-License-Identifier: MIT */
/*
 * What every libFuzzer harness shares: the input as a C string, quiet
 * parsers, and FUZZ_ASSERT for the properties a harness checks beyond
 * "no crash". A failed property aborts, so libFuzzer keeps the input.
 */
#ifndef KSCTL_FUZZ_H
#define KSCTL_FUZZ_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where failed properties are explained: the real stderr, whatever fuzz_quiet() did. */
static FILE *fuzz_report;

#define FUZZ_ASSERT(cond, ...)                                                  \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(fuzz_report ? fuzz_report : stderr, "%s:%d: property failed: %s: ", \
				__FILE__, __LINE__, #cond);                     \
			fprintf(fuzz_report ? fuzz_report : stderr, __VA_ARGS__); \
			fputc('\n', fuzz_report ? fuzz_report : stderr);        \
			abort();                                                \
		}                                                               \
	} while (0)

/*
 * Parsers quote every rejected value through pr_err on stderr: at thousands
 * of runs a second that write is most of the time and floods the log.
 * log_verbosity cannot go below errors, so stdio's stderr goes to /dev/null;
 * the sanitizers and libFuzzer write to file descriptor 2 and are still seen.
 * KSCTL_FUZZ_VERBOSE=1 keeps the messages, to read them while reproducing.
 */
static inline void fuzz_quiet(void)
{
	const char *verbose = getenv("KSCTL_FUZZ_VERBOSE");
	FILE *null;

	fuzz_report = stderr;
	if (verbose && !strcmp(verbose, "1"))
		return;
	null = fopen("/dev/null", "we");
	if (null)
		stderr = null;
}

/* Every harness gets quiet parsers before its first run. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/*
 * The input up to its first NUL as a C string, in a buffer of exactly that
 * size, so that AddressSanitizer sees any read past its end. The caller frees it.
 */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text;

	size = strnlen((const char *)data, size);
	text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

/* Cuts the next NUL-terminated piece off @*data: several strings from one input. */
static inline char *fuzz_next_text(const uint8_t **data, size_t *size)
{
	const uint8_t *nul = memchr(*data, '\0', *size);
	size_t len = nul ? (size_t)(nul - *data) : *size;
	char *text = fuzz_text(*data, len);

	*data += nul ? len + 1 : len;
	*size -= nul ? len + 1 : len;
	return text;
}

/* The next 8 bytes of the input as a number (fewer at its end). */
static inline uint64_t fuzz_next_u64(const uint8_t **data, size_t *size)
{
	uint64_t value = 0;

	for (int i = 0; i < 8 && *size; i++, (*data)++, (*size)--)
		value = value << 8 | **data;
	return value;
}

/* A memory stream for a writer's output: *text holds it after fclose(). */
static inline FILE *fuzz_memstream(char **text, size_t *len)
{
	FILE *out = open_memstream(text, len);

	if (!out)
		abort();
	return out;
}

#endif
