/*
 * bench_svg.c: the benchmark's results as a plot (see bench_results.h).
 *
 * Time per event against N, N on a log scale: one panel per A, side by
 * side and on the same time scale, one line per implementation.  A backend
 * is drawn solid in the colour of the raw loop of its mechanism, which is
 * dashed, so each pair reads at a glance; the oracle, the floor, is a
 * dotted black line.  A flat line means idle targets cost nothing.
 * Plain SVG 1.1, no script, no external resource.
 */
#include "bench_results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PANEL_W 400.0           /* plot area of a panel */
#define PANEL_H 280.0
#define MARGIN_L 78.0           /* room for the time axis */
#define MARGIN_R 24.0
#define TITLE_H 58.0
#define PANEL_TITLE_H 22.0
#define AXIS_H 46.0             /* tick labels and the N axis title */
#define LEGEND_ROW 20.0
#define LEGEND_COL 190.0
#define FOOT_H 34.0

/* ---- what to draw ---------------------------------------------------------- */

typedef struct series {
    const char *impl;
    int baseline;
    const char *colour;
    const char *dash;           /* stroke-dasharray, or NULL: solid */
} series;

typedef struct plot {
    const dcts_bench_results *r;
    size_t active[16];          /* a panel per A, in order of appearance */
    size_t npanels;
    series *lines;
    size_t nlines;
    double xmin, xmax;          /* decades around every N */
    double ymax, ystep;         /* shared time axis */
} plot;

static const char *mechanism_colour(const char *raw)
{
    if (raw && strcmp(raw, "raw-epoll") == 0)
        return "#1f5fbf";
    if (raw && strcmp(raw, "raw-poll") == 0)
        return "#2a9d3a";
    if (raw && strcmp(raw, "raw-select") == 0)
        return "#d0471c";
    return NULL;
}

/* Colours for the backends that do not get their mechanism's. */
static const char *const extra_colours[] = {
    "#8e44ad", "#c48a00", "#0e9aa7", "#d6336c", "#6b4f2a", "#5c7cfa",
};

static int drawable(const dcts_bench_row *row)
{
    return !row->skipped && isfinite(row->ns_per_event);
}

static int has_line(const plot *p, const char *impl)
{
    for (size_t i = 0; i < p->nlines; i++)
        if (strcmp(p->lines[i].impl, impl) == 0)
            return 1;
    return 0;
}

static int colour_taken(const plot *p, const char *colour)
{
    for (size_t i = 0; i < p->nlines; i++)
        if (strcmp(p->lines[i].colour, colour) == 0 && !p->lines[i].baseline)
            return 1;
    return 0;
}

static void add_line(plot *p, const dcts_bench_row *row, size_t *extra)
{
    series s = { row->impl, row->baseline, NULL, NULL };

    if (row->baseline && strcmp(row->impl, "oracle") == 0) {
        s.colour = "#111111";
        s.dash = "2 4";
    } else if (row->baseline) {
        s.colour = mechanism_colour(row->impl);
        s.dash = "7 4";
    } else {
        s.colour = mechanism_colour(row->reference);
        if (s.colour && colour_taken(p, s.colour))
            s.colour = NULL;
    }
    if (s.colour == NULL)
        s.colour = extra_colours[(*extra)++ % (sizeof extra_colours /
                                               sizeof *extra_colours)];
    p->lines = dcts_xrealloc(p->lines, sizeof *p->lines * (p->nlines + 1));
    p->lines[p->nlines++] = s;
}

/* A step of 1, 2, 2.5 or 5 times a power of ten giving about 5 ticks. */
static double nice_step(double max)
{
    double raw = max / 5, mag = pow(10, floor(log10(raw)));
    static const double steps[] = { 1, 2, 2.5, 5, 10 };

    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (steps[i] * mag >= raw)
            return steps[i] * mag;
    return 10 * mag;
}

