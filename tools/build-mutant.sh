#!/bin/sh
# build-mutant.sh PATCH OUT.so CC CFLAGS...: builds one mutant backend.
#
# A mutant is the reference select backend (or the poll or uring backend)
# with one deliberate defect, kept as a patch against backends/ so that
# the defect reads as a diff and the reference itself stays free of
# #ifdefs.  The patch is applied to a copy; the backend it touches (poll/
# or uring/ if the patch touches it, else select/) is compiled with the
# shared layer, and linked with its LIBS.
set -eu
patch_file=$1 out=$2 cc=$3
shift 3
name=$(basename "$patch_file" .patch)
src=$(dirname "$out")/src/$name
rm -rf "$src"
mkdir -p "$src"
cp -R backends/select backends/common "$src/"
for dir in poll uring; do
    [ -d "backends/$dir" ] && cp -R "backends/$dir" "$src/"
done
if ! patch -s -p1 -d "$src" <"$patch_file"; then
    echo "build-mutant.sh: $patch_file no longer applies to backends/" >&2
    exit 1
fi
base=select
grep -q '^+++ [ab]/poll/' "$patch_file" && base=poll
grep -q '^+++ [ab]/uring/' "$patch_file" && base=uring
libs=$(cat "$src/$base/LIBS" 2>/dev/null || true)
# shellcheck disable=SC2086
"$cc" "$@" -Ispec -I"$src/common" -fPIC -fvisibility=hidden -shared \
    -o "$out" "$src/$base"/*.c "$src/common"/*.c $libs -ldl -lpthread -lm
