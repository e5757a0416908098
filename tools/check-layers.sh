#!/bin/sh
# check-layers.sh: the include rule that makes the layers hold.
#
# Each layer is compiled with the include paths of what it may use and
# nothing else (Makefile, INC_*): backends see spec/ and backends/common/,
# the case runtime and the cases see spec/ and runtime/, and so on.  That
# holds only while a file names a header by its file name alone: a path
# ("../harness/proc.h", "/abs/x.h") would reach past the include paths.
# This check refuses such a path anywhere in the layers; make runs it
# before building.  Prints each offending line; exit 1 if there is one.
# ROOT (default: the project) is the tree to check.
cd "${1:-$(dirname "$0")/..}" || exit 2
bad=$(grep -rnE --include='*.c' --include='*.h' \
        '^[[:space:]]*#[[:space:]]*include[[:space:]]*("[^"]*/|<(/|[^>]*\.\./))' \
        spec backends runtime cases harness bench examples tests/fixtures 2>/dev/null)
if [ -n "$bad" ]; then
    printf '%s\n' "$bad"
    echo "check-layers.sh: a header named by a path reaches past its layer's include paths (Makefile, INC_*): name it by its file name, or move it to the layer it belongs to" >&2
    exit 1
fi
