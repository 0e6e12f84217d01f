// SPDX-License-Identifier: MIT
#include "version.h"

const char ksctl_version[] = "0.1.0";
