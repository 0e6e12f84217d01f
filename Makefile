# SPDX-License-Identifier: MIT
# ksctl: `make` builds build/ksctl; `sudo make test` installs what is
# missing, builds and runs every suite; `sudo make demo` shows it working.

PREFIX ?= /usr/local
DESTDIR ?=
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
BUILD := build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -I$(BUILD) -MMD -MP
LDLIBS := -lbpf -lelf -lz
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_CFLAGS := -fno-omit-frame-pointer -fno-sanitize-recover=all
BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror -Iinclude -I/usr/include/$(MULTIARCH)

# Debian packages: to build, to test, to benchmark. `make deps` installs the missing ones.
DEPS_BUILD := make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool pkg-config cppcheck clang-tidy
# libFuzzer and clang's sanitizer runtimes, for the fuzzers (tests/fuzz).
DEPS_FUZZ := libclang-rt-14-dev
DEPS_TEST := iproute2 wireguard-tools wireguard-go tcpdump iputils-ping netcat-openbsd socat \
	python3 procps util-linux libcap2-bin kmod nftables shellcheck busybox dash curl groff-base git tmux
DEPS_BENCH := iptables nftables
# The container test also fetches Debian 13's Docker engine into a private cache (tests/compose).
DEPS_COMPOSE := debootstrap debian-archive-keyring
DEB_PACKAGES := $(DEPS_BUILD) $(DEPS_FUZZ) $(DEPS_TEST) $(DEPS_BENCH) $(DEPS_COMPOSE)

ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @printf '  %-7s %s\n'
endif

SRCS := $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
OBJS := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
TEST_OBJS := $(SRCS:src/%.c=$(BUILD)/test/obj/%.o)
TEST_LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/test/obj/%.o)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/test/%,$(wildcard tests/unit/*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(BUILD)/test/%,$(wildcard tests/bpf/*.c))
MODEL_OBJS := $(patsubst tests/model/%.c,$(BUILD)/test/model/%.o,$(wildcard tests/model/*.c))
# The model alone, which tests/bpf holds to its expectations too.
MODEL_LIB_OBJS := $(addprefix $(BUILD)/test/model/,model.o model_config.o model_policy.o)
DIFF_TEST := $(BUILD)/test/test_differential
SKEL := $(BUILD)/killswitch.skel.h
# A fuzzer is tests/fuzz/fuzz_NAME.c with its seeds in tests/fuzz/corpus/NAME/.
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_SECONDS ?= 60
FUZZ_QUICK_SECONDS ?= 10
# git describe, or the VERSION file of a tarball: tools/version.sh.
VERSION := $(shell sh tools/version.sh)
VERSION_H := $(BUILD)/ksctl_version.h

.DELETE_ON_ERROR:
.PHONY: all deps test unit-tests fuzzers fuzz differential demo bench dist test-compose install check clean clean-cache FORCE

all: $(BUILD)/ksctl $(BUILD)/ksctl.8 $(BUILD)/ksctl.bash

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS    installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/killswitch.bpf.o: bpf/killswitch.bpf.c include/ksctl_common.h | $(BUILD)
	$(say) CLANG $@
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(SKEL): $(BUILD)/killswitch.bpf.o
	$(say) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name killswitch > $@

# Rewritten only when the version changes, so that only version.o is rebuilt.
$(VERSION_H): FORCE | $(BUILD)
	$(Q)printf '/* Written by make from tools/version.sh. */\n#define KSCTL_VERSION "%s"\n' '$(VERSION)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; echo "  VERSION $(VERSION)"; fi

$(BUILD)/obj/version.o $(BUILD)/test/obj/version.o $(BUILD)/fuzz/obj/version.o: $(VERSION_H)

$(BUILD)/obj/%.o: src/%.c $(SKEL) | $(BUILD)/obj
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/ksctl: $(OBJS)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The test build: the same sources under AddressSanitizer and UBSan.
$(BUILD)/test/obj/%.o: src/%.c $(SKEL) | $(BUILD)/test/obj
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) -c $< -o $@

