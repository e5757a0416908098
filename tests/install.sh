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
for f in bin/dispatch-cts include/dispatch_context.h include/dispatch_bench.h lib/pkgconfig/dispatch-cts.pc \
         lib/dispatch-cts/backends/select.so share/man/man1/dispatch-cts.1 \
         share/doc/dispatch-cts/CONTRACT.md share/doc/dispatch-cts/dispatch_context.h \
         share/doc/dispatch-cts/TUTORIAL.md share/doc/dispatch-cts/examples/skeleton.c \
         share/doc/dispatch-cts/examples/tutorial/step-8.c \
         share/bash-completion/completions/dispatch-cts; do
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

# The tutorial's start, as a learner meets it: the installed skeleton
# builds with pkg-config and runs cleanly (every case fails, none crashes
# or hangs).
skel=$root$prefix/share/doc/dispatch-cts/examples/skeleton.c
if ! ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -shared -fPIC $cflags -o "$tmp/skeleton.so" \
     "$skel" 2>"$tmp/cc.err"; then
  echo "FAIL the installed skeleton does not build:"; sed 's/^/    /' "$tmp/cc.err" | head -5
else
  "$root$prefix/bin/dispatch-cts" "$tmp/skeleton.so" >"$tmp/out" 2>&1
  rc=$?
  if [[ $rc == 1 ]] && grep -qE 'cases: 0 PASS, .* 0 TIMEOUT, 0 CRASH' "$tmp/out" &&
     grep -q 'learn: docs/TUTORIAL.md step 1 ' "$tmp/out"; then
    echo "PASS the installed skeleton runs cleanly, its failures naming their lesson"
  else
    echo "FAIL the installed skeleton: exit $rc"; tail -5 "$tmp/out" | sed 's/^/    /'
  fi
fi

# The installed binary is stripped; the build's keeps its debug info.
if file "$root$prefix/bin/dispatch-cts" | grep -q ', stripped'; then echo "PASS the installed binary is stripped"
else echo "FAIL the installed binary is not stripped"; fi
if file build/dispatch-cts | grep -q 'with debug_info'; then echo "PASS build/dispatch-cts keeps its debug info"
else echo "FAIL build/dispatch-cts has no debug info"; fi

# The man page reads, and says what --help says (the shipped one is current).
if man -l "$root$prefix/share/man/man1/dispatch-cts.1" 2>/dev/null | grep -q -- '--write-expect'
then echo "PASS man dispatch-cts renders, with the options"
else echo "FAIL the installed man page does not render the options"; fi
if command -v help2man >/dev/null; then
  make -s build/dispatch-cts.1 >/dev/null 2>&1
  if diff <(grep -v '^\.TH' docs/dispatch-cts.1) <(grep -v '^\.TH' build/dispatch-cts.1) >/dev/null
  then echo "PASS docs/dispatch-cts.1 is current with --help"
  else echo "FAIL docs/dispatch-cts.1 is stale: run make man"; fi
fi

# An installed backend is found by name, from anywhere.
if (cd "$tmp" && "$root$prefix/bin/dispatch-cts" --filter abi-descriptor select >/dev/null 2>&1)
then echo "PASS the installed harness finds an installed backend by name"
else echo "FAIL 'dispatch-cts select' does not find the installed backend"; fi

# The bash completion loads and completes.
if out=$(bash -c 'source "$1"; COMP_WORDS=("$2" --format j); COMP_CWORD=2; _dispatch_cts; echo "${COMPREPLY[*]}"' \
           _ "$root$prefix/share/bash-completion/completions/dispatch-cts" "$root$prefix/bin/dispatch-cts") &&
   [[ $out == "junit json" ]]
then echo "PASS the bash completion completes --format"
else echo "FAIL the bash completion: '$out'"; fi
