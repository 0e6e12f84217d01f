// SPDX-License-Identifier: MIT
/* textfile_read: regular files only, size caps, NUL bytes, standard input; textfile_line. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/capture.h"
#include "../lib/check.h"
#include "../lib/tmpdir.h"
#include "log.h"
#include "textfile.h"

/* Reads @path expecting -@err (0: success), and a message that names @path when it fails. */
static void expect_read(const char *path, size_t max, int err, const char *message_part)
{
	struct capture c;
	char *text = NULL, *said;
	size_t len = 0;
	int ret;

	capture_begin(&c);
	ret = textfile_read(path, "test file", max, &text, &len);
	said = capture_end(&c);
	CHECK(ret == -err, "%s: got %d (%s), want %d", path, ret, strerror(-ret), -err);
	if (err) {
		CHECK(strstr(said, path) && strstr(said, "test file"), "%s: message '%s'", path, said);
		CHECK(strstr(said, message_part), "%s: message '%s' lacks '%s'", path, said, message_part);
		CHECK(!strchr(said, '\n') || strchr(said, '\n') == said + strlen(said) - 1,
		      "%s: more than one line: '%s'", path, said);
	}
	free(text);
	free(said);
}

static void unit_textfile_regular(void)
{
	char *text = NULL;
	size_t len = 0;

	tmpdir_write("ok", "10.0.0.0/8\n", 11);
	CHECK(!textfile_read(tmpdir_path("ok"), "test file", 11, &text, &len), "exactly max bytes");
	CHECK(len == 11 && text && !strcmp(text, "10.0.0.0/8\n"), "content '%s' (%zu)", text, len);
	free(text);

	tmpdir_write("empty", "", 0);
	CHECK(!textfile_read(tmpdir_path("empty"), "test file", 11, &text, &len), "empty file");
	CHECK(len == 0 && text && !*text, "empty content");
	free(text);

	CHECK(!symlink(tmpdir_path("ok"), tmpdir_path("link")), "symlink");
	CHECK(!textfile_read(tmpdir_path("link"), "test file", 100, &text, &len) && len == 11,
	      "a link to a regular file is read");
	free(text);
}

static void unit_textfile_refused(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);

	expect_read(tmpdir_path("missing"), 100, ENOENT, "No such file");
	expect_read(tmpdir, 100, EISDIR, "is a directory");
	CHECK(!symlink(tmpdir, tmpdir_path("dirlink")), "symlink");
	expect_read(tmpdir_path("dirlink"), 100, EISDIR, "is a directory");
	expect_read("/dev/zero", 100, EINVAL, "is a character device");
	expect_read("/dev/null", 100, EINVAL, "is a character device");

	/* No writer: a blocking open would hang here. */
	CHECK(!mkfifo(tmpdir_path("fifo"), 0600), "mkfifo");
	expect_read(tmpdir_path("fifo"), 100, EINVAL, "is a FIFO");

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", tmpdir_path("sock"));
	CHECK(sock >= 0 && !bind(sock, (struct sockaddr *)&addr, sizeof(addr)), "bind");
	expect_read(tmpdir_path("sock"), 100, EINVAL, "is a socket");
	close(sock);

	tmpdir_write("big", "0123456789ab", 12);
	expect_read(tmpdir_path("big"), 11, EFBIG, "larger than 11 bytes");
	tmpdir_write("nul", "10.0.0.0/8\n\0\n", 13);
	expect_read(tmpdir_path("nul"), 100, EINVAL, "NUL byte at offset 11");
}

/* Runs textfile_read("-") with a pipe as standard input, fed by a child after a pause. */
static int read_stdin(const char *data, size_t size, bool nonblocking, char **text, size_t *len)
{
	int saved = dup(STDIN_FILENO), fds[2], ret, status;
	pid_t child;

	CHECK(saved >= 0 && !pipe(fds), "pipe");
	child = fork();
	if (child == 0) {
		close(fds[0]);
		usleep(20000);
		for (size_t done = 0; done < size;) {
			ssize_t n = write(fds[1], data + done, size - done);

			if (n <= 0)
				_exit(1);
			done += (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	if (nonblocking)
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	ret = textfile_read("-", "test input", 4096, text, len);
	dup2(saved, STDIN_FILENO);
	close(saved);
	/* The child may still be writing into a pipe nobody reads: end it. */
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return ret;
}

static void unit_textfile_stdin(void)
{
	static char big[5000];
	char *text = NULL;
	size_t len = 0;

	CHECK(!read_stdin("fd00::/8\n", 9, false, &text, &len), "stdin");
	CHECK(len == 9 && !strcmp(text, "fd00::/8\n"), "stdin content '%s'", text);
	free(text);
	text = NULL;
	CHECK(!read_stdin("fd00::/8\n", 9, true, &text, &len), "non-blocking stdin waits for data");
	CHECK(len == 9 && text && !strcmp(text, "fd00::/8\n"), "non-blocking stdin content");
	free(text);

	memset(big, 'x', sizeof(big));
	CHECK(read_stdin(big, sizeof(big), false, &text, &len) == -EFBIG,
	      "stdin beyond the cap is refused");
	CHECK(read_stdin("a\0b", 3, false, &text, &len) == -EINVAL, "NUL on stdin");
}

static void expect_lines(const char *text, const char *const *want, size_t count)
{
	const char *cursor = text, *line;
	size_t i = 0, len;

	while ((line = textfile_line(&cursor, text + strlen(text), &len))) {
		CHECK(i < count && len == strlen(want[i]) && !memcmp(line, want[i], len),
		      "line %zu of '%s': '%.*s'", i + 1, text, (int)len, line);
		i++;
	}
	CHECK(i == count, "'%s': %zu lines, want %zu", text, i, count);
}

static void unit_textfile_line(void)
{
	expect_lines("", NULL, 0);
	expect_lines("a", (const char *const[]){ "a" }, 1);
	expect_lines("a\n", (const char *const[]){ "a" }, 1);
	expect_lines("a\r\nb\n\nc", (const char *const[]){ "a", "b", "", "c" }, 4);
	expect_lines("\r\n\r", (const char *const[]){ "", "" }, 2);
	expect_lines("a\rb\n", (const char *const[]){ "a\rb" }, 1);
}

int main(void)
{
	log_verbosity = LOG_ERROR;
	tmpdir_make();
	RUN(unit_textfile_regular, "regular files and links to them are read whole, up to the cap");
	RUN(unit_textfile_refused, "directories, devices, FIFOs, sockets, big files, NULs: one line naming the file");
	RUN(unit_textfile_stdin, "'-' reads standard input, blocking or not, capped, NULs refused");
	RUN(unit_textfile_line, "lines split on \\n, one trailing \\r dropped");
	tmpdir_remove();
	return check_failed_tests ? 1 : 0;
}
