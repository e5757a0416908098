#!/usr/bin/env python3
"""mutate.py: automatic mutation of the bundled backends (make mutation-auto).

The hand-written mutants in backends/mutants/ are defects their authors
thought of; these are not.  Generic operators are applied, one at a time,
to every code line of backends/select, poll, epoll and common:

  ROR   relational operator replaced (< <= > >= == !=, each by its
        neighbours: < by <= and >, == by !=, ...)
  AOR   arithmetic and logical operator replaced (+ -, * /, % *, & |,
        && ||, += -=, ++ --, << >>)
  OBO   off by one: an integer literal n becomes n+1 and n-1
  CRP   constant replaced: an integer literal n (n > 1) becomes 0
  NEG   condition negated: if (c) / while (c) becomes if (!(c)) ...
  DEL   statement deleted: an expression statement, break or continue
        on one line becomes ";"
  RET   return value replaced: return x becomes return 0 (0 becomes 1)

Comments, string and character literals and preprocessor lines are never
mutated.  A mutant's id is FILE:LINE:OPERATOR:INDEX (INDEX counts that
operator's mutants on that line, from 0), so ids are the same on every run
over the same sources.

Each mutant is compiled into the backend that uses its file (a shared file
into poll, then select, then epoll; the engine layer into libev, libevent,
libuv) and run on the whole suite; it is killed when any case fails
(FAIL, TIMEOUT, CRASH, or a WARN), the harness exits non-zero, or the run
exceeds its timeout.  A shared-file mutant that survives one backend is
tried on the next.  A mutant that does not compile (-Werror) is stillborn
and not counted.  Survivors are looked up in the triage file
(backends/mutants/AUTO-TRIAGE.tsv): each is marked equivalent (with why;
not counted) or uncaught (a real defect no case catches yet, with why;
counted as survived); the file also keeps, as caught-by CASE, earlier
survivors that a case was then added for.  The exit status is 0 when the
score is at least 95% and every survivor is triaged.

Usage:
  mutate.py list                  every mutant: id and the mutated line
  mutate.py show ID               the mutant as a diff
  mutate.py report [--build DIR]  the last run's score and survivors again,
                                  against the triage file as it is now
  mutate.py run [--build DIR] [--ids FILE]
                                  build and run them (see the environment);
                                  --ids: only the ids listed in FILE (first
                                  word of each line, e.g. the survivors of
                                  build/mutation/results.tsv)

Environment (run):
  MUTATION_BUDGET   seconds before no new mutant is started (default 780)
  MUTATION_SAMPLE   run only N mutants drawn at random (default: all)
  MUTATION_SEED     the seed of that draw (default 1)
  MUTATION_JOBS     mutants at once (default 2; each runs the suite with
                    --jobs 2 under nice -n 10)
  MUTATION_TIMEOUT  the least time cap of a stage of the suite (default 6
                    s; a stage's cap is also at least 5 times what it
                    takes on the unmutated backend)
  MUTATION_SCALE    the harness's --timeout-scale (default 1; a FAIL or
                    WARN kills only when the case fails again alone)
  MUTATION_FILTER   only the mutants whose id contains this text
"""
import concurrent.futures
import difflib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRIAGE = os.path.join(ROOT, "backends", "mutants", "AUTO-TRIAGE.tsv")
SOURCES = ["select/select.c", "poll/poll.c", "epoll/epoll.c"]
COMMON = ["array.c", "array.h", "deliver.c", "deliver.h", "engine.c",
          "engine.h", "frame.c", "frame.h", "registry.c", "registry.h",
          "timeout.c", "timeout.h", "turn.c", "turn.h"]
CFLAGS = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2", "-g",
          "-D_GNU_SOURCE", "-fPIC", "-fvisibility=hidden"]
ENGINES = ["libev", "libevent", "libuv"]
# The layer under the engine adapters only (backends/common/engine.c,
# turn.c): mutated with MUTATION_ENGINES=1, built into the adapters.
ENGINE_LAYER = ("engine.", "turn.")


