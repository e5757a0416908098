#!/usr/bin/env python3
"""case-comments.py: every case's comment names the clauses it checks.

A case row names its clauses by generated identifiers (CLAUSES(TMO_9):
a clause the contract does not define does not compile), which grep for
"TMO-9" does not find.  So the comment above each case's function names
them in the contract's own form, and `grep -r TMO-9` still finds the
clause, the cases that check it, the code that honours it and the
mutants that break it.  This check reads every row of cases/*.c, finds
its function's comment and prints each clause it does not name; exit 1
if there is one.
"""
import glob
import os
import re
import sys

ROW = re.compile(r'\{\s*\.id\s*=\s*"([^"]+)",\s*CLAUSES\(([^)]*)\)(.*?)'
                 r'\.run\s*=\s*(\w+)', re.S)


def comment_of(src, fn):
    m = re.search(r'(/\*(?:(?!\*/).)*\*/)\s*(?:static\s+)?void\s+' +
                  re.escape(fn) + r'\s*\(', src, re.S)
    return m.group(1) if m else None


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    bad = 0
    for path in sorted(glob.glob(os.path.join(root, "cases", "*.c"))):
        src = open(path).read()
        for case, clauses, _, fn in ROW.findall(src):
            ids = [c.strip().replace("_", "-") for c in clauses.split(",")]
            comment = comment_of(src, fn)
            if comment is None:
                print("%s: %s: no comment above %s" %
                      (os.path.relpath(path, root), case, fn))
                bad += 1
                continue
            missing = [i for i in ids
                       if not re.search(re.escape(i) + r"(?![0-9])", comment)]
            if missing:
                print("%s: %s: the comment above %s does not name %s" %
                      (os.path.relpath(path, root), case, fn,
                       " ".join(missing)))
                bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
