#!/usr/bin/env bash
# cli.sh HARNESS: the harness's command line as a user meets it, including
# bad input.  Prints one "PASS what" or "FAIL what" line per check.
set -u
H=${1:?usage: tests/cli.sh path/to/dispatch-cts}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# expect CODE WHAT -- ARGS...: the exit code, and no crash or hang.
expect() {
  local want=$1 what=$2; shift 3
  timeout 60 "$H" "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [[ $rc == "$want" ]]; then echo "PASS $what"
  else echo "FAIL $what (exit $rc, wanted $want)"; sed 's/^/    /' "$tmp/err" | head -5; fi
}
# says PATTERN WHAT: the last run's stdout+stderr contains PATTERN.
says() {
  if grep -qiE -- "$1" "$tmp/out" "$tmp/err"; then echo "PASS $2"
  else echo "FAIL $2 (no '$1' in the output)"; fi
}

expect 0 "--help exits 0" -- --help
says "--timeout-scale" "--help lists the options"
expect 0 "--version exits 0" -- --version
says "dispatch-cts [0-9]" "--version prints the version"
expect 0 "--list exits 0" -- --list
says "TMO-1" "--list shows clause ids"
expect 2 "an unknown option is a usage error" -- --no-such-option
expect 2 "a missing option argument is a usage error" -- --jobs
expect 2 "--jobs 0 is refused" -- --jobs 0
expect 2 "--timeout-scale nan is refused" -- --timeout-scale nan
expect 2 "--timeout-scale -1 is refused" -- --timeout-scale -1
expect 2 "--format xml is refused" -- --format xml
expect 2 "a missing backend file is a load error" -- "$tmp/nope.so"
says "nope.so" "the load error names the file"
echo "not an ELF file" >"$tmp/text.so"
expect 2 "a file that is not a shared object is a load error" -- "$tmp/text.so"
expect 2 "a directory is a load error" -- "$tmp"

