#!/usr/bin/env bash
# tests/independent.sh [BUILD]: the independent backends of
# tests/independent/ (written from spec/CONTRACT.md alone, see
# tests/independent/FINDINGS.md) against the suite.
#
# Every correct backend must pass: "PASS correct NAME" when dispatch-cts
# exits 0, else "FAIL correct NAME (exit N): case ids".  A FAIL there is a
# bug in that backend or a case demanding more than its clauses, which is
# what these backends exist to find (FINDINGS.md argues each one).
#
# Every single-defect variant (#ifdef DEFECT_X in NAME.c) must be caught:
# "PASS caught NAME:DEFECT_X by case ids" when it fails a case that its
# correct backend passes, else "FAIL escaped NAME:DEFECT_X".  Comparing
# with the correct backend's own failures keeps a case that already fails
# the correct backend from counting as catching its variants.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
cts=$build/dispatch-cts
src=$root/tests/independent
out=$build/independent
cc=${CC:-cc}
cflags=(-std=gnu11 -Wall -Wextra -Werror -O2 -shared -fPIC -I"$root/spec" -I"$src")

# Further correct builds of a backend with another legal declaration:
# NAME SOURCE FLAGS.
configs=(
    "hashpoll-fdlimit128 hashpoll.c -DHP_FD_LIMIT=128"
    "reentrant-redelivers reentrant.c -DRE_REDELIVER_AFTER_NESTED"
)

if [ ! -x "$cts" ]; then
    echo "independent.sh: $cts not found; run make first" >&2
    exit 2
fi
mkdir -p "$out"

passed=0 failed=0
verdict() {   # verdict PASS|FAIL text...
    echo "$*"
    if [ "$1" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# build NAME SOURCE [FLAGS...]: $out/NAME.so, or the log on failure.
build_so() {
    local name=$1 file=$2
    shift 2
    "$cc" "${cflags[@]}" "$@" -o "$out/$name.so" "$file" -lm \
        2>"$out/$name.build.log"
}

# run NAME: the suite on $out/NAME.so, TAP in $out/NAME.tap, the ids of
# the cases not ok (FAIL, TIMEOUT, CRASH) in $out/NAME.failed; returns
# dispatch-cts's status.
run() {
    local rc
    "$cts" --jobs 2 --format tap "$out/$1.so" >"$out/$1.tap" 2>"$out/$1.err"
    rc=$?
    sed -n 's/^not ok [0-9]* - [^:]*: \([^ #]*\).*/\1/p' "$out/$1.tap" |
        sort -u >"$out/$1.failed"
    return $rc
}

# correct NAME SOURCE [FLAGS...]; returns dispatch-cts's status (3 if the
# backend does not build).
correct() {
    local name=$1 rc
    if ! build_so "$@"; then
        verdict FAIL "correct $name: does not build (see $out/$name.build.log)"
        return 3
    fi
    run "$name"
    rc=$?
    if [ "$rc" -eq 0 ]; then
        verdict PASS "correct $name"
    else
        verdict FAIL "correct $name (exit $rc): $(tr '\n' ' ' <"$out/$name.failed")"
    fi
    return $rc
}

for file in "$src"/*.c; do
    name=$(basename "$file" .c)
    correct "$name" "$file"
    [ $? -le 1 ] || continue         # not built or not loadable
    grep -oE '^#if(n?def)? DEFECT_[A-Z0-9_]+' "$file" | awk '{print $2}' |
        sort -u >"$out/$name.defects"
    while read -r defect; do
        variant=$name-$defect
        if ! build_so "$variant" "$file" -D"$defect"; then
            verdict FAIL "escaped $name:$defect (does not build, see $out/$variant.build.log)"
            continue
        fi
        run "$variant"
        rc=$?
        new=$(comm -23 "$out/$variant.failed" "$out/$name.failed" | tr '\n' ' ')
        if [ "$rc" -eq 2 ]; then
            verdict PASS "caught $name:$defect (refused at load)"
        elif [ -n "$new" ]; then
            verdict PASS "caught $name:$defect by ${new% }"
        else
            verdict FAIL "escaped $name:$defect"
        fi
    done <"$out/$name.defects"
done

for config in "${configs[@]}"; do
    read -r name file flags <<<"$config"
    # shellcheck disable=SC2086  # flags are words
    correct "$name" "$src/$file" $flags
done

echo "independent: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
