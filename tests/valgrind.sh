#!/usr/bin/env bash
# tests/valgrind.sh BUILD [BACKEND.so...]: the whole suite on each backend
# (default: the core backends of backends/CORE that were built) with
# dispatch-cts and
# every case process under valgrind memcheck.  `make check-valgrind` and
# ./run_tests.sh run it.
#
# The harness forks one process per case and valgrind follows forks, so
# each case process is checked on its own and writes its own log
# (BUILD/valgrind/NAME/vg.PID.log, the parent's too).  A process with a
# memcheck error or a definite leak exits with VG_EXIT, which the harness
# turns into a FAIL of that case ("exited with status 97 after reporting
# PASS").  --track-fds=yes lists the fds open at each process's end; a
# case process has closed everything but 0, 1 and 2 by then (the runtime
# closes the case's fds and destroys the context, the runner closes its
# result pipe), and the fds the harness itself inherited are marked
# "<inherited from parent>", so any other fd in a log is a leak and is
# counted here.
#
# Prints per backend: one FAIL line per case not ok, then
#   PASS|FAIL  valgrind NAME: N cases ok under memcheck (T s)
#   PASS|FAIL  valgrind NAME: 0 memcheck errors, 0 leaked fds, 0 bytes definitely lost
# and a table of the figures at the end.
#
# Environment: JOBS (cases at once, default: CPUs), VALGRIND_TIMEOUT_SCALE
# (watchdog and tolerance multiplier, default 12).
set -uo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
shift || true
backends=("$@")
# The core backends that were built (uring needs liburing-dev).
((${#backends[@]})) || mapfile -t backends < <(tools/core-backends.sh "$build")
VG_EXIT=97
scale=${VALGRIND_TIMEOUT_SCALE:-12}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

if ! command -v valgrind >/dev/null 2>&1; then
  echo "FAIL  valgrind: not installed (Debian package valgrind)"
  exit 1
fi
vg=(valgrind --tool=memcheck --leak-check=full --track-fds=yes
    --error-exitcode=$VG_EXIT --child-silent-after-fork=no)

# "errors fds definite" summed over some logs (tests/valgrind-tally.awk).
tally() { awk -f tests/valgrind-tally.awk "$@" /dev/null; }

# run DIR BACKEND [OPTION...]: dispatch-cts under valgrind, logs and the
# TAP report into DIR (emptied first); sets rc, secs, ok, bad, errors,
# fds, lost.
run() {
  local dir=$1 so=$2 start
  shift 2
  rm -rf "$dir"
  mkdir -p "$dir"
  # As root the case processes drop to a uid of their own, and valgrind
  # opens a log for each process they fork (socat's, before its exec):
  # the logs go to a directory they can reach and write, whatever the
  # checkout's (a clone under /root is closed to them), then beside the
  # report.
  local logs
  logs=$(mktemp -d "${TMPDIR:-/tmp}/dispatch-cts-vg.XXXXXX")
  chmod 1777 "$logs"
  start=$(date +%s.%N)
  "${vg[@]}" --log-file="$logs/vg.%p.log" "$build/dispatch-cts" \
    --jobs "$jobs" --timeout-scale "$scale" --format tap -o "$dir/report.tap" \
    "$@" "$so" 2>"$dir/stderr.txt"
  rc=$?
  mv "$logs"/vg.*.log "$dir"/ 2>/dev/null
  rm -rf "$logs"
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  ok=$(grep -c '^ok ' "$dir/report.tap" 2>/dev/null)
  bad=$(grep -c '^not ok ' "$dir/report.tap" 2>/dev/null)
  read -r errors fds lost < <(tally "$dir"/vg.*.log)
}

status=0

# ---- first, that a bad backend is caught: a leak and a heap overflow in
# create (tests/fixtures/valid/misbehave.c) each make the case FAIL and
# show in the figures; a leaked fd shows in the figures (valgrind 3.19
# does not count it as an error, so the case itself passes: the FAIL is
# this script's).
fixture=$build/fixtures/valid/misbehave.so
for fault in leak:lost:1 overflow:errors:1 fdleak:fds:0; do
  IFS=: read -r how figure want_bad <<<"$fault"
  DCTS_MISBEHAVE=create:$how run "$build/valgrind/self-check-$how" "$fixture" \
    --filter abi-descriptor
  if ((bad == want_bad && ${!figure} > 0)); then
    echo "PASS  valgrind self-check: create:$how is found ($figure: ${!figure}, $bad case(s) not ok)"
  else
    echo "FAIL  valgrind self-check: create:$how: $bad not ok, $figure ${!figure} (logs in $build/valgrind/self-check-$how)"
    status=1
  fi
done

# ---- the backends
table=()
for so in "${backends[@]}"; do
  name=$(basename "$so" .so)
  dir=$build/valgrind/$name
  run "$dir" "$so"
  grep '^not ok ' "$dir/report.tap" 2>/dev/null | sed "s/^/FAIL  valgrind $name: /"
  if ((rc == 0 && bad == 0 && ok > 0)); then
    echo "PASS  valgrind $name: $ok cases ok under memcheck (${secs} s)"
  else
    echo "FAIL  valgrind $name: $ok ok, $bad not ok, dispatch-cts exited $rc (${secs} s; logs in $dir)"
    status=1
  fi
  verdict=PASS
  ((errors == 0 && fds == 0 && lost == 0)) || { verdict=FAIL; status=1; }
  echo "$verdict  valgrind $name: $errors memcheck errors, $fds leaked fds, $lost bytes definitely lost"
  if [[ $verdict == FAIL ]]; then
    grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$dir"/vg.*.log | head -3 |
      while read -r log; do echo "    see $log"; done
  fi
  table+=("$(printf '%-8s %6s %7s %6s %9s %9s' "$name" "$((ok + bad))" "$errors" "$fds" "$lost" "$secs")")
done

echo
printf '%-8s %6s %7s %6s %9s %9s\n' backend cases errors fds definite seconds
printf '%s\n' "${table[@]}"
exit $status
