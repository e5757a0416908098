#!/usr/bin/env python3
"""object-circles.py BUILD: the circles between the harness's own files.

An object file uses another when it needs a symbol the other defines
(nm).  A circle is a set of files each of which reaches all the others
that way: one of them can be neither read nor tested without the rest.
Checked over the layers in BUILD/obj (runtime, cases, harness, bench);
the allocator's malloc family is the process's, used by everything, and
not counted.  Prints each circle with the symbols that close it; exits 1
if there is one, 2 when BUILD has no objects.
"""
import glob
import os
import subprocess
import sys

ALLOCATOR = {"malloc", "calloc", "realloc", "free", "posix_memalign",
             "aligned_alloc", "memalign", "valloc", "pvalloc",
             "malloc_usable_size"}
LAYERS = ("runtime", "cases", "harness", "bench")


def symbols(obj, defined):
    args = ["nm", "--defined-only" if defined else "-u", obj]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    names = set()
    for line in out.stdout.splitlines():
        parts = line.split()
        if defined and len(parts) == 3 and parts[1] in "TDBRCV":
            names.add(parts[2])
        elif not defined and parts:
            names.add(parts[-1])
    return names - ALLOCATOR


def circles(edges):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tools/object-circles.py BUILD")
    base = os.path.join(sys.argv[1], "obj")
    objs = sorted(o for layer in LAYERS
                  for o in glob.glob(os.path.join(base, layer, "*.o")))
    if not objs:
        print("object-circles.py: no objects under %s (make first)" % base)
        sys.exit(2)
    defs = {o: symbols(o, True) for o in objs}
    uses = {o: symbols(o, False) for o in objs}
    edges = {o: {d for d in objs if d != o and uses[o] & defs[d]}
             for o in objs}
    found = circles(edges)
    for comp in found:
        print("circle: " + " ".join(os.path.relpath(o, base) for o in comp))
        for a in comp:
            for b in comp:
                if b in edges[a]:
                    print("    %s -> %s (%s)" % (
                        os.path.relpath(a, base), os.path.relpath(b, base),
                        ", ".join(sorted(uses[a] & defs[b])[:4])))
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
