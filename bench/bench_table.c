/*
 * bench_table.c: the benchmark's results as a table for the terminal
 * (see bench_results.h): a header saying what ran where, the notes, then
 * a table per (N, A).
 */
#include "bench_results.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void header(dcts_buf *b, const dcts_bench_results *r)
{
    dcts_buf_printf(b, "dispatch-cts bench: %s, W=%ld writes per run, %u "
                    "round%s of %u kept run%s per block (+1 dropped), %s\n",
                    dcts_bench_mode_name(r), r->writes, r->rounds,
                    r->rounds == 1 ? "" : "s", r->runs,
                    r->runs == 1 ? "" : "s", dcts_bench_clock_name(r));
    dcts_buf_printf(b, "machine: %ld CPU%s, %s, %s; ", r->ncpu,
                    r->ncpu == 1 ? "" : "s", r->cpu_model, r->kernel);
    if (r->pinned_cpu >= 0)
        dcts_buf_printf(b, "pinned to CPU %d", r->pinned_cpu);
    else
        dcts_buf_puts(b, "not pinned");
    dcts_buf_printf(b, "; RLIMIT_NOFILE %ld\n", r->nofile);
    if (r->callgrind)
        dcts_buf_puts(b, "callgrind: the event phases were collected; "
                      "times under valgrind mean nothing\n");
    for (size_t i = 0; i < r->nnotes; i++) {
        dcts_buf_puts(b, "note: ");
        dcts_buf_add_clean(b, r->notes[i], 0);
        dcts_buf_putc(b, '\n');
    }
}

/* "1.02 [0.99-1.04]", or "-" when there is no ratio. */
static void ratio(dcts_buf *b, const dcts_spread *s)
{
    char cell[48];

    if (s->n == 0)
        snprintf(cell, sizeof cell, "-");
    else
        snprintf(cell, sizeof cell, "%.2f [%.2f-%.2f]", s->median, s->q1,
                 s->q3);
    dcts_buf_printf(b, "  %-17s", cell);
}

static void number(dcts_buf *b, int width, int decimals, double v)
{
    if (isfinite(v))
        dcts_buf_printf(b, " %*.*f", width, decimals, v);
    else
        dcts_buf_printf(b, " %*s", width, "-");
}

/* The implementation's name, padded; for a row without figures, the
 * reason too, and then 1. */
static int name_cell(dcts_buf *b, const dcts_bench_row *row)
{
    dcts_buf_puts(b, "  ");
    size_t before = b->len;
    dcts_buf_add_clean(b, row->impl, 0);
    for (size_t w = dcts_text_width(dcts_buf_str(b) + before); w < 16; w++)
        dcts_buf_putc(b, ' ');
    if (!row->skipped)
        return 0;
    dcts_buf_printf(b, " %s: ", row->failed ? "FAILED" : "skipped");
    dcts_buf_add_clean(b, row->skipped, 0);
    dcts_buf_putc(b, '\n');
    return 1;
}

static void row_line(dcts_buf *b, const dcts_bench_row *row)
{
    if (name_cell(b, row))
        return;
    number(b, 9, 3, row->setup_ms);
    number(b, 9, 1, row->ns_per_event);
    number(b, 7, 1, row->passes_per_run);
    ratio(b, &row->vs_epoll);
    ratio(b, &row->vs_reference);
    if (row->rss_growth_kib >= 0)
        dcts_buf_printf(b, " %8ld", row->rss_growth_kib);
    else
        dcts_buf_printf(b, " %8s", "-");
    dcts_buf_putc(b, '\n');
}

/* --interest: ns per set_dispatch_filter call, a table per N. */
static void interest_table(dcts_buf *b, const dcts_bench_results *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        const dcts_bench_row *row = &r->rows[i];
        if (i == 0 || row->n != r->rows[i - 1].n) {
            dcts_buf_printf(b, "\nset_dispatch_filter, N=%zu targets: ns "
                            "per call (raw-epoll: per epoll_ctl)\n", row->n);
            dcts_buf_printf(b, "  %-16s %12s %12s %12s\n", "implementation",
                            "register", "unchanged", "change");
        }
        if (name_cell(b, row))
            continue;
        number(b, 12, 1, row->add_ns);
        number(b, 12, 1, row->same_ns);
        number(b, 12, 1, row->change_ns);
        dcts_buf_putc(b, '\n');
    }
}

void dcts_bench_write_table(dcts_buf *b, const dcts_bench_results *r)
{
    header(b, r);
    if (r->interest) {
        interest_table(b, r);
        return;
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const dcts_bench_row *row = &r->rows[i];
        if (i > 0 && row->n == r->rows[i - 1].n &&
            row->active == r->rows[i - 1].active) {
            row_line(b, row);
            continue;
        }
        dcts_buf_printf(b, "\nN=%zu A=%zu W=%ld (%ld events per run)\n",
                        row->n, row->active, row->writes,
                        (long)row->active + row->writes);
        dcts_buf_printf(b, "  %-16s %9s %9s %7s  %-17s  %-17s %8s\n",
                        "implementation", "setup ms", "ns/event", "passes",
                        "vs raw-epoll [IQR]", "vs own ref [IQR]",
                        "RSS +KiB");
        row_line(b, row);
    }
}
