/*
 * bench_svg.c: the benchmark's results as a plot (see bench_results.h).
 *
 * Two rows of panels, one panel per A, side by side, N on a log scale:
 *
 *   time      ns per event, log scale (a constant ratio is a constant
 *             gap, whatever the magnitude), every implementation: each
 *             backend solid, its reference (raw loop or engine driven
 *             directly) dashed in the same colour, so each pair reads at
 *             a glance;
 *             the oracle, the floor, dotted black.  A line as flat as its
 *             raw loop's means idle targets cost the backend nothing.
 *   ratio     each backend's paired ratio to its own reference: the raw
 *             loop of its mechanism, or for an adapter the engine driven
 *             directly (raw-epoll when that was not measured), median
 *             with its interquartile range as a bar, against the line at
 *             1 and the band up to 1.05.
 *
 * Both rows share their scale across panels.  Plain SVG 1.1: no script,
 * no external resource.
 */
#include "bench_results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PANEL_W 400.0           /* plot area of a panel */
#define TIME_H 280.0
#define RATIO_H 170.0
#define MARGIN_L 78.0           /* room for the value axis */
#define MARGIN_R 24.0
#define TITLE_H 76.0
#define PANEL_TITLE_H 22.0
#define AXIS_H 46.0             /* tick labels and the N axis title */
#define LEGEND_ROW 20.0
#define LEGEND_COL 190.0
#define FOOT_H 34.0
#define TARGET_RATIO 1.05

/* ---- what to draw ------------------------------------------------------- */

typedef struct series {
    const char *impl;
    const char *reference;      /* a backend's raw loop or engine */
    int baseline;
    const char *colour;
    const char *dash;           /* stroke-dasharray, or NULL: solid */
} series;

/* A plot area and its scales. */
typedef struct panel {
    double left, top, w, h;
    double xmin, xmax;          /* N, log scale */
    double ymin, ymax;
    int ylog;
} panel;

typedef struct plot {
    const dcts_bench_results *r;
    size_t active[16];          /* a panel per A, in order of appearance */
    size_t npanels;
    series *lines;
    size_t nlines;
    double xmin, xmax;          /* decades around every N */
    double tmin, tmax;          /* the time axis: 1-2-5 steps around
                                 * every time */
    double rmin, rmax, rstep;   /* the ratio axis */
    dcts_buf skipped;           /* "select (N=9900); ..." or empty */
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
    return !row->skipped && isfinite(row->ns_per_event) &&
           row->ns_per_event > 0;
}

/* The ratio the second row shows for row: to its own raw loop, or to
 * raw-epoll when that was not measured. */
static const dcts_spread *ratio_of(const dcts_bench_row *row)
{
    if (row->vs_reference.n > 0)
        return &row->vs_reference;
    return &row->vs_epoll;
}

