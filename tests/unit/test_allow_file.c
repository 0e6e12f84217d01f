// SPDX-License-Identifier: MIT
/* --allow-file: its lines, the files it refuses, and what its errors may show. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/capture.h"
#include "../lib/check.h"
#include "../lib/tmpdir.h"
#include "log.h"
#include "prefix.h"

/* Adds @path (or @len bytes of @text when @path is NULL) and returns what was printed. */
static char *add(struct prefix_list *list, const char *path, const char *text, size_t len, bool *ok)
{
	struct capture c;

	capture_begin(&c);
	*ok = path ? prefix_list_add_file(list, path) : prefix_list_add_text_buffer(list, "buf", text, len);
	return capture_end(&c);
}

static void expect_refused(const char *path, const char *text, const char *want)
{
	struct prefix_list list = { 0 };
	bool ok;
	char *said = add(&list, path, text, text ? strlen(text) : 0, &ok);

	CHECK(!ok, "%s was accepted", path ? path : text);
	CHECK(strstr(said, want), "message '%s' lacks '%s'", said, want);
	CHECK(strlen(said) && strchr(said, '\n') == said + strlen(said) - 1, "not one line: '%s'", said);
	free(said);
	prefix_list_free(&list);
}

static bool contains(const struct prefix_list *list, const char *cidr)
{
	struct prefix p;
	bool host_bits;

	return prefix_parse(&p, cidr, &host_bits) && prefix_list_contains(list, &p);
}

static void unit_allow_file(void)
{
	const char text[] = "# home\n10.0.0.0/8\n  192.168.1.1/24   # a host inside\n\n2001:db8::/32\r\n";
	const char *path = tmpdir_write("allow", text, strlen(text));
	struct prefix_list list = { 0 };
	bool ok;
	char *said;

	log_verbosity = LOG_INFO;
	said = add(&list, path, NULL, 0, &ok);
	log_verbosity = LOG_ERROR;
	CHECK(ok, "file rejected: %s", said);
	CHECK(strstr(said, ":3: note: '192.168.1.1/24' has host bits set"), "note: '%s'", said);
	free(said);
	CHECK(list.count == 3, "%zu prefixes", list.count);
	prefix_list_sort(&list);
	CHECK(contains(&list, "192.168.1.0/24"), "192.168.1.0/24 missing");
	CHECK(contains(&list, "2001:db8::/32"), "2001:db8::/32 missing (CRLF)");
	CHECK(!contains(&list, "192.168.0.0/16"), "192.168.0.0/16 present");
	prefix_list_free(&list);

	path = tmpdir_write("bad", "10.0.0.0/8\n10.0.0.0/33\n", 23);
	expect_refused(path, NULL, ":2: invalid CIDR '10.0.0.0/33'");
	expect_refused(NULL, "10.0.0.0/8 192.168.0.0/16\n", "buf:1: a second entry '192.168.0.0/16'");
	expect_refused(NULL, "10.0.0.0/8,\n", "buf:1: invalid CIDR '10.0.0.0/8,'");
	expect_refused(tmpdir_path("missing"), NULL, "No such file");
}

static void unit_allow_file_refused(void)
{
	const char *big = tmpdir_path("big");

	CHECK(!truncate(tmpdir_write("big", "", 0), ALLOW_FILE_MAX + 1), "sparse file");
	CHECK(!mkfifo(tmpdir_path("fifo"), 0600), "mkfifo");
	expect_refused(tmpdir, NULL, "is a directory");
	expect_refused("/dev/zero", NULL, "'/dev/zero' is a character device");
	expect_refused(tmpdir_path("fifo"), NULL, "is a FIFO");
	expect_refused(big, NULL, "is larger than 16777216 bytes");
	expect_refused(tmpdir_write("nul", "10.0.0.0/8\n\0", 12), NULL, "NUL byte");
	CHECK(!truncate(big, ALLOW_FILE_MAX), "sparse file");
	expect_refused(big, NULL, "NUL byte"); /* within the cap: read, then refused */
}

