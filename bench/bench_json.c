/*
 * bench_json.c: the benchmark's results as JSON (see bench_results.h),
 * written with jansson like the conformance report (report_json.c).
 *
 *   { "tool": "dispatch-cts bench", "machine": {...}, "method": {...},
 *     "notes": [...], "results": [ {row}, ... ] }
 *
 * A figure that does not exist (a skipped row, a ratio without a
 * reference) is null, never NaN, which JSON cannot carry.  Without jansson
 * at build time --json is refused (dcts_bench_write_json returns -1).
 */
#include "bench_results.h"

#ifdef DCTS_HAVE_JANSSON
#include "json_out.h"
#include <math.h>
#include <stdlib.h>

static json_t *string(const char *s)
{
    return dcts_json_text(s, 0);
}

static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *count(long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static json_t *spread(const dcts_spread *s)
{
    if (s->n == 0)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:I}", "median", number(s->median),
                     "q1", number(s->q1), "q3", number(s->q3),
                     "pairs", (json_int_t)s->n);
}

static json_t *row(const dcts_bench_row *r, int interest)
{
    json_t *o = json_object();
    json_object_set_new(o, "impl", string(r->impl));
    json_object_set_new(o, "kind", json_string(r->baseline ? "baseline"
                                                           : "backend"));
    json_object_set_new(o, "reference", string(r->reference));
    json_object_set_new(o, "n", json_integer((json_int_t)r->n));
    json_object_set_new(o, "active", json_integer((json_int_t)r->active));
    json_object_set_new(o, "writes", json_integer(r->writes));
    json_object_set_new(o, "events_per_run",
                        json_integer((json_int_t)r->active + r->writes));
    json_object_set_new(o, "skipped", string(r->skipped));
    json_object_set_new(o, "failed", json_boolean(r->failed));
    json_object_set_new(o, "setup_ms", number(r->setup_ms));
    json_object_set_new(o, "ns_per_event", number(r->ns_per_event));
    json_object_set_new(o, "passes_per_run", number(r->passes_per_run));
    json_object_set_new(o, "ratio_raw_epoll", spread(&r->vs_epoll));
    json_object_set_new(o, "ratio_reference", spread(&r->vs_reference));
    json_object_set_new(o, "rss_kib", count(r->rss_kib));
    json_object_set_new(o, "rss_growth_kib", count(r->rss_growth_kib));
    json_object_set_new(o, "runs", json_integer((json_int_t)r->runs));
    if (interest)
        json_object_set_new(o, "filter_ns", json_pack(
            "{s:o, s:o, s:o}", "register", number(r->add_ns),
            "unchanged", number(r->same_ns), "change", number(r->change_ns)));
    return o;
}

int dcts_bench_write_json(dcts_buf *b, const dcts_bench_results *r)
{
    json_t *doc = json_object(), *notes = json_array(), *rows = json_array();
    json_object_set_new(doc, "tool", json_string("dispatch-cts bench"));
    json_object_set_new(doc, "machine", json_pack(
        "{s:I, s:o, s:o, s:o, s:I}", "cpus", (json_int_t)r->ncpu,
        "cpu_model", string(r->cpu_model), "kernel", string(r->kernel),
        "pinned_cpu", count(r->pinned_cpu), "rlimit_nofile",
        (json_int_t)r->nofile));
    json_object_set_new(doc, "method", json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:b, s:b, s:s}",
        "descriptors", dcts_bench_mode_name(r),
        "clock", r->wall_clock ? "wall" : "cpu",
        "writes", (json_int_t)r->writes, "rounds", (json_int_t)r->rounds,
        "runs_per_block", (json_int_t)r->runs, "dropped_per_block",
        (json_int_t)1, "quick", r->quick, "callgrind", r->callgrind,
        "interest", r->interest,
        "ratio", "median and quartiles of per-round paired ratios"));
    for (size_t i = 0; i < r->nnotes; i++)
        json_array_append_new(notes, string(r->notes[i]));
    json_object_set_new(doc, "notes", notes);
    for (size_t i = 0; i < r->nrows; i++)
        json_array_append_new(rows, row(&r->rows[i], r->interest));
    json_object_set_new(doc, "results", rows);

    return dcts_json_append(b, doc, JSON_REAL_PRECISION(6));
}

#else

int dcts_bench_write_json(dcts_buf *b, const dcts_bench_results *r)
{
    (void)b, (void)r;
    return -1;
}

#endif
