#!/usr/bin/env bash
# tests/asan.sh BUILD [BACKEND.so...]: the AddressSanitizer and
# UndefinedBehaviorSanitizer build (made by `make check-asan`, which runs
# this) checks itself: the harness's unit tests, then the whole suite on
# each backend (default: the core backends of backends/CORE that were
# built).
#
# A sanitizer report ends the process with ASAN_EXIT (UBSan errors are
# fatal: -fno-sanitize-recover=all); a case process that leaks is caught
# by the leak check the runner runs before its _exit (harness/runner.c).
# Either way the case becomes a FAIL whose message carries the report
# (the case's output is captured), and a report of the harness itself
# lands in its stderr; both are searched here, and must hold none.
# SIGSEGV and friends are left to kill the process (handle_segv=0), so a
# crash stays a CRASH result as without sanitizers.  No case lowers
# RLIMIT_AS, which would collide with the shadow memory; the allocation
# failure cases SKIP here (the sanitizer's malloc replaces the harness's).
#
# Prints PASS/FAIL lines per unit test, per self-check and per backend,
# then a table of the figures.  Environment: JOBS, ASAN_TIMEOUT_SCALE
# (default 3).
set -uo pipefail
cd "$(dirname "$0")/.."

build=${1:-build-asan}
shift || true
backends=("$@")
# The core backends that were built (uring needs liburing-dev).
((${#backends[@]})) || mapfile -t backends < <(tools/core-backends.sh "$build")
ASAN_EXIT=98
scale=${ASAN_TIMEOUT_SCALE:-3}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=$ASAN_EXIT:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=$ASAN_EXIT"
REPORT='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:'
status=0

if [[ ! -x $build/dispatch-cts ]]; then
  echo "FAIL  asan: $build/dispatch-cts is missing (make check-asan builds it)"
  exit 1
fi

# run DIR BACKEND [OPTION...]: the suite, its TAP report and stderr into
# DIR; sets rc, secs, ok, bad, reports.
run() {
  local dir=$1 so=$2 start
  shift 2
  rm -rf "$dir"
  mkdir -p "$dir"
  start=$(date +%s.%N)
  "$build/dispatch-cts" --jobs "$jobs" --timeout-scale "$scale" \
    --format tap -o "$dir/report.tap" "$@" "$so" 2>"$dir/stderr.txt"
  rc=$?
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  ok=$(grep -c '^ok ' "$dir/report.tap" 2>/dev/null)
  bad=$(grep -c '^not ok ' "$dir/report.tap" 2>/dev/null)
  reports=$(cat "$dir/report.tap" "$dir/stderr.txt" 2>/dev/null | grep -c -E "$REPORT")
}

# ---- the harness's own unit tests, sanitized
for t in "$build"/tests/*; do
  [[ -x $t ]] || continue
  name=$(basename "$t")
  out=$("$t" 2>&1)
  trc=$?
  n_ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
  n=$(grep -c -E "$REPORT" <<<"$out")
  if ((trc == 0 && n == 0)); then
    echo "PASS  asan unit $name: ${n_ok:-0} tests, no sanitizer report"
  else
    echo "FAIL  asan unit $name: exit $trc, $n sanitizer report(s)"
    grep -E -A6 "$REPORT|FAILED  \]" <<<"$out" | head -20 | sed 's/^/    /'
    status=1
  fi
done

# ---- that a bad backend is caught: a leak, a heap overflow and undefined
# behaviour in create (tests/fixtures/valid/misbehave.c) each fail the case
# with the sanitizer's report in its message.
fixture=$build/fixtures/valid/misbehave.so
for how in leak overflow undefined; do
  DCTS_MISBEHAVE=create:$how run "$build/asan/self-check-$how" "$fixture" \
    --filter abi-descriptor
  if ((bad == 1 && reports > 0)); then
    echo "PASS  asan self-check: create:$how fails the case with a sanitizer report"
  else
    echo "FAIL  asan self-check: create:$how: $bad not ok, $reports report(s) (see $build/asan/self-check-$how)"
    status=1
  fi
done

# ---- the backends
table=()
for so in "${backends[@]}"; do
  name=$(basename "$so" .so)
  dir=$build/asan/$name
  run "$dir" "$so"
  grep '^not ok ' "$dir/report.tap" 2>/dev/null | sed "s/^/FAIL  asan $name: /"
  if ((rc == 0 && bad == 0 && ok > 0 && reports == 0)); then
    echo "PASS  asan $name: $ok cases ok, no sanitizer report (${secs} s)"
  else
    echo "FAIL  asan $name: $ok ok, $bad not ok, $reports sanitizer report(s), dispatch-cts exited $rc (${secs} s; see $dir)"
    grep -E -A8 "$REPORT" "$dir/report.tap" "$dir/stderr.txt" | head -30 | sed 's/^/    /'
    status=1
  fi
  table+=("$(printf '%-8s %6s %8s %9s' "$name" "$((ok + bad))" "$reports" "$secs")")
done

echo
printf '%-8s %6s %8s %9s\n' backend cases reports seconds
printf '%s\n' "${table[@]}"
exit $status
