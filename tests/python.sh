#!/usr/bin/env bash
# tests/python.sh: Python implementations through the bridge
# (backends/python, docs/PYTHON.md).  Prints PASS/FAIL lines for
# run_tests.sh's `checks`.
#
#   tests/python.sh [BUILD]
#
# The reference implementation (backends/python/reference/dispatch.py) on
# select, poll and epoll must pass every case with no expectations file;
# its mutants (reference/mutants.py) must be caught; each adapter over a
# real Python dispatcher must match its spec/expectations/NAME.txt.  Left out, with one line, when the bridge
# is not built (libpython3.11-dev missing).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
prog=$build/dispatch-cts
jobs=${JOBS:-2}
logs=$build/test-logs/python
mkdir -p "$logs"

if [[ ! -e $build/backends/python.so ]]; then
  echo "SKIP  the Python bridge is not built (libpython3.11-dev; tools/deps.sh)"
  exit 0
fi

# run LABEL SPEC ARGS...: one implementation, its verdict from the exit
# status; its output in $logs (the label's words joined by '-').
run() {
  local label=$1 spec=$2; shift 2
  local log=$logs/${label%% *}-${spec##*:}.txt start end
  start=$(date +%s.%N)
  "$prog" --jobs "$jobs" "$@" "python:$spec" >"$log" 2>&1
  local rc=$?
  end=$(date +%s.%N)
  local took summary
  took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  summary=$(grep -m1 ' cases: ' "$log")
  if ((rc == 0)); then echo "PASS  $label (${took} s): $summary"
  else echo "FAIL  $label (exit $rc, log $log): $summary"; grep -A6 '^FAIL \|^TIMEOUT \|^CRASH ' "$log" | head -30; fi
}

ref=backends/python/reference/dispatch.py
for model in Select Poll Epoll; do
  run "reference ${model}Context, no expectations" "$ref:${model}Context"
done

# The bridge carries a Python implementation's mistakes to the cases:
# each mutant of the reference FAILs the case it names in `catches`; and
# bools for R, W and E (the seed allows them) pass everything.
mutants=backends/python/reference/mutants.py
for m in HandlerGetsInterrupt:err-interrupt-bypasses-handler \
         SplitFields:dsp-one-call-all-fields NoNestingGuard:dsp-nested-dispatch; do
  factory=${m%%:*} case=${m#*:}
  line=$("$prog" --filter "$case" "python:$mutants:$factory" 2>&1 | grep -m1 "^$case ")
  if [[ $line == *" FAIL "* ]]; then echo "PASS  mutant $factory is caught by $case"
  else echo "FAIL  mutant $factory is not caught by $case: ${line:-no result}"; fi
done
run "reference with bools for R, W and E" "$mutants:Booleans"

adapters=backends/python/adapters
# LABEL FILE:FACTORY EXTRA-ARGS (the peer cases are a race for adapters
# that split a target's fields into several calls: see their files).
# The model's cases (mdl-*) are left out for the adapters: each runs 120
# generated sequences, and through an adapter with known gaps (calls split
# per field, DSP-1; an E-only interest refused, FLT-7; an infinite timeout
# overflowing, TMO-7) the first gap a sequence reaches, or the watchdog,
# decides whether it ends FAIL or TIMEOUT: no expectation could be exact.
# The gaps themselves are named by the cases listed in the expectations;
# the reference above runs the mdl-* cases like every other.
while read -r label spec extra; do
  run "adapter $label against spec/expectations/$label.txt" "$adapters/$spec" \
    --expect "spec/expectations/$label.txt" --exclude 'mdl-*' $extra
done <<'LIST'
py-asyncore-poll asyncore_adapter.py:AsyncorePoll --exclude peer-*
py-asyncore-poll2 asyncore_adapter.py:AsyncorePoll2 --exclude peer-*
py-selectors selectors_adapter.py:Selectors
py-asyncio asyncio_adapter.py:Asyncio --exclude peer-*
LIST

# A bad spec: one clear line, exit 2, no crash.
out=$("$prog" python:nonsense 2>&1); rc=$?
if ((rc == 2)) && [[ $out == *"expected python:MODULE:FACTORY"* ]]; then
  echo "PASS  a malformed python: spec is refused with one line"
else echo "FAIL  a malformed python: spec: exit $rc: $out"; fi
out=$("$prog" --filter abi-independent-contexts python:no_such_module_here:F 2>&1); rc=$?
if ((rc == 1)) && [[ $out == *"No module named 'no_such_module_here'"* ]]; then
  echo "PASS  a missing module fails its cases with the import error"
else echo "FAIL  a missing module: exit $rc: $(head -c 400 <<<"$out")"; fi
