# dispatch-cts: build, run and install.
#
#   make            build/dispatch-cts and build/backends/*.so
#   make run        build, then check the bundled backends and print the matrix
#   make engines-report   check the engine adapters against their expected
#                   gaps and rewrite spec/ENGINES.md
#   make check      the same as ./run_tests.sh
#   make mutation-auto   automatic mutation of the bundled backends: the
#                   score and the triaged survivors (tools/mutate.py)
#   make bench      how fast the bundled backends and adapters dispatch, against
#                   raw epoll/poll/select loops: a table, $(BUILD)/bench.json
#                   and $(BUILD)/bench.svg (BENCH_ARGS: more bench options)
#   make bench-instructions   the same workload under callgrind: user-space
#                   instructions per event, exact and repeatable
#   make install    PREFIX=/usr/local DESTDIR=... (binary, header, pkg-config,
#                   bundled backends)
#   make clean
#
# Every backend is a directory under backends/ (except common/ and mutants/);
# its *.c files, plus backends/common/*.c, become build/backends/NAME.so.
# A backend that links a library lists its link flags in backends/NAME/LIBS
# (e.g. "-levent"): the engine adapters (libevent, libev, libuv), whose
# conformance `make engines-report` publishes in spec/ENGINES.md, against
# the known gaps in spec/expectations/NAME.txt.
# Cases are every cases/*.c; the harness is every harness/*.c.

CC      ?= cc
BUILD   ?= build
VERSION := 1.0.0
PREFIX  ?= /usr/local
DESTDIR ?=

WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -D_GNU_SOURCE \
             -DDCTS_VERSION='"$(VERSION)"' \
             -Ispec -Icases -Iharness -Ibackends/common
LDLIBS  := -ldl -lpthread -lm
SO_FLAGS = -fPIC -fvisibility=hidden

BACKENDS  := $(filter-out common mutants,$(notdir $(patsubst %/,%,$(dir $(wildcard backends/*/*.c)))))
BACKEND_SO := $(patsubst %,$(BUILD)/backends/%.so,$(sort $(BACKENDS)))
COMMON_SRC := $(wildcard backends/common/*.c)
# The production backends `make run` checks, in the order of the matrix.
CORE_SO := $(patsubst %,$(BUILD)/backends/%.so,select poll epoll)
# The engine adapters: the backends with a LIBS file.
ENGINES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard backends/*/LIBS)))))
ENGINE_SO := $(patsubst %,$(BUILD)/backends/%.so,$(ENGINES))
ENGINE_EXPECT := $(patsubst %,spec/expectations/%.txt,$(ENGINES))

HARNESS_SRC := $(filter-out harness/main.c,$(wildcard harness/*.c))
CASES_SRC   := $(wildcard cases/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(HARNESS_SRC) $(CASES_SRC)) \
           $(BUILD)/obj/gen/clauses.o
# The reference backend is also linked into the harness as its default,
# under another entry name so a dlopened backend never collides with it.
EMBED_OBJ := $(patsubst %.c,$(BUILD)/obj/embed/%.o,$(wildcard backends/select/*.c) $(COMMON_SRC))

# Mutants: backends/mutants/NAME.patch -> build/mutants/NAME.so.
MUTANT_SO := $(patsubst backends/mutants/%.patch,$(BUILD)/mutants/%.so,$(wildcard backends/mutants/*.patch))

UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

HEADERS := $(wildcard spec/*.h cases/*.h harness/*.h backends/common/*.h)

.PHONY: all run check install uninstall clean unit mutants mutation-report mutation-auto
.PHONY: engines-report bench bench-instructions
all: $(BUILD)/dispatch-cts $(BACKEND_SO)

$(BUILD)/dispatch-cts: $(BUILD)/obj/harness/main.o $(LIB_OBJ) $(EMBED_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/embed/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DDC_ENTRY_NAME=dc_embedded_backend -c -o $@ $<

# The clause table, extracted from the contract's headings.
$(BUILD)/gen/clauses.c: spec/CONTRACT.md tools/gen-clauses.sh
	@mkdir -p $(dir $@)
	sh tools/gen-clauses.sh $< > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/clauses.o: $(BUILD)/gen/clauses.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# One shared object per backend directory.
.SECONDEXPANSION:
$(BUILD)/backends/%.so: $$(wildcard backends/%/*.c backends/%/*.h backends/%/LIBS) $(COMMON_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SO_FLAGS) -shared -o $@ $(filter %.c,$^) \
	    $(strip $(shell cat backends/$*/LIBS 2>/dev/null)) $(LDLIBS)

