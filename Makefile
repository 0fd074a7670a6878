# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# slotguard build: bpf/*.bpf.c -> build/*.bpf.o -> build/*.skel.h -> the
# `slotguard` loader and the test binaries. One non-recursive Makefile;
# quiet by default, `make V=1` prints every command. `make help` lists targets.

BUILD    ?= build
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= gcc
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?= 0
# The Debian package build passes its own VERSION (it has no .git).
ifeq ($(origin VERSION),undefined)
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
endif

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian packages the build, the tests and the demo need (`make deps`).
DEB_PACKAGES := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config \
	gcc make libinih-dev libjson-c-dev libmicrohttpd-dev iproute2 jq \
	python3 prometheus nftables iptables curl procps psmisc nginx \
	scdoc man-db groff-base bash-completion systemd libsystemd-dev python3-jsonschema \
	debhelper dpkg-dev \
	fakeroot lintian git libhiredis-dev redis-server libpcap-dev tcpdump tzdata

ARCH_INCLUDE := /usr/include/$(shell $(CC) -print-multiarch)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Wextra -Werror \
	-Wno-unused-parameter -I$(ARCH_INCLUDE) -Imaps -Ibpf -MMD -MP

PKG_LIBS := libbpf inih json-c libmicrohttpd libsystemd hiredis libpcap
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 -MMD -MP \
	-Imaps -Iloader -I$(BUILD) -DSG_VERSION='"$(VERSION)"'
