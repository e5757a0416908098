#!/usr/bin/env bash
# mutants.sh [--report] BUILD_DIR: proves the suite bites.
#
# backends/mutants/MANIFEST names every mutant and the clauses it breaks:
#     NAME  CLAUSE[,CLAUSE...]  what the defect is
# Each mutant (build/mutants/NAME.so) is run on the cases that name one of
# its clauses; it is caught when one of them ends FAIL, TIMEOUT or CRASH.
# Also checked: every MUST clause of spec/CONTRACT.md has a mutant, the
# manifest and the patches agree, and every case of `dispatch-cts --list`
# is failed (FAIL, TIMEOUT, CRASH, or WARN for a SHOULD case) by at least
# one mutant: a case no mutant fails has never been seen to bite.
#
# Without --report, prints one "PASS ..." or "FAIL ..." line per check (for
# run_tests.sh).  With --report, prints the mutation score table.
set -u
report=0
[[ ${1:-} == --report ]] && { report=1; shift; }
BUILD=${1:-build}
H=$BUILD/dispatch-cts
MANIFEST=backends/mutants/MANIFEST
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
SCALE=${DCTS_TIMEOUT_SCALE:-1}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

verdict() { ((report)) || echo "$@"; }

# ---- the manifest against the contract and the patches ------------------------
# The contract's clauses as the harness has them compiled in: each clause
# line of --list-clauses starts with its id and its level (its "cases:"
# line is indented).
clause_levels=$("$H" --list-clauses | awk '/^[A-Z]+-[0-9]+ / {print $1, $2}')
[[ -n $clause_levels ]] || verdict "FAIL $H --list-clauses lists no clause"
must_clauses=$(awk '$2 == "MUST" {print $1}' <<<"$clause_levels")
manifest_lines=$(grep -v '^[[:space:]]*\(#\|$\)' "$MANIFEST")
covered=0 uncovered=()
for id in $must_clauses; do
  if awk '{print $2}' <<<"$manifest_lines" | tr ',' '\n' | grep -qx "$id"; then
    covered=$((covered + 1))
  else
    uncovered+=("$id")
  fi
