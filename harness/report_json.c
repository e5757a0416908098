/*
 * report_json.c: the report as one JSON document, for programs.
 *
 *   { "harness": { "name": "dispatch-cts", "version": "1.0.0" },
 *     "environment": { "kernel": "Linux 6.1.0 x86_64", "hostname": ...,
 *                      "rlimit_nofile": { "soft": 1024, "hard": 20000 },
 *                      "timeout_scale": 1, "started": "2026-...Z",
 *                      "shard": "2/4" (only with --shard) },
 *     "ok": true,                      the exit status 0 or 1 of the run
 *     "backends": [ { "name": "epoll", "source": "build/...so",
 *                     "about": "..." or null, "ok": true,
 *                     "counts": { "PASS": 107, ..., "XFAIL": 0, ... },
 *                     "cases": [ { "id", "clauses": ["DSP-5", ...],
 *                                  "level": "MUST", "status": "FAIL",
 *                                  "verdict": "XFAIL" (what reports show),
 *                                  "expected": "FAIL" or null,
 *                                  "expectation": "expected FAIL (f:3):
 *                                  why" or null, "ok": false,
 *                                  "duration_ms": 12.5, "message": "...",
 *                                  "trace": "#1 A(r=0x1...)" or null,
 *                                  "rerun": "dispatch-cts --filter ..."
 *                                  or null } ] } ] }
 *
 * Written with jansson, never by hand: every string a backend can
 * influence (its name, its output inside a message) is escaped by the
 * library.  Strings are first made valid UTF-8 without control
 * characters (dcts_buf_add_clean), as for the other writers.  Without
 * jansson at build time the format says so instead (dcts_json_available).
 */
#include "report_common.h"
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

#ifdef DCTS_HAVE_JANSSON
#include "json_out.h"
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef DCTS_VERSION
#define DCTS_VERSION "unknown"
#endif

int dcts_json_available(void) { return 1; }

/* A cleaned string (newlines and tabs kept), or null for NULL. */
static json_t *text(const char *s)
{
    return dcts_json_text(s, DCTS_KEEP_NL | DCTS_KEEP_TAB);
}

/* The text after "KEY: " on the first line of message that has it, the
 * way the runner composes failures ("calls: ...", "rerun: ..."). */
static json_t *message_part(const char *message, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = message; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *q = p;
        while (q < p + len && *q == ' ')
            q++;
        if ((size_t)(p + len - q) > klen + 1 && strncmp(q, key, klen) == 0 &&
            q[klen] == ':' && q[klen + 1] == ' ') {
            char *part = strndup(q + klen + 2, (size_t)(p + len - q) - klen - 2);
            json_t *j = text(part);
            free(part);
            return j;
        }
        p = eol ? eol + 1 : p + len;
    }
    return json_null();
}

static json_t *clause_list(const dcts_case *c)
{
    json_t *a = json_array();
    for (const dcts_clause *const *cl = c->clauses; *cl; cl++)
        json_array_append_new(a, text((*cl)->id));
    return a;
}

static json_t *case_result(const dcts_case *c, const dcts_result *r)
{
    json_t *o = json_object();
    dcts_buf line = DCTS_BUF_INIT;
    json_object_set_new(o, "id", text(c->id));
    json_object_set_new(o, "clauses", clause_list(c));
    json_object_set_new(o, "level", json_string(dcts_level_name(dcts_case_level(c))));
    json_object_set_new(o, "status", json_string(dcts_status_name(r->status)));
    json_object_set_new(o, "verdict",
                        json_string(dcts_result_label(r)));
    json_object_set_new(o, "expected", r->expect
                        ? json_string(dcts_status_name(r->expect->result))
                        : json_null());
    dcts_add_expectation(&line, r);
    json_object_set_new(o, "expectation",
                        r->expect ? text(dcts_buf_str(&line)) : json_null());
    dcts_buf_free(&line);
    json_object_set_new(o, "ok", json_boolean(dcts_result_ok(r)));
    json_object_set_new(o, "duration_ms", json_real(r->ms));
    json_object_set_new(o, "message", text(r->message ? r->message : ""));
    json_object_set_new(o, "trace", message_part(r->message, "calls"));
    json_object_set_new(o, "rerun", message_part(r->message, "rerun"));
    return o;
}