def hosts_of(path):
    """The backends a source file is compiled into, most exercised first."""
    top, name = path.split("/")
    if top != "common":
        return [top]
    if name.startswith(("engine.", "turn.")):
        return ENGINES
    return ["poll", "select", "epoll"]


# ---- reading C -------------------------------------------------------------

def code_mask(text):
    """text with comments and string/char literals blanked (same length,
    newlines kept), and the set of preprocessor line numbers (1-based)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    masked = "".join(out)
    pre, cont = set(), False
    for no, line in enumerate(masked.split("\n"), 1):
        if cont or line.lstrip().startswith("#"):
            pre.add(no)
            cont = line.rstrip().endswith("\\")
    return masked, pre


TOKEN = re.compile(r"""
    (?P<num>0[xX][0-9a-fA-F]+[uUlL]*|\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+
           |\d+[uUlL]*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<op><<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\+=|-=|\*=|/=|%=
           |&=|\|=|\^=|[-+*/%<>=!&|^~?:;,.(){}\[\]])
""", re.X)

TYPE_WORDS = {"int", "char", "void", "const", "unsigned", "long", "short",
              "double", "float", "size_t", "ssize_t", "struct", "static",
              "uint32_t", "uint64_t", "dcb_ready", "dcb_reg", "dc_target",
              "dc_context", "dcb_registry", "dcb_deadline", "fd_set",
              "nfds_t", "suseconds_t", "time_t"}
NOT_DELETED = {"return", "for", "if", "else", "while", "do", "typedef", "}",
               "case", "default", "goto", ""}
# After these, + - * & are unary (sign, dereference, address-of).
UNARY_AFTER = {"(", ",", "=", "return", "?", ":", "[", "{", ";", "!", "~",
               "<", ">", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*",
               "/", "%", "&", "|", "^", "<<", ">>", "+=", "-=", "sizeof"}

REPLACE = {
    "ROR": {"<": ["<=", ">"], "<=": ["<", ">"], ">": [">=", "<"],
            ">=": [">", "<"], "==": ["!="], "!=": ["=="]},
    "AOR": {"+": ["-"], "-": ["+"], "*": ["/"], "/": ["*"], "%": ["*"],
            "&": ["|"], "|": ["&"], "^": ["|"], "&&": ["||"], "||": ["&&"],
            "+=": ["-="], "-=": ["+="], "|=": ["&="], "&=": ["|="],
            "++": ["--"], "--": ["++"], "<<": [">>"], ">>": ["<<"]},
}


def tokens(line):
    return [(m.start(), m.group(), m.lastgroup) for m in TOKEN.finditer(line)]


def matching_paren(s, open_at):
    depth = 0
    for k in range(open_at, len(s)):
        depth += {"(": 1, ")": -1}.get(s[k], 0)
        if depth == 0:
            return k
    return -1


def int_value(lit):
    body = lit.rstrip("uUlL")
    suffix = lit[len(body):]
    if "." in body or (("e" in body or "E" in body) and not body.lower().startswith("0x")):
        return None, suffix
    return int(body, 0), suffix


ENUMERATOR = re.compile(r"\s*[A-Z][A-Z0-9_]*\s*=\s*[^;]*,?\s*$")


def line_mutants(masked, orig):
    """(operator, col, length, replacement) for one masked code line."""
    out = []
    if ENUMERATOR.match(masked):
        return out                      # an enumerator's value: a name's
    toks = tokens(masked)
    in_decl = bool(toks) and toks[0][1] in TYPE_WORDS
    for k, (col, tok, kind) in enumerate(toks):
        prev = toks[k - 1][1] if k else None
        nxt = toks[k + 1][1] if k + 1 < len(toks) else None
        if kind == "op":
            for op in ("ROR", "AOR"):
                for new in REPLACE[op].get(tok, []):
                    unary = prev is None or prev in UNARY_AFTER
                    if tok in "+-*&" and unary:
                        continue        # a sign, a dereference, an address
                    if tok in ("*", "&") and (in_decl or prev in TYPE_WORDS):
                        continue        # a pointer type, not a product
                    if tok in ("++", "--") and nxt == ")" and prev == "(":
                        continue
                    out.append((op, col, len(tok), new))
        elif kind == "num":
            val, suffix = int_value(tok)
            if val is None or prev == "[" and in_decl:
                continue
            hexa = tok.lower().startswith("0x")
            fmt = (lambda v: hex(v) + suffix) if hexa else (lambda v: str(v) + suffix)
            out.append(("OBO", col, len(tok), fmt(val + 1)))
            if val > 0:
                out.append(("OBO", col, len(tok), fmt(val - 1)))
            if val > 1:
                out.append(("CRP", col, len(tok), fmt(0)))
        elif tok in ("if", "while") and nxt == "(":
            open_at = toks[k + 1][0]
            close = matching_paren(masked, open_at)
            top = [t for c2, t, _ in toks if open_at < c2 < close
                   and masked[open_at + 1:c2].count("(") == masked[open_at + 1:c2].count(")")]
            if sum(t in ("==", "!=") for t in top) == 1 and not {"&&", "||", "?"} & set(top):
                continue                # ROR's == <-> != is this very mutant
            if close > 0:
                cond = orig[open_at + 1:close]
                out.append(("NEG", open_at, close - open_at + 1,
                            "(!(" + cond + "))"))
    stmt = masked.strip()
    first = toks[0][1] if toks else ""
    # An expression statement (a call, an assignment), break or continue,
    # whole on this line; declarations and control lines are left alone.
    if (stmt.endswith(";") and not in_decl and stmt.count("(") == stmt.count(")")
            and not stmt.startswith(")") and first not in NOT_DELETED):
        out.append(("DEL", masked.index(stmt[0]), len(stmt), ";"))
    if first == "return" and stmt.endswith(";") and stmt != "return;":
        start = masked.index("return")
        value = orig[start + 6:masked.rindex(";")].strip()
        new = "return 1;" if value == "0" else "return 0;"
        if value not in ("NULL",):
            out.append(("RET", start, masked.rindex(";") + 1 - start, new))
    return out


def generate():
    """Every mutant: dicts with id, path (under backends/), line, col, len,
    new, text (the original line)."""
    files = SOURCES + ["common/" + f for f in COMMON
                       if os.environ.get("MUTATION_ENGINES") == "1"
                       or not f.startswith(ENGINE_LAYER)]
    result = []
    for path in files:
        with open(os.path.join(ROOT, "backends", path)) as f:
            text = f.read()
        masked, pre = code_mask(text)
        mlines, olines = masked.split("\n"), text.split("\n")
        for no, (m, o) in enumerate(zip(mlines, olines), 1):
            if no in pre or not m.strip():
                continue
            count, seen = {}, set()
            for op, col, length, new in line_mutants(m, o):
                idx = count.get(op, 0)
                count[op] = idx + 1
                mutant = {"id": "%s:%d:%s:%d" % (path, no, op, idx),
                          "path": path, "line": no, "col": col,
                          "len": length, "new": new, "text": o}
                # "return 0" made "return 1" by OBO and by RET is one mutant:
                # the first id keeps it (the others' ids stay as they were).
                if mutated_line(mutant) not in seen:
                    seen.add(mutated_line(mutant))
                    result.append(mutant)
    return result


def mutated_text(m):
    with open(os.path.join(ROOT, "backends", m["path"])) as f:
        lines = f.read().split("\n")
    o = lines[m["line"] - 1]
    lines[m["line"] - 1] = o[:m["col"]] + m["new"] + o[m["col"] + m["len"]:]
    return "\n".join(lines)


def mutated_line(m):
    o = m["text"]
    return o[:m["col"]] + m["new"] + o[m["col"] + m["len"]:]


# ---- building and running -----------------------------------------------------

def run(cmd, timeout=None, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, **kw)


def host_sources(host):
    d = os.path.join(ROOT, "backends", host)
    own = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".c"))
    common = sorted(os.path.join(ROOT, "backends", "common", f)
                    for f in COMMON if f.endswith(".c"))
    return own + common


def host_libs(host):
    try:
        with open(os.path.join(ROOT, "backends", host, "LIBS")) as f:
            return f.read().split()
    except OSError:
        return []


def compile_obj(src, out, incdirs, cc):
    cmd = ["nice", "-n", "10", cc] + CFLAGS + ["-I" + d for d in incdirs] + \
          ["-I" + os.path.join(ROOT, "spec"),
           "-I" + os.path.join(ROOT, "backends", "common"), "-c", "-o", out, src]
    return run(cmd)


class Builder:
    """Objects of each host backend, built once; a mutant recompiles only
    its own file (a header: every file of the host)."""

    def __init__(self, work, cc):
        self.work, self.cc = work, cc
        self.lock = threading.Lock()
        self.objs = {}

    def pristine(self, host):
        """The host's objects, compiled from the sources as they are; kept
        in build/mutation/obj across runs and rebuilt when a source or a
        header is newer."""
        with self.lock:
            if host not in self.objs:
                d = os.path.join(self.work, "obj", host)
                os.makedirs(d, exist_ok=True)
                newest_header = max(
                    os.path.getmtime(os.path.join(dp, f))
                    for top in ("spec", "backends")
                    for dp, _, fs in os.walk(os.path.join(ROOT, top))
                    for f in fs if f.endswith(".h"))
                objs = {}
                for src in host_sources(host):
                    o = os.path.join(d, os.path.basename(src) + ".o")
                    if (not os.path.exists(o) or os.path.getmtime(o) <
                            max(os.path.getmtime(src), newest_header)):
                        r = compile_obj(src, o, [], self.cc)
                        if r.returncode != 0:
                            sys.exit("mutate.py: %s does not compile:\n%s" % (src, r.stderr))
                    objs[src] = o
                self.objs[host] = objs
            return self.objs[host]

    def build(self, m, host, tmp):
        """The mutant's .so in tmp, or None when it does not compile."""
        objs = dict(self.pristine(host))
        if m is None:
            return self.link(objs, host, tmp)
        src_dir = os.path.join(tmp, "src")
        os.makedirs(src_dir, exist_ok=True)
        common = os.path.join(ROOT, "backends", "common")
        orig = os.path.join(ROOT, "backends", m["path"])
        copies = {orig: os.path.join(src_dir, os.path.basename(m["path"]))}
        if m["path"].endswith(".h"):
            # Every file of the host is rebuilt against the mutated header:
            # the shared files from copies beside it (a quoted #include looks
            # in the includer's directory first), the backend's own with
            # -I src_dir ahead of backends/common.
            for f in os.listdir(common):
                if f.endswith(".h") or os.path.join(common, f) in objs:
                    copies.setdefault(os.path.join(common, f), os.path.join(src_dir, f))
            todo = list(objs)
        else:
            if orig not in objs:
                return "unused"
            todo = [orig]
        for src, copy in copies.items():
            shutil.copyfile(src, copy)
        with open(copies[orig], "w") as f:
            f.write(mutated_text(m))
        for src in todo:
            o = os.path.join(tmp, os.path.basename(src) + ".o")
            r = compile_obj(copies.get(src, src), o, [src_dir], self.cc)
            if r.returncode != 0:
                return None
            objs[src] = o
        return self.link(objs, host, tmp)

    def link(self, objs, host, tmp):
        so = os.path.join(tmp, "%s-mutant.so" % host)
        r = run(["nice", "-n", "10", self.cc, "-shared", "-o", so] +
                list(objs.values()) + host_libs(host) + ["-ldl", "-lpthread", "-lm"])
        return so if r.returncode == 0 else None


