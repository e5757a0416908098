#!/bin/sh
# gen-clauses.sh ids CONTRACT.md: the clause identifiers (build/gen/
# clause_ids.h, included by runtime/case.h):
#   DCTS_CL_TMO_1 ...  each clause heading's id, in the contract's order: its
#                      row in dcts_clauses.  A case row names its clauses by
#                      them (CLAUSES(TMO_1, TMO_5)), so a clause the contract
#                      does not define does not compile.
# gen-clauses.sh headings CONTRACT.md: the clause table of the case
# runtime (runtime/, build/gen/clauses.c):
#   dcts_clauses       each clause heading of the contract ("### ID · LEVEL ·
#                      text"), at its DCTS_CL_ row: quoted in failure messages
# gen-clauses.sh texts CONTRACT.md MANIFEST: the harness's tables
# (harness/catalog.h, build/gen/clause_texts.c):
#   dcts_clause_texts  each clause's whole text below its heading (the rule,
#                      its Why, its Seed): for 'dispatch-cts explain'
#   dcts_mutant_notes  the mutants of backends/mutants/MANIFEST, with the
#                      clauses they break: for 'dispatch-cts explain'
set -eu
part=$1 contract=$2
# Each clause heading ("### ID · LEVEL · text") as ID, LEVEL and text,
# tab-separated, in the contract's order.
headings() {
    sed -n 's/^### \([A-Z][A-Z]*-[0-9][0-9]*\) · \([A-Z][A-Z]*\) · \(.*\)$/\1\t\2\t\3/p' "$1"
}
case $part in
ids)
printf '/* Generated from %s by tools/gen-clauses.sh: do not edit. */\n' "$contract"
printf '#ifndef DCTS_CLAUSE_IDS_H\n#define DCTS_CLAUSE_IDS_H\n\n'
printf '/* Each clause of the contract: its row in dcts_clauses. */\n'
printf 'typedef enum dcts_clause_id {\n'
headings "$contract" | while IFS='	' read -r id level text; do
    printf '    DCTS_CL_%s,\n' "$(printf '%s' "$id" | tr - _)"
done
printf '    DCTS_NCLAUSES\n} dcts_clause_id;\n\n#endif\n'
;;
headings)
printf '/* Generated from %s by tools/gen-clauses.sh: do not edit. */\n' "$contract"
printf '#include "dcts.h"\n\nconst dcts_clause dcts_clauses[] = {\n'
headings "$contract" | while IFS='	' read -r id level text; do
    esc=$(printf '%s' "$text" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
    printf '    [DCTS_CL_%s] = { "%s", "%s", "%s" },\n' \
        "$(printf '%s' "$id" | tr - _)" "$id" "$level" "$esc"
done
printf '    [DCTS_NCLAUSES] = { 0, 0, 0 }\n};\n'
;;
texts)
manifest=$3
printf '/* Generated from %s and %s by tools/gen-clauses.sh: do not edit. */\n' \
    "$contract" "$manifest"
printf '#include "catalog.h"\n\n'
# A clause's text: every line after its heading up to the next heading,
# blank lines at either end dropped.
printf 'const dcts_clause_text dcts_clause_texts[] = {\n'
awk '
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s); return s }
function flush() {
    if (id == "") return
    while (n > 0 && body[n] ~ /^[ \t]*$/) n--
    printf "    { \"%s\",\n", id
    for (i = 1; i <= n; i++) printf "      \"%s\\n\"\n", esc(body[i])
    if (n == 0) printf "      \"\"\n"
    printf "    },\n"
    id = ""; n = 0
}
/^##/ {
    flush()
    if (match($0, /^### [A-Z]+-[0-9]+ /)) { id = substr($0, 5, RLENGTH - 5); started = 0 }
    next
}
id != "" {
    if (!started && $0 ~ /^[ \t]*$/) next
    started = 1; body[++n] = $0
}
END { flush() }' "$contract"
printf '    { 0, 0 }\n};\n\n'

printf 'const dcts_mutant_note dcts_mutant_notes[] = {\n'
awk '
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
/^[ \t]*(#|$)/ { next }
{
    name = $1; clauses = $2
    sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]*/, "")
    printf "    { \"%s\", \"%s\", \"%s\" },\n", esc(name), esc(clauses), esc($0)
}' "$manifest"
printf '    { 0, 0, 0 }\n};\n'
;;
*)
echo "usage: tools/gen-clauses.sh ids CONTRACT.md | headings CONTRACT.md | texts CONTRACT.md MANIFEST" >&2
exit 2
;;
esac