static void plan(plot *p, const dcts_bench_results *r)
{
    size_t extra = 0;
    double nmin = INFINITY, nmax = 0, tmax = 0;

    memset(p, 0, sizeof *p);
    p->r = r;
    /* Backends first, so they pick their colours before anything else. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->nrows; i++) {
            const dcts_bench_row *row = &r->rows[i];
            if (drawable(row) && row->baseline == pass &&
                !has_line(p, row->impl))
                add_line(p, row, &extra);
        }
    for (size_t i = 0; i < r->nrows; i++) {
        const dcts_bench_row *row = &r->rows[i];
        size_t k = 0;
        while (k < p->npanels && p->active[k] != row->active)
            k++;
        if (k == p->npanels && p->npanels < sizeof p->active /
                                            sizeof *p->active)
            p->active[p->npanels++] = row->active;
        if (!drawable(row))
            continue;
        nmin = fmin(nmin, (double)row->n);
        nmax = fmax(nmax, (double)row->n);
        tmax = fmax(tmax, row->ns_per_event);
    }
    if (!(nmax > 0)) {
        nmin = 100;
        nmax = 1000;
    }
    p->xmin = pow(10, floor(log10(nmin)));
    p->xmax = pow(10, ceil(log10(nmax)));
    if (p->xmax <= p->xmin)
        p->xmax = p->xmin * 10;
    if (!(tmax > 0))
        tmax = 1;
    p->ystep = nice_step(tmax * 1.05);
    p->ymax = ceil(tmax * 1.05 / p->ystep) * p->ystep;
    if (p->npanels == 0)
        p->active[p->npanels++] = 0;
}

/* ---- geometry ----------------------------------------------------------- */

static double panel_left(size_t k)
{
    return MARGIN_L + (double)k * (PANEL_W + MARGIN_L);
}

static double plot_top(void)
{
    return TITLE_H + PANEL_TITLE_H;
}

static double x_of(const plot *p, size_t k, double n)
{
    double f = (log10(n) - log10(p->xmin)) /
               (log10(p->xmax) - log10(p->xmin));
    return panel_left(k) + f * PANEL_W;
}

static double y_of(const plot *p, double t)
{
    return plot_top() + PANEL_H - t / p->ymax * PANEL_H;
}

static double width_of(const plot *p)
{
    return panel_left(p->npanels) - MARGIN_L + MARGIN_R + 8;
}

static size_t legend_cols(const plot *p)
{
    size_t cols = (size_t)((width_of(p) - MARGIN_L) / LEGEND_COL);
    return cols ? cols : 1;
}

static double legend_top(void)
{
    return plot_top() + PANEL_H + AXIS_H + 10;
}

static double height_of(const plot *p)
{
    size_t rows = (p->nlines + legend_cols(p) - 1) / legend_cols(p);
    return legend_top() + (double)rows * LEGEND_ROW + FOOT_H;
}

/* ---- drawing -------------------------------------------------------------- */

static void text(dcts_buf *b, double x, double y, const char *anchor,
                 const char *extra, const char *s)
{
    dcts_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>",
                    x, y, anchor, extra ? " " : "", extra ? extra : "");
    dcts_buf_add_xml(b, s, 0);
    dcts_buf_puts(b, "</text>\n");
}

static void axes(dcts_buf *b, const plot *p, size_t k)
{
    double left = panel_left(k), top = plot_top();
    double bottom = top + PANEL_H, right = left + PANEL_W;
    char label[64];

    /* Time: gridlines and labels. */
    for (double t = 0; t <= p->ymax + p->ystep / 2; t += p->ystep) {
        double y = y_of(p, t);
        dcts_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#dddddd\"/>\n", left, y, right,
                        y);
        snprintf(label, sizeof label, "%g", t);
        text(b, left - 6, y + 4, "end", NULL, label);
    }
    /* N: a line per decade, faint lines between. */
    for (double d = p->xmin; d <= p->xmax * 1.0001; d *= 10) {
        for (int m = 2; m <= 9 && d * m < p->xmax * 1.0001; m++)
            dcts_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                            "y2=\"%.1f\" stroke=\"#f0f0f0\"/>\n",
                            x_of(p, k, d * m), top, x_of(p, k, d * m),
                            bottom);
        double x = x_of(p, k, d);
        dcts_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#dddddd\"/>\n", x, top, x,
                        bottom);
        snprintf(label, sizeof label, "%.0f", d);
        text(b, x, bottom + 16, "middle", NULL, label);
    }
    dcts_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\" fill=\"none\" stroke=\"#555555\"/>\n",
                    left, top, PANEL_W, PANEL_H);
    text(b, left + PANEL_W / 2, bottom + 36, "middle", NULL,
         "N, registered targets (log scale)");
    dcts_buf_printf(b, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" "
                    "text-anchor=\"middle\">ns per event (median, %s)</text>\n",
                    left - 52, top + PANEL_H / 2,
                    p->r->wall_clock ? "wall" : "CPU");
    snprintf(label, sizeof label, "A = %zu active, W = %ld writes",
             p->active[k], p->r->writes);
    text(b, left + PANEL_W / 2, top - 8, "middle", "font-weight=\"bold\"",
         label);
}

