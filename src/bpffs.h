/* SPDX-License-Identifier: MIT */
/* Where ksctl pins its state: one directory per network namespace on a bpffs. */
#ifndef KSCTL_BPFFS_H
#define KSCTL_BPFFS_H

#include <limits.h>
#include <stdbool.h>

#define KS_PIN_ROOT_DEFAULT "/sys/fs/bpf/ksctl"
#define KS_PIN_ROOT_ENV "KSCTL_PIN_DIR"

/* --pin-dir, else $KSCTL_PIN_DIR (KS_PIN_ROOT_ENV), else the default. */
const char *pin_root(const char *option);

/* "<root>/netns-<cookie>": the network namespace's own directory. 0 or -errno. */
int pin_dir_path(char out[PATH_MAX], const char *root);

/*
 * Makes sure @root is a directory on a bpffs, mounting one at /sys/fs/bpf
 * for the default root when it is missing and @may_mount.
 * 0, or -errno with *why explaining in words.
 */
int bpffs_prepare(const char *root, bool may_mount, const char **why);

bool have_cap_sys_admin(void);

#endif
