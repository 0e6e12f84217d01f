/* SPDX-License-Identifier: MIT */
/* Loading the embedded BPF object, reusing a running kill switch's maps, and pinning. */
#ifndef KSCTL_LOADER_H
#define KSCTL_LOADER_H

#include "instance.h"
#include "killswitch.skel.h"
#include "policy.h"

/*
 * Loads the programs with a fresh IPv4 table of @table4_blocks blocks; with
 * @old in force, on @old's other maps (counters, config and tries kept).
 */
int loader_load(struct killswitch **out, const struct instance *old, __u32 table4_blocks, enum ks_mode mode);
struct bpf_program *loader_prog(struct killswitch *skel, enum ks_prog which);
/* The loaded program's maps, for policy_write. */
void loader_maps(struct killswitch *skel, struct ks_maps *out);
/*
 * Pins the maps and the loaded programs under @pin_dir. What replaces a
 * pinned object (a program, the new IPv4 table) is pinned as NAME_new, beside
 * the one in force: call loader_pin_commit once the new programs are attached.
 */
int loader_pin_staged(struct killswitch *skel, const char *pin_dir);
/* Renames every NAME_new into place, and removes the pins of programs this mode does not load. */
int loader_pin_commit(struct killswitch *skel, const char *pin_dir);
/* Removes every pin of @pin_dir, staged ones too, and the directory. */
void loader_unpin(const char *pin_dir);

#endif