static int has_ratio(const dcts_bench_row *row)
{
    return drawable(row) && !row->baseline && ratio_of(row)->n > 0 &&
           isfinite(ratio_of(row)->q1) && isfinite(ratio_of(row)->q3);
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

/* The colour of the first backend whose reference is impl, or NULL. */
static const char *colour_of_referrer(const plot *p, const char *impl)
{
    for (size_t i = 0; i < p->nlines; i++)
        if (!p->lines[i].baseline && p->lines[i].reference &&
            strcmp(p->lines[i].reference, impl) == 0)
            return p->lines[i].colour;
    return NULL;
}

static void add_line(plot *p, const dcts_bench_row *row, size_t *extra)
{
    series s = { row->impl, row->reference, row->baseline, NULL, NULL };

    if (row->baseline && strcmp(row->impl, "oracle") == 0) {
        s.colour = "#111111";
        s.dash = "2 4";
    } else if (row->baseline) {
        /* A raw loop or an engine driven directly: its backend's colour. */
        s.colour = colour_of_referrer(p, row->impl);
        if (s.colour == NULL)
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

/* The 1-2-5 step (..., 50, 100, 200, 500, 1000, ...) at or below v
 * (down = 1) or at or above it. */
static double step_125(double v, int down)
{
    double mag = pow(10, floor(log10(v)));
    static const double steps[] = { 1, 2, 5, 10 };

    if (down) {
        for (size_t i = 3; i > 0; i--)
            if (steps[i - 1] * mag <= v * (1 + 1e-9))
                return steps[i - 1] * mag;
        return mag;
    }
    for (size_t i = 0; i < 4; i++)
        if (steps[i] * mag >= v * (1 - 1e-9))
            return steps[i] * mag;
    return 10 * mag;
}

/* Which implementations have no point at some N, and where: for the
 * footer, so that a missing point is never mistaken for a lost one. */
static void list_skipped(plot *p)
{
    const dcts_bench_results *r = p->r;

    for (size_t i = 0; i < r->nrows; i++) {
        const dcts_bench_row *row = &r->rows[i];
        int first = 1;
        if (!row->skipped)
            continue;
        for (size_t k = 0; k < i && first; k++)
            if (r->rows[k].skipped && strcmp(r->rows[k].impl, row->impl) == 0)
                first = 0;          /* listed with its first skip */
        if (!first)
            continue;
        dcts_buf_printf(&p->skipped, "%s%s%s (N=", p->skipped.len ? "; " : "",
                        row->impl, row->failed ? " FAILED" : "");
        size_t last_n = 0;
        for (size_t k = i; k < r->nrows; k++)
            if (r->rows[k].skipped && r->rows[k].n != last_n &&
                strcmp(r->rows[k].impl, row->impl) == 0) {
                dcts_buf_printf(&p->skipped, "%s%zu", last_n ? ", " : "",
                                r->rows[k].n);
                last_n = r->rows[k].n;
            }
        dcts_buf_putc(&p->skipped, ')');
    }
}

static void plan_ratio_axis(plot *p)
{
    const dcts_bench_results *r = p->r;
    double lo = 0.9, hi = 1.1;

    for (size_t i = 0; i < r->nrows; i++)
        if (has_ratio(&r->rows[i])) {
            lo = fmin(lo, ratio_of(&r->rows[i])->q1);
            hi = fmax(hi, ratio_of(&r->rows[i])->q3);
        }
    p->rstep = step_125((hi - lo) / 6, 0);
    p->rmin = floor(lo / p->rstep) * p->rstep;
    p->rmax = ceil(hi / p->rstep) * p->rstep;
}

static void plan(plot *p, const dcts_bench_results *r)
{
    size_t extra = 0;
    double nmin = INFINITY, nmax = 0, tmin = INFINITY, tmax = 0;

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
        tmin = fmin(tmin, row->ns_per_event);
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
    if (!(tmin > 0) || !(tmax >= tmin)) {
        tmin = 100;
        tmax = 1000;
    }
    p->tmin = step_125(tmin, 1);
    p->tmax = step_125(tmax, 0);
    if (p->tmax <= p->tmin)
        p->tmax = step_125(p->tmin * 1.5, 0);
    plan_ratio_axis(p);
    if (p->npanels == 0)
        p->active[p->npanels++] = 0;
    list_skipped(p);
}

/* ---- geometry ----------------------------------------------------------- */

static double ratio_row_top(void)
{
    return TITLE_H + PANEL_TITLE_H + TIME_H + AXIS_H + PANEL_TITLE_H;
}

static panel time_panel(const plot *p, size_t k)
{
    panel a = { MARGIN_L + (double)k * (PANEL_W + MARGIN_L),
                TITLE_H + PANEL_TITLE_H, PANEL_W, TIME_H,
                p->xmin, p->xmax, p->tmin, p->tmax, 1 };
    return a;
}

static panel ratio_panel(const plot *p, size_t k)
{
    panel a = { MARGIN_L + (double)k * (PANEL_W + MARGIN_L), ratio_row_top(),
                PANEL_W, RATIO_H, p->xmin, p->xmax, p->rmin, p->rmax, 0 };
    return a;
}

static double px(const panel *a, double n)
{
    return a->left + (log10(n) - log10(a->xmin)) /
                     (log10(a->xmax) - log10(a->xmin)) * a->w;
}

static double py(const panel *a, double v)
{
    double f = a->ylog ? (log10(v) - log10(a->ymin)) /
                         (log10(a->ymax) - log10(a->ymin))
                       : (v - a->ymin) / (a->ymax - a->ymin);
    return a->top + a->h - f * a->h;
}

static double width_of(const plot *p)
{
    return MARGIN_L + (double)p->npanels * (PANEL_W + MARGIN_L) - MARGIN_L +
           MARGIN_R + 8;
}

static size_t legend_cols(const plot *p)
{
    size_t cols = (size_t)((width_of(p) - MARGIN_L) / LEGEND_COL);
    return cols ? cols : 1;
}

static double legend_top(void)
{
    return ratio_row_top() + RATIO_H + AXIS_H + 10;
}

static double height_of(const plot *p)
{
    size_t rows = (p->nlines + legend_cols(p) - 1) / legend_cols(p);
    return legend_top() + (double)rows * LEGEND_ROW + FOOT_H +
           (p->skipped.len ? LEGEND_ROW : 0);
}

/* ---- drawing ------------------------------------------------------------ */

static void text(dcts_buf *b, double x, double y, const char *anchor,
                 const char *extra, const char *s)
{
    dcts_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>",
                    x, y, anchor, extra ? " " : "", extra ? extra : "");
    dcts_buf_add_xml(b, s, 0);
    dcts_buf_puts(b, "</text>\n");
}

static void hline(dcts_buf *b, const panel *a, double y, const char *colour,
                  const char *extra)
{
    dcts_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"%s\"%s%s/>\n", a->left, y, a->left + a->w, y,
                    colour, extra ? " " : "", extra ? extra : "");
}

static void vline(dcts_buf *b, const panel *a, double x, const char *colour)
{
    dcts_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"%s\"/>\n", x, a->top, x, a->top + a->h, colour);
}

