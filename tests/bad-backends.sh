#!/usr/bin/env bash
# tests/bad-backends.sh DISPATCH_CTS: the harness against backends that
# misbehave in each operation: crash, hang, abort, exit, print, return no
# context (tests/fixtures/valid/misbehave.c, steered by
# DCTS_MISBEHAVE=OP:HOW).  Each run must end, by itself and soon, with
# exit status 1; every selected case must have a result, of the kind the
# misbehaviour calls for (CRASH, TIMEOUT, FAIL); the TAP report must be
# well-formed and alone on stdout, and the JUnit report valid XML
# (xmllint).  A few runs go under valgrind, the harness process only:
# whatever the backend does, the harness has no memory error, leak or fd
# left open.  Backends that cannot even be loaded (their entry function
# crashes, hangs, exits or returns NULL) are tests/cli.sh's.
# Then backends aimed at the harness itself (tests/fixtures/valid/rogue.c,
# one per way around the isolation that issue 11 lists, see
# docs/THREAT-MODEL.md): each run's exit status, report, wall time, and
# that no process of it remains (ps before and after).
#
# Prints "PASS what" / "FAIL what" lines, one per check.
set -uo pipefail
H=${1:-build/dispatch-cts}
fixture=$(dirname "$H")/fixtures/valid/misbehave.so
TAP_CHECK=$(dirname "$H")/tools/tap-check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; }

for need in "$fixture" "$TAP_CHECK"; do
  if [[ ! -f $need ]]; then
    fail "$need is missing (make unit builds it)"
    exit 1
  fi
done

# Four cases that between them call every operation, even on a backend
# that does nothing right: create and destroy (all), a second context
# (abi-independent-contexts), both filter calls, flags_for and
# dispatch_once (abi-return-codes), socket_closed (cls-unknown-fd-harmless).
CASES=(--filter abi-descriptor --filter abi-independent-contexts
       --filter abi-return-codes --filter cls-unknown-fd-harmless)
NCASES=4
# The watchdog is 5 s per case times this: a hang costs 1 s.
SCALE=0.2

# tap_is_well_formed FILE: TAP version 13 as the writer promises, by the
# unit tests' own checker (tests/tap-check.c: version line, one plan,
# points numbered from 1 that match it, no bare '#' in a description,
# YAML blocks right after a point and indented, every other line a
# comment), and prove finds no parse error.  Prints what is wrong;
# status 0 when nothing.
tap_is_well_formed() {
  "$TAP_CHECK" "$1" || return 1
  # And the consumer CI uses reads it: no parse error (YAML included).
  local out
  out=$(prove -v -e cat "$1" 2>&1)
  if grep -q -A3 'Parse errors' <<<"$out"; then
    grep -A3 'Parse errors' <<<"$out" | head -4; return 1
  fi
}