static void stroke(dcts_buf *b, const series *s)
{
    dcts_buf_printf(b, " fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"",
                    s->colour, s->baseline ? "1.6" : "2.4");
    if (s->dash)
        dcts_buf_printf(b, " stroke-dasharray=\"%s\"", s->dash);
}

static int by_n(const void *a, const void *b)
{
    const dcts_bench_row *x = *(const dcts_bench_row *const *)a;
    const dcts_bench_row *y = *(const dcts_bench_row *const *)b;
    return (x->n > y->n) - (x->n < y->n);
}

static void line(dcts_buf *b, const plot *p, size_t k, const series *s)
{
    const dcts_bench_results *r = p->r;
    const dcts_bench_row **pts = dcts_xmalloc(sizeof *pts * (r->nrows + 1));
    size_t n = 0;

    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].active == p->active[k] && drawable(&r->rows[i]) &&
            strcmp(r->rows[i].impl, s->impl) == 0)
            pts[n++] = &r->rows[i];
    qsort(pts, n, sizeof *pts, by_n);
    if (n > 1) {
        dcts_buf_puts(b, "<polyline points=\"");
        for (size_t i = 0; i < n; i++)
            dcts_buf_printf(b, "%s%.1f,%.1f", i ? " " : "",
                            x_of(p, k, (double)pts[i]->n),
                            y_of(p, pts[i]->ns_per_event));
        dcts_buf_putc(b, '"');
        stroke(b, s);
        dcts_buf_puts(b, "/>\n");
    }
    for (size_t i = 0; i < n; i++) {
        dcts_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" "
                        "fill=\"%s\"><title>", x_of(p, k, (double)pts[i]->n),
                        y_of(p, pts[i]->ns_per_event),
                        s->baseline ? "2.5" : "3.5", s->colour);
        dcts_buf_add_xml(b, s->impl, 0);
        dcts_buf_printf(b, ": N=%zu, %.0f ns per event</title></circle>\n",
                        pts[i]->n, pts[i]->ns_per_event);
    }
    free(pts);
}

static void legend(dcts_buf *b, const plot *p)
{
    size_t cols = legend_cols(p);

    for (size_t i = 0; i < p->nlines; i++) {
        const series *s = &p->lines[i];
        double x = MARGIN_L + (double)(i % cols) * LEGEND_COL;
        double y = legend_top() + (double)(i / cols) * LEGEND_ROW;
        dcts_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\"", x, y, x + 34, y);
        stroke(b, s);
        dcts_buf_puts(b, "/>\n");
        text(b, x + 42, y + 4, "start", NULL, s->impl);
    }
}

void dcts_bench_write_svg(dcts_buf *b, const dcts_bench_results *r)
{
    plot p;
    char line_text[512];

    plan(&p, r);
    double w = width_of(&p), h = height_of(&p);
    dcts_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
                    "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, "
                    "Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
                    w, h, w, h);
    dcts_buf_printf(b, "<rect width=\"%.0f\" height=\"%.0f\" "
                    "fill=\"#ffffff\"/>\n", w, h);
    text(b, MARGIN_L, 24, "start", "font-size=\"16\" font-weight=\"bold\"",
         "dispatch-cts bench: time per event against the number of targets");
    snprintf(line_text, sizeof line_text, "backends solid, raw loops "
             "dashed in the same colour, oracle (no polling) dotted; %s, "
             "%s, median of %u x %u runs", dcts_bench_mode_name(r),
             dcts_bench_clock_name(r), r->rounds, r->runs);
    text(b, MARGIN_L, 42, "start", "fill=\"#444444\"", line_text);
    for (size_t k = 0; k < p.npanels; k++) {
        axes(b, &p, k);
        /* Baselines under the backends. */
        for (int pass = 1; pass >= 0; pass--)
            for (size_t i = 0; i < p.nlines; i++)
                if (p.lines[i].baseline == pass)
                    line(b, &p, k, &p.lines[i]);
    }
    legend(b, &p);
    snprintf(line_text, sizeof line_text, "%ld CPUs, %s, %s%s",
             r->ncpu, r->cpu_model ? r->cpu_model : "unknown CPU",
             r->kernel ? r->kernel : "unknown kernel",
             r->pinned_cpu >= 0 ? ", pinned" : "");
    text(b, MARGIN_L, h - 12, "start", "fill=\"#666666\" font-size=\"11\"",
         line_text);
    dcts_buf_puts(b, "</svg>\n");
    free(p.lines);
}
