# tap-failures.awk: the cases a dispatch-cts TAP report says failed.
#
# Prints "CASE STATUS" for every test point whose diagnostic says FAIL,
# WARN (a failed SHOULD case: an "ok" point with a diagnostic), TIMEOUT or
# CRASH, unless it is a met expectation ("# TODO expected ...", --expect).
# The diagnostic's own fields are read, not the description, so the
# backend's name never has to be parsed out of the line.
/^(not )?ok [0-9]+ / { flush(); expected = ($0 ~ / # TODO /); next }
/^  case: "/        { id = $0; sub(/^  case: "/, "", id); sub(/"$/, "", id); next }
/^  status: /        { status = $2; next }
END                  { flush() }
function flush() {
    if (id != "" && status ~ /^(FAIL|WARN|TIMEOUT|CRASH)$/ && !expected)
        print id, status
    id = ""; status = ""
}
