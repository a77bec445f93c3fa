/* plot.h -- what the gnuplot chart writers share (plot.c) and the charts:
 * accuracy against the Fano frontier (plot_accuracy.c), the scaling fit
 * (plot_scaling.c), per-token and per-head heat maps (plot_tokens.c,
 * plot_heads.c).  Scripts and data go to streams the caller opens; running
 * gnuplot is the CLI's (src/cli/plot.c).  Internal, not installed. */
#ifndef VARLB_RESULTS_PLOT_H
#define VARLB_RESULTS_PLOT_H
#include "results.h"

/* ------------------------------------------- shared by the chart writers */

/* What a chart draws: the rows of compressor ONLY (NULL: every row), under
   TITLE (NULL: the chart's own); varlb plot's --compressor and --title. */
typedef struct varlb__plot_sel {
  const char *only, *title;
} varlb__plot_sel_t;

/* Distinct values of column COL in order of first appearance. */
size_t varlb__plot_distinct (const varlb__csv_t *t, long col, const char **out);
/* S quoted for a gnuplot script ('...', quotes doubled). */
void varlb__gp_quote (FILE *f, const char *s);
/* A key title or label from the data, quoted and noenhanced ('_' stays a
   character); with SHORTEN, names past 40 characters cut in the middle. */
void varlb__gp_text (FILE *f, const char *s, int shorten);
/* The chart's title TITLE and under it SUBTITLE, the instance the chart
   shows. */
void varlb__gp_title (FILE *f, const char *title, const char *subtitle);
/* One line in WHY for a compressor ONLY that matches no row, naming what
   the file has; returns -1. */
int varlb__plot_no_selection (const varlb__csv_t *t, long cc, const char *only, char *why,
                              size_t wlen);
/* Series I's colour and gnuplot point type: 10 colours and 15 markers, so
   up to 15 series differ in both and up to 150 in the pair. */
const char *varlb__plot_colour (size_t i);
int varlb__plot_marker (size_t i);
/* "instance: schedule 1,2,...,16 (n = 16), d = 64, JL gaussian, unit keys,
   01 values; seeds 1, 2, 3" from the columns T has, over the rows of
   compressor ONLY (NULL: all). */
const char *varlb__plot_instance (char *buf, size_t len, const varlb__csv_t *t, const char *only);
/* 1 when row R is compressor ONLY's (ONLY NULL, or no compressor column CC:
   every row is). */
int varlb__plot_row_of (const varlb__csv_t *t, size_t r, long cc, const char *only);
/* Row R's x on the accuracy chart: its bits judged over N, where the
   ceiling it was judged against lies (varlb_bits_judged: the budget's
   whole bytes and the side channels), or its bits charged in a file from
   before that column. */
double varlb__plot_row_x (const varlb__csv_t *t, size_t r);
/* The compressor a heat map shows: ONLY, else the file's first row's
   (NULL: the file has no compressor column). */
const char *varlb__plot_heat_only (const varlb__csv_t *t, const char *only);
/* A heat map's CELLS bits and correct bits, zeroed; -1 (nothing allocated)
   with a reason in WHY when out of memory. */
int varlb__plot_heat_alloc (double **bits, double **ok, size_t cells, char *why, size_t wlen);
/* A heat map's data: "row col accuracy" for ROWS x COLS cells, accuracy
   OK / BITS (NaN where no bit was tested), rows numbered from FIRST; frees
   BITS and OK. */
void varlb__plot_heat_cells (FILE *dat, const char *what, double *bits, double *ok, size_t rows,
                             size_t cols, size_t first);
/* A heat map's title (TITLE, the instance of ONLY's rows beneath) and its
   colours, accuracy from 0.4 to 1 with white at chance (1/2), then the
   plot of DATPATH's "x y accuracy" lines (axes already set). */
void varlb__plot_heat_map (FILE *gp, const char *datpath, const char *title, const varlb__csv_t *t,
                           const char *only);

/* The charts of T's rows that SEL selects: gnuplot lines to GP, data to
   DAT (at DATPATH; the accuracy chart's frontier curves to CURVEPATH), 0
   or -1 with a reason in WHY. */
int varlb__plot_write_accuracy (FILE *gp, FILE *dat, const char *datpath, const char *curvepath,
                                const varlb__csv_t *t, const varlb__plot_sel_t *sel, char *why,
                                size_t wlen);
int varlb__plot_write_scaling (FILE *gp, FILE *dat, const char *datpath, const varlb__csv_t *t,
                               const varlb__plot_sel_t *sel, char *why, size_t wlen);
int varlb__plot_write_tokens (FILE *gp, FILE *dat, const char *datpath, const varlb__csv_t *t,
                              const varlb__plot_sel_t *sel, char *why, size_t wlen);
int varlb__plot_write_heads (FILE *gp, FILE *dat, const char *datpath, const varlb__csv_t *t,
                             const varlb__plot_sel_t *sel, char *why, size_t wlen);

/* --head-rows binned (plot_heads.c; varlb report's per-compressor map
   too), for compressor ONLY (NULL: every row): the bits and correct bits
   of each layer x head, *L x *H arrays the caller frees (-1 with a reason
   in WHY). */
int varlb__head_heat (size_t *L, size_t *H, double **bits, double **ok, const varlb__csv_t *t,
                      const char *only, char *why, size_t wlen);

/* Per-token rows (--tokens) binned (plot_tokens.c; varlb report's map
   too): each scale's raster order in
   VARLB__HEAT_BINS bins, the bits and correct bits of the tokens whose share
   of the raster holds a bin's centre, for compressor ONLY (NULL: every
   row); *K scales, K x VARLB__HEAT_BINS arrays the caller frees (-1 with a
   reason in WHY). */
#define VARLB__HEAT_BINS 32
int varlb__token_heat (size_t *K, double **bits, double **ok, const varlb__csv_t *t,
                       const char *only, char *why, size_t wlen);

#endif