# Fixtures with broken descriptors (tests/fixtures/*.c -> build/fixtures/*.so).
fixdir=$(dirname "$H")/fixtures
for so in "$fixdir"/*.so; do
  [[ -e $so ]] || continue
  expect 2 "fixture $(basename "$so" .so) is refused as a load error" -- "$so"
done

expect 0 "the embedded default backend passes a quick filter" -- --filter 'abi-*'
expect 2 "--filter matching no case is a usage error" -- --filter 'no-such-case-*'

# --expect: known gaps (spec/expectations/*.txt has the real ones).
printf 'select abi-descriptor\n' >"$tmp/no-result.txt"
expect 2 "an expectation without RESULT is refused" -- --expect "$tmp/no-result.txt"
says "no-result.txt:1: RESULT is missing" "the refusal names the file and line"
printf '# ok\nselect no-such-case FAIL why\n' >"$tmp/bad-case.txt"
expect 2 "an expectation naming an unknown case is refused" -- --expect "$tmp/bad-case.txt"
says "bad-case.txt:2: unknown case 'no-such-case'" "the refusal names the case"
printf 'selekt abi-descriptor FAIL typo\n' >"$tmp/bad-backend.txt"
expect 2 "an expectation naming a backend not being checked is refused" -- \
  --expect "$tmp/bad-backend.txt" --filter abi-descriptor
says "backend 'selekt' is not among the backends being checked \(select\)" \
  "the refusal lists the backends"
expect 2 "a missing expectations file is refused" -- --expect "$tmp/none.txt"
printf 'select abi-descriptor FAIL a gap that is gone\n' >"$tmp/stale.txt"
expect 1 "an expected failure that passes (XPASS) fails the run" -- \
  --expect "$tmp/stale.txt" --filter abi-descriptor
says "XPASS" "the report says XPASS"
good=$(dirname "$H")/fixtures/valid/good.so
if [[ -e $good ]]; then
  printf 'good abi-independent-contexts FAIL its operations do nothing\n' >"$tmp/gap.txt"
  expect 0 "an expected failure (XFAIL) does not fail the run" -- \
    --expect "$tmp/gap.txt" --filter abi-independent-contexts "$good"
  says "XFAIL" "the report says XFAIL"
  printf 'good abi-independent-contexts CRASH wrong kind\n' >"$tmp/kind.txt"
  expect 1 "another result than the expected one fails the run" -- \
    --expect "$tmp/kind.txt" --filter abi-independent-contexts "$good"
  says "FAIL!" "the report marks the mismatch"
fi
expect 0 "--format markdown writes the table" -- --format markdown --filter 'abi-*'
says "^\| case \| clauses \| level \| select \|$" "the markdown table has a column per backend"

# ---- CI conveniences ----------------------------------------------------------
# JSON: parsed by a real parser (python3's json), with the fields promised.
json_ok() {   # json_ok FILE WHAT PYTHON-EXPRESSION-ON-d
  if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($3) else 1)" "$1" 2>"$tmp/json-err"
  then echo "PASS $2"; else echo "FAIL $2"; head -3 "$tmp/json-err" | sed 's/^/    /'; fi
}
if "$H" --format json --filter abi-descriptor -o "$tmp/probe.json" 2>/dev/null; then
  expect 0 "--format json writes a report" -- --format json -o "$tmp/r.json" --filter 'abi-*'
  json_ok "$tmp/r.json" "the JSON report parses, with harness, environment and per-case fields" \
    "d['harness']['version'] and d['environment']['rlimit_nofile']['hard'] is not None and d['environment']['timeout_scale'] == 1 and all(set(['id','clauses','level','status','expected','duration_ms','message','trace','rerun']) <= set(c) for b in d['backends'] for c in b['cases'])"
  expect 0 "--list --format json" -- --list --format json --filter 'TMO-*'
  cp "$tmp/out" "$tmp/list.json"
  json_ok "$tmp/list.json" "the JSON case list parses and holds only the TMO cases" \
    "len(d) > 0 and all(any(x.startswith('TMO-') for x in c['clauses']) for c in d)"
  if [[ -e $good ]]; then
    expect 1 "--format json on a failing backend" -- --format json -o "$tmp/f.json" --filter 'abi-*' "$good"
    json_ok "$tmp/f.json" "the JSON of a failure has its trace or message and rerun command" \
      "not d['ok'] and any(c['status'] == 'FAIL' and c['rerun'] and '--filter' in c['rerun'] for c in d['backends'][0]['cases'])"
  fi
else
  expect 2 "--format json without jansson is refused with the reason" -- --format json --filter abi-descriptor
  says "without jansson" "the refusal says how to get it"
fi

# --exclude and --shard: the shards of a selection are disjoint and cover it.
"$H" --list --exclude 'TMO-*' >"$tmp/ex.txt" 2>&1
if grep -q 'TMO-' "$tmp/ex.txt"; then echo "FAIL --exclude 'TMO-*' leaves out every TMO case"
else echo "PASS --exclude 'TMO-*' leaves out every TMO case"; fi
"$H" --list >"$tmp/all.txt"
for i in 1 2 3; do "$H" --list --shard $i/3 | awk 'NR > 1 { print $1 }'; done | sort >"$tmp/shards.txt"
if diff -q <(awk 'NR > 1 { print $1 }' "$tmp/all.txt" | sort) "$tmp/shards.txt" >/dev/null &&
   [[ $(sort "$tmp/shards.txt" | uniq -d | wc -l) == 0 ]]
then echo "PASS --shard 1/3, 2/3 and 3/3 run every case exactly once"
else echo "FAIL --shard 1/3, 2/3 and 3/3 do not partition the cases"; fi
expect 2 "--shard 4/3 is refused" -- --shard 4/3
expect 2 "--shard 0/2 is refused" -- --shard 0/2
expect 2 "--exclude of every case is a usage error" -- --exclude '*'
expect 0 "--format junit --shard writes a report" -- --format junit -o "$tmp/s.xml" --shard 1/2 --filter 'abi-*'
if xmllint --noout "$tmp/s.xml" 2>/dev/null && grep -q 'name="shard" value="1/2"' "$tmp/s.xml" &&
   grep -qE 'timestamp="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" hostname="[^"]+"' "$tmp/s.xml"
then echo "PASS JUnit is well-formed, with timestamp, hostname and the shard"
else echo "FAIL JUnit lacks timestamp, hostname or the shard property"; fi

# DCTS_TIMEOUT_SCALE, and --timeout-scale over it.
DCTS_TIMEOUT_SCALE=nope expect 2 "a bad DCTS_TIMEOUT_SCALE is refused" -- --list
says "DCTS_TIMEOUT_SCALE" "the refusal names the variable"
DCTS_TIMEOUT_SCALE=nope expect 2 "a bad DCTS_TIMEOUT_SCALE is refused even with --timeout-scale" -- --timeout-scale 2 --list
if [[ -e $good ]]; then
  DCTS_TIMEOUT_SCALE=3 expect 1 "DCTS_TIMEOUT_SCALE reaches the run" -- --format json -o "$tmp/scale.json" --filter 'abi-*' "$good"
  json_ok "$tmp/scale.json" "the JSON environment shows the scale from DCTS_TIMEOUT_SCALE" \
    "d['environment']['timeout_scale'] == 3"
fi

# -o - is standard output.
expect 0 "-o - writes to standard output" -- --format tap -o - --filter abi-descriptor
says "^TAP version 13$" "the TAP report is on standard output"
[[ -e ./- ]] && echo "FAIL -o - made a file named '-'" || echo "PASS -o - made no file named '-'"

# --write-expect, then --expect: placeholders refused until reasons are given.
if [[ -e $good ]]; then
  expect 1 "--write-expect on a failing backend" -- --write-expect "$tmp/gaps.txt" --filter 'abi-*' "$good"
  if grep -q '^good abi-independent-contexts FAIL TODO(reason):' "$tmp/gaps.txt"
  then echo "PASS --write-expect writes each gap with the placeholder reason"
  else echo "FAIL --write-expect wrote no placeholder line"; head -5 "$tmp/gaps.txt"; fi
  expect 2 "--expect refuses a placeholder reason" -- --expect "$tmp/gaps.txt" --filter 'abi-*' "$good"
  says "placeholder" "the refusal says the reason is a placeholder"
  sed 's/TODO(reason): say why; it/known: it/' "$tmp/gaps.txt" >"$tmp/gaps-done.txt"
  expect 0 "--write-expect, reasons filled in, then --expect on the same run exits 0" -- \
    --expect "$tmp/gaps-done.txt" --filter 'abi-*' "$good"
  expect 0 "--write-expect over --expect keeps the reasons" -- \
    --expect "$tmp/gaps-done.txt" --write-expect "$tmp/gaps2.txt" --filter 'abi-*' "$good"
  if diff <(grep -v '^#' "$tmp/gaps-done.txt") <(grep -v '^#' "$tmp/gaps2.txt") >/dev/null
  then echo "PASS a rewritten expectations file keeps every met line and reason"
  else echo "FAIL the rewritten expectations file differs"; fi
fi

# explain: a clause's whole text, its cases and mutants; a case's clauses.
expect 0 "explain TMO-9 exits 0" -- explain TMO-9
says "\*\*Why:\*\*" "explain prints the clause's Why"
says "tmo-signal-not-error" "explain lists the cases that check the clause"
says "eintr-restarts-full-timeout" "explain lists the mutants that break it"
expect 0 "explain takes a clause id in any case" -- explain tmo-9
expect 0 "explain CASE-ID exits 0" -- explain tmo-null-no-targets
says "TMO-1 · MUST" "explain of a case prints its clauses"
expect 2 "explain of an unknown id is refused" -- explain no-such-thing
expect 2 "explain with no id is a usage error" -- explain

# A backend by name: from the build tree (and, installed, tests/install.sh).
Habs=$(cd "$(dirname "$H")" && pwd)/$(basename "$H")
if (cd "$tmp" && "$Habs" --filter abi-descriptor epoll >/dev/null 2>&1); then
  echo "PASS 'dispatch-cts epoll' finds the backend beside the program"
else echo "FAIL 'dispatch-cts epoll' from another directory"; fi
expect 2 "an unknown backend name is a load error" -- no-such-backend
says "nor an installed backend" "the load error says where it looked"
