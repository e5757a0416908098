#!/usr/bin/env bash
# bench.sh BUILD: `dispatch-cts bench` as a smoke test, not a performance
# gate: the quick sweep runs and writes valid JSON and SVG with a figure
# for every backend; bad input is a usage error; a backend that breaks
# the workload fails its block, not the benchmark; the filter probe shows
# one epoll_ctl per interest change and none for an unchanged interest
# (strace); the instruction counts come out of callgrind.  Prints one
# "PASS what" or "FAIL what" line per check.
set -u
build=${1:?usage: tests/bench.sh BUILD}
H=$build/dispatch-cts
mapfile -t core < <("$(dirname "$0")/../tools/core-backends.sh" "$build")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

check() {   # check WHAT COMMAND...: PASS when the command succeeds
  local what=$1; shift
  if "$@" >"$tmp/check.out" 2>&1; then echo "PASS $what"
  else echo "FAIL $what"; sed 's/^/    /' "$tmp/check.out" | head -8; fi
}
# expect CODE WHAT -- ARGS...: the bench's exit status, and no hang.
expect() {
  local want=$1 what=$2; shift 3
  timeout 120 "$H" bench "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [[ $rc == "$want" ]]; then echo "PASS $what"
  else echo "FAIL $what (exit $rc, wanted $want)"; sed 's/^/    /' "$tmp/err" | head -5; fi
}
says() {
  if grep -qiE -- "$1" "$tmp/out" "$tmp/err"; then echo "PASS $2"
  else echo "FAIL $2 (no '$1' in the output)"; fi
}

# ---- the quick sweep ------------------------------------------------------------
expect 0 "bench --quick runs the bundled backends" -- \
  --quick --json "$tmp/b.json" --svg "$tmp/b.svg" "${core[@]}"
says "N=1000 A=100" "the table has the N=1000 block"
check "the JSON is well-formed" jq -e . "$tmp/b.json"
for name in select poll epoll raw-epoll raw-poll oracle; do
  check "the JSON has a time per event for $name" jq -e --arg i "$name" \
    '[.results[] | select(.impl == $i and .n == 100) | .ns_per_event > 0] | all and length == 1' \
    "$tmp/b.json"
done
check "the JSON pairs epoll with raw-epoll" jq -e \
  '[.results[] | select(.impl == "epoll") | .ratio_raw_epoll.median > 0] | all and length == 2' \
  "$tmp/b.json"
check "the SVG is well-formed XML" xmllint --noout "$tmp/b.svg"
check "the SVG is an SVG with a line per implementation" \
  grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$tmp/b.svg"
check "the SVG has its lines" test "$(grep -c '<polyline' "$tmp/b.svg")" -ge 6
expect 0 "bench --quick --pipes runs" -- --quick --pipes -n 100 --baselines raw-epoll,oracle \
  "$build/backends/epoll.so"

# ---- an adapter against its engine driven directly ------------------------------
if [[ -e $build/backends/libev.so && -e $build/bench/libev.so ]]; then
  expect 0 "an adapter runs beside its engine driven directly" -- \
    --quick -n 100 --baselines engines --json "$tmp/e.json" "$build/backends/libev.so"
  check "the adapter's reference is its engine driven directly" jq -e \
    '[.results[] | select(.impl == "libev") | .reference == "libev-direct"
      and .ratio_reference.median > 0] | all and length == 1' "$tmp/e.json"
fi

# ---- bad input --------------------------------------------------------------------
expect 0 "bench --help exits 0" -- --help
says "Usage: dispatch-cts bench" "bench --help shows the usage"
expect 2 "an unknown bench option is a usage error" -- --bogus
expect 2 "--runs 0 is refused" -- --runs 0
expect 2 "-n with garbage is refused" -- -n 10,x
expect 2 "an unknown baseline is refused" -- --baselines raw-kqueue
says "unknown baseline 'raw-kqueue'" "the refusal names the baseline"
expect 2 "a missing backend is a load error" -- "$tmp/nope.so"
expect 2 "an unwritable --json is an output error" -- --quick -n 100 \
  --baselines none --json "$tmp/no/such/dir/b.json" "$build/backends/epoll.so"

# ---- a backend that breaks the workload ---------------------------------------------
good=$build/fixtures/valid/good.so misbehave=$build/fixtures/valid/misbehave.so
if [[ -e $good && -e $misbehave ]]; then
  expect 1 "a backend that calls no target fails its blocks" -- \
    --quick -n 100 --baselines raw-epoll "$good"
  says "FAILED.*no progress" "the failure says there was no progress"
  DCTS_MISBEHAVE=dispatch_once:crash expect 1 "a crashing backend fails its blocks" -- \
    --quick -n 100 --baselines raw-epoll "$misbehave"
  says "SIGSEGV" "the failure names the signal"
  says "raw-epoll +[0-9.]+ +[0-9.]+" "the other implementations still have figures"
fi

# ---- system calls of the filter probe ----------------------------------------------------
if command -v strace >/dev/null 2>&1; then
  # 1 dropped + 1 kept run of N=1000: 2N registrations, 4N changes.
  strace -f -qq -e trace=epoll_ctl -o "$tmp/strace" \
    "$H" bench --interest --runs 1 --baselines none "$build/backends/epoll.so" >"$tmp/out" 2>&1
  add=$(grep -c 'EPOLL_CTL_ADD' "$tmp/strace") mod=$(grep -c 'EPOLL_CTL_MOD' "$tmp/strace")
  del=$(grep -c 'EPOLL_CTL_DEL' "$tmp/strace")
  if ((add == 2000 && mod == 4000 && del == 0)); then
    echo "PASS epoll: one epoll_ctl(MOD) per interest change, none when unchanged (ADD $add, MOD $mod, DEL $del)"
  else
    echo "FAIL epoll: 2000 ADD, 4000 MOD and no DEL expected; got ADD $add, MOD $mod, DEL $del"
  fi
else
  echo "FAIL strace is missing (apt-get install strace)"
fi

# ---- instruction counts -------------------------------------------------------------------
if command -v valgrind >/dev/null 2>&1; then
  tools/bench-instructions.sh "$H" -n 100 -a 100 "$build/backends/epoll.so" >"$tmp/ir" 2>&1
  if grep -qE '^\| 100 \| 100 \| epoll \| [0-9.]+ \| \+[0-9.]+ \| 11 \|$' "$tmp/ir" &&
     grep -qE '^\| 100 \| 100 \| raw-epoll \| [0-9.]+ \|' "$tmp/ir"; then
    echo "PASS make bench-instructions counts instructions per event under callgrind"
  else
    echo "FAIL bench-instructions.sh"; sed 's/^/    /' "$tmp/ir" | head -8
  fi
else
  echo "FAIL valgrind is missing (apt-get install valgrind)"
fi
