/* SPDX-License-Identifier: MIT */
/* Small text files read whole, refusing what is not one. */
#ifndef KSCTL_TEXTFILE_H
#define KSCTL_TEXTFILE_H

#include <stddef.h>

/*
 * Reads the regular file @path (or standard input for "-") whole into *text
 * (NUL-terminated, caller frees) and its length into *len. Refuses, with one
 * line naming @what and @path and the problem: anything but a regular file
 * (directory, device such as /dev/zero, FIFO, socket; symlinks are followed
 * but the target must be regular), a file larger than @max bytes (also for
 * stdin: stop reading at max+1), read errors (report them, never swallow),
 * and NUL bytes. Never prints the file's content. 0 or -errno.
 */
int textfile_read(const char *path, const char *what, size_t max, char **text, size_t *len);

/*
 * The next line of the text that ends at @end: returns its start and sets
 * *len (without its "\n" or "\r\n"), moving *cursor past it; NULL at the end.
 */
const char *textfile_line(const char **cursor, const char *end, size_t *len);

#endif
