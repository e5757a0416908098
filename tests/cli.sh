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