/* Gridlines, tick labels, frame, titles of one panel. */
static void axes(dcts_buf *b, const panel *a, const char *title,
                 const char *ytitle, double ystep)
{
    double bottom = a->top + a->h;
    char label[64];

    for (double v = a->ymin; v <= a->ymax * (1 + 1e-9);
         v = a->ylog ? step_125(v * 1.0001, 0) : v + ystep) {
        double y = py(a, v);
        hline(b, a, y, "#dddddd", NULL);
        snprintf(label, sizeof label, "%g", a->ylog ? v : round(v * 100) / 100);
        text(b, a->left - 6, y + 4, "end", NULL, label);
    }
    for (double d = a->xmin; d <= a->xmax * 1.0001; d *= 10) {
        for (int m = 2; m <= 9 && d * m < a->xmax * 1.0001; m++)
            vline(b, a, px(a, d * m), "#f0f0f0");
        vline(b, a, px(a, d), "#dddddd");
        snprintf(label, sizeof label, "%.0f", d);
        text(b, px(a, d), bottom + 16, "middle", NULL, label);
    }
    dcts_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\" fill=\"none\" stroke=\"#555555\"/>\n",
                    a->left, a->top, a->w, a->h);
    text(b, a->left + a->w / 2, bottom + 36, "middle", NULL,
         "N, registered targets (log scale)");
    dcts_buf_printf(b, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" "
                    "text-anchor=\"middle\">", a->left - 52,
                    a->top + a->h / 2);
    dcts_buf_add_xml(b, ytitle, 0);
    dcts_buf_puts(b, "</text>\n");
    text(b, a->left + a->w / 2, a->top - 8, "middle", "font-weight=\"bold\"",
         title);
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

/* s's rows in the panel of A = active that have a value to show, by N;
 * *n their number.  Free the array. */
static const dcts_bench_row **points(const plot *p, size_t active,
                                     const series *s, int ratios, size_t *n)
{
    const dcts_bench_results *r = p->r;
    const dcts_bench_row **pts = dcts_xmalloc(sizeof *pts * (r->nrows + 1));

    *n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const dcts_bench_row *row = &r->rows[i];
        if (row->active == active && strcmp(row->impl, s->impl) == 0 &&
            (ratios ? has_ratio(row) : drawable(row)))
            pts[(*n)++] = row;
    }
    qsort(pts, *n, sizeof *pts, by_n);
    return pts;
}

static double value(const dcts_bench_row *row, int ratios)
{
    return ratios ? ratio_of(row)->median : row->ns_per_event;
}

static void line(dcts_buf *b, const plot *p, const panel *a, size_t k,
                 const series *s, int ratios)
{
    size_t n;
    const dcts_bench_row **pts = points(p, p->active[k], s, ratios, &n);

    if (n > 1) {
        dcts_buf_puts(b, "<polyline points=\"");
        for (size_t i = 0; i < n; i++)
            dcts_buf_printf(b, "%s%.1f,%.1f", i ? " " : "",
                            px(a, (double)pts[i]->n),
                            py(a, value(pts[i], ratios)));
        dcts_buf_putc(b, '"');
        stroke(b, s);
        dcts_buf_puts(b, "/>\n");
    }
    for (size_t i = 0; i < n; i++) {
        double x = px(a, (double)pts[i]->n);
        if (ratios)                 /* the interquartile range */
            dcts_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                            "y2=\"%.1f\" stroke=\"%s\" "
                            "stroke-width=\"1.4\"/>\n",
                            x, py(a, ratio_of(pts[i])->q1), x,
                            py(a, ratio_of(pts[i])->q3), s->colour);
        dcts_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" "
                        "fill=\"%s\"><title>", x, py(a, value(pts[i], ratios)),
                        s->baseline ? "2.5" : "3.5", s->colour);
        dcts_buf_add_xml(b, s->impl, 0);
        if (ratios)
            dcts_buf_printf(b, ": N=%zu, %.3f x [%.3f-%.3f]</title>"
                            "</circle>\n", pts[i]->n, ratio_of(pts[i])->median,
                            ratio_of(pts[i])->q1, ratio_of(pts[i])->q3);
        else
            dcts_buf_printf(b, ": N=%zu, %.0f ns per event</title>"
                            "</circle>\n", pts[i]->n, pts[i]->ns_per_event);
    }
    free(pts);
}

