// SPDX-License-Identifier: MIT
#include "ksctl_version.h"
#include "version.h"

const char ksctl_version[] = KSCTL_VERSION;
