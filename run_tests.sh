#!/usr/bin/env bash
# run_tests.sh: installs what is missing, builds, runs every test.
# The last line is "N passed, N failed"; the exit status is 0 only when
# nothing failed.
#
#   ./run_tests.sh            everything
#   JOBS=4 ./run_tests.sh     more parallel cases
set -uo pipefail
cd "$(dirname "$0")"

# ---- dependencies: Debian packages (tools/deps.sh: apt-get as root, with a
# dpkg lock timeout and one retry; otherwise the exact command) -------------
tools/deps.sh test || { echo "0 passed, 1 failed"; exit 1; }

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS  $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
LOG=build/test-logs
step() { echo; echo "== $*"; }
# checks LABEL COMMAND...: runs a script that prints "PASS what" / "FAIL what"
# lines and counts them; its full output is kept in build/test-logs.
checks() {
  local label=$1; shift
  local log="$LOG/${label// /-}.log"
  "$@" >"$log" 2>&1
  while read -r verdict rest; do
    case $verdict in PASS) pass "$label: $rest" ;; FAIL) fail "$label: $rest" ;; esac
  done <"$log"
}

# prove_reads NAME FILE: Debian's TAP::Harness (prove) reads the report
# with no parse error and passes it exactly when every point passed: the
# consumer CI pipelines use, checked on the report itself.
prove_reads() {
  local out verdict=PASS want=PASS
  out=$(prove -v -e cat "$2" 2>&1)
  grep -q '^not ok ' "$2" && grep -v ' # TODO ' "$2" | grep -q '^not ok ' && want=FAIL
  [[ $(tail -1 <<<"$out") == "Result: $want" ]] || verdict=FAIL
  grep -q 'Parse errors' <<<"$out" && verdict=FAIL
  if [[ $verdict == PASS ]]; then pass "prove reads the TAP report of $1 (Result: $want)"
  else grep -A3 'Parse errors\|^Result' <<<"$out" | head -8; fail "prove on the TAP report of $1"; fi
}

# ---- build -------------------------------------------------------------------
step "build (gcc)"
if make -j"$JOBS" all unit >build.log 2>&1; then pass "build with gcc"; rm -f build.log
else cat build.log; fail "build with gcc"; echo "$passed passed, $failed failed"; exit 1; fi
mkdir -p "$LOG"; mv -f build.log "$LOG/" 2>/dev/null

step "build (clang)"
if make -j"$JOBS" BUILD=build-clang CC=clang all unit >"$LOG/clang.log" 2>&1; then pass "build with clang"
else tail -30 "$LOG/clang.log"; fail "build with clang"; fi

