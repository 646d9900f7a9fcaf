# interviewd — see README.md. `make` builds, `make check` tests, `make deps` installs
# what both need on Debian 12.
CC       ?= cc
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
UNITDIR  ?= $(PREFIX)/lib/systemd/system
DOCDIR   ?= $(PREFIX)/share/doc/interviewd
BUILD    ?= build
PKGS     := sqlite3 libical libcjson libcurl gmime-3.0 libwebsockets
TESTPKGS := cmocka

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter
CFLAGS   ?= -O2 -g
ALLFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -I. $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LDLIBS   := $(shell pkg-config --libs $(PKGS)) -lpthread -lm

SRC      := $(wildcard lib/*.c store/*.c commands/*.c mail/*.c bot/*.c)
MIGRATE  := $(sort $(wildcard store/migrations/*.sql))
TEMPLATES:= $(sort $(wildcard mail/templates/*))
OBJ      := $(SRC:%.c=$(BUILD)/%.o) $(BUILD)/store/migrations.o $(BUILD)/mail/templates.o
LIBOBJ   := $(filter-out $(BUILD)/bot/main.o,$(OBJ))
TESTSRC  := $(wildcard tests/unit/test_*.c)
TESTBIN  := $(TESTSRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCHBIN := $(BUILD)/tests/bench_core

.PHONY: all check asan bench deps install clean format
all: $(BUILD)/interviewd

$(BUILD)/interviewd: $(OBJ)
	@echo "  LINK  $@"
	@$(CC) $(ALLFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(ALLFLAGS) -c -o $@ $<

# Data files compiled in: $(call embed,NAME,FILES) writes a C array NAME of
# {file name, contents} pairs, ending with {0, 0}.
define embed
	@mkdir -p $(dir $@)
	@{ echo 'const char *const $(1)[] = {'; \
	  for f in $(2); do \
	    echo "\"$$(basename $$f)\","; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; echo ','; \
	  done; echo '0, 0};'; } > $@
endef

# The migrations, oldest first (store/store.c), and the notice templates (mail/notice.c).
$(BUILD)/store/migrations.c: $(MIGRATE) Makefile
	$(call embed,store_migrations,$(MIGRATE))

$(BUILD)/mail/templates.c: $(TEMPLATES) Makefile
	$(call embed,mail_templates,$(TEMPLATES))

$(BUILD)/%.o: $(BUILD)/%.c
	@$(CC) $(ALLFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  TEST  $@"
	@$(CC) $(ALLFLAGS) $(shell pkg-config --cflags $(TESTPKGS)) $(LDFLAGS) -o $@ $< $(LIBOBJ) \
		$(LDLIBS) $(shell pkg-config --libs $(TESTPKGS))

# Prints a config file as JSON, for the comparison with Python's tomllib.
$(BUILD)/tests/toml_dump: tests/toml/toml_dump.c $(BUILD)/bot/toml.o
	@mkdir -p $(dir $@)
	@$(CC) $(ALLFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/bench_mail: tests/bench/bench_mail.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	@$(CC) $(ALLFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

# bench_clock includes bench_core.c (its generator and cache) with main renamed.
$(BUILD)/tests/bench_clock: tests/bench/bench_clock.c tests/bench/bench_core.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	@$(CC) $(ALLFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

$(BENCHBIN): tests/bench/bench_core.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	@$(CC) $(ALLFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

# Every unit test binary, then every end-to-end scenario through the real binary;
# tests/run prints one closing line "N passed, N failed".
# libFuzzer over the inbound mail path and the calendar answers (tests/fuzz/): clang, ASan + UBSan, every object
# instrumented for coverage, in its own build directory; tests/fuzz/run.sh runs it for
# a bounded time in make check (skipped where clang has no libFuzzer).
FUZZBUILD ?= build-fuzz
HAVE_LIBFUZZER := $(wildcard $(shell clang -print-resource-dir 2>/dev/null)/lib/*/libclang_rt.fuzzer*.a)
.PHONY: fuzz
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZBUILD) CC=clang \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined" \
		LDFLAGS="-fsanitize=address,undefined" $(FUZZBUILD)/tests/fuzz_mail $(FUZZBUILD)/tests/fuzz_itip

$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZ  $@"
	@$(CC) $(ALLFLAGS) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

check: $(BUILD)/interviewd $(TESTBIN) $(BUILD)/tests/toml_dump $(if $(HAVE_LIBFUZZER),fuzz)
	@tests/run $(BUILD)

asan:
	$(MAKE) BUILD=build-asan CC=clang \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" check

$(BUILD)/tests/bench_replies: tests/bench/bench_replies.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	@$(CC) $(ALLFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

bench: $(BUILD)/interviewd $(BENCHBIN) $(BUILD)/tests/bench_mail $(BUILD)/tests/bench_clock $(BUILD)/tests/bench_replies
	@$(BENCHBIN)
	@$(BUILD)/tests/bench_clock
	@$(BUILD)/tests/bench_mail
	@tests/bench/bench_smtp.py $(BUILD)/interviewd 500
	@/usr/bin/python3 tests/bench/bench_slack.py --binary $(BUILD)/interviewd
	@/usr/bin/python3 tests/bench/bench_matrix.py --binary $(BUILD)/interviewd
	@/usr/bin/python3 tests/bench/bench_replies.py $(BUILD)
	@/usr/bin/python3 tests/bench/bench_ops.py --binary $(BUILD)/interviewd

deps:
	@tests/deps

# The binary, its man pages, the systemd unit (ExecStart names $(BINDIR)) and the
# example config. Nothing is started or enabled: see README.md, "Operating it".
install: $(BUILD)/interviewd
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/interviewd $(DESTDIR)$(BINDIR)/interviewd
	install -m 0644 man/interviewd.8 $(DESTDIR)$(MANDIR)/man8/interviewd.8
	install -m 0644 man/interviewd.toml.5 $(DESTDIR)$(MANDIR)/man5/interviewd.toml.5
	sed 's|/usr/local/bin/interviewd|$(BINDIR)/interviewd|g' contrib/interviewd.service \
		> $(DESTDIR)$(UNITDIR)/interviewd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/interviewd.service
	install -m 0644 config.example.toml contrib/slack-app-manifest.yml $(DESTDIR)$(DOCDIR)/

format:
	clang-format -i $(SRC) $(wildcard */*.h) $(TESTSRC)

clean:
	rm -rf build build-asan $(FUZZBUILD)
