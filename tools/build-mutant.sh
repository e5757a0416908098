#!/bin/sh
# build-mutant.sh PATCH OUT.so CC CFLAGS...: builds one mutant backend.
#
# A mutant is one of the bundled backends (select, poll, epoll, uring) with
# one deliberate defect, kept as a patch against backends/ so that the
# defect reads as a diff and the backends themselves stay free of #ifdefs.
# The patch is applied to a copy; the backend compiled with the shared
# layer (and linked with its LIBS) is the one its header names ("Base:
# poll"), else the one whose directory it touches, else the reference
# select (a patch of common/ alone).
set -eu
patch_file=$1 out=$2 cc=$3
shift 3
name=$(basename "$patch_file" .patch)
src=$(dirname "$out")/src/$name
rm -rf "$src"
mkdir -p "$src"
cp -R backends/select backends/common "$src/"
for dir in poll epoll uring; do
    [ -d "backends/$dir" ] && cp -R "backends/$dir" "$src/"
done
if ! patch -s -p1 -d "$src" <"$patch_file"; then
    echo "build-mutant.sh: $patch_file no longer applies to backends/" >&2
    exit 1
fi
base=$(sed -n '1,/^--- /s/^Base: *//p' "$patch_file" | head -1)
if [ -z "$base" ]; then
    base=select
    for b in poll epoll uring; do
        grep -q "^+++ [ab]/$b/" "$patch_file" && base=$b
    done
fi
if [ ! -d "$src/$base" ]; then
    echo "build-mutant.sh: $patch_file: no backend \"$base\"" >&2
    exit 1
fi
libs=$(cat "$src/$base/LIBS" 2>/dev/null || true)
# shellcheck disable=SC2086
"$cc" "$@" -Ispec -I"$src/common" -fPIC -fvisibility=hidden -shared \
    -o "$out" "$src/$base"/*.c "$src/common"/*.c $libs -ldl -lpthread -lm
