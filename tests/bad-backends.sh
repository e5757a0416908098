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
#
# Prints "PASS what" / "FAIL what" lines, one per check.
set -uo pipefail
H=${1:-build/dispatch-cts}
fixture=$(dirname "$H")/fixtures/valid/misbehave.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; }

if [[ ! -f $fixture ]]; then
  fail "fixture $fixture is missing (make unit builds it)"
  exit 1
fi

# Four cases that between them call every operation, even on a backend
# that does nothing right: create and destroy (all), a second context
# (abi-independent-contexts), both filter calls, flags_for and
# dispatch_once (abi-return-codes), socket_closed (cls-unknown-fd-harmless).
CASES=(--filter abi-descriptor --filter abi-independent-contexts
       --filter abi-return-codes --filter cls-unknown-fd-harmless)
NCASES=4
# The watchdog is 5 s per case times this: a hang costs 1 s.
SCALE=0.2

# tap_is_well_formed FILE: TAP version 13, one plan, points numbered from
# 1 that match the plan, YAML blocks between "  ---" and "  ...", every
# other line a comment, and prove finds no parse error.  Prints what is
# wrong; status 0 when nothing.
tap_is_well_formed() {
  awk '
    function bad(why) { print FILENAME ":" NR ": " why; status = 1; exit }
    NR == 1 { if ($0 != "TAP version 13") bad("first line is not \"TAP version 13\""); next }
    yaml { if ($0 == "  ...") yaml = 0; else if ($0 !~ /^  /) bad("YAML line not indented"); next }
    /^1\.\.[0-9]+$/ { if (plan != "") bad("a second plan"); plan = substr($0, 4) + 0; next }
    /^(not )?ok [0-9]+( |$)/ {
      n = ($1 == "not") ? $3 : $2
      if (n != points + 1) bad("test point " n " after " points)
      points++; continue_ok = 1; next
    }
    $0 == "  ---" { if (!continue_ok) bad("YAML block not after a test point"); yaml = 1; continue_ok = 0; next }
    /^#/ { next }
    { bad("not TAP: " substr($0, 1, 60)) }
    END {
      if (status) exit status
      if (yaml) { print FILENAME ": unterminated YAML block"; exit 1 }
      if (plan == "") { print FILENAME ": no plan"; exit 1 }
      if (plan != points) { print FILENAME ": plan 1.." plan " but " points " points"; exit 1 }
    }' "$1" || return 1
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
