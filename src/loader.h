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
/* Pins the maps and the loaded programs under @pin_dir, replacing the pins of older programs and tables. */
int loader_pin(struct killswitch *skel, const char *pin_dir);
/* Removes every pin of @pin_dir and the directory. */
void loader_unpin(const char *pin_dir);

#endif
