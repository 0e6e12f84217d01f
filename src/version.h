/* SPDX-License-Identifier: MIT */
/* The version the build was made from: git describe, or the VERSION file of a tarball. */
#ifndef KSCTL_VERSION_H
#define KSCTL_VERSION_H

extern const char ksctl_version[];

#endif
