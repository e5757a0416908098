#!/usr/bin/env bash
# install.sh: "make install" into a scratch prefix, then build the README's
# example backend the way a third party would (pkg-config) and check it.
# Prints one "PASS what" or "FAIL what" line per check.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=/opt/dispatch-cts
root=$tmp/root

if make -s install DESTDIR="$root" PREFIX="$prefix" >"$tmp/log" 2>&1; then
  echo "PASS make install DESTDIR=... PREFIX=..."
else
  echo "FAIL make install"; sed 's/^/    /' "$tmp/log" | tail -5; exit 0
fi
for f in bin/dispatch-cts include/dispatch_context.h lib/pkgconfig/dispatch-cts.pc \
         lib/dispatch-cts/backends/select.so; do
  if [[ -e $root$prefix/$f ]]; then echo "PASS installs $f"; else echo "FAIL installs $f"; fi
done

# The installed binary is stripped (no symbol table a backend could read
# the harness's internals from); the one in build/ keeps its debug info.
if readelf -S "$root$prefix/bin/dispatch-cts" 2>/dev/null | grep -qE '\.(symtab|debug_info)'
then echo "FAIL the installed dispatch-cts is not stripped"
else echo "PASS the installed dispatch-cts is stripped"; fi
if readelf -S build/dispatch-cts 2>/dev/null | grep -q '\.debug_info'
then echo "PASS build/dispatch-cts keeps its debug info"
else echo "FAIL build/dispatch-cts has no debug info"; fi

# The .pc file names the final prefix; point the compiler into DESTDIR.
cflags=$(PKG_CONFIG_PATH=$root$prefix/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
         pkg-config --cflags dispatch-cts 2>"$tmp/pc.err")
if [[ $cflags == *"$prefix/include"* ]]; then echo "PASS pkg-config --cflags dispatch-cts"
else echo "FAIL pkg-config --cflags dispatch-cts: '$cflags' $(cat "$tmp/pc.err")"; fi

if ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -shared -fPIC $cflags \
     -o "$tmp/naive.so" examples/naive_backend.c 2>"$tmp/cc.err"; then
  echo "PASS the example backend builds against the installed header"
else
  echo "FAIL the example backend does not build:"; sed 's/^/    /' "$tmp/cc.err" | head -5
fi

# The example is deliberately naive: the installed harness must say so.
"$root$prefix/bin/dispatch-cts" --timeout-scale 0.5 "$tmp/naive.so" >"$tmp/out" 2>&1
rc=$?
if [[ $rc == 1 ]] && grep -q 'tmo-null-no-targets .*TIMEOUT' "$tmp/out" &&
   grep -q 'ERR-5' "$tmp/out"; then
  echo "PASS the installed harness finds the example's bugs (exit 1)"
else
  echo "FAIL the installed harness on the example: exit $rc"; tail -5 "$tmp/out" | sed 's/^/    /'
fi
