# dispatch-cts: build, run and install.
#
#   make            build/dispatch-cts and build/backends/*.so
#   make run        install the optional packages when root (tools/deps.sh),
#                   build, then check the bundled backends (and the Python
#                   reference, through backends/python) and print the matrix
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
#   make install    PREFIX=/usr/local DESTDIR=... (the stripped binary, headers,
#                   pkg-config, bundled backends, man page, the contract,
#                   the tutorial and its examples under share/doc/dispatch-cts,
#                   bash completion)
#   make man        regenerate docs/dispatch-cts.1 from --help (help2man)
#   make clean
#
# Every backend is a directory under backends/ (except common/ and mutants/);
# its *.c files, plus backends/common/*.c, become build/backends/NAME.so.
# A backend that links a library lists its link flags in backends/NAME/LIBS
# (e.g. "-levent") and, if it needs any, its own compile flags on one line
# in backends/NAME/CFLAGS (e.g. GLib's -I directories: a fresh machine has
# no pkg-config to ask; @MULTIARCH@ there is the compiler's tuple); both
# go to its .so rule and to the probe below.  The backends with a LIBS
# file are the engine adapters (libevent, libev, libuv, glib, sdevent),
# whose conformance `make engines-report` publishes in spec/ENGINES.md,
# against the known gaps in spec/expectations/NAME.txt; except the
# production backends of CORE_NAMES (uring, on liburing), which have no
# known gaps, and a bridge, marked by a backends/NAME/BRIDGE file saying
# why: it runs an implementation named at run time (backends/python:
# docs/PYTHON.md), so it has no gaps of its own and is checked through
# the implementations it runs.
#
# The layers, lowest first.  Each is compiled with the include paths of
# what it may use and nothing else, so a file that reaches up or sideways
# does not build:
#   spec/             the ABI and the bench's plugin header (headers only)
#   backends/common/, backends/NAME/   -Ispec -Ibackends/common
#   runtime/          the case runtime: what cases are written in, and the
#                     model-based tester            -Ispec -Iruntime
#   cases/            the area files and the table  -Ispec -Iruntime
#   harness/          the conformance harness       -Ispec -Iruntime -Iharness
#   bench/            the benchmark                 -Ispec -Iharness -Ibench
#   bench/engines/    engines driven directly       -Ispec -Ibench/engines,
#                     and the adapter's engine configuration: backends/NAME
#                     (its headers are that configuration, nothing else)
#   harness/main.c    the program: the harness, or `bench`
# Each of runtime, cases, harness and bench is a static library, so a unit
# test links only what it uses.  Objects carry -MMD dependency files.

CC      ?= cc
# The installed binary is stripped (a backend gains nothing from reading
# the harness's symbols); build/dispatch-cts keeps its debug info.
STRIP   ?= strip
BUILD   ?= build
VERSION := 1.0.0
PREFIX  ?= /usr/local
DESTDIR ?=

WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -D_GNU_SOURCE \
             -DDCTS_VERSION='"$(VERSION)"' $(if $(HAVE_JANSSON),-DDCTS_HAVE_JANSSON)
# The include paths of each layer (see the top).
INC_backends := -Ispec -Ibackends/common
INC_runtime  := -Ispec -Iruntime -I$(BUILD)/gen
INC_cases    := $(INC_runtime)
INC_harness  := $(INC_runtime) -Iharness
INC_bench    := -Ispec -Iharness -Ibench
INC_main     := -Ispec -Iharness -Ibench
INC_tests    := $(INC_harness) -Ibench -Ibackends/common
DEP_FLAGS    := -MMD -MP
LDLIBS  := -ldl -lpthread -lm
SO_FLAGS = -fPIC -fvisibility=hidden