static void unit_allow_file_lines(void)
{
	char line[300], text[400];
	struct prefix_list list = { 0 };
	bool ok;
	char *said;

	/* 256 characters with the comment: fine; one more is not. */
	snprintf(line, sizeof(line), "10.0.0.0/8 #%0244d", 0);
	CHECK(strlen(line) == 256, "%zu", strlen(line));
	snprintf(text, sizeof(text), "fd00::/8\n%s\r\n", line);
	said = add(&list, NULL, text, strlen(text), &ok);
	CHECK(ok && list.count == 2, "a 256-character line was refused: %s", said);
	free(said);
	prefix_list_free(&list);
	snprintf(text, sizeof(text), "fd00::/8\n%s0\n", line);
	expect_refused(NULL, text, "buf:2: line longer than 256 characters");

	/* A NUL inside the buffer (the file reader refuses it earlier). */
	said = add(&list, NULL, "10.0.0.0/8\n1\0\n", 14, &ok);
	CHECK(!ok && strstr(said, "buf:2: NUL byte"), "NUL: '%s'", said);
	free(said);
	prefix_list_free(&list);

	/* A long address-like token is quoted up to 64 characters. */
	memset(line, '1', 100);
	memcpy(line, "1.", 2);
	line[100] = '\0';
	expect_refused(NULL, line, "'1.11111111111111111111111111111111111111111111111111111111111111...'");
}

/* The file may be a link to a secret: no part of the secret may be printed. */
static void unit_allow_file_secret(void)
{
	static const char *const secrets[] = {
		"root:$6$s3cretSalt$s3cretHash0123456789:19000:0:99999:7:::\n",
		"s3cretpassword\n",
		"00112233445566778899aabbccdd3cee\n", /* hex, like /etc/machine-id */
		"10.0.0.0/8 s3cret\n",
		"10.0.0.0/8\ns3cret=yes\n",
	};
	char link[256];

	snprintf(link, sizeof(link), "%s", tmpdir_path("link"));

	for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++) {
		struct prefix_list list = { 0 };
		bool ok;
		char *said;

		unlink(link);
		CHECK(!symlink(tmpdir_write("secret", secrets[i], strlen(secrets[i])), link), "symlink");
		said = add(&list, link, NULL, 0, &ok);
		CHECK(!ok, "secret %zu accepted", i);
		CHECK(strstr(said, link) && strstr(said, "not quoted"), "secret %zu: '%s'", i, said);
		CHECK(!strstr(said, "s3cret") && !strstr(said, "3cee"), "secret %zu shown: '%s'", i, said);
		free(said);
		prefix_list_free(&list);
	}
}

static void unit_allow_file_stdin(void)
{
	int saved = dup(STDIN_FILENO), fds[2];
	struct prefix_list list = { 0 };

	CHECK(saved >= 0 && !pipe(fds) && write(fds[1], "10.0.0.0/8\nfd00::/8\n", 20) == 20, "pipe");
	close(fds[1]);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	CHECK(prefix_list_add_file(&list, "-") && list.count == 2, "stdin: %zu prefixes", list.count);
	dup2(saved, STDIN_FILENO);
	close(saved);
	prefix_list_free(&list);
}

int main(void)
{
	log_verbosity = LOG_ERROR;
	tmpdir_make();
	RUN(unit_allow_file, "allow files: comments, CRLF, host bits noted by line, one bad entry rejects all");
	RUN(unit_allow_file_refused, "directories, devices, FIFOs, files over 16 MiB and NUL bytes are refused");
	RUN(unit_allow_file_lines, "lines up to 256 characters; bad tokens quoted up to 64");
	RUN(unit_allow_file_secret, "a link to a secret file: refused, and no part of the secret printed");
	RUN(unit_allow_file_stdin, "'-' reads the list from standard input");
	tmpdir_remove();
	return check_failed_tests ? 1 : 0;
}
