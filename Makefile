# Gatehouse: the gatehouse console and the gatehoused broker.
#
#   make            build both programs into build/
#   make deps       install the Debian packages a fresh machine lacks (as root)
#   make check      unit and end-to-end tests, built with AddressSanitizer and UBSan
#   make run        start a demo broker on a free loopback port and open the console on it
#   make bench      benchmarks, each printed beside a peer's figure
#   make fuzz       fuzz the sanitizer, line editor, JSON codec and time parsers
#                   (FUZZ_SECONDS in total, 300 by default; needs clang)
#   make fuzz-smoke 4 s per fuzz target; make check runs it when clang can build them

BUILD   ?= build
SAN     ?=
PREFIX  ?= /usr/local

PKG_CONFIG ?= pkg-config
BROKER_PKGS  = libmicrohttpd jansson sqlite3 gnutls
CONSOLE_PKGS = libcurl jansson sqlite3 ncursesw libedit gnutls
TEST_PKGS    = check

CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -std=c11 -D_GNU_SOURCE -I. -DGATEHOUSE_DATADIR='"$(PREFIX)/share/gatehouse"'
ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

ALL_CFLAGS = $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP \
             $(call pkg_cflags,$(sort $(BROKER_PKGS) $(CONSOLE_PKGS)))

COMMON_SRC  = $(wildcard common/*.c api/*.c policy/*.c)
BROKER_SRC  = $(filter-out broker/main.c,$(wildcard broker/*.c))
CONSOLE_SRC = $(filter-out console/main.c,$(wildcard client/*.c cache/*.c tui/*.c views/*.c themes/*.c console/*.c))
TEST_SRC    = $(wildcard tests/unit/test_*.c)
TEST_SUPPORT_SRC = $(wildcard tests/support/*.c)
BENCH_SRC   = $(wildcard bench/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

COMMON_LIB  = $(BUILD)/libcommon.a
BROKER_LIB  = $(BUILD)/libbroker.a
CONSOLE_LIB = $(BUILD)/libconsole.a
TEST_LIB    = $(BUILD)/libtestsupport.a

BROKER_BIN  = $(BUILD)/gatehoused
CONSOLE_BIN = $(BUILD)/gatehouse
# Each tests/unit/test_NAME.c is a Check program of its own: build/tests/test_NAME.
UNIT_BINS   = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))

BROKER_LDLIBS  = $(call pkg_libs,$(BROKER_PKGS)) -lpthread -lm
CONSOLE_LDLIBS = $(call pkg_libs,$(CONSOLE_PKGS)) -lpthread -lm
TEST_LDLIBS    = $(call pkg_libs,$(sort $(BROKER_PKGS) $(CONSOLE_PKGS) $(TEST_PKGS))) -lpthread -lm

.PHONY: all deps check unit e2e run bench fuzz clean install
all: $(BROKER_BIN) $(CONSOLE_BIN)

.SECONDARY:

# V=1 shows the full commands.
ifeq ($(V),)
Q = @
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(BROKER_LIB): $(call obj,$(BROKER_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(CONSOLE_LIB): $(call obj,$(CONSOLE_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(BROKER_BIN): $(call obj,broker/main.c) $(BROKER_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(BROKER_LDLIBS)

$(CONSOLE_BIN): $(call obj,console/main.c) $(CONSOLE_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CONSOLE_LDLIBS)

$(TEST_LIB): $(call obj,$(TEST_SUPPORT_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_LIB) $(BROKER_LIB) $(CONSOLE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS)

# ---- Test-support programs (make e2e, make bench) ----
# fake_broker stands in for gatehoused in the end-to-end tests and the sync
# benchmark: canned answers, or one misbehaviour picked by its arguments.
FAKE_BROKER = $(BUILD)/tests/fake_broker

$(FAKE_BROKER): $(call obj,tests/support/fake_broker.c) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

e2e: $(FAKE_BROKER)

# sync_bench times the console's sync against a broker stand-in (bench/sync.sh).
SYNC_BENCH = $(BUILD)/bench/sync_bench

$(SYNC_BENCH): $(call obj,bench/sync_bench.c) $(CONSOLE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CONSOLE_LDLIBS)

bench: $(SYNC_BENCH)
# ---- end of the test-support programs ----

# ---- Benchmark tools (make bench) ----
# pty_timer times a terminal program's screens on a pseudo-terminal (forkpty(3), in
# libutil); make_cache writes a console cache of N pending requests with the cache API.
BENCH_BINS = $(BUILD)/bench/pty_timer $(BUILD)/bench/make_cache

$(BUILD)/bench/pty_timer: $(call obj,bench/pty_timer.c) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lutil

$(BUILD)/bench/make_cache: $(call obj,bench/make_cache.c) $(CONSOLE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CONSOLE_LDLIBS)
# ---- end of the benchmark tools ----

deps:
	@sh .ci/deps.sh

# The tests run against binaries built with AddressSanitizer and UBSan in build/san.
check:
	$(MAKE) SAN=1 BUILD=build/san unit e2e
	$(MAKE) fuzz-smoke

unit: $(UNIT_BINS) $(BROKER_BIN) $(CONSOLE_BIN)
	@GATEHOUSED=$(abspath $(BROKER_BIN)) GATEHOUSE_SOURCE=$(CURDIR) sh tests/unit/run.sh $(UNIT_BINS)

e2e: $(BROKER_BIN) $(CONSOLE_BIN)
	BUILD=$(abspath $(BUILD)) sh tests/e2e/run.sh

run: 
	@sh .ci/deps.sh --if-missing
	$(MAKE) all
	@sh scripts/run-demo.sh $(abspath $(BUILD))

bench: all $(BENCH_BINS)
	@sh bench/run.sh $(abspath $(BUILD))

fuzz:
	@sh tests/fuzz/run.sh $(or $(FUZZ_SECONDS),300)

# Replays the seed corpora and tests/fuzz/regressions, then fuzzes briefly; skipped without clang.
.PHONY: fuzz-smoke
fuzz-smoke:
	@sh tests/fuzz/run.sh --smoke 16

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/gatehouse
	install -m 0755 $(BROKER_BIN) $(CONSOLE_BIN) $(DESTDIR)$(PREFIX)/bin
	install -d $(DESTDIR)$(PREFIX)/share/gatehouse/themes
	install -m 0644 data/amazon_train.csv $(DESTDIR)$(PREFIX)/share/gatehouse
	install -m 0644 data/demo.policy $(DESTDIR)$(PREFIX)/share/gatehouse
	install -m 0644 themes/*.theme $(DESTDIR)$(PREFIX)/share/gatehouse/themes
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 docs/gatehouse.1 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 docs/gatehoused.8 $(DESTDIR)$(PREFIX)/share/man/man8
	install -D -m 0644 docs/gatehouse-policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/gatehouse-policy.5

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
