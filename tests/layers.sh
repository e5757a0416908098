#!/usr/bin/env bash
# tests/layers.sh: the build enforces the layers (Makefile, top).  A file
# that names a header by a path is refused (tools/check-layers.sh), and a
# layer's include paths do not reach the layers above it: a backend cannot
# include the harness, the case runtime or the bench; the case runtime
# and the cases cannot include the harness.  Prints one "PASS what" or
# "FAIL what" line per check.
set -u
cd "$(dirname "$0")/.."
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