# The production backends `make run` checks, in the order of the matrix
# (backends/CORE, the one list every script reads too); those with a
# REQUIRES file (uring) join it only where they are built.
CORE_NAMES := $(shell grep -v '^\#' backends/CORE)
# A backend's own compile flags (backends/NAME/CFLAGS), empty without one;
# @MULTIARCH@ in them is the compiler's multiarch tuple (x86_64-linux-gnu),
# for headers Debian keeps under /usr/lib/TUPLE (GLib's glibconfig.h).
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
backend_cflags = $(subst @MULTIARCH@,$(MULTIARCH),$(strip $(shell cat backends/$(1)/CFLAGS 2>/dev/null)))
backend_libs = $(strip $(shell cat backends/$(1)/LIBS 2>/dev/null))
# The backends that link a library build only where it is:
# backends/NAME/REQUIRES names the header a probe compiles (with CFLAGS)
# and links against (with LIBS), and the Debian package that has it.  A
# missing one is left out, said in one line, and never breaks make.
PROBED_ALL := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard backends/*/REQUIRES)))))
backend_found = $(shell printf '\043include <%s>\nint main(void) { return 0; }\n' \
    $(firstword $(shell cat backends/$(1)/REQUIRES)) | \
    $(CC) -x c $(call backend_cflags,$(1)) - -o /dev/null $(call backend_libs,$(1)) \
    >/dev/null 2>&1 && echo $(1))
OPTIONAL_FOUND := $(foreach b,$(PROBED_ALL),$(call backend_found,$(b)))
PROBED_MISSING := $(filter-out $(OPTIONAL_FOUND),$(PROBED_ALL))
# The engine adapters: the backends with a LIBS file, but for the core
# ones and the bridges.
BRIDGES := $(notdir $(patsubst %/,%,$(dir $(wildcard backends/*/BRIDGE))))
ENGINES_ALL := $(filter-out $(CORE_NAMES) $(BRIDGES),$(sort $(notdir $(patsubst %/,%,$(dir $(wildcard backends/*/LIBS))))))
ENGINES := $(filter-out $(PROBED_MISSING),$(ENGINES_ALL))
ENGINES_MISSING := $(filter $(PROBED_MISSING),$(ENGINES_ALL))
# --format json is written with jansson, where it is (report_json.c).
HAVE_JANSSON := $(shell printf '\043include <jansson.h>\nint main(void) { return 0; }\n' | \
    $(CC) -x c - -o /dev/null -ljansson >/dev/null 2>&1 && echo yes)
JSON_LIBS := $(if $(HAVE_JANSSON),-ljansson)
OPTIONAL_MISSING := $(PROBED_MISSING:%=the %) $(if $(HAVE_JANSSON),,--format json)
OPTIONAL_PACKAGES := $(foreach e,$(PROBED_MISSING),$(lastword $(shell cat backends/$(e)/REQUIRES))) \
    $(if $(HAVE_JANSSON),,libjansson-dev)
# Said once: not by `make run` before it installs them (its inner make
# says it if they are still missing), nor by inner makes told it is said.
ifneq ($(strip $(OPTIONAL_MISSING)),)
ifeq ($(DCTS_SAID_MISSING)$(filter run clean uninstall,$(MAKECMDGOALS)),)
$(info dispatch-cts: leaving out $(strip $(OPTIONAL_MISSING)): their libraries are not installed \
    (sudo apt-get install -y $(strip $(OPTIONAL_PACKAGES)), or tools/deps.sh run as root))
endif
endif

BACKENDS  := $(filter-out common mutants $(PROBED_MISSING),$(notdir $(patsubst %/,%,$(dir $(wildcard backends/*/*.c)))))
BACKEND_SO := $(patsubst %,$(BUILD)/backends/%.so,$(sort $(BACKENDS)))
COMMON_SRC := $(wildcard backends/common/*.c)
COMMON_PIC := $(patsubst %.c,$(BUILD)/pic/%.o,$(COMMON_SRC))
CORE_SO := $(patsubst %,$(BUILD)/backends/%.so,$(filter-out $(PROBED_MISSING),$(CORE_NAMES)))
ENGINE_SO := $(patsubst %,$(BUILD)/backends/%.so,$(ENGINES))
ENGINE_EXPECT := $(patsubst %,spec/expectations/%.txt,$(ENGINES))

# One static library a layer.  The runtime's allocator (runtime/alloc.c:
# malloc and free themselves) is linked as an object, never left to an
# archive's lookup: it must replace libc's in every program that has the
# runtime.
layer_obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(1)/*.c))
ALLOC_OBJ   := $(BUILD)/obj/runtime/alloc.o
RUNTIME_OBJ := $(filter-out $(ALLOC_OBJ),$(call layer_obj,runtime)) $(BUILD)/obj/gen/clauses.o
CASES_OBJ   := $(call layer_obj,cases)
HARNESS_OBJ := $(filter-out $(BUILD)/obj/harness/main.o,$(call layer_obj,harness)) \
               $(BUILD)/obj/gen/clause_texts.o
BENCH_OBJ   := $(call layer_obj,bench)
LIB_RUNTIME := $(BUILD)/lib/libdcts_runtime.a
LIB_CASES   := $(BUILD)/lib/libdcts_cases.a
LIB_HARNESS := $(BUILD)/lib/libdcts_harness.a
LIB_BENCH   := $(BUILD)/lib/libdcts_bench.a
# The reference backend is also linked into the harness as its default,
# under another entry name so a dlopened backend never collides with it.
EMBED_OBJ := $(patsubst %.c,$(BUILD)/obj/embed/%.o,$(wildcard backends/select/*.c) $(COMMON_SRC))
LIB_EMBED := $(BUILD)/lib/libdcts_embed.a
# In link order: what uses comes before what it uses.
PROGRAM_LIBS := $(LIB_BENCH) $(LIB_HARNESS) $(LIB_CASES) $(LIB_RUNTIME) $(LIB_EMBED)

# Mutants: backends/mutants/NAME.patch -> build/mutants/NAME.so; the
# uring-* ones (of backends/uring) only where uring is built.
MUTANT_PATCHES := $(wildcard backends/mutants/*.patch)
ifneq ($(filter uring,$(PROBED_MISSING)),)
MUTANT_PATCHES := $(filter-out backends/mutants/uring-%,$(MUTANT_PATCHES))
endif
MUTANT_SO := $(patsubst backends/mutants/%.patch,$(BUILD)/mutants/%.so,$(MUTANT_PATCHES))

UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))


.PHONY: all run check install uninstall clean unit mutants mutation-report mutation-auto
.PHONY: engines-report bench bench-instructions
all: $(BUILD)/layers.ok $(BUILD)/dispatch-cts $(BACKEND_SO)

# The layers hold only while every header is named by its file name
# (tools/check-layers.sh): checked before anything is built.
LAYER_SRC := $(shell find spec backends runtime cases harness bench examples tests/fixtures \
                  -name '*.[ch]' 2>/dev/null)
$(BUILD)/layers.ok: tools/check-layers.sh $(LAYER_SRC)
	@sh tools/check-layers.sh
	@mkdir -p $(dir $@) && touch $@

$(BUILD)/dispatch-cts: $(BUILD)/obj/harness/main.o $(ALLOC_OBJ) $(PROGRAM_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(BUILD)/obj/harness/main.o $(ALLOC_OBJ) $(PROGRAM_LIBS) \
	    $(JSON_LIBS) $(LDLIBS)

$(LIB_RUNTIME): $(RUNTIME_OBJ)
$(LIB_CASES): $(CASES_OBJ)
$(LIB_HARNESS): $(HARNESS_OBJ)
$(LIB_BENCH): $(BENCH_OBJ)
$(LIB_EMBED): $(EMBED_OBJ)
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# A layer's object, with that layer's include paths (the top folder of
# its path names the layer; harness/main.c is the program's).
layer_of = $(if $(filter harness/main,$(1)),main,$(firstword $(subst /, ,$(1))))
$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/clause_ids.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_$(call layer_of,$*)) $(DEP_FLAGS) -c -o $@ $<

$(BUILD)/obj/embed/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_backends) $(DEP_FLAGS) -DDC_ENTRY_NAME=dc_embedded_backend -c -o $@ $<

# The clause table (ids, headings and whole texts) from the contract, and
# the mutants from their MANIFEST, for the case rows (CLAUSES), failure
# messages and explain.  Every object may include the ids (dcts.h): they
# are made first, and -MMD then knows who does.
$(BUILD)/gen/clause_ids.h: spec/CONTRACT.md tools/gen-clauses.sh
	@mkdir -p $(dir $@)
	sh tools/gen-clauses.sh ids spec/CONTRACT.md > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/clauses.c: spec/CONTRACT.md tools/gen-clauses.sh
	@mkdir -p $(dir $@)
	sh tools/gen-clauses.sh headings spec/CONTRACT.md > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/clause_texts.c: spec/CONTRACT.md backends/mutants/MANIFEST tools/gen-clauses.sh
	@mkdir -p $(dir $@)
	sh tools/gen-clauses.sh texts spec/CONTRACT.md backends/mutants/MANIFEST > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/clauses.o: $(BUILD)/gen/clauses.c $(BUILD)/gen/clause_ids.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_runtime) $(DEP_FLAGS) -c -o $@ $<

$(BUILD)/obj/gen/clause_texts.o: $(BUILD)/gen/clause_texts.c $(BUILD)/gen/clause_ids.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_harness) $(DEP_FLAGS) -c -o $@ $<

# One shared object per backend directory: its objects and the shared
# layer's, position-independent, with the backends' include paths only.
.SECONDEXPANSION:
backend_pic = $(patsubst %.c,$(BUILD)/pic/%.o,$(wildcard backends/$(1)/*.c))
$(BUILD)/backends/%.so: $$(call backend_pic,%) $(COMMON_PIC) $$(wildcard backends/%/LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SO_FLAGS) -shared -o $@ $(filter %.o,$^) \
	    $(call backend_libs,$*) $(LDLIBS)

# (*.py beside the .c files are sources a backend compiles in, python's
# bootstrap.py by .incbin, which -MMD does not see.)
$(BUILD)/pic/backends/%.o: backends/%.c $$(wildcard $$(dir backends/%)*.py $$(dir backends/%)CFLAGS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_backends) $(call backend_cflags,$(firstword $(subst /, ,$*))) \
	    $(SO_FLAGS) $(DEP_FLAGS) -c -o $@ $<

# Unit tests of the harness's own parts (cmocka): each links the layers'
# libraries, so it takes only the objects it uses.
$(BUILD)/tests/%: tests/unit/%.c $(ALLOC_OBJ) $(PROGRAM_LIBS) | $(BUILD)/gen/clause_ids.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_tests) $(DEP_FLAGS) -o $@ $< $(ALLOC_OBJ) $(PROGRAM_LIBS) \
	    -lcmocka $(JSON_LIBS) $(LDLIBS)

unit: $(UNIT_BIN) $(BUILD)/tools/tap-check

# The unit tests' TAP checker as a command, for the shell tests
# (tests/bad-backends.sh): one TAP validator.
$(BUILD)/tools/tap-check: tests/tap-check.c $(BUILD)/obj/harness/text.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_tests) -Itests/unit $(DEP_FLAGS) -o $@ $< $(BUILD)/obj/harness/text.o $(LDLIBS)

$(BUILD)/mutants/%.so: backends/mutants/%.patch tools/build-mutant.sh \
        $(wildcard backends/select/*.c backends/poll/*.c backends/epoll/*.c backends/uring/*.c) \
        $(COMMON_SRC) $(wildcard spec/*.h backends/common/*.h)
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


# The optional libraries and socat first (installed when root, else the
# command is printed), then a fresh make that probes for them.
# The matrix has the reference in Python (on select) too, where the
# bridge is built (one python: implementation per run).
PY_REFERENCE := python:backends/python/reference/dispatch.py:SelectContext
run:
	@tools/deps.sh run || true
	@$(MAKE) --no-print-directory all
	$(BUILD)/dispatch-cts $(CORE_SO) $(if $(filter python,$(OPTIONAL_FOUND)),$(PY_REFERENCE))

# The engine adapters' conformance, regenerated: the table, each gap's
# reason and the engines' versions go to spec/ENGINES.md; the exit status
# is non-zero when a result differs from spec/expectations/NAME.txt (an
# unexpected failure, or an expected one that passed: tighten the file).
engines-report: all
	@test -z "$(ENGINES_MISSING)" || { echo "make engines-report: the table needs every engine; missing: $(ENGINES_MISSING)"; exit 1; }
	$(BUILD)/dispatch-cts $(patsubst %,--expect %,$(ENGINE_EXPECT)) \
	    --format markdown -o spec/ENGINES.md $(ENGINE_SO)

check:
	./run_tests.sh

# The man page: from --help with help2man where it is (and checked against
# the shipped one by tests/install.sh), else the shipped docs/dispatch-cts.1;
# `make man` regenerates the shipped one.
MAN_NAME := conformance test suite for dispatch context backends
HELP2MAN := $(shell command -v help2man 2>/dev/null)
DOCDIR = $(PREFIX)/share/doc/dispatch-cts
.PHONY: man
$(BUILD)/dispatch-cts.1: $(BUILD)/dispatch-cts
	$(if $(HELP2MAN),help2man -N -n '$(MAN_NAME)' -o $@ $(BUILD)/dispatch-cts,cp docs/dispatch-cts.1 $@)

man: $(BUILD)/dispatch-cts
	help2man -N -n '$(MAN_NAME)' -o docs/dispatch-cts.1 $(BUILD)/dispatch-cts

# The binary is installed stripped (its debug info stays in $(BUILD)).
install: all $(BUILD)/dispatch-cts.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/lib/dispatch-cts/backends $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 -s --strip-program=$(STRIP) $(BUILD)/dispatch-cts $(DESTDIR)$(PREFIX)/bin/dispatch-cts
	install -m 644 spec/dispatch_context.h spec/dispatch_bench.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BACKEND_SO) $(DESTDIR)$(PREFIX)/lib/dispatch-cts/backends/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    spec/dispatch-cts.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/dispatch-cts.pc
	install -m 644 $(BUILD)/dispatch-cts.1 $(DESTDIR)$(PREFIX)/share/man/man1/dispatch-cts.1
	install -m 644 spec/CONTRACT.md spec/dispatch_context.h spec/ENGINES.md README.md \
	    docs/TUTORIAL.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(DOCDIR)/examples/tutorial
	install -m 644 examples/*.c $(DESTDIR)$(DOCDIR)/examples/
	install -m 644 examples/tutorial/* $(DESTDIR)$(DOCDIR)/examples/tutorial/
	install -m 644 tools/dispatch-cts.bash-completion \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dispatch-cts

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dispatch-cts $(DESTDIR)$(PREFIX)/include/dispatch_context.h \
	    $(DESTDIR)$(PREFIX)/include/dispatch_bench.h \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/dispatch-cts.pc \
	    $(DESTDIR)$(PREFIX)/share/man/man1/dispatch-cts.1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dispatch-cts
	rm -rf $(DESTDIR)$(PREFIX)/lib/dispatch-cts $(DESTDIR)$(DOCDIR)

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

$(BUILD)/fixtures/%.so: tests/fixtures/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_backends) -Itests/fixtures $(SO_FLAGS) -MMD -MP -MF $@.d -MT $@ -shared -o $@ $<

$(UNIT_BIN): $(FIXTURE_SO)

# Memory checking (tests/valgrind.sh, tests/asan.sh; both in ./run_tests.sh):
#   make check-valgrind   every case on the core backends (CORE_SO), the harness
#                         and each case process under valgrind memcheck
#                         (leaks, fds left open, errors: all must be 0)
#   make check-asan       the same suite, and the unit tests, built with
#                         AddressSanitizer + UndefinedBehaviorSanitizer in
#                         $(ASAN_BUILD): no report allowed
# MEMCHECK_SO picks the backends (default: the production ones, CORE_SO).
ASAN_BUILD  ?= build-asan
ASAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=all
MEMCHECK_SO ?= $(CORE_SO)
.PHONY: check-valgrind check-asan asan

check-valgrind: all $(FIXTURE_SO)
	tests/valgrind.sh $(BUILD) $(MEMCHECK_SO)

# The sanitized build alone (harness, backends, fixtures, unit tests).
asan:
	$(MAKE) BUILD=$(ASAN_BUILD) EXTRA_CFLAGS='$(ASAN_FLAGS)' DCTS_SAID_MISSING=1 all unit

check-asan: asan
	tests/asan.sh $(ASAN_BUILD) $(patsubst $(BUILD)/%,$(ASAN_BUILD)/%,$(MEMCHECK_SO))

# The benchmark (dispatch-cts bench --help): the production backends and
# the engine adapters, in pipes mode, the mode of the README's figures.
BENCH_SO   ?= $(CORE_SO) $(ENGINE_SO)
BENCH_ARGS ?= --pipes

# Each adapter's engine driven directly, its baseline in the benchmark:
# bench/engines/NAME.c, plus bench/engines/driver.c (the run around the
# engine's calls, driver.h) -> $(BUILD)/bench/NAME.so, linked like
# backends/NAME (spec/dispatch_bench.h); the bench finds it beside the
# adapter.  It makes its engine with the adapter's configuration, the
# headers of backends/NAME.
BENCH_ENGINE_SO := $(patsubst %,$(BUILD)/bench/%.so,$(filter $(ENGINES),$(basename $(notdir $(wildcard bench/engines/*.c)))))
all: $(BENCH_ENGINE_SO)

$(BUILD)/bench/%.so: bench/engines/%.c bench/engines/driver.c bench/engines/driver.h \
        spec/dispatch_bench.h $$(wildcard backends/%/*.h backends/%/CFLAGS) backends/%/LIBS
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ispec -Ibench/engines -Ibackends/$* $(call backend_cflags,$*) \
	    $(SO_FLAGS) -shared -o $@ $(filter %.c,$^) \
	    $(call backend_libs,$*) $(LDLIBS)

bench: all
	$(BUILD)/dispatch-cts bench $(BENCH_ARGS) --json $(BUILD)/bench.json \
	    --svg $(BUILD)/bench.svg $(BENCH_SO)

bench-instructions: all
	tools/bench-instructions.sh $(BUILD)/dispatch-cts $(BENCH_ARGS) $(BENCH_SO)

# Every object has its dependency file (-MMD); read last, so that none of
# its targets becomes the default goal.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