$(BUILD)/test/ksctl: $(TEST_OBJS)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) $^ $(LDLIBS) -o $@

# Tests link what they use from an archive of everything but main().
$(BUILD)/test/libksctl.a: $(TEST_LIB_OBJS)
	$(say) AR $@
	$(Q)$(AR) rcs $@ $^

# Their dependency files add headers to the prerequisites: compile only the sources and the archive.
$(BUILD)/test/%: tests/unit/%.c $(BUILD)/test/libksctl.a
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) -Isrc $(filter %.c %.a,$^) $(LDLIBS) -o $@

$(BUILD)/test/%: tests/bpf/%.c $(MODEL_LIB_OBJS) $(BUILD)/test/libksctl.a
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) -Isrc $(filter %.c %.o %.a,$^) $(LDLIBS) -o $@

# The differential test: the model of the verdict and its generators, against the real program.
$(BUILD)/test/model/%.o: tests/model/%.c $(SKEL) | $(BUILD)/test/model
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) -Isrc -c $< -o $@

$(DIFF_TEST): $(MODEL_OBJS) $(BUILD)/test/libksctl.a
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) $^ $(LDLIBS) -o $@

# The fuzzers: clang, libFuzzer and its coverage instrumentation in the library too,
# so that the fuzzer is guided by the parsers' branches and not only the harness's.
$(BUILD)/fuzz/obj/%.o: src/%.c $(SKEL) | $(BUILD)/fuzz/obj
	$(say) CLANG $@
	$(Q)$(CLANG) $(CFLAGS) -fsanitize=fuzzer-no-link,address,undefined $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/libksctl.a: $(FUZZ_LIB_OBJS)
	$(say) AR $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libksctl.a
	$(say) CLANG $@
	$(Q)$(CLANG) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(FUZZ_CFLAGS) -Isrc $(filter %.c %.a,$^) $(LDLIBS) -o $@

# The man page and the completion: prose by hand, each command's options from ksctl's own tables.
$(BUILD)/ksctl.8: man/ksctl.8.in $(BUILD)/ksctl $(VERSION_H)
	$(say) MAN $@
	$(Q)$(BUILD)/ksctl help --man > $@.part
	$(Q)sed -e 's/@VERSION@/$(VERSION)/' -e '/^\.\\" @COMMANDS@$$/{r $@.part' -e 'd;}' $< > $@
	$(Q)rm -f $@.part

$(BUILD)/ksctl.bash: completion/ksctl.bash.in $(BUILD)/ksctl
	$(say) BASH $@
	$(Q)$(BUILD)/ksctl help --completion > $@.part
	$(Q)sed -e '/^# @GENERATED@$$/{r $@.part' -e 'd;}' $< > $@
	$(Q)rm -f $@.part

# Fully static: runs on any x86_64 userland, musl-based Alpine included.
$(BUILD)/dist/ksctl: $(SRCS) $(SKEL) $(VERSION_H) | $(BUILD)/dist
	$(say) DIST $@
	$(Q)$(CC) $(CFLAGS) -static -Os -s $(SRCS) $(LDLIBS) -o $@

dist: $(BUILD)/dist/ksctl

$(BUILD) $(BUILD)/obj $(BUILD)/test/obj $(BUILD)/test/model $(BUILD)/fuzz/obj $(BUILD)/dist:
	$(Q)mkdir -p $@

unit-tests: $(UNIT_TESTS) $(BPF_TESTS) $(DIFF_TEST) $(BUILD)/test/ksctl $(BUILD)/ksctl $(BUILD)/ksctl.8 $(BUILD)/ksctl.bash

fuzzers: $(FUZZERS)

# Each fuzzer for FUZZ_SECONDS, and the differential test for DIFF_FRAMES; `make test` runs both briefly.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzzers $(DIFF_TEST)
	$(Q)KSCTL_BUILD=$(abspath $(BUILD)) FUZZ_SECONDS=$(FUZZ_SECONDS) DIFF_FRAMES=$(DIFF_FRAMES) \
		bash tests/run.sh tests/fuzz/run.sh tests/model/run.sh

