#!/bin/sh
# Turns the clause headings of spec/CONTRACT.md ("### ID · LEVEL · text")
# into the C table the harness quotes in failure messages.
set -eu
printf '/* Generated from %s by tools/gen-clauses.sh: do not edit. */\n' "$1"
printf '#include "dcts.h"\n\nconst dcts_clause dcts_clauses[] = {\n'
sed -n 's/^### \([A-Z][A-Z]*-[0-9][0-9]*\) · \([A-Z][A-Z]*\) · \(.*\)$/\1\t\2\t\3/p' "$1" |
while IFS='	' read -r id level text; do
    esc=$(printf '%s' "$text" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
    printf '    { "%s", "%s", "%s" },\n' "$id" "$level" "$esc"
done
printf '    { 0, 0, 0 }\n};\n'