# expect OP HOW KIND PATTERN: runs the cases with OP misbehaving in
# way HOW; at least one must end KIND (CRASH, TIMEOUT, FAIL) with PATTERN
# (an extended regex) in its diagnostic.
expect() {
  local op=$1 how=$2 kind=$3 pattern=$4 label="$1:$2" rc
  export DCTS_MISBEHAVE=$op:$how
  timeout 60 "$H" --jobs $NCASES --timeout-scale $SCALE --format tap \
    "${CASES[@]}" "$fixture" >"$tmp/out.tap" 2>"$tmp/err.txt"
  rc=$?
  timeout 60 "$H" --jobs $NCASES --timeout-scale $SCALE --format junit \
    -o "$tmp/out.xml" "${CASES[@]}" "$fixture" >"$tmp/junit-stdout.txt" 2>/dev/null
  local jrc=$?
  unset DCTS_MISBEHAVE

  if ((rc == 1 && jrc == 1)); then pass "$label: dispatch-cts ends with status 1"
  else fail "$label: dispatch-cts exited $rc (TAP run) and $jrc (JUnit run), wanted 1 (124: it hung; 128+N: signal N)"
    head -5 "$tmp/err.txt"; fi

  local why
  if why=$(tap_is_well_formed "$tmp/out.tap"); then pass "$label: TAP on stdout is well-formed"
  else fail "$label: TAP: $why"; fi

  local points
  points=$(grep -c -E '^(not )?ok [0-9]+ ' "$tmp/out.tap")
  if ((points == NCASES)); then pass "$label: every case has a result"
  else fail "$label: $points results for $NCASES cases"; fi

  if awk -v kind="$kind" -v pat="$pattern" '
       /^(not )?ok / { inpoint = 1; st = "" }
       /^  status: / { st = $2 }
       inpoint && st == kind && $0 ~ pat { found = 1 }
       END { exit !found }' "$tmp/out.tap"
  then pass "$label: a case ends $kind, saying /$pattern/"
  else fail "$label: no case ends $kind with /$pattern/"
    grep -E '^  (status|message)|^      [a-z]' "$tmp/out.tap" | head -8; fi

  if xmllint --noout "$tmp/out.xml" 2>"$tmp/xmllint.txt"
  then pass "$label: JUnit report is valid XML"
  else fail "$label: JUnit: $(head -3 "$tmp/xmllint.txt")"; fi
  if [[ ! -s $tmp/junit-stdout.txt ]]; then pass "$label: nothing on stdout with -o"
  else fail "$label: stdout with -o: $(head -c 200 "$tmp/junit-stdout.txt")"; fi
}

OPS=(create destroy dispatch_once set_dispatch_filter set_poll_dispatch_filter
     socket_closed flags_for)
for op in "${OPS[@]}"; do
  expect "$op" crash CRASH 'SIGSEGV'
  expect "$op" hang TIMEOUT 'TIMEOUT: no result within'
  expect "$op" abort CRASH 'SIGABRT'
  expect "$op" exit FAIL 'exited with status 3 before reporting'
  expect "$op" stdout FAIL "$op on stdout: line 0 of chatter"
  expect "$op" stderr FAIL "$op on stderr: line 0 of chatter"
done
expect create null FAIL 'create returns 0 and a context; observed: 0, context NULL'

# ---- backends aimed at the harness (issue 11, docs/THREAT-MODEL.md) --------
# tests/fixtures/valid/rogue.c, steered by DCTS_ROGUE=HOW, does nothing
# right and tries to get a pass, an exit 0, a SKIP for a FAIL, a rewritten
# or empty report, a hung harness or a process left behind.  Each run is
# checked for its exit status, its report, its wall time, and that no
# process of it remains (ps before and after: the processes of a run all
# carry the fixture's path on their command line, and those the fixture
# starts are named dcts-rogue).
rogue=$(realpath -m "$(dirname "$H")/fixtures/valid/rogue.so")
HA=$(realpath "$H")       # absolute: one run goes from another directory
leftovers() { { pgrep -f "$rogue"; pgrep -x dcts-rogue; } 2>/dev/null | sort -u | wc -l; }

# rogue HOW WANT_RC MAX_S ARGS...: runs dispatch-cts ARGS with the rogue
# backend misbehaving in way HOW, stdout to $tmp/r.out through a pipe (so
# a process that keeps it keeps the pipeline from ending), stderr to
# $tmp/r.err; checks the status, the time and the leftovers.
rogue() {
  local how=$1 want=$2 max=$3 label="rogue $1" rc t0 t1 before after
  shift 3
  before=$(leftovers)
  t0=$(date +%s%N)
  ( set -o pipefail
    DCTS_ROGUE=$how timeout 60 "$HA" "$@" "$rogue" 2>"$tmp/r.err" | cat >"$tmp/r.out" )
  rc=$?
  t1=$(date +%s%N)
  after=$(leftovers)
  local ms=$(( (t1 - t0) / 1000000 ))
  if ((rc == want)); then pass "$label: dispatch-cts ends with status $want"
  else fail "$label: dispatch-cts exited $rc, wanted $want"; head -3 "$tmp/r.err"; fi
  if ((ms <= max * 1000)); then pass "$label: the run ended in $ms ms (at most $max s)"
  else fail "$label: the run took $ms ms, more than $max s"; fi
  if ((before == 0 && after == 0)); then pass "$label: no process of the run remains"
  else fail "$label: $before processes before the run, $after after"
    ps -o pid,ppid,pgid,sid,user,comm,args -p "$(pgrep -d, -f "$rogue"; pgrep -d, -x dcts-rogue)" 2>/dev/null | head -5
    pkill -KILL -f "$rogue"; pkill -KILL -x dcts-rogue; fi
}