class Suite:
    """The suite as run on one host, in two stages: first the cases that
    take under FAST_S on the unmutated backend (most mutants die there, in
    a fraction of a second), then the rest.  Each stage has its own time
    cap, a multiple of what it takes on the unmutated backend: a mutant
    that makes a stage run that much longer has cases hanging on their
    watchdogs, and is killed without waiting for all of them."""
    FAST_S = 0.02

    def __init__(self, harness, host, scale, cap):
        self.harness, self.host, self.scale, self.cap = harness, host, scale, cap
        self.stages = []

    def calibrate(self, so):
        """Times each case on the unmutated so; False if any fails."""
        cmd = ["nice", "-n", "10", self.harness, "--format", "junit", "--jobs", "2",
               "--timeout-scale", str(self.scale)] + self.expect() + [so]
        r = run(cmd)
        times = re.findall(r'<testcase classname="[^"]*" name="([^"]*)" time="([0-9.]+)"',
                           r.stdout)
        if r.returncode != 0 or not times:
            return False
        fast = [c for c, t in times if float(t) < self.FAST_S]
        slow = [c for c, t in times if float(t) >= self.FAST_S]
        for ids in (fast, slow):
            if ids:
                began = time.monotonic()
                verdict = self.once(so, ids, 10 * self.cap)
                if verdict != "survived":
                    return False
                self.stages.append((ids, max(self.cap, 5 * (time.monotonic() - began))))
        return True

    def expect(self):
        f = os.path.join(ROOT, "spec", "expectations", self.host + ".txt")
        return ["--expect", f] if self.host in ENGINES and os.path.exists(f) else []

    def verdict(self, so):
        """'killed: why' or 'survived'.  A FAIL or WARN (a timing case may
        flake on a loaded machine) kills only if the case fails again when
        rerun alone; otherwise the stage is run once more."""
        for ids, cap in self.stages:
            for _ in range(2):
                verdict = self.once(so, ids, cap)
                if not verdict.endswith((" FAIL", " WARN")):
                    break
                case = verdict.split()[1]
                if self.once(so, [case], cap).startswith("killed"):
                    break
                verdict = "survived (%s failed once, passed alone)" % case
            if verdict != "survived":
                return verdict
        return "survived"

    def once(self, so, ids, cap):
        cmd = ["nice", "-n", "10", self.harness, "--format", "tap", "--jobs", "2",
               "--timeout-scale", str(self.scale)] + self.expect()
        for c in ids:
            cmd += ["--filter", c]
        return suite_once(cmd + [so], cap)


