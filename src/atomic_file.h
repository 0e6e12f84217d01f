/* SPDX-License-Identifier: MIT */
/* A file that readers see whole or not at all: written beside it, then renamed over it. */
#ifndef KSCTL_ATOMIC_FILE_H
#define KSCTL_ATOMIC_FILE_H

#include <stdio.h>

/*
 * Writes what @print prints to @path: to PATH.XXXXXX in the same directory
 * (a name a textfile collector skips), mode 0644, renamed over @path once
 * complete. On any failure @path is left as it was. 0 or -errno (printed,
 * naming @path).
 */
int atomic_file_write(const char *path, void (*print)(FILE *out, const void *data), const void *data);

#endif