# Unit tests of the harness's own parts (cmocka).
$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ) $(EMBED_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(EMBED_OBJ) -lcmocka $(LDLIBS)

unit: $(UNIT_BIN)

$(BUILD)/mutants/%.so: backends/mutants/%.patch tools/build-mutant.sh \
        $(wildcard backends/select/*.c backends/poll/*.c backends/epoll/*.c) \
        $(COMMON_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	@sh tools/build-mutant.sh $< $@ $(CC) -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE

mutants: $(MUTANT_SO)

# The mutation score: every MUST clause has a mutant, every mutant caught.
mutation-report: all mutants
	tests/mutants.sh --report $(BUILD)

# Automatic mutation (tools/mutate.py --help): generic operators applied
# one at a time to backends/select, poll, epoll and common, each mutant
# built and run on the suite; prints the score and the survivors, checked
# against backends/mutants/AUTO-TRIAGE.tsv.  CPU heavy: two at a time, nice
# 10, within MUTATION_BUDGET seconds; MUTATION_SAMPLE=N MUTATION_SEED=S for
# a quick sampled run.
mutation-auto: all
	nice -n 10 python3 tools/mutate.py run --build $(BUILD)

run: all
	$(BUILD)/dispatch-cts $(CORE_SO)

# The engine adapters' conformance, regenerated: the table, each gap's
# reason and the engines' versions go to spec/ENGINES.md; the exit status
# is non-zero when a result differs from spec/expectations/NAME.txt (an
# unexpected failure, or an expected one that passed: tighten the file).
engines-report: all
	$(BUILD)/dispatch-cts $(patsubst %,--expect %,$(ENGINE_EXPECT)) \
	    --format markdown -o spec/ENGINES.md $(ENGINE_SO)

check:
	./run_tests.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/lib/dispatch-cts/backends $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/dispatch-cts $(DESTDIR)$(PREFIX)/bin/dispatch-cts
	install -m 644 spec/dispatch_context.h $(DESTDIR)$(PREFIX)/include/dispatch_context.h
	install -m 644 $(BACKEND_SO) $(DESTDIR)$(PREFIX)/lib/dispatch-cts/backends/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    spec/dispatch-cts.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/dispatch-cts.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dispatch-cts $(DESTDIR)$(PREFIX)/include/dispatch_context.h \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/dispatch-cts.pc
	rm -rf $(DESTDIR)$(PREFIX)/lib/dispatch-cts

clean:
	rm -rf $(BUILD) build-*

# Fixture backends for the harness's unit tests: each tests/fixtures/*.c
# becomes $(BUILD)/fixtures/*.so, a backend the loader must refuse (one
# thing broken in each); tests/fixtures/valid/*.c become
# $(BUILD)/fixtures/valid/*.so, loadable backends that misbehave when run.
# The tests find them next to themselves ($(BUILD)/tests/../fixtures) or in
# $DCTS_FIXTURES.
FIXTURE_SO := $(patsubst tests/fixtures/%.c,$(BUILD)/fixtures/%.so,\
              $(wildcard tests/fixtures/*.c tests/fixtures/valid/*.c))

$(BUILD)/fixtures/%.so: tests/fixtures/%.c $(wildcard tests/fixtures/*.h) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SO_FLAGS) -shared -o $@ $<

$(UNIT_BIN): $(FIXTURE_SO)

# Memory checking (tests/valgrind.sh, tests/asan.sh; both in ./run_tests.sh):
#   make check-valgrind   every case on select, poll and epoll, the harness
#                         and each case process under valgrind memcheck
#                         (leaks, fds left open, errors: all must be 0)
#   make check-asan       the same suite, and the unit tests, built with
#                         AddressSanitizer + UndefinedBehaviorSanitizer in
#                         $(ASAN_BUILD): no report allowed
# MEMCHECK_SO picks the backends (default: the production three).
ASAN_BUILD  ?= build-asan
ASAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=all
MEMCHECK_SO ?= $(CORE_SO)
.PHONY: check-valgrind check-asan asan

check-valgrind: all $(FIXTURE_SO)
	tests/valgrind.sh $(BUILD) $(MEMCHECK_SO)

# The sanitized build alone (harness, backends, fixtures, unit tests).
asan:
	$(MAKE) BUILD=$(ASAN_BUILD) EXTRA_CFLAGS='$(ASAN_FLAGS)' all unit

check-asan: asan
	tests/asan.sh $(ASAN_BUILD) $(patsubst $(BUILD)/%,$(ASAN_BUILD)/%,$(MEMCHECK_SO))

# The benchmark (dispatch-cts bench --help): the production backends and
# the engine adapters, in pipes mode, the mode of the README's figures.
BENCH_SO   ?= $(CORE_SO) $(ENGINE_SO)
BENCH_ARGS ?= --pipes

# Each adapter's engine driven directly, its baseline in the benchmark:
# bench/NAME.c, plus bench/common/*.c (the run around the engine's calls,
# driver.h) -> $(BUILD)/bench/NAME.so, linked like backends/NAME
# (harness/bench_engine.h); the bench finds it beside the adapter.  It
# makes its engine with the adapter's configuration (backends/NAME/*.h).
BENCH_ENGINE_SO := $(patsubst bench/%.c,$(BUILD)/bench/%.so,$(wildcard bench/*.c))
BENCH_COMMON_SRC := $(wildcard bench/common/*.c)
all: $(BENCH_ENGINE_SO)

$(BUILD)/bench/%.so: bench/%.c $(BENCH_COMMON_SRC) \
        $$(wildcard bench/common/*.h backends/%/*.h) backends/%/LIBS $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ibench/common $(SO_FLAGS) -shared -o $@ $(filter %.c,$^) \
	    $(strip $(shell cat backends/$*/LIBS)) $(LDLIBS)

bench: all
	$(BUILD)/dispatch-cts bench $(BENCH_ARGS) --json $(BUILD)/bench.json \
	    --svg $(BUILD)/bench.svg $(BENCH_SO)

bench-instructions: all
	tools/bench-instructions.sh $(BUILD)/dispatch-cts $(BENCH_ARGS) $(BENCH_SO)
