#!/usr/bin/env bash
# model.sh BUILD_DIR: the model-based differential tester (dispatch-cts
# fuzz) against the bundled backends, where it must find nothing, and a
# handful of mutants, where it must find the defect on its own.  Prints one
# "PASS what" or "FAIL what" line per check.
#
# The engine adapters run without the features that reach their known gaps
# (spec/expectations/*.txt): dup'd files outliving their fd (libevent,
# libuv: cls-duplicate-outlives-fd), allocation failures (libev, libuv:
# fault-enomem-registration) and fds closed behind their back (libev and
# libuv abort inside their engine, LIM-3: found by fuzz, see README).
set -u
BUILD=${1:-build}
H=$BUILD/dispatch-cts
SECONDS_EACH=${MODEL_SECONDS:-1}
SEED=${MODEL_SEED:-1}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# fuzz WANT WHAT -- ARGS...: the exit status, with the output on failure.
fuzz() {
  local want=$1 what=$2; shift 3
  timeout 120 nice -n 10 "$H" fuzz --seed "$SEED" --seconds "$SECONDS_EACH" "$@" \
    >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [[ $rc == "$want" ]]; then echo "PASS $what"
  else echo "FAIL $what (exit $rc, wanted $want)"; sed 's/^/    /' "$tmp/out" "$tmp/err" | head -20; fi
}

for b in select poll epoll; do
  fuzz 0 "fuzz finds nothing in $b (every feature)" -- "$BUILD/backends/$b.so"
done
fuzz 0 "fuzz finds nothing in libev (no fds closed behind it, no allocation failures)" -- \
  --features core,close,errors,nested,dup,badargs,highfd "$BUILD/backends/libev.so"
fuzz 0 "fuzz finds nothing in libuv (no dup'd files, no fds closed behind it, no allocation failures)" -- \
  --features core,close,errors,nested,badargs,highfd "$BUILD/backends/libuv.so"
fuzz 0 "fuzz finds nothing in libevent (no dup'd files, no fds closed behind it)" -- \
  --features core,close,errors,nested,badargs,alloc,highfd "$BUILD/backends/libevent.so"

# Mutants of different areas, each found with its clause.
# mutant CLAUSE NAME: found (exit 1) and the report names CLAUSE.
mutant() {
  local so=$BUILD/mutants/$2.so
  if [[ ! -e $so ]]; then echo "FAIL mutant $2 is not built (make mutants)"; return; fi
  fuzz 1 "fuzz finds mutant $2" -- "$so"
  if grep -q "^$1 " "$tmp/out"; then echo "PASS fuzz names $1 for mutant $2"
  else echo "FAIL fuzz names $1 for mutant $2"; sed 's/^/    /' "$tmp/out" | head -5; fi
}
mutant EVT-3 always-watch-read-write
mutant DSP-6 deferred-close
mutant ERR-3 handler-called-twice
mutant ERR-5 handler-return-ignored
mutant CLS-6 destroy-notifies-targets
mutant ABI-2 flags-overlap
mutant ABI-3 shared-static-registry
mutant LIM-3 closed-fd-e-masked
mutant LIM-1 fd-limit-check-removed
mutant CLS-7 socket-closed-closes-fd

# A backend of another design (tests/model-backends/records.c: records in
# a swap-removed array, sequence numbers, reverse delivery): passed as
# written, each of its defects found.
CC=${CC:-cc}
for d in 0 1 2 3 4; do
  if ! "$CC" -std=gnu11 -Wall -Wextra -Werror -O2 -D_GNU_SOURCE -DDEFECT=$d -Ispec \
       -fPIC -shared -o "$tmp/records$d.so" tests/model-backends/records.c -lm; then
    echo "FAIL tests/model-backends/records.c builds with DEFECT=$d"; continue
  fi
  if ((d == 0)); then fuzz 0 "fuzz finds nothing in records.c (another design)" -- "$tmp/records0.so"
  else fuzz 1 "fuzz finds defect $d of records.c" -- "$tmp/records$d.so"; fi
done

# The command line: a rerun, bad usage.
"$H" fuzz --seed 7 "$BUILD/backends/poll.so" >"$tmp/out" 2>&1
if [[ $? == 0 ]] && grep -q "1 sequence(s), seeds 7..7" "$tmp/out"; then
  echo "PASS fuzz --seed alone reruns one sequence"
else echo "FAIL fuzz --seed alone reruns one sequence"; head -3 "$tmp/out"; fi
for bad in "--seconds x" "--count 0" "--features nosuch" "--seed" "--bogus"; do
  # shellcheck disable=SC2086
  "$H" fuzz $bad >/dev/null 2>"$tmp/err"; rc=$?
  if [[ $rc == 2 ]] && [[ $(wc -l <"$tmp/err") -le 2 ]]; then echo "PASS fuzz $bad is a usage error"
  else echo "FAIL fuzz $bad is a usage error (exit $rc)"; fi
done
"$H" fuzz --help >"$tmp/out" 2>&1 && grep -q -- "--seconds" "$tmp/out" \
  && echo "PASS fuzz --help lists its options" || echo "FAIL fuzz --help lists its options"
