/* results.h -- result files read back (a CSV or JSON Lines table), the
 * achieved frontier, the scaling fit and a verdict in a word: what varlb's
 * readers of results share (summary, report, plot, --resume).  Internal to
 * the library (varlb__ names, not installed); never prints or exits. */
#ifndef VARLB_RESULTS_H
#define VARLB_RESULTS_H
#include <stddef.h>
#include <stdio.h>
#include "varlb.h"

/* A result file read whole (a CSV: RFC 4180 quoting, header line first;
   or JSON Lines, report_json.c); a torn last line (no newline, from an
   interrupted sweep) is ignored.  Beside the cells, the header and each
   row as CSV text, as written (a JSON line's: the CSV row rows.c writes
   beside it), without the newline: what a row's MAC signs
   (varlb__row_verify; NULL where a line has no such text). */
typedef struct varlb__csv {
  size_t cols, rows;
  char **head;       /* cols names */
  char **cell;       /* rows x cols, row-major */
  char *header_line; /* the header as CSV text */
  char **line;       /* rows: each row as CSV text */
} varlb__csv_t;

int varlb__csv_read (varlb__csv_t *t, const char *path, char *why, size_t wlen);
/* Read PATH into T line by line: FN gets each complete line (its newline
   and CR removed, empty lines skipped) and adds the header or a row; a
   torn last line is ignored, as varlb__csv_read does.  EMPTY says why a file
   without a header fails.  0, or -1 with a reason in WHY (T cleared). */
typedef int (*varlb__table_line_fn) (varlb__csv_t *t, const char *line, long lineno, char *why,
                                     size_t wlen);
int varlb__table_read (varlb__csv_t *t, const char *path, varlb__table_line_fn fn,
                       const char *empty, char *why, size_t wlen);
/* Append a row: the T->cols strings of FIELDS are taken over (the array
   itself is not), TEXT (may be NULL) copied as its CSV text.  -1 when out
   of memory. */
int varlb__csv_add_row (varlb__csv_t *t, char **fields, const char *text);
void varlb__csv_clear (varlb__csv_t *t);
/* Column index of NAME, or -1. */
long varlb__csv_col (const varlb__csv_t *t, const char *name);
const char *varlb__csv_get (const varlb__csv_t *t, size_t row, long col);
/* A numeric cell; NaN when empty, not a number or COL < 0. */
double varlb__csv_num (const varlb__csv_t *t, size_t row, long col);
/* A verdict in a word (fails, succeeds, lossy, IMPOSSIBLE, failed), as
   varlb summary's narrow table says it (fit.c). */
const char *varlb__verdict_short (const char *verdict);

/* The achieved frontier (frontier.c): ratedist's gap below the Fano
   ceiling as sorted (bits/N, gap) points anchored at (0, 0) and (1, 0),
   from the measured points (X, Y) below N when there are any (*FROM_DATA
   1), else from the reference measured on the default instance.  *PTS is
   malloc'd; the count of points (0: out of memory). */
size_t varlb__frontier_gaps (double (**pts)[2], const double *x, const double *y, size_t n,
                             int *from_data);
/* ratedist's accuracy at bits/N = X on those points. */
double varlb__frontier_at (double x, double (*pts)[2], size_t n);
/* 1 when SPEC is ratedist, with or without knobs. */
int varlb__is_ratedist (const char *spec);

/* varlb scaling's fit (scaling.c), shared with varlb plot's scaling chart
   and varlb report's scaling section so that their slopes are the
   exponents the terminal prints: least squares of log B on (1, log n if
   HAS_N, log d if HAS_D) over M points with GSL; c[] the estimates in that
   order, ci[] their 95% half-widths (Student's t, points - cols degrees of
   freedom).  -1 when M <= cols or GSL fails.  Floating point. */
typedef struct varlb__scaling_fit {
  size_t points, cols;
  double c[3], ci[3];
  int has_n, has_d;
  double r2;
} varlb__scaling_fit_t;
int varlb__scaling_fit (varlb__scaling_fit_t *f, const double *ln, const double *ld,
                        const double *lb, size_t m, int has_n, int has_d);

#endif