# Every suite, one tally. The deployment checks use the npm validators pinned in tests/deploy.
TEST_SUITES := tests/unit/run.sh tests/bpf/run.sh tests/model/run.sh tests/cli/run.sh tests/e2e/smoke.sh \
	tests/e2e/reconcile.sh tests/e2e/leak.sh tests/e2e/events.sh \
	tests/deploy/lint.sh tests/deploy/dist.sh tests/deploy/container.sh tests/compose/run.sh \
	tests/bench_quick.sh tests/fuzz/run.sh

test: deps
	$(Q)$(MAKE) --no-print-directory unit-tests fuzzers dist
	$(Q)bash tests/deploy/setup.sh
	$(Q)KSCTL_BUILD=$(abspath $(BUILD)) FUZZ_SECONDS=$(FUZZ_QUICK_SECONDS) bash tests/run.sh $(TEST_SUITES)

# The long differential run (make test runs 1,000,000 frames); DIFF_SEED replays one.
DIFF_FRAMES ?= 20000000
differential: deps
	$(Q)$(MAKE) --no-print-directory $(DIFF_TEST)
	$(Q)DIFF_FRAMES=$(DIFF_FRAMES) KSCTL_BUILD=$(abspath $(BUILD)) bash tests/run.sh tests/model/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tools/demo.sh

# The control plane is timed with the static binary that containers run.
bench: deps
	$(Q)$(MAKE) --no-print-directory all dist
	$(Q)bash tools/bench/bench.sh
	$(Q)bash tools/bench/events.sh

test-compose: deps
	$(Q)$(MAKE) --no-print-directory dist
	$(Q)bash tests/run.sh tests/compose/run.sh

install: $(BUILD)/ksctl $(BUILD)/ksctl.8 $(BUILD)/ksctl.bash
	install -D -m 0755 $(BUILD)/ksctl $(DESTDIR)$(PREFIX)/sbin/ksctl
	install -D -m 0644 $(BUILD)/ksctl.8 $(DESTDIR)$(MANDIR)/man8/ksctl.8
	install -D -m 0644 $(BUILD)/ksctl.bash $(DESTDIR)$(BASHCOMPDIR)/ksctl

TIDY_FLAGS = $(filter-out -MMD -MP -I$(BUILD),$(CFLAGS)) -isystem $(BUILD)
# Every shell script but tools/ksctl-init, which is checked as POSIX sh. Settings: .shellcheckrc.
SHELL_SCRIPTS = .ci/run tests/compose/lsio-init \
	$(shell find tests tools -name node_modules -prune -o -name '*.sh' -print | sort)

check: $(SKEL) $(VERSION_H)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--suppress=missingIncludeSystem -Iinclude -I$(BUILD) \
		--include=/usr/include/bpf/libbpf_common.h src
	@# The analyser cannot see that the skeleton's error path frees through libbpf: not in loader.c.
	clang-tidy --quiet $(filter-out src/loader.c,$(SRCS)) -- $(TIDY_FLAGS)
	clang-tidy --quiet --checks=-clang-analyzer-unix.Malloc src/loader.c -- $(TIDY_FLAGS)
	shellcheck -x $(SHELL_SCRIPTS)
	shellcheck -s sh tools/ksctl-init

clean:
	rm -rf $(BUILD)

# The container test's cache of the Docker engine and test image (about 470 MB).
clean-cache:
	rm -rf /var/cache/ksctl-test

# The tests' own dependency files too, so that a change to a header in tests/lib rebuilds them.
-include $(OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(MODEL_OBJS:.o=.d) $(UNIT_TESTS:=.d) $(BPF_TESTS:=.d) \
	$(FUZZ_LIB_OBJS:.o=.d) $(FUZZERS:=.d)
