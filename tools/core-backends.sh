#!/bin/sh
# core-backends.sh BUILD: the production backends (backends/CORE, the one
# list the Makefile and every script read), as BUILD/backends/NAME.so, one
# a line, in order: those not built there (uring without liburing) are
# left out.
build=${1:?usage: tools/core-backends.sh BUILD}
grep -v '^#' "$(dirname "$0")/../backends/CORE" | while read -r name; do
    if [ -n "$name" ] && [ -e "$build/backends/$name.so" ]; then
        echo "$build/backends/$name.so"
    fi
done
