/*
 * bench_json.c: the benchmark's results as JSON (see bench_results.h).
 *
 *   { "tool": "dispatch-cts bench", "machine": {...}, "method": {...},
 *     "notes": [...], "results": [ {row}, ... ] }
 *
 * A figure that does not exist (a skipped row, a ratio without a
 * reference) is null, never NaN, which JSON cannot carry.
 */
#include "bench_results.h"

#include <math.h>

/* s as a JSON string (cleaned of control characters and invalid UTF-8),
 * or null. */
static void string(dcts_buf *b, const char *s)
{
    if (s == NULL)
        dcts_buf_puts(b, "null");
    else
        dcts_buf_add_quoted(b, s);
}

static void number(dcts_buf *b, double v)
{
    if (isfinite(v))
        dcts_buf_printf(b, "%.6g", v);
    else
        dcts_buf_puts(b, "null");
}

static void count(dcts_buf *b, long v)
{
    if (v >= 0)
        dcts_buf_printf(b, "%ld", v);
    else
        dcts_buf_puts(b, "null");
}

static void spread(dcts_buf *b, const dcts_spread *s)
{
    if (s->n == 0) {
        dcts_buf_puts(b, "null");
        return;
    }
    dcts_buf_puts(b, "{\"median\": ");
    number(b, s->median);
    dcts_buf_puts(b, ", \"q1\": ");
    number(b, s->q1);
    dcts_buf_puts(b, ", \"q3\": ");
    number(b, s->q3);
    dcts_buf_printf(b, ", \"pairs\": %zu}", s->n);
}

static void row(dcts_buf *b, const dcts_bench_row *r, int interest)
{
    dcts_buf_puts(b, "    {\"impl\": ");
    string(b, r->impl);
    dcts_buf_printf(b, ", \"kind\": \"%s\", \"reference\": ",
                    r->baseline ? "baseline" : "backend");
    string(b, r->reference);
    dcts_buf_printf(b, ",\n     \"n\": %zu, \"active\": %zu, \"writes\": %ld, "
                    "\"events_per_run\": %ld,\n     \"skipped\": ", r->n,
                    r->active, r->writes, (long)r->active + r->writes);
    string(b, r->skipped);
    dcts_buf_printf(b, ", \"failed\": %s,\n     \"setup_ms\": ",
                    r->failed ? "true" : "false");
    number(b, r->setup_ms);
    dcts_buf_puts(b, ", \"ns_per_event\": ");
    number(b, r->ns_per_event);
    dcts_buf_puts(b, ", \"passes_per_run\": ");
    number(b, r->passes_per_run);
    dcts_buf_puts(b, ",\n     \"ratio_raw_epoll\": ");
    spread(b, &r->vs_epoll);
    dcts_buf_puts(b, ",\n     \"ratio_reference\": ");
    spread(b, &r->vs_reference);
    dcts_buf_puts(b, ",\n     \"rss_kib\": ");
    count(b, r->rss_kib);
    dcts_buf_puts(b, ", \"rss_growth_kib\": ");
    count(b, r->rss_growth_kib);
    dcts_buf_printf(b, ", \"runs\": %zu", r->runs);
    if (interest) {
        dcts_buf_puts(b, ",\n     \"filter_ns\": {\"register\": ");
        number(b, r->add_ns);
        dcts_buf_puts(b, ", \"unchanged\": ");
        number(b, r->same_ns);
        dcts_buf_puts(b, ", \"change\": ");
        number(b, r->change_ns);
        dcts_buf_putc(b, '}');
    }
    dcts_buf_putc(b, '}');
}

void dcts_bench_write_json(dcts_buf *b, const dcts_bench_results *r)
{
    dcts_buf_puts(b, "{\n  \"tool\": \"dispatch-cts bench\",\n");
    dcts_buf_printf(b, "  \"machine\": {\"cpus\": %ld, \"cpu_model\": ",
                    r->ncpu);
    string(b, r->cpu_model);
    dcts_buf_puts(b, ", \"kernel\": ");
    string(b, r->kernel);
    dcts_buf_puts(b, ", \"pinned_cpu\": ");
    count(b, r->pinned_cpu);
    dcts_buf_printf(b, ", \"rlimit_nofile\": %ld},\n", r->nofile);
    dcts_buf_printf(b, "  \"method\": {\"descriptors\": \"%s\", "
                    "\"clock\": \"%s\", \"writes\": %ld, \"rounds\": %u, "
                    "\"runs_per_block\": %u, \"dropped_per_block\": 1,\n"
                    "             \"quick\": %s, \"callgrind\": %s, "
                    "\"interest\": %s,\n             \"ratio\": \"median "
                    "and quartiles of per-round paired ratios\"},\n",
                    dcts_bench_mode_name(r), r->wall_clock ? "wall" : "cpu",
                    r->writes, r->rounds, r->runs,
                    r->quick ? "true" : "false",
                    r->callgrind ? "true" : "false",
                    r->interest ? "true" : "false");
    dcts_buf_puts(b, "  \"notes\": [");
    for (size_t i = 0; i < r->nnotes; i++) {
        dcts_buf_puts(b, i ? ",\n    " : "\n    ");
        string(b, r->notes[i]);
    }
    dcts_buf_puts(b, r->nnotes ? "\n  ],\n" : "],\n");
    dcts_buf_puts(b, "  \"results\": [");
    for (size_t i = 0; i < r->nrows; i++) {
        dcts_buf_puts(b, i ? ",\n" : "\n");
        row(b, &r->rows[i], r->interest);
    }
    dcts_buf_puts(b, r->nrows ? "\n  ]\n}\n" : "]\n}\n");
}
