#!/usr/bin/env bash
# tutorial.sh HARNESS: docs/TUTORIAL.md keeps its promises.  Builds
# examples/skeleton.c and examples/tutorial/step-N.c against spec/ alone, as
# a third party would; checks that the skeleton runs cleanly (every case
# fails or skips; no CRASH, no TIMEOUT), that after step N exactly the cases
# examples/tutorial/PROMISES promises pass, that the last step passes the
# whole suite with no expectations file, and that the tutorial and the
# harness's lesson links (runtime/lessons.c) say what PROMISES says.
# Prints one "PASS what" or "FAIL what" line per check.
# TUTORIAL_SCALE (default 3) is the --timeout-scale of the runs: the steps'
# timing cases must hold on a loaded 2-core machine.
set -u
H=${1:?usage: tests/tutorial.sh path/to/dispatch-cts}
SCALE=${TUTORIAL_SCALE:-3}
P=examples/tutorial/PROMISES
DOC=docs/TUTORIAL.md
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
STEPS=$(ls examples/tutorial/step-*.c | sed 's/.*step-\([0-9]*\)\.c/\1/' | sort -n)
LAST=$(echo "$STEPS" | tail -1)

# ---- builds: spec/dispatch_context.h only, gcc flags of the project ------
build() {   # build NAME SOURCE
  if ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -O2 -shared -fPIC -I spec \
       -o "$tmp/$1.so" "$2" -lm 2>"$tmp/$1.err"; then
    echo "PASS $2 builds against spec/dispatch_context.h alone"
  else
    echo "FAIL $2 does not build:"; sed 's/^/    /' "$tmp/$1.err" | head -5
  fi
  if grep -q '#include "' "$2"; then echo "FAIL $2 includes a project header"; fi
}
build skeleton examples/skeleton.c
for n in $STEPS; do build "step-$n" "examples/tutorial/step-$n.c"; done

# ---- the case table: "id CLAUSE..." per line ------------------------------
"$H" --list >"$tmp/list" 2>&1 || { echo "FAIL $H --list"; exit 0; }
awk 'NR > 1 { s = $1
  for (i = 2; i <= NF && $i ~ /^[A-Z]+-[0-9]+$/; i++) s = s " " $i
  print s }' "$tmp/list" >"$tmp/cases"
"$H" --list-clauses 2>/dev/null | grep -oE '^[A-Z]+-[0-9]+' | sort -u >"$tmp/clauses"

# ---- PROMISES is complete and well-formed ---------------------------------
grep -v '^#' "$P" | grep -v '^$' >"$tmp/promises"
awk '$1 == "clause" { print $2 }' "$tmp/promises" | sort >"$tmp/promised-clauses"
if diff "$tmp/clauses" <(sort -u "$tmp/promised-clauses") >"$tmp/d" &&
   [[ $(wc -l <"$tmp/promised-clauses") == $(wc -l <"$tmp/clauses") ]]; then
  echo "PASS $P has one line for each of the $(wc -l <"$tmp/clauses") clauses"
else
  echo "FAIL $P and the contract's clauses differ (< contract, > PROMISES; or a clause twice):"
  sed 's/^/    /' "$tmp/d" | head -10
fi
bad=$(awk -v last="$LAST" '
  $1 == "clause" && !(NF == 4 && $3 ~ /^[0-9]+$/ && $4 ~ /^[0-9]+$/ && $3 >= 1 && $3 <= last && $4 >= 1 && $4 <= last) { print }
  $1 == "case" && !(NF >= 4 && $3 ~ /^[0-9]+$/ && $3 >= 1 && $3 <= last) { print }
  $1 == "loose" && NF < 3 { print }
  $1 != "clause" && $1 != "case" && $1 != "loose" { print }' "$tmp/promises")
if [[ -z $bad ]]; then echo "PASS $P lines are well-formed"
else echo "FAIL $P has bad lines:"; echo "$bad" | sed 's/^/    /' | head -5; fi
unknown=$(awk '$1 == "case" || $1 == "loose" { print $2 }' "$tmp/promises" |
          while read -r id; do grep -q "^$id\( \|$\)" "$tmp/cases" || echo "$id"; done)
if [[ -z $unknown ]]; then echo "PASS $P names only cases of the suite"
else echo "FAIL $P names unknown cases: $(echo $unknown)"; fi

# ---- the tutorial quotes every promise; the harness links every lesson -----
if [[ ! -e $DOC ]]; then echo "FAIL $DOC is missing"
else
  missing=$(while IFS= read -r line; do grep -qxF -- "$line" "$DOC" || echo "$line"; done <"$tmp/promises")
  if [[ -z $missing ]]; then echo "PASS $DOC quotes every line of $P"
  else echo "FAIL $DOC does not quote:"; echo "$missing" | sed 's/^/    /' | head -5; fi
fi
# The tutorial's code is the kept code: every line of its C blocks is a
# line of the skeleton or of a step file.
awk '/^```c$/ { c = 1; next } /^```/ { c = 0 } c && NF' "$DOC" 2>/dev/null >"$tmp/doc-code"
stray=$(while IFS= read -r line; do
  cat examples/skeleton.c examples/tutorial/step-*.c | grep -qxF -- "$line" || echo "$line"
done <"$tmp/doc-code")
if [[ -s $tmp/doc-code && -z $stray ]]; then
  echo "PASS every line of $DOC's C code is in examples/tutorial/step-N.c ($(wc -l <"$tmp/doc-code") lines)"
else
  echo "FAIL $DOC shows code that no step file has:"; echo "$stray" | sed 's/^/    /' | head -5
fi
wrong=$(awk '$1 == "clause" { print $2, $3 }' "$tmp/promises" | while read -r id step; do
  "$H" explain "$id" 2>/dev/null | grep -q "learn: $DOC step $step " || echo "$id"; done)
if [[ -z $wrong ]]; then echo "PASS dispatch-cts explain names the step of PROMISES for every clause"
else echo "FAIL explain names another step (or none) for: $(echo $wrong)"; fi

# ---- the promise of each step ----------------------------------------------
# from_of: "case FROM LOOSE" for every case of the suite.
awk 'FNR == NR { if ($1 == "clause") from[$2] = $4
                 else if ($1 == "case") over[$2] = $3
                 else if ($1 == "loose") loose[$2] = 1
                 next }
     { f = 0; for (i = 2; i <= NF; i++) if (from[$i] > f) f = from[$i]
       if ($1 in over) f = over[$1]
       if (f == 0) f = 999        # a clause PROMISES does not know: never
       print $1, f, ($1 in loose) ? 1 : 0 }' "$tmp/promises" "$tmp/cases" >"$tmp/from"

