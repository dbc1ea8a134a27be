# xenlet — run Xen PV guests on KVM.
#
#   make          build ./xenlet and everything else
#   make check    build and run every test (unit under ASan/UBSan, fuzz smoke,
#                 guests booted in both trap paths); non-zero on any failure
#   make demo     boot the demo guest on built-in defaults
#   make bench    print speed, memory and transition/exit figures
#   make fuzz     long libFuzzer runs (FUZZ_SECONDS each, default 600)
#
# Each directory adds its own rules in a module.mk; the lists below collect
# what `make check`, `make bench` and `make fuzz` run.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

BUILD := build
CC := gcc
FUZZ_CC := clang

# The Xen public headers default to interface 0 without this.
XEN_CPPFLAGS := -D__XEN_INTERFACE_VERSION__=0x00040e00
WARNINGS := -Wall -Wextra -Werror
HOST_CFLAGS := -std=c11 -O2 -g $(WARNINGS) -D_GNU_SOURCE $(XEN_CPPFLAGS) -I. -MMD -MP
# Unit tests and their code under test run with ASan and UBSan.
SAN_CFLAGS := -std=c11 -O1 -g $(WARNINGS) -D_GNU_SOURCE $(XEN_CPPFLAGS) -I. -MMD -MP \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -O1 -g $(WARNINGS) -D_GNU_SOURCE $(XEN_CPPFLAGS) -I. -MMD -MP \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# Evaluated when used, after install-deps has run.
CHECK_LIBS = $(shell pkg-config --libs check)
CHECK_CFLAGS = $(shell pkg-config --cflags check)

PROGRAMS :=            # binaries `make` builds
UNIT_TESTS :=          # Check binaries (built with SAN_CFLAGS)
FUZZERS :=             # libFuzzer binaries; corpus in tests/fuzz/<name>/
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_SECONDS ?= 600
INTEGRATION_TESTS :=   # scripts: exit 0 pass, 77 skip, else fail
BENCHES :=             # scripts or binaries that print figures

# Every build first makes sure the Debian packages are there (fast when they are).
ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_STATUS := $(shell scripts/install-deps.sh >&2 && echo ok)
ifneq ($(DEPS_STATUS),ok)
$(error scripts/install-deps.sh failed)
endif
endif

# Generic rules: hosted objects, and sanitized ones for unit tests.
$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

include pv-shim/module.mk
include xenstore/module.mk
include backends/module.mk
include bootloader/module.mk
include toolstack/module.mk
include emu/module.mk
include tests/module.mk
include toolstack/lifecycle.mk
include tools/trace_report/module.mk

.PHONY: all check unit-check fuzz-check integration-check bench fuzz demo clean

all: $(PROGRAMS)

unit-check: $(UNIT_TESTS)
	scripts/run-tests.sh unit $(UNIT_TESTS)

fuzz-check: $(FUZZERS)
	scripts/run-fuzz.sh $(FUZZ_SMOKE_SECONDS) $(FUZZERS)

integration-check: all
	scripts/run-tests.sh integration $(INTEGRATION_TESTS)

check: all $(UNIT_TESTS) $(FUZZERS)
	scripts/run-tests.sh all $(UNIT_TESTS) \
		"scripts/run-fuzz.sh $(FUZZ_SMOKE_SECONDS) $(FUZZERS)" $(INTEGRATION_TESTS)

fuzz: $(FUZZERS)
	scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

# The benches alone need QEMU (bench-net.sh's comparison): installed here,
# not for every build.
bench: all $(BENCHES)
	@scripts/install-deps.sh bench
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

demo: all
	scripts/demo.sh

clean:
	rm -rf $(BUILD) xenlet

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