def kill_session(sid):
    """Stops the harness run in session sid and every case it started:
    SIGTERM first (the harness then kills its running cases, each in a
    process group of its own), then SIGKILL to whatever of the session is
    left, found by its session id in /proc, so that no case outlives its
    run."""
    try:
        os.kill(sid, 15)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and session_pids(sid):
        time.sleep(0.05)
    for pid in session_pids(sid):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def session_pids(sid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


def suite_once(cmd, timeout):
    """One run of the harness: the first failure its TAP reports, or
    'killed: ...' when it runs past timeout, or 'survived'."""
    # its own session, so that stopping it stops its cases too
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    timer = threading.Timer(timeout, kill_session, [p.pid])
    timer.start()
    verdict = None
    try:
        for case, status in tap_failures(p.stdout):
            verdict = "killed: %s %s" % (case, status)
            break
    finally:
        if verdict is not None:
            kill_session(p.pid)
        p.stdout.close()
        rc = p.wait()
        timed_out = not timer.is_alive() and verdict is None and rc < 0
        timer.cancel()
        kill_session(p.pid)             # a case left behind, if any
    if verdict:
        return verdict
    if timed_out:
        return "killed: ran past %.1f s (cases hanging)" % timeout
    if rc != 0:
        return "killed: harness exit %d" % rc
    return "survived"


def tap_failures(lines):
    """(case, status) for each failed test point of a TAP stream, as soon
    as it is complete: the rule of tools/tap-failures.awk (FAIL, WARN,
    TIMEOUT, CRASH, unless a met expectation), plus a plain "not ok" of
    another status (an XPASS or mismatch under --expect)."""
    case = status = None
    notok = expected = False
    for line in lines:
        point = re.match(r"(not )?ok \d+ ", line)
        if point or line.startswith("  ..."):
            if case and not expected and (
                    status in ("FAIL", "WARN", "TIMEOUT", "CRASH") or notok):
                yield case, status if status != "PASS" else "MISMATCH"
            case = status = None
            notok = expected = False
            if point:
                notok = bool(point.group(1))
                expected = " # TODO " in line
        elif line.startswith('  case: "'):
            case = line[9:].rstrip().rstrip('"')
        elif line.startswith("  status: "):
            status = line.split()[1]


def read_triage():
    """id -> (verdict, reason, line text) from the triage file."""
    triage = {}
    try:
        with open(TRIAGE) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3:
                    triage[parts[0]] = (parts[1], parts[2],
                                        parts[3] if len(parts) > 3 else "")
    except OSError:
        pass
    return triage


def cmd_run(args):
    build, ids = "build", None
    while args:
        if args[0] == "--build" and len(args) > 1:
            build = args[1]
        elif args[0] == "--ids" and len(args) > 1:
            with open(args[1]) as f:
                ids = {line.split()[0] for line in f if line.strip()}
        else:
            sys.exit("mutate.py: run: unknown argument %s" % args[0])
        args = args[2:]
    env = os.environ
    budget = float(env.get("MUTATION_BUDGET", "780"))
    jobs = int(env.get("MUTATION_JOBS", "2"))
    cap = float(env.get("MUTATION_TIMEOUT", "6"))
    scale = env.get("MUTATION_SCALE", "1")
    cc = env.get("CC", "cc")
    harness = os.path.join(ROOT, build, "dispatch-cts")
    if not os.access(harness, os.X_OK):
        sys.exit("mutate.py: %s not built (make all)" % harness)
    mutants = generate()
    if ids is not None:
        mutants = [m for m in mutants if m["id"] in ids]
    if env.get("MUTATION_FILTER"):
        mutants = [m for m in mutants if env["MUTATION_FILTER"] in m["id"]]
    total = len(mutants)
    if env.get("MUTATION_SAMPLE"):
        n = min(int(env["MUTATION_SAMPLE"]), total)
        rng = random.Random(int(env.get("MUTATION_SEED", "1")))
        mutants = sorted(rng.sample(mutants, n), key=lambda m: mutants.index(m))
    work = os.path.join(ROOT, build, "mutation")
    os.makedirs(work, exist_ok=True)
    builder = Builder(work, cc)
    # Each host's suite, timed on the pristine backend, which must pass
    # here and now, or every mutant would look killed.
    suites = {}
    for host in sorted({h for m in mutants for h in hosts_of(m["path"])}):
        suites[host] = Suite(harness, host, scale, cap)
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            ok = suites[host].calibrate(builder.build(None, host, tmp))
        if not ok:
            sys.exit("mutate.py: the unmutated %s backend fails here: fix "
                     "that first, or raise MUTATION_SCALE" % host)
    start = time.monotonic()
    results = {}
    print("mutate.py: %d mutants generated, %d to run, %d at once, budget %.0f s"
          % (total, len(mutants), jobs, budget), flush=True)

    def one(m):
        began = time.monotonic()
        m, verdict, host = one_on_hosts(m)
        m["seconds"] = time.monotonic() - began
        return m, verdict, host

    def one_on_hosts(m):
        if time.monotonic() - start > budget:
            return m, "not run (budget)", ""
        verdict, hosts_tried = "unused", []
        for host in hosts_of(m["path"]):
            with tempfile.TemporaryDirectory(dir=work) as tmp:
                so = builder.build(m, host, tmp)
                if so == "unused":
                    continue
                if so is None:
                    return m, "stillborn", host
                hosts_tried.append(host)
                verdict = suites[host].verdict(so)
            if verdict.startswith("killed"):
                return m, verdict, host
        return m, verdict, ",".join(hosts_tried)

    done = 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for m, verdict, host in pool.map(one, mutants):
            results[m["id"]] = (m, verdict, host)
            done += 1
            if verdict == "survived":
                print("  SURVIVED %s  [%s]  %s" % (m["id"], host, mutated_line(m).strip()),
                      flush=True)
            if done % 50 == 0:
                print("  ... %d/%d, %.0f s" % (done, len(mutants), time.monotonic() - start),
                      flush=True)
    return report(results, total, time.monotonic() - start, work)


def report(results, total, seconds, work):
    triage = read_triage()
    counts = {"killed": 0, "survived": 0, "stillborn": 0, "not run": 0}
    survivors = []
    with open(os.path.join(work, "results.tsv"), "w") as out:
        for mid, (m, verdict, host) in results.items():
            out.write("%s\t%s\t%s\t%.1f\t%s\n" % (mid, verdict, host, m.get("seconds", 0),
                                                  mutated_line(m).strip()))
            key = verdict.split(":")[0].split(" (")[0]
            counts[key] = counts.get(key, 0) + 1
            if verdict == "survived":
                survivors.append((m, host))
    # A survivor is triaged "equivalent" (no behaviour the contract can
    # tell apart: not counted), "uncaught" (a real defect no case catches
    # yet: counted as survived, with why), or "caught-by CASE" (an earlier
    # run's survivor that CASE was added for: surviving again is an error).
    equivalent, uncaught, untriaged, wrong = [], [], [], []
    for m, host in survivors:
        t = triage.get(m["id"])
        if t is None or (t[2] and t[2].strip() != m["text"].strip()):
            untriaged.append((m, host))     # none, or made for another line
        elif t[0] == "equivalent":
            equivalent.append((m, host))
        elif t[0] == "uncaught":
            uncaught.append((m, host))
        else:
            wrong.append((m, host))
    run_count = counts["killed"] + counts["survived"]
    countable = run_count - len(equivalent)
    killed = counts["killed"]
    score = 100.0 * killed / countable if countable else 100.0
    print()
    print("mutants generated:      %d" % total)
    print("run:                    %d (%d stillborn, not counted; %d not run within the budget)"
          % (run_count + counts["stillborn"], counts["stillborn"], counts["not run"]))
    print("killed:                 %d" % killed)
    print("survived:               %d (%d equivalent, %d uncaught, %d untriaged, "
          "%d triaged as caught)" % (counts["survived"], len(equivalent), len(uncaught),
                                     len(untriaged), len(wrong)))
    print("score:                  %.1f%% of %d non-equivalent mutants killed (%.0f s)"
          % (score, countable, seconds))
    if survivors:
        print("\nsurvivors (triage: %s):" % os.path.relpath(TRIAGE, ROOT))
        for group, tag in ((equivalent, "equivalent"), (uncaught, "uncaught"),
                           (untriaged, "UNTRIAGED"), (wrong, "TRIAGED AS CAUGHT")):
            for m, host in group:
                print("  %-40s %-18s [%s] %s" % (m["id"], tag, host, mutated_line(m).strip()))
    print("\nresults: %s" % os.path.relpath(os.path.join(work, "results.tsv"), ROOT))
    return 0 if score >= 95.0 and not untriaged and not wrong else 1


def cmd_report(args):
    """Re-reads build/mutation/results.tsv (written by run)."""
    build = args[1] if args[:1] == ["--build"] and len(args) > 1 else "build"
    work = os.path.join(ROOT, build, "mutation")
    byid = {m["id"]: m for m in generate()}
    results, total = {}, len(byid)
    try:
        with open(os.path.join(work, "results.tsv")) as f:
            for line in f:
                mid, verdict, host, seconds = line.rstrip("\n").split("\t")[:4]
                if mid in byid:
                    m = dict(byid[mid], seconds=float(seconds))
                    results[mid] = (m, verdict, host)
    except OSError:
        sys.exit("mutate.py: no %s/results.tsv: run first" % os.path.relpath(work, ROOT))
    return report(results, total, 0, work)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv[0] == "list":
        for m in generate():
            print("%s\t%s" % (m["id"], mutated_line(m).strip()))
        return 0
    if argv[0] == "show" and len(argv) == 2:
        for m in generate():
            if m["id"] == argv[1]:
                a = mutated_text(dict(m, new=m["text"][m["col"]:m["col"] + m["len"]]))
                sys.stdout.writelines(difflib.unified_diff(
                    a.splitlines(True), mutated_text(m).splitlines(True),
                    "a/" + m["path"], "b/" + m["path"]))
                return 0
        print("mutate.py: no mutant %s" % argv[1], file=sys.stderr)
        return 2
    if argv[0] == "run":
        return cmd_run(argv[1:])
    if argv[0] == "report":
        return cmd_report(argv[1:])
    print("mutate.py: unknown command %s (try --help)" % argv[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