# ---- unit tests of our own code (cmocka) --------------------------------------
step "unit tests (cmocka)"
for t in build/tests/*; do
  [[ -x $t ]] || continue
  name=$(basename "$t")
  out=$("$t" 2>&1); rc=$?
  n_ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
  n_bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
  passed=$((passed + ${n_ok:-0})); failed=$((failed + ${n_bad:-0}))
  if ((rc != 0)); then
    echo "$out" | grep -E 'FAILED|ERROR|Failure' | head -20
    [[ -z $n_bad ]] && fail "unit: $name exited $rc"
  fi
  echo "unit: $name: ${n_ok:-0} passed, ${n_bad:-0} failed"
done

# ---- the contract is fully covered --------------------------------------------
step "clause coverage"
if build/dispatch-cts --check-coverage; then pass "every clause is named by a case"
else fail "clause coverage"; fi
# Rows name clauses by identifier (TMO_9); the comment of each case names
# them as the contract does, so that grep -r TMO-9 finds the case.
if python3 tools/case-comments.py; then pass "every case's comment names its clauses"
else fail "a case's comment does not name its clauses"; fi

# ---- the layers: the build refuses a file that reaches past its own ------------
step "the layers (tests/layers.sh)"
checks layers tests/layers.sh build

# ---- the command line, as a user meets it -------------------------------------
step "command line"
checks cli tests/cli.sh build/dispatch-cts

step "install, and a third-party backend built with pkg-config"
checks install tests/install.sh

step "the tutorial: the skeleton runs cleanly, each step passes exactly its promised cases"
checks tutorial tests/tutorial.sh build/dispatch-cts

step "the harness under bad backends (crash, hang, abort, exit, chatter)"
checks bad-backends tests/bad-backends.sh build/dispatch-cts

# ---- conformance of the bundled backends --------------------------------------
step "conformance of the bundled backends"
# uring (io_uring) where it was built: liburing-dev is optional to make.
core_names=()
for so in $(tools/core-backends.sh build); do core_names+=("$(basename "$so" .so)"); done
for name in "${core_names[@]}"; do
  so=build/backends/$name.so
  build/dispatch-cts --jobs "$JOBS" --format tap -o "$LOG/$name.tap" "$so"
  rc=$?
  ok=$(grep -c '^ok ' "$LOG/$name.tap"); bad=$(grep -c '^not ok ' "$LOG/$name.tap")
  passed=$((passed + ok)); failed=$((failed + bad))
  grep -A12 '^not ok ' "$LOG/$name.tap" | head -60
  if ((rc != 0 && bad == 0)); then fail "conformance: $name exited $rc"; fi
  echo "conformance: $name: $ok ok, $bad not ok (exit $rc)"
  prove_reads "$name" "$LOG/$name.tap"
done

# The same three as one matrix in JSON and JUnit, read by real parsers
# (python3's json, xmllint): every backend and case present, verdicts as
# in TAP.
core=("${core_names[@]/#/build/backends/}"); core=("${core[@]/%/.so}")
build/dispatch-cts --jobs "$JOBS" --format json -o "$LOG/core.json" "${core[@]}" 2>/dev/null
if python3 - "$LOG/core.json" "$LOG" "${#core[@]}" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
for b in d["backends"]:
    tap = open(f"{sys.argv[2]}/{b['name']}.tap").read()
    bad = len(re.findall(r"^not ok ", tap, re.M))
    assert len(b["cases"]) == len(re.findall(r"^(?:not )?ok ", tap, re.M)), b["name"]
    assert sum(not c["ok"] for c in b["cases"]) == bad, b["name"]
assert len(d["backends"]) == int(sys.argv[3]) and d["harness"]["version"]
PY
then pass "the JSON report of the core backends parses and agrees with TAP"
else fail "the JSON report of the core backends"; fi
build/dispatch-cts --jobs "$JOBS" --format junit -o "$LOG/core.xml" "${core[@]}" 2>/dev/null
if xmllint --noout "$LOG/core.xml" && [[ $(grep -c '<testsuite ' "$LOG/core.xml") == "${#core[@]}" ]]
then pass "the JUnit report of the core backends is well-formed, a testsuite each"
else fail "the JUnit report of the core backends"; fi

# ---- the engine adapters, against their known gaps ----------------------------
# Each backend with a backends/NAME/LIBS file (libevent, libev, libuv) runs
# with --expect spec/expectations/NAME.txt: a point that is ok, or not ok as
# expected ("# TODO": an XFAIL), passes; any other not ok (an unexpected
# failure, an XPASS, a mismatched expectation) fails.  spec/ENGINES.md is
# the same run as a table (make engines-report).
step "conformance of the engine adapters (spec/expectations)"
for libs in backends/*/LIBS; do
  name=$(basename "$(dirname "$libs")")
  [[ -e backends/$name/BRIDGE ]] && continue   # checked through what it runs
  # A production backend on a library (uring) has no known gaps: above.
  [[ -e spec/expectations/$name.txt ]] || continue
  build/dispatch-cts --jobs "$JOBS" --expect "spec/expectations/$name.txt" \
    --format tap -o "$LOG/$name.tap" "build/backends/$name.so"
  rc=$?
  ok=$(grep -c '^ok ' "$LOG/$name.tap")
  xfail=$(grep -c '^not ok .* # TODO ' "$LOG/$name.tap")
  bad=$(grep '^not ok ' "$LOG/$name.tap" | grep -vc ' # TODO ')
  passed=$((passed + ok + xfail)); failed=$((failed + bad))
  grep '^not ok ' "$LOG/$name.tap" | grep -v ' # TODO ' | head -20
  if ((rc != 0 && bad == 0)); then fail "engine adapter: $name exited $rc"; fi
  echo "engine adapter: $name: $ok ok, $xfail expected failures, $bad unexpected (exit $rc)"
  prove_reads "$name" "$LOG/$name.tap"
done

# ---- Python implementations through the bridge (docs/PYTHON.md) ---------------
# The reference in Python on select, poll and epoll with no expectations;
# the adapters over asyncore, selectors and asyncio against theirs.
step "Python implementations through the bridge (tests/python.sh)"
checks python tests/python.sh build

# ---- the benchmark: a smoke test, not a performance gate -----------------------
# bench --quick runs and writes valid JSON and SVG; bad input and broken
# backends are handled; epoll's filter costs one epoll_ctl per change and
# none when unchanged (strace); callgrind counts instructions per event.
step "benchmark (dispatch-cts bench --quick; make bench, make bench-instructions)"
checks bench tests/bench.sh build

# ---- memory checking: valgrind, and an ASan+UBSan build ------------------------
# Every case on select, poll, epoll (and uring where built), each case process checked: no
# memcheck error, no leak, no fd left open; no sanitizer report.
step "valgrind memcheck (make check-valgrind)"
checks valgrind tests/valgrind.sh build
tail -5 "$LOG/valgrind.log"

step "AddressSanitizer + UndefinedBehaviorSanitizer (make check-asan)"
if make -j"$JOBS" asan >"$LOG/asan-build.log" 2>&1; then
  pass "build with ASan and UBSan"
  checks asan tests/asan.sh build-asan
  tail -5 "$LOG/asan.log"
else tail -20 "$LOG/asan-build.log"; fail "build with ASan and UBSan"; fi

# ---- the suite bites: every MUST clause has a mutant, every mutant caught ----
step "mutants (backends/mutants/MANIFEST)"
if make -s -j"$JOBS" mutants >"$LOG/mutants-build.log" 2>&1; then pass "mutants build"
else tail -20 "$LOG/mutants-build.log"; fail "mutants build"; fi
checks mutants tests/mutants.sh build
grep '^FAIL' "$LOG/mutants.log"

# The model-based differential tester: nothing found on the bundled
# backends, the defect found on a handful of mutants, its command line.
step "model-based differential tester (dispatch-cts fuzz)"
checks model tests/model.sh build

# Backends written from the contract alone, of other designs: each correct
# one passes, each of their single-defect variants is caught.
step "independent backends (tests/independent: other designs, their defects)"
checks independent tests/independent.sh build

echo
echo "$passed passed, $failed failed"
((failed == 0))