LDLIBS := $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null) -lelf -lz
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
# Reference programs the benchmarks load with bpftool (no skeleton).
BENCH_BPF_OBJS := $(patsubst bench/%.bpf.c,$(BUILD)/%.bpf.o,$(wildcard bench/*.bpf.c))

# loader/cli/main.c is the binary; every other loader/*/*.c and
# loader/*/*/*.c (cli verbs in loader/cli/verbs, fleet, daemon, core)
# goes into one library that the tests link too.
CORE_SRCS := $(filter-out loader/cli/main.c,$(wildcard loader/*/*.c loader/*/*/*.c))
CORE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRCS))
CORE_LIB  := $(BUILD)/libslotguard.a
LOADER    := $(BUILD)/slotguard

TLIB_SRCS := $(wildcard tests/lib/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)
TEST_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TLIB_SRCS) $(UNIT_SRCS))
UNIT_BIN  := $(BUILD)/unit_tests
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

# Manual pages: docs/man/NAME.SECTION.scd -> build/man/NAME.SECTION (scdoc).
MAN_SRCS  := $(wildcard docs/man/*.scd)
MANS      := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(MAN_SRCS))

.PHONY: all deps check-deps test unit integ bench demo install clean help \
	format format-check man deb
.DEFAULT_GOAL := all
.SECONDARY:

all: $(SKELS) $(BENCH_BPF_OBJS) $(LOADER) $(UNIT_BIN) $(TOOL_BINS) $(MANS)

man: $(MANS)

help:
	@echo 'slotguard targets:'
	@echo '  make              build the XDP object, skeleton, loader and tests'
	@echo '  make deps         apt-get install every package the build and tests need'
	@echo '  sudo make test    install what is missing, build, run every test'
	@echo '  sudo make unit    only the BPF_PROG_TEST_RUN unit tests'
	@echo '  sudo make integ   only the netns integration tests'
	@echo '  sudo make bench   benchmarks of issues 7 and 11 (~19 min) into docs/BENCHMARKS.md'
	@echo '  sudo make demo    people vs scalper bots in a netns lab (DEMO_ARGS=--keep|--long|--short)'
	@echo '  sudo make fuzz    each fuzzer FUZZ_SECONDS=60 (FUZZERS=names)'
	@echo '  sudo make test-asan  unit and daemon integration tests under ASan+UBSan'
	@echo '  make install      binary, unit, example config and lists, dashboard,'
	@echo '                    manuals, bash completion'
	@echo '                    (PREFIX=/usr/local, SYSCONFDIR=/etc, DESTDIR= honoured)'
	@echo '  make man          slotguard(8) and slotguard.conf(5) into build/man/'
	@echo '  make deb          a Debian package (debhelper) into build/deb/, checked'
	@echo '                    by lintian (DEB_VERSION= sets its version)'
	@echo '  make format-check clang-format check of every C file'
	@echo '  make clean        remove build/'
	@echo 'Variables: V=1 (show commands), SANITIZE=1 (ASan+UBSan userspace),'
	@echo '  TESTS=glob (run matching tests only), PREFIX, DESTDIR.'

# Installs only when something is missing, so `make test` can always call it.
check-deps:
	$(Q)missing=0; \
	for c in $(CLANG) $(BPFTOOL) llvm-strip pkg-config jq ip promtool nft iptables curl \
		nginx scdoc man systemd-analyze dh dpkg-buildpackage fakeroot lintian git \
		redis-server redis-cli tcpdump; do \
		command -v $$c >/dev/null 2>&1 || missing=1; done; \
	[ -e /usr/share/bash-completion/bash_completion ] || missing=1; \
	[ -e /usr/share/zoneinfo/Europe/Madrid ] || missing=1; \
	/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || missing=1; \
	pkg-config --exists $(PKG_LIBS) 2>/dev/null || missing=1; \
	if [ $$missing = 1 ]; then $(MAKE) --no-print-directory deps; fi

deps:
	@echo '  DEPS     apt-get install $(DEB_PACKAGES)'
	$(Q)export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && \
	apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES) >/dev/null

$(BUILD)/%.bpf.o: bpf/%.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(BUILD)/$*.bpf.d -c $< -o $@

$(BUILD)/%.bpf.o: bench/%.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(BUILD)/$*.bpf.d -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# Every userspace object may include any skeleton.
$(BUILD)/%.o: %.c $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/lib -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LOADER): $(BUILD)/loader/cli/main.o $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(UNIT_BIN): $(TEST_OBJS) $(CORE_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

TOOL_LIBS := $(BUILD)/tests/lib/pkt.o $(BUILD)/tests/lib/tool.o
# sg_booking has parts of its own (tests/tools/booking/).
BOOKING_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/tools/booking/*.c))
$(BUILD)/tools/sg_booking: TOOL_LIBS += $(BOOKING_OBJS)
$(BUILD)/tools/sg_booking: $(BOOKING_OBJS)
$(BUILD)/tools/%: tests/tools/%.c $(CORE_LIB) $(TOOL_LIBS) $(SKELS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/lib $(LDFLAGS) $< $(TOOL_LIBS) \
		$(CORE_LIB) $(LDLIBS) -o $@

# The fuzzers are built for the tests (their smoke pass), not by `all`:
# installing slotguard needs no libFuzzer.
test: check-deps
	$(Q)$(MAKE) --no-print-directory all fuzzers
	$(Q)BUILD=$(BUILD) tests/run.sh $(TESTS)

unit: all
	$(Q)BUILD=$(BUILD) tests/run.sh 'unit*'

integ: all fuzzers
	$(Q)BUILD=$(BUILD) tests/run.sh 'integ*'

bench: check-deps all
	$(Q)BUILD=$(BUILD) bench/run.sh $(BENCH_ARGS)

demo: check-deps all
	$(Q)BUILD=$(BUILD) demo/run.sh $(DEMO_ARGS)

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	$(Q)clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

$(BUILD)/man/%: docs/man/%.scd
	$(call msg,SCDOC,$@)
	@mkdir -p $(@D)
	$(Q)scdoc < $< > $@.tmp && mv $@.tmp $@

SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
MANDIR     ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

# The binary carries the XDP object in its skeleton; the .o is installed for
# inspection (bpftool, llvm-objdump) and for other loaders. Files a running
# slotguard or systemd may read are written beside and renamed into place.
install: $(LOADER) $(BUILD)/slotguard.bpf.o $(MANS)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/slotguard \
		$(DESTDIR)$(PREFIX)/share/slotguard $(DESTDIR)$(SYSCONFDIR)/slotguard \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(COMPLETIONDIR)
	$(Q)install -m 0755 $(LOADER) $(DESTDIR)$(PREFIX)/sbin/slotguard
	$(Q)for m in $(MANS); do \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	$(Q)install -m 0644 completion/slotguard.bash \
		$(DESTDIR)$(COMPLETIONDIR)/slotguard
	$(Q)install -m 0644 $(BUILD)/slotguard.bpf.o $(DESTDIR)$(PREFIX)/lib/slotguard/
	$(Q)sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		deploy/slotguard.service > $(DESTDIR)$(UNITDIR)/slotguard.service.tmp
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/slotguard.service.tmp && \
		mv -f $(DESTDIR)$(UNITDIR)/slotguard.service.tmp \
		$(DESTDIR)$(UNITDIR)/slotguard.service
	$(Q)install -m 0644 slotguard.conf.example examples/allow.txt examples/deny.txt \
		deploy/grafana-dashboard.json deploy/alerts.yml \
		$(DESTDIR)$(PREFIX)/share/slotguard/
	$(Q)for f in slotguard.conf:slotguard.conf.example allow.txt:examples/allow.txt \
		deny.txt:examples/deny.txt; do \
		dst=$(DESTDIR)$(SYSCONFDIR)/slotguard/$${f%%:*}; \
		[ -e $$dst ] || { install -m 0644 $${f#*:} $$dst.tmp && \
		mv -f $$dst.tmp $$dst; }; done

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*.d $(BUILD)/*/*.d $(BUILD)/*/*/*.d $(BUILD)/*/*/*/*.d)

# ---- fuzzing and sanitizers (issue 8) ---------------------------------
# libFuzzer targets tests/fuzz/fuzz_*.c, built by clang with ASan and UBSan
# into $(BUILD)/fuzz together with their own instrumented copy of the
# loader core. `make fuzz` runs each for FUZZ_SECONDS (FUZZERS= picks
# some); `make test` runs their short fixed-seed pass (integ-fuzz_smoke).
# `make test-asan` is `make test SANITIZE=1` in $(BUILD)/asan: the unit
# tests and the integration tests of the daemon's life (ASAN_TESTS) unless
# TESTS= says otherwise. Every sanitizer report (the reports go to
# $(BUILD)/asan/sanitizer-reports, by log_path) is a failed test. Built by
# clang: with gcc's runtimes UBSan ignores log_path when ASan is linked in.
DEB_PACKAGES += libclang-rt-14-dev
FUZZ_SECONDS ?= 60
FUZZERS      ?=
FUZZ_CC      ?= $(CLANG)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS  := $(filter-out -fsanitize=%,$(CFLAGS)) -Itests/lib -Itests/fuzz \
	$(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CORE    := $(FUZZ_DIR)/libslotguard.a
FUZZ_HELP    := $(FUZZ_DIR)/libfuzzhelp.a
FUZZ_HELP_SRCS := $(filter-out tests/fuzz/fuzz_%.c,$(wildcard tests/fuzz/*.c)) \
	tests/lib/harness.c tests/lib/harness_maps.c tests/lib/pkt.c
FUZZ_RT      := $(shell $(FUZZ_CC) -print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-$(shell uname -m).a

.PHONY: fuzz test-asan check-fuzz-deps
fuzzers: $(FUZZ_BINS)
.PHONY: fuzzers
check-deps: check-fuzz-deps

check-fuzz-deps:
	$(Q)[ -e "$(FUZZ_RT)" ] || $(MAKE) --no-print-directory deps

fuzz: $(FUZZ_BINS)
	$(Q)BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh long $(FUZZERS)

# The daemon's own life under the sanitizers: start, reload (half-written
# files too), ban events, checked pins, restart and stop, commit-confirmed
# applies and profile switches.
ASAN_TESTS   ?= unit integ-reload integ-halfwritten integ-restart integ-flood \
	integ-apply integ-profile \
	integ-pins
SAN_LOG_DIR  := $(abspath $(BUILD)/asan/sanitizer-reports)
test-asan:
	$(Q)rm -rf $(SAN_LOG_DIR) && mkdir -p $(SAN_LOG_DIR)
	$(Q)SG_SANITIZER_LOG_DIR=$(SAN_LOG_DIR) \
		ASAN_OPTIONS=detect_leaks=1:log_path=$(SAN_LOG_DIR)/asan \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(SAN_LOG_DIR)/ubsan \
		$(MAKE) --no-print-directory test SANITIZE=1 CC=$(CLANG) \
		BUILD=$(BUILD)/asan TESTS='$(if $(TESTS),$(TESTS),$(ASAN_TESTS))'

ifeq ($(SANITIZE),1)
export ASAN_OPTIONS ?= detect_leaks=1
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1
ifeq ($(BUILD),build)
$(warning SANITIZE=1 shares build/ with the plain build, whose objects it does not rebuild; `make test-asan` builds in build/asan)
endif
endif

$(FUZZ_DIR)/%.o: %.c $(SKELS)
	$(call msg,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_CORE): $(patsubst %.c,$(FUZZ_DIR)/%.o,$(CORE_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_HELP): $(patsubst %.c,$(FUZZ_DIR)/%.o,$(FUZZ_HELP_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_HELP) $(FUZZ_CORE)
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

-include $(wildcard $(FUZZ_DIR)/tests/*/*.d)
# ---- end of fuzzing and sanitizers ------------------------------------

# ---- Debian package (issue 15) -----------------------------------------
# `make deb` copies the files git knows, as they are in this work tree, to
# $(DEB_DIR)/src and runs dpkg-buildpackage there: debian/rules cleans and
# builds its own tree, never this one's build/. The make variables of this
# run stay out of it (MAKEFLAGS and the environment would hand it BUILD=,
# whose `make clean` would then empty this tree's build/). The
# .deb, the build log and lintian's verdict end in $(DEB_DIR); lintian
# fails the target on any error or warning (debian/*.lintian-overrides say
# why each override is there); as root it runs as nobody, since it unpacks
# what it checks. DEB_VERSION= builds another version.
DEB_DIR     := $(BUILD)/deb
DEB_VERSION ?=
DEB_JOBS    ?= 2

deb:
	$(call msg,DEB,$(DEB_DIR))
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	$(Q)git ls-files -z --cached --others --exclude-standard | \
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | \
		tar -xf - -C $(DEB_DIR)/src
	$(Q)if [ -n "$(DEB_VERSION)" ]; then \
		sed -i '1s/([^)]*)/($(DEB_VERSION))/' $(DEB_DIR)/src/debian/changelog; fi
	$(Q)cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u SANITIZE \
		dpkg-buildpackage -b -us -uc -j$(DEB_JOBS) >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; echo "make deb: failed; the whole log is $(DEB_DIR)/build.log"; exit 1; }
	$(call msg,LINTIAN,$(DEB_DIR)/lintian.txt)
	$(Q)if [ "$$(id -u)" = 0 ]; then as=$$(command -v runuser) && as="$$as -u nobody --"; fi; \
	$$as env HOME=/tmp lintian --fail-on error,warning --display-info $(DEB_DIR)/*.changes \
		>$(DEB_DIR)/lintian.txt 2>&1; rc=$$?; sed 's/^/  /' $(DEB_DIR)/lintian.txt; \
		[ $$rc = 0 ] || { echo "make deb: lintian found errors or warnings"; exit 1; }
	$(Q)ls $(DEB_DIR)/*.deb
# ---- end of Debian package ----------------------------------------------