# has WHAT FILE PATTERN / lacks WHAT FILE PATTERN: the report holds (or
# does not hold) the extended regex.
has() {
  if grep -qE -- "$3" "$2"; then pass "$1: the report says /$3/"
  else fail "$1: the report does not say /$3/"; fi
}
lacks() {
  if ! grep -qE -- "$3" "$2"; then pass "$1: the report does not say /$3/"
  else fail "$1: the report says /$3/: $(grep -m1 -E -- "$3" "$2")"; fi
}
tap_ok() {
  local why
  if why=$(tap_is_well_formed "$2"); then pass "$1: TAP is well-formed"
  else fail "$1: TAP: $why"; fi
}
xml_ok() {
  if xmllint --noout "$2" 2>"$tmp/xmllint.txt"; then pass "$1: JUnit report is valid XML"
  else fail "$1: JUnit: $(head -3 "$tmp/xmllint.txt")"; fi
}

if [[ ! -f $rogue ]] || [[ -z $rogue ]]; then
  fail "fixture $rogue is missing (make unit builds it)"
else
  ABI=(--jobs 2 --timeout-scale $SCALE --filter 'abi-*')

  # Destructors never run in the harness (nor, _exit'ed, in a case process).
  for how in dtor-exit dtor-crash; do
    rogue $how 1 5 "${ABI[@]}" --format tap
    tap_ok "rogue $how" "$tmp/r.out"; has "rogue $how" "$tmp/r.out" '^not ok '
  done

  # A constructor that forges TAP on every fd and replaces them: it runs
  # only in the probe and the case processes, whose fds are pipes to the
  # harness: the backend is refused (its probe could not report), or its
  # cases fail; nothing forged reaches stdout.
  rogue ctor-fds 2 5 "${ABI[@]}" --format tap
  lacks "rogue ctor-fds" "$tmp/r.out" 'forged'
  has "rogue ctor-fds" "$tmp/r.err" 'cannot use backend .*rogue.so: the process probing it'

  # Skips the backend cannot launder: the facts were measured before it ran.
  rogue rlimit 1 10 --jobs 2 --timeout-scale $SCALE --strict --filter 'lim-*' --format tap
  tap_ok "rogue rlimit" "$tmp/r.out"
  lacks "rogue rlimit" "$tmp/r.out" '# SKIP the environment'
  has "rogue rlimit" "$tmp/r.out" 'the backend lowered it to 1024'
  rogue fds 1 10 --jobs 2 --timeout-scale $SCALE --strict --filter 'lim-*' --format tap
  lacks "rogue fds" "$tmp/r.out" '# SKIP the environment'
  has "rogue fds" "$tmp/r.out" 'fd 1100 was free before the backend was loaded and the backend holds it now'
  rogue path 1 10 --jobs 2 --timeout-scale $SCALE --strict --filter 'peer-tcp-echo' --format tap
  lacks "rogue path" "$tmp/r.out" 'socat is not on PATH'
  has "rogue path" "$tmp/r.out" '^not ok 1 '
  # --strict itself: an environment without socat fails the run.
  PATH=/nonexistent "$H" --strict --filter 'peer-tcp-echo' "$(dirname "$H")/backends/select.so" >/dev/null 2>"$tmp/strict.err"
  rc=$?
  if ((rc == 1)) && grep -q -- '--strict: 1 case was skipped because of the environment' "$tmp/strict.err"
  then pass "--strict: a SKIP the environment caused fails the run"
  else fail "--strict: exit $rc, $(head -1 "$tmp/strict.err")"; fi

  # A setsid grandchild that keeps stdout and writes 3 s later: killed
  # when its case ends; the pipeline ends at once, with nothing forged.
  rogue escape 1 2 "${ABI[@]}" --format tap
  tap_ok "rogue escape" "$tmp/r.out"; lacks "rogue escape" "$tmp/r.out" 'forged'
  # One setsid daemon per case, every fd closed: none outlives its case.
  rogue daemon 1 3 "${ABI[@]}" --format tap

  # /proc/PPID/fd/N of the harness: closed to the case processes.
  rogue procfd 1 5 "${ABI[@]}" --format junit -o "$tmp/procfd.xml"
  xml_ok "rogue procfd" "$tmp/procfd.xml"; lacks "rogue procfd" "$tmp/procfd.xml" 'forged'

  # chdir in a constructor: -o still lands where it was asked.
  mkdir -p "$tmp/here"
  ( cd "$tmp/here" && rogue chdir 1 5 "${ABI[@]}" --format junit -o report.xml )
  if [[ -s $tmp/here/report.xml ]] && xmllint --noout "$tmp/here/report.xml" 2>/dev/null
  then pass "rogue chdir: the report is where -o said"
  else fail "rogue chdir: no report in $tmp/here/report.xml"; fi

  # A name set to NULL (or 1 MiB) after validation: the harness uses the
  # validated copy.
  for how in about-null about-huge; do
    rogue $how 1 5 "${ABI[@]}" --format tap
    size=$(stat -c %s "$tmp/r.out")
    if ((size < 100000)); then pass "rogue $how: the report is $size bytes"
    else fail "rogue $how: the report is $size bytes"; fi
  done

  # Its own process group killed: CRASH, nothing else.
  rogue group-kill 1 5 "${ABI[@]}" --format tap
  has "rogue group-kill" "$tmp/r.out" 'status: CRASH'

  # Signals at the harness: as root they cannot reach it (the case
  # processes run as uids of their own); with --keep-privileges (or not root) the
  # guardian continues a stopped harness, and when the harness is killed
  # leaves no process and no report file behind.
  rogue stop-parent 1 5 "${ABI[@]}" --format tap
  rogue stop-parent 1 5 --keep-privileges "${ABI[@]}" --format tap
  has "rogue stop-parent --keep-privileges" "$tmp/r.out" 'isolation: (--keep-privileges|the case processes ran as uid)'
  if (( $(id -u) == 0 )); then
    rogue kill-parent 1 5 "${ABI[@]}" --format tap    # cannot reach it
  else
    rogue kill-parent 137 5 "${ABI[@]}" --format tap  # the guardian's cleanup
  fi
  if (( $(id -u) == 0 )); then
    rogue kill-parent 137 5 --keep-privileges "${ABI[@]}" --format junit -o "$tmp/killed.xml"
    has "rogue kill-parent --keep-privileges" "$tmp/r.err" 'the harness process was killed by SIGKILL'
    left=$(find "$tmp" -maxdepth 1 -name '*killed.xml*' | wc -l)
    if ((left == 0)); then pass "rogue kill-parent --keep-privileges: no report file, no temporary file"
    else fail "rogue kill-parent --keep-privileges: $left report files left"; fi
  fi

  # A constructor that hangs in the case processes only (not in the
  # probe): every case a TIMEOUT; and interrupted, a complete report with
  # the cases that never ran NOTRUN, exit 143 (SIGTERM) or 130 (SIGINT).
  export DCTS_ROGUE_MARK=/tmp/dcts-rogue-mark.$$
  rm -f "$DCTS_ROGUE_MARK"
  rogue hang-unprobed 1 5 --jobs 2 --timeout-scale $SCALE --filter abi-descriptor --format tap
  has "rogue hang-unprobed" "$tmp/r.out" 'status: TIMEOUT'
  for sig in TERM INT; do
    rm -f "$DCTS_ROGUE_MARK"
    [[ $sig == TERM ]] && want=143 || want=130
    before=$(leftovers)
    t0=$(date +%s%N)
    # (env --default-signal: a background job of a script ignores SIGINT)
    DCTS_ROGUE=hang-unprobed env --default-signal=INT "$HA" --jobs 2 \
      --filter 'abi-*' --format junit -o "$tmp/int.xml" "$rogue" 2>/dev/null &
    pid=$!
    sleep 1
    kill -$sig $pid
    wait $pid
    rc=$?
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    after=$(leftovers)
    if ((rc == want && ms < 3000)); then pass "rogue hang-unprobed, SIG$sig: exit $rc after $ms ms"
    else fail "rogue hang-unprobed, SIG$sig: exit $rc after $ms ms, wanted $want within 3 s"; fi
    xml_ok "rogue hang-unprobed, SIG$sig" "$tmp/int.xml"
    has "rogue hang-unprobed, SIG$sig" "$tmp/int.xml" 'not run: the run was interrupted by SIG'"$sig"
    if ((before == 0 && after == 0)); then pass "rogue hang-unprobed, SIG$sig: no process of the run remains"
    else fail "rogue hang-unprobed, SIG$sig: $before processes before, $after after"; fi
  done
  rm -f "$DCTS_ROGUE_MARK"
  unset DCTS_ROGUE_MARK

  # Interrupted while a backend's entry function hangs in its probe: a
  # report all the same, every case of every backend NOTRUN.
  "$HA" --filter 'abi-*' --format junit -o "$tmp/probe.xml" \
    "$(dirname "$HA")/backends/select.so" "$(dirname "$HA")/fixtures/hang_entry.so" 2>/dev/null &
  pid=$!
  sleep 1
  kill -TERM $pid
  wait $pid
  rc=$?
  if ((rc == 143)); then pass "interrupted while probing: exit 143"
  else fail "interrupted while probing: exit $rc, wanted 143"; fi
  xml_ok "interrupted while probing" "$tmp/probe.xml"
  nabi=$("$HA" --list --filter 'abi-*' | tail -n +2 | wc -l)
  has "interrupted while probing" "$tmp/probe.xml" "testsuite name=\".*hang_entry.so\" tests=\"$nabi\" failures=\"$nabi\""