static void time_row(dcts_buf *b, const plot *p)
{
    char title[96], ytitle[64];

    snprintf(ytitle, sizeof ytitle, "ns per event (%s, log scale)",
             p->r->wall_clock ? "wall" : "CPU");
    for (size_t k = 0; k < p->npanels; k++) {
        panel a = time_panel(p, k);
        snprintf(title, sizeof title, "time per event, A = %zu active, "
                 "W = %ld", p->active[k], p->r->writes);
        axes(b, &a, title, ytitle, 0);
        /* Baselines under the backends. */
        for (int pass = 1; pass >= 0; pass--)
            for (size_t i = 0; i < p->nlines; i++)
                if (p->lines[i].baseline == pass)
                    line(b, p, &a, k, &p->lines[i], 0);
    }
}

static void ratio_row(dcts_buf *b, const plot *p)
{
    char title[96];

    for (size_t k = 0; k < p->npanels; k++) {
        panel a = ratio_panel(p, k);
        snprintf(title, sizeof title, "backend / its raw loop or engine, "
                 "A = %zu", p->active[k]);
        /* The band a backend should stay in, under everything. */
        dcts_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"#d6edd6\"/>\n", a.left,
                        py(&a, fmin(TARGET_RATIO, a.ymax)), a.w,
                        py(&a, 1) - py(&a, fmin(TARGET_RATIO, a.ymax)));
        axes(b, &a, title, "paired ratio (median, IQR)", p->rstep);
        hline(b, &a, py(&a, 1), "#333333", "stroke-width=\"1.2\"");
        for (size_t i = 0; i < p->nlines; i++)
            if (!p->lines[i].baseline)
                line(b, p, &a, k, &p->lines[i], 1);
    }
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

static void header_and_footer(dcts_buf *b, const plot *p, double h)
{
    const dcts_bench_results *r = p->r;
    dcts_buf t = DCTS_BUF_INIT;

    text(b, MARGIN_L, 24, "start", "font-size=\"16\" font-weight=\"bold\"",
         "dispatch-cts bench: time per event against the number of targets");
    text(b, MARGIN_L, 42, "start", "fill=\"#444444\"",
         "backends solid; dashed in the same colour, each one's raw loop "
         "or engine driven directly; dotted, the oracle (no polling)");
    dcts_buf_printf(&t, "%s, %s; medians of %u rounds x %u runs; ratios "
                    "paired round by round; green band: up to %.2f",
                    dcts_bench_mode_name(r), dcts_bench_clock_name(r),
                    r->rounds, r->runs, TARGET_RATIO);
    text(b, MARGIN_L, 58, "start", "fill=\"#444444\"", dcts_buf_str(&t));
    t.len = 0;
    dcts_buf_printf(&t, "%ld CPUs, %s, %s%s", r->ncpu,
                    r->cpu_model ? r->cpu_model : "unknown CPU",
                    r->kernel ? r->kernel : "unknown kernel",
                    r->pinned_cpu >= 0 ? ", pinned" : "");
    text(b, MARGIN_L, h - 12, "start", "fill=\"#666666\" font-size=\"11\"",
         dcts_buf_str(&t));
    if (p->skipped.len) {
        t.len = 0;
        dcts_buf_printf(&t, "no point: %s", dcts_buf_str(&p->skipped));
        text(b, MARGIN_L, h - 30, "start",
             "fill=\"#666666\" font-size=\"11\"", dcts_buf_str(&t));
    }
    dcts_buf_free(&t);
}

void dcts_bench_write_svg(dcts_buf *b, const dcts_bench_results *r)
{
    plot p;

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
    header_and_footer(b, &p, h);
    time_row(b, &p);
    ratio_row(b, &p);
    legend(b, &p);
    dcts_buf_puts(b, "</svg>\n");
    free(p.lines);
    dcts_buf_free(&p.skipped);
}
