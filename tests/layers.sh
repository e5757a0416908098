#!/usr/bin/env bash
# tests/layers.sh [BUILD]: the build enforces the layers (Makefile, top).  A file
# that names a header by a path is refused (tools/check-layers.sh), and a
# layer's include paths do not reach the layers above it: a backend cannot
# include the harness, the case runtime or the bench; the case runtime
# and the cases cannot include the harness; and no two files of the
# runtime, the cases, the harness and the bench need each other
# (tools/object-circles.py, on BUILD's objects, default build).  Prints
# one "PASS what" or "FAIL what" line per check.
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

check() {   # check WHAT COMMAND...: PASS when the command succeeds
  local what=$1; shift
  if "$@" >"$tmp/out" 2>&1; then echo "PASS $what"
  else echo "FAIL $what"; sed 's/^/    /' "$tmp/out" | head -5; fi
}
refused() { ! "$@"; }

check "the project's tree names every header by its file name" sh tools/check-layers.sh
mkdir -p "$tmp/tree/backends/x"
printf '#include "../../harness/proc.h"\n' > "$tmp/tree/backends/x/x.c"
check "a backend naming a header by a path is refused" refused sh tools/check-layers.sh "$tmp/tree"

# layer INC HEADER: does a file of the layer compile an include of HEADER?
inc_of() { make -s --no-print-directory --eval "print-inc: ; @echo \$(INC_$1)" print-inc 2>/dev/null; }
compiles() {   # compiles LAYER HEADER
  printf '#include "%s"\nint dcts_layer_probe;\n' "$2" > "$tmp/probe.c"
  # shellcheck disable=SC2046
  ${CC:-cc} -std=gnu11 -D_GNU_SOURCE $(inc_of "$1") -fsyntax-only "$tmp/probe.c"
}
for h in proc.h runner.h dcts.h case.h bench.h model.h; do
  check "a backend cannot include $h" refused compiles backends "$h"
done
check "a backend can include the ABI and the shared layer" compiles backends deliver.h
for h in proc.h runner.h report.h bench.h; do
  check "the case runtime cannot include $h" refused compiles runtime "$h"
  check "a case cannot include $h" refused compiles cases "$h"
done
check "a case can include its vocabulary" compiles cases dcts.h
check "the harness cannot include the bench" refused compiles harness bench.h
check "the harness can include the case table" compiles harness case.h

# Circles: none among the built objects, and a made-up one is found.
check "no two files of the runtime, cases, harness or bench need each other" \
  python3 tools/object-circles.py "$build"
mkdir -p "$tmp/circle/obj/runtime"
printf 'int dcts_b(void);\nint dcts_a(void) { return dcts_b(); }\n' > "$tmp/a.c"
printf 'int dcts_a(void);\nint dcts_b(void) { return dcts_a(); }\n' > "$tmp/b.c"
${CC:-cc} -c -o "$tmp/circle/obj/runtime/a.o" "$tmp/a.c" &&
  ${CC:-cc} -c -o "$tmp/circle/obj/runtime/b.o" "$tmp/b.c"
check "two files that need each other are found" \
  refused python3 tools/object-circles.py "$tmp/circle"