fi

# ---- the harness itself, under valgrind, whatever the backend does ----------
# --child-silent-after-fork: only the harness process reports (the case
# processes are the backend's, and die by design here).
if ! command -v valgrind >/dev/null 2>&1; then
  fail "valgrind is not installed (Debian package valgrind)"
  exit 0
fi
for spec in create:crash dispatch_once:hang set_dispatch_filter:stdout; do
  rm -f "$tmp"/vg.*.log
  DCTS_MISBEHAVE=$spec timeout 120 valgrind --leak-check=full --track-fds=yes \
    --error-exitcode=97 --child-silent-after-fork=yes --log-file="$tmp/vg.%p.log" \
    "$H" --jobs $NCASES --timeout-scale 1 --format junit -o "$tmp/vg.xml" \
    "${CASES[@]}" "$fixture" >/dev/null 2>&1
  rc=$?
  read -r errors fds lost < <(awk -f "$(dirname "$0")/valgrind-tally.awk" \
    "$tmp"/vg.*.log /dev/null)
  if ((rc == 1 && errors == 0 && lost == 0 && fds == 0)); then
    pass "$spec: the harness under valgrind: no error, leak or open fd"
  else
    fail "$spec: the harness under valgrind exited $rc: $errors errors, $lost bytes lost, $fds fds left open"
    grep -h -A6 -E 'Invalid|definitely lost in|Open file descriptor' "$tmp"/vg.*.log | head -20
  fi
done