done
total_must=$(wc -w <<<"$must_clauses")
if ((${#uncovered[@]} == 0)); then verdict "PASS every MUST clause ($total_must) has a mutant"
else verdict "FAIL MUST clauses with no mutant: ${uncovered[*]}"; fi

for p in backends/mutants/*.patch; do
  n=$(basename "$p" .patch)
  awk '{print $1}' <<<"$manifest_lines" | grep -qx "$n" ||
    verdict "FAIL $p is not in $MANIFEST"
done

# Each manifest line names real clauses, the same ones as its patch's
# "Breaks:" header (a typo would make --filter select the wrong cases).
should_clauses=$(awk '$2 == "SHOULD" {print $1}' <<<"$clause_levels")
all_clauses=$(awk '{print $1}' <<<"$clause_levels")
while read -r name clauses what; do
  for c in ${clauses//,/ }; do
    grep -qx "$c" <<<"$all_clauses" ||
      verdict "FAIL mutant $name names $c, which is not a clause of spec/CONTRACT.md"
  done
  p=backends/mutants/$name.patch
  [[ -f $p ]] || continue             # reported below as not built
  breaks=$(sed -n '1,/^--- /s/^Breaks: *//p' "$p" | head -1)
  [[ $breaks == "$clauses" ]] ||
    verdict "FAIL mutant $name: $p says \"Breaks: ${breaks:-(none)}\", $MANIFEST says $clauses"
done <<<"$manifest_lines"

# ---- each mutant against the cases naming its clauses -------------------------
# run_mutant NAME CLAUSES: the harness on the cases naming the clauses; its
# TAP, stderr and exit status land in $tmp.
run_mutant() {
  local name=$1 clauses=$2 filters=() c
  for c in ${clauses//,/ }; do filters+=(--filter "$c"); done
  "$H" --format tap --jobs "$JOBS" --timeout-scale "$SCALE" "${filters[@]}" \
      "$BUILD/mutants/$name.so" >"$tmp/$name.tap" 2>"$tmp/$name.err"
  echo $? >"$tmp/$name.rc"
}

# Most of a mutant's time is spent waiting (for a watchdog, a timeout), so
# several run side by side; the verdicts are read afterwards, in order.
PARALLEL=${MUTANT_PARALLEL:-4}
while read -r name clauses what; do
  [[ -f $BUILD/mutants/$name.so ]] || continue
  while (($(jobs -rp | wc -l) >= PARALLEL)); do wait -n; done
  run_mutant "$name" "$clauses" &
done <<<"$manifest_lines"
wait

# The uring mutants need uring, optional to make (liburing-dev).
skip_unbuilt() {
  [[ $1 == uring-* && ! -f $BUILD/backends/uring.so ]]
}

caught=0 count=0 rows=()
while read -r name clauses what; do
  if skip_unbuilt "$name"; then
    verdict "SKIP mutant $name: the uring backend is not built (liburing-dev)"
    continue
  fi
  count=$((count + 1))
  so=$BUILD/mutants/$name.so
  if [[ ! -f $so ]]; then
    verdict "FAIL mutant $name: $so was not built (patch missing or stale?)"
    rows+=("$name|$clauses|NOT BUILT|")
    continue
  fi
  rc=$(cat "$tmp/$name.rc")
  # Caught: a case ending FAIL, TIMEOUT or CRASH; or WARN, when every
  # clause the mutant breaks is a SHOULD (a failed SHOULD case is a WARN).
  caught_by='FAIL|TIMEOUT|CRASH'
  should_only=1
  for c in ${clauses//,/ }; do grep -qx "$c" <<<"$should_clauses" || should_only=0; done
  ((should_only)) && caught_by+='|WARN'
  by=$(awk -f tools/tap-failures.awk "$tmp/$name.tap" |
       awk -v re="^($caught_by)\$" '$2 ~ re {print $1}' | sort -u | tr '\n' ' ')
  by=${by% }
  if [[ -n $by ]]; then
    caught=$((caught + 1))
    verdict "PASS mutant $name ($clauses) caught by: $by"
    rows+=("$name|$clauses|caught|$by")
  elif ((rc == 2)); then
    # The harness refused to load it: for ABI-1 mutants that is the catch.
    if grep -q 'ABI-1' <<<"$clauses"; then
      caught=$((caught + 1))
      verdict "PASS mutant $name ($clauses) refused by the loader: $(head -1 "$tmp/$name.err")"
      rows+=("$name|$clauses|caught|loader: $(head -1 "$tmp/$name.err")")
    else
      verdict "FAIL mutant $name: load error: $(head -1 "$tmp/$name.err")"
      rows+=("$name|$clauses|LOAD ERROR|")
    fi
  else
    verdict "FAIL mutant $name ($clauses) survived: no case naming its clauses failed (harness exit $rc, $(grep -c '^ok ' "$tmp/$name.tap") ok)"
    mkdir -p "$BUILD/test-logs/mutants"
    cp "$tmp/$name.tap" "$tmp/$name.err" "$BUILD/test-logs/mutants/" 2>/dev/null
    rows+=("$name|$clauses|SURVIVED|")
  fi
done <<<"$manifest_lines"

# ---- every case fails on at least one mutant -----------------------------------
# Which cases failed on which mutant, from each mutant's TAP
# (tools/tap-failures.awk); a mutant refused by the loader ran no case.
for f in "$tmp"/*.tap; do
  [[ -f $f ]] || continue
  m=$(basename "$f" .tap)
  awk -f tools/tap-failures.awk "$f" | while read -r id st; do echo "$id $m"; done
done | sort -u >"$tmp/kills"
all_cases=$("$H" --list | awk 'NR > 1 {print $1}')
unkilled=()
for id in $all_cases; do
  grep -q "^$id " "$tmp/kills" || unkilled+=("$id")
done
total_cases=$(wc -w <<<"$all_cases")
if ((${#unkilled[@]} == 0)); then
  verdict "PASS every case ($total_cases) is failed by at least one mutant"
else
  verdict "FAIL cases failed by no mutant (${#unkilled[@]} of $total_cases): ${unkilled[*]}"
fi

if ((report)); then
  printf '%-34s %-22s %-9s %s\n' MUTANT CLAUSES RESULT "CAUGHT BY"
  for r in "${rows[@]}"; do
    IFS='|' read -r n c res by <<<"$r"
    printf '%-34s %-22s %-9s %s\n' "$n" "$c" "$res" "$by"
  done
  echo
  echo "MUST clauses with a mutant: $covered/$total_must"
  echo "mutants caught:             $caught/$count"
  echo "cases failed by a mutant:   $((total_cases - ${#unkilled[@]}))/$total_cases${unkilled:+ (not: ${unkilled[*]})}"
  score=0
  ((count > 0 && total_must > 0)) && score=$(( 100 * caught * covered / (count * total_must) ))
  echo "mutation score:             $score%"
fi
