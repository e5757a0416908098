# valgrind-tally.awk LOG...: sums valgrind memcheck logs (--leak-check=full
# --track-fds=yes) into one line "ERRORS FDS DEFINITE": memcheck errors
# (leaks included), fds open at exit that the process did not inherit
# when it started, and bytes definitely lost.  Used by tests/valgrind.sh
# and tests/bad-backends.sh.
/ERROR SUMMARY:/ {
    for (i = 1; i < NF; i++) if ($i == "SUMMARY:") errors += $(i + 1)
}
/definitely lost:/ {
    for (i = 1; i < NF; i++)
        if ($i == "lost:") { v = $(i + 1); gsub(",", "", v); lost += v }
}
pending { if ($0 !~ /<inherited from parent>/) fds++; pending = 0 }
/Open file descriptor [0-9]+:/ { pending = 1 }
END { printf "%d %d %d\n", errors, fds, lost }