statuses() {   # statuses SO [ARGS...]: "case STATUS" lines from TAP
  "$H" --jobs 2 --timeout-scale "$SCALE" --format tap "$@" 2>/dev/null | awk '
    function flush() { if (c != "") print c, st; c = "" }
    /^(not )?ok [0-9]+ - / { flush(); line = $0; st = ($1 == "ok") ? "PASS" : "FAIL"
      if (line ~ / # SKIP/) st = "SKIP"
      sub(/^(not )?ok [0-9]+ - [^:]*: /, "", line); sub(/ .*$/, "", line); c = line; next }
    /^  status: / { st = $2 }
    END { flush() }'
}
# mismatches STEP FILE: the cases whose status breaks the promise of STEP.
mismatches() {
  join <(sort "$tmp/from") <(sort "$2") | awk -v n="$1" '
    { promised = $2 <= n; st = $4 }
    st == "SKIP" { next }
    promised && st != "PASS" { print $1 " " st " (promised from step " $2 ")" }
    !promised && st == "PASS" && !$3 { print $1 " PASS (promised from step " $2 ")" }'
}

"$H" --jobs 2 --timeout-scale "$SCALE" "$tmp/skeleton.so" >"$tmp/skel" 2>&1
if grep -qE '[0-9]+ cases: 0 PASS, [0-9]+ WARN, [0-9]+ SKIP, [0-9]+ FAIL, 0 TIMEOUT, 0 CRASH' "$tmp/skel"; then
  echo "PASS the skeleton runs cleanly: every case fails or skips, no TIMEOUT or CRASH"
else
  echo "FAIL the skeleton does not run cleanly:"; grep 'cases:' "$tmp/skel" | sed 's/^/    /'
fi

for n in $STEPS; do
  so=$tmp/step-$n.so
  [[ -e $so ]] || { echo "FAIL step $n: not built"; continue; }
  statuses "$so" >"$tmp/st$n"
  mismatches "$n" "$tmp/st$n" >"$tmp/mm$n"
  if [[ -s $tmp/mm$n ]]; then
    # Timing cases can lose a race on a loaded machine: a mismatch counts
    # only if it is one again when its cases are run alone.
    args=(); while read -r id _; do args+=(--filter "$id"); done <"$tmp/mm$n"
    statuses "$so" --jobs 1 "${args[@]}" >"$tmp/re$n"
    mismatches "$n" "$tmp/re$n" >"$tmp/mm$n"
  fi
  want=$(awk -v n="$n" '$2 <= n' "$tmp/from" | wc -l)
  if [[ ! -s $tmp/mm$n ]]; then
    echo "PASS step $n: exactly the promised cases pass ($want promised, SKIPs aside)"
  else
    echo "FAIL step $n breaks its promise ($want promised):"; sed 's/^/    /' "$tmp/mm$n" | head -20
  fi
done

# Each step turns cases green: the results of the step before it break its
# promise (which also shows that the check can fail).
prev=
for n in $STEPS; do
  if [[ -n $prev && -e $tmp/st$prev ]]; then
    if [[ -n $(mismatches "$n" "$tmp/st$prev") ]]; then
      echo "PASS step $n turns cases green: step $prev's results break its promise"
    else
      echo "FAIL step $n changes nothing the suite sees: step $prev already keeps its promise"
    fi
  fi
  prev=$n
done

if "$H" --jobs 2 --timeout-scale "$SCALE" "$tmp/step-$LAST.so" >"$tmp/last" 2>&1; then
  echo "PASS step $LAST passes the whole suite with no expectations file (exit 0)"
else
  echo "FAIL step $LAST does not pass the whole suite:"; grep 'cases:' "$tmp/last" | sed 's/^/    /'
fi