static json_t *counts(const dcts_counts *c)
{
    json_t *o = json_object();
    for (int s = 0; s < DCTS_NSTATUS; s++)
        json_object_set_new(o, dcts_status_name((dcts_status)s),
                            json_integer((json_int_t)c->n[s]));
    json_object_set_new(o, "total", json_integer((json_int_t)c->total));
    json_object_set_new(o, "XFAIL", json_integer((json_int_t)c->xfail));
    json_object_set_new(o, "XPASS", json_integer((json_int_t)c->xpass));
    json_object_set_new(o, "mismatched",
                        json_integer((json_int_t)c->mismatched));
    return o;
}

static json_t *environment(const dcts_report *rep)
{
    json_t *o = json_object();
    struct utsname u;
    char host[256] = "";
    struct rlimit rl;

    if (uname(&u) == 0) {
        dcts_buf k = DCTS_BUF_INIT;
        dcts_buf_printf(&k, "%s %s %s", u.sysname, u.release, u.machine);
        json_object_set_new(o, "kernel", text(dcts_buf_str(&k)));
        dcts_buf_free(&k);
    }
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        json_object_set_new(o, "hostname", text(host));
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        json_t *l = json_object();
        json_object_set_new(l, "soft", rl.rlim_cur == RLIM_INFINITY
                            ? json_null() : json_integer((json_int_t)rl.rlim_cur));
        json_object_set_new(l, "hard", rl.rlim_max == RLIM_INFINITY
                            ? json_null() : json_integer((json_int_t)rl.rlim_max));
        json_object_set_new(o, "rlimit_nofile", l);
    }
    json_object_set_new(o, "timeout_scale",
                        json_real(rep->timeout_scale > 0 ? rep->timeout_scale : 1));
    if (rep->started) {
        char when[32];
        dcts_iso_time(rep->started, when, sizeof when);
        json_object_set_new(o, "started", json_string(when));
    }
    if (rep->nshards) {
        char shard[32];
        snprintf(shard, sizeof shard, "%u/%u", rep->shard, rep->nshards);
        json_object_set_new(o, "shard", json_string(shard));
    }
    return o;
}

static int dump(dcts_buf *b, json_t *j)
{
    return dcts_json_append(b, j, 0);
}

int dcts_render_json(dcts_buf *b, const dcts_report *rep, int colour)
{
    (void)colour;
    json_t *doc = json_object(), *harness = json_object();
    json_t *backends = json_array();

    json_object_set_new(harness, "name", json_string("dispatch-cts"));
    json_object_set_new(harness, "version", json_string(DCTS_VERSION));
    json_object_set_new(doc, "harness", harness);
    json_object_set_new(doc, "environment", environment(rep));
    json_object_set_new(doc, "ok", json_boolean(dcts_report_ok(rep)));
    for (size_t s = 0; s < rep->nsuites; s++) {
        const dcts_suite *suite = &rep->suites[s];
        json_t *be = json_object(), *cases = json_array();
        dcts_counts c;
        dcts_count_results(suite->results, rep->ncases, &c);
        json_object_set_new(be, "name", text(suite->name));
        json_object_set_new(be, "source", text(suite->source));
        json_object_set_new(be, "about", text(suite->about));
        json_object_set_new(be, "ok", json_boolean(dcts_counts_ok(&c)));
        json_object_set_new(be, "counts", counts(&c));
        for (size_t i = 0; i < rep->ncases; i++)
            json_array_append_new(cases, case_result(rep->cases[i],
                                                     &suite->results[i]));
        json_object_set_new(be, "cases", cases);
        json_array_append_new(backends, be);
    }
    json_object_set_new(doc, "backends", backends);
    return dump(b, doc);
}

int dcts_render_case_list_json(dcts_buf *b, const dcts_case *const *cases,
                               size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", text(cases[i]->id));
        json_object_set_new(o, "clauses", clause_list(cases[i]));
        json_object_set_new(o, "level",
                            json_string(dcts_level_name(dcts_case_level(cases[i]))));
        json_object_set_new(o, "summary", text(cases[i]->summary));
        json_array_append_new(a, o);
    }
    return dump(b, a);
}

#else /* no jansson: the format is refused with the reason */

int dcts_json_available(void) { return 0; }

int dcts_render_json(dcts_buf *b, const dcts_report *rep, int colour)
{
    (void)b, (void)rep, (void)colour;
    return -1;
}

int dcts_render_case_list_json(dcts_buf *b, const dcts_case *const *cases,
                               size_t n)
{
    (void)b, (void)cases, (void)n;
    return -1;
}

#endif
