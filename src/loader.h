/* SPDX-License-Identifier: MIT */
/* Loading the embedded BPF object, reusing a running kill switch's maps, and pinning. */
#ifndef KSCTL_LOADER_H
#define KSCTL_LOADER_H

#include "instance.h"
#include "killswitch.skel.h"

/* Loads the programs; with @old in force, on @old's maps (counters and config kept). */
int loader_load(struct killswitch **out, const struct instance *old);
struct bpf_program *loader_prog(struct killswitch *skel, enum ks_prog which);
/* Pins the maps and the programs under @pin_dir, replacing older program pins. */
int loader_pin(struct killswitch *skel, const char *pin_dir);
/* Removes every pin of @pin_dir and the directory. */
void loader_unpin(const char *pin_dir);

#endif
