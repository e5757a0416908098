/*
 * json_out.h: what the two JSON writers share (report_json.c for reports,
 * bench_json.c for the benchmark), both written with jansson.  Only
 * where jansson is (DCTS_HAVE_JANSSON; the Makefile probes for it).
 */
#ifndef DCTS_JSON_OUT_H
#define DCTS_JSON_OUT_H

#ifdef DCTS_HAVE_JANSSON
#include "text.h"

#include <jansson.h>
#include <stddef.h>

/* s made valid UTF-8 without control characters (dcts_buf_add_clean with
 * clean_flags), as a JSON string; null for NULL. */
json_t *dcts_json_text(const char *s, unsigned clean_flags);

/* Appends j dumped (indented, keys in order, plus dump_flags) and a line
 * break to b, and frees j.  0, or -1 when dumping failed. */
int dcts_json_append(dcts_buf *b, json_t *j, size_t dump_flags);
#endif

#endif /* DCTS_JSON_OUT_H */
