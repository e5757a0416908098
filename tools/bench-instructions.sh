#!/bin/sh
# bench-instructions.sh HARNESS [BENCH-OPTION...] [BACKEND.so...]: the
# user-space instructions per event of every implementation's event
# phase, counted by callgrind: exact and repeatable, unlike times.
#
# Runs `HARNESS bench --callgrind ...` under valgrind --tool=callgrind
# --collect-atstart=no: the bench switches collection on around each kept
# run's event phase only and dumps it under a name saying what it was
# ("dcts-bench impl=epoll n=1000 active=100 ... events=1100 passes=11").
# Prints a markdown table: N, A, implementation, instructions per event,
# and the difference with raw-epoll's at the same N and A.  The kernel's
# work (the system calls themselves) is not counted: valgrind sees user
# space only.
set -eu
H=${1:?usage: tools/bench-instructions.sh path/to/dispatch-cts [bench options] [backends]}
shift
command -v valgrind >/dev/null 2>&1 ||
  { echo "bench-instructions.sh: valgrind is missing (apt-get install valgrind)" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if ! valgrind --tool=callgrind --collect-atstart=no \
       --callgrind-out-file="$dir/cg.%p" "$H" bench --callgrind "$@" \
       >"$dir/bench.out" 2>"$dir/valgrind.log"; then
  tail -20 "$dir/valgrind.log" >&2
  cat "$dir/bench.out" >&2
  echo "bench-instructions.sh: the bench failed under callgrind" >&2
  exit 1
fi
grep '^note:' "$dir/bench.out" || true
# Each dump file: its trigger (the name given to the dump), then the
# total "summary: Ir".  Dumps of anything else (program termination, with
# collection off) are skipped.  The files in the order the blocks ran
# (cg.PID.DUMP, numerically), so the implementations keep the bench's.
(cd "$dir" && ls cg.* | sort -t. -k2,2n -k3,3n | xargs cat) | awk '
  /^desc: Trigger: Client Request: dcts-bench / {
    delete f
    for (i = 6; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    key = f["n"] SUBSEP f["active"] SUBSEP f["impl"]
    want = 1
    next
  }
  /^summary: / && want {
    ir[key] = $2 / f["events"]
    passes[key] = f["passes"]
    if (!(f["impl"] in seen)) { seen[f["impl"]] = 1; order[++nimpl] = f["impl"] }
    cfg = f["n"] SUBSEP f["active"]
    if (!(cfg in seencfg)) { seencfg[cfg] = 1; cfgs[++ncfg] = cfg }
    want = 0
  }
  END {
    if (ncfg == 0) { print "bench-instructions.sh: no event phase was dumped" > "/dev/stderr"; exit 1 }
    # Configurations by N, then A.
    for (i = 1; i <= ncfg; i++) for (j = i + 1; j <= ncfg; j++) {
      split(cfgs[i], x, SUBSEP); split(cfgs[j], y, SUBSEP)
      if (x[1] + 0 > y[1] + 0 || (x[1] == y[1] && x[2] + 0 > y[2] + 0)) { t = cfgs[i]; cfgs[i] = cfgs[j]; cfgs[j] = t }
    }
    print "| N | A | implementation | instructions per event | vs raw-epoll | passes |"
    print "|---:|---:|---|---:|---:|---:|"
    for (i = 1; i <= ncfg; i++) {
      split(cfgs[i], c, SUBSEP)
      base = (cfgs[i] SUBSEP "raw-epoll") in ir ? ir[cfgs[i] SUBSEP "raw-epoll"] : ""
      for (k = 1; k <= nimpl; k++) {
        key = cfgs[i] SUBSEP order[k]
        if (!(key in ir)) continue
        diff = base == "" ? "-" : sprintf("%+.1f", ir[key] - base)
        printf "| %s | %s | %s | %.1f | %s | %s |\n", c[1], c[2], order[k], ir[key], diff, passes[key]
      }
    }
  }'
