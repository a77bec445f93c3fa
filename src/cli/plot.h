/* plot.h -- `varlb plot` as a function other subcommands call (varlb demo
 * draws its accuracy chart with it), the result-file reader (csv.c), the
 * binning and the achieved frontier varlb report shares, and what the
 * chart writers share (plot.c; the charts in plot_accuracy.c,
 * plot_scaling.c, plot_tokens.c, plot_heads.c).  Not installed. */
#ifndef VARLB_CLI_PLOT_H
#define VARLB_CLI_PLOT_H
#include <stddef.h>
#include <stdio.h>
#include "varlb.h"

/* Chart kinds; PLOT_AUTO picks from the CSV header. */
enum cli_plot_kind {
  PLOT_AUTO = 0,
  PLOT_ACCURACY = 1, /* (a) accuracy vs bits/N, Fano ceiling, trivial line */
  PLOT_SCALING = 2,  /* (b) minimal budget vs n and d, log-log, the fit and the bound */
  PLOT_HEATMAP = 3,  /* (c) per-token accuracy by VAR scale and position */
  PLOT_HEADS = 4     /* (d) per-head accuracy of a whole model, layer x head */
};

/* Write OUT.gp and OUT's data files from the results in CSV, then run
   gnuplot to draw OUT (.png or .svg).  Returns 0 when the image was drawn,
   3 when gnuplot is absent (script and data written, a note printed), 1 on
   a runtime failure and 2 on a usage error (one line printed either way).
   WROTE (may be NULL) receives one line naming the chart and the files
   written. */
int cli_plot_file (const char *cmd, const char *csv, const char *out,
                   enum cli_plot_kind kind, const char *title, char *wrote, size_t wlen);

/* varlb demo's chart: a few quick compressors at a few budgets on the
   demo instance P, rows to OUT's stem .csv, chart (a) to OUT.  Returns as
   cli_plot_file (3: gnuplot absent, noted). */
int cli_plot_demo (const char *cmd, const varlb_params_t *p, const char *out);

/* A result file read whole (a CSV: RFC 4180 quoting, header line first;
   or JSON Lines, report_json.c); a torn last line (no newline, from an
   interrupted sweep) is ignored.  Beside the cells, the header and each
   row as CSV text, as written (a JSON line's: the CSV row rows.c writes
   beside it), without the newline: what a row's MAC signs
   (cli_row_verify; NULL where a line has no such text). */
typedef struct cli_csv {
  size_t cols, rows;
  char **head;       /* cols names */
  char **cell;       /* rows x cols, row-major */
  char *header_line; /* the header as CSV text */
  char **line;       /* rows: each row as CSV text */
} cli_csv_t;

int cli_csv_read (cli_csv_t *t, const char *path, char *why, size_t wlen);
/* Read PATH into T line by line: FN gets each complete line (its newline
   and CR removed, empty lines skipped) and adds the header or a row; a
   torn last line is ignored, as cli_csv_read does.  EMPTY says why a file
   without a header fails.  0, or -1 with a reason in WHY (T cleared). */
typedef int (*cli_table_line_fn) (cli_csv_t *t, const char *line, long lineno, char *why,
                                  size_t wlen);
int cli_table_read (cli_csv_t *t, const char *path, cli_table_line_fn fn, const char *empty,
                    char *why, size_t wlen);
/* Append a row: the T->cols strings of FIELDS are taken over (the array
   itself is not), TEXT (may be NULL) copied as its CSV text.  -1 when out
   of memory. */
int cli_csv_add_row (cli_csv_t *t, char **fields, const char *text);
void cli_csv_clear (cli_csv_t *t);
/* Column index of NAME, or -1. */
long cli_csv_col (const cli_csv_t *t, const char *name);
const char *cli_csv_get (const cli_csv_t *t, size_t row, long col);
/* A numeric cell; NaN when empty, not a number or COL < 0. */
double cli_csv_num (const cli_csv_t *t, size_t row, long col);
/* Reading rows back, judging and checking them: verify.h. */
/* A verdict in a word (fails, succeeds, lossy, IMPOSSIBLE, failed), as
   varlb summary's narrow table says it (summary.c). */
const char *cli_verdict_short (const char *verdict);

/* ------------------------------------------- shared by the chart writers */

extern const char *cli_plot_only;  /* --compressor: the rows drawn (NULL: all) */
extern const char *cli_plot_title; /* --title: replaces each chart's own */

/* Distinct values of column COL in order of first appearance. */
size_t cli_plot_distinct (const cli_csv_t *t, long col, const char **out);
/* S quoted for a gnuplot script ('...', quotes doubled). */
void cli_gp_quote (FILE *f, const char *s);
/* A key title or label from the data, quoted and noenhanced ('_' stays a
   character); with SHORTEN, names past 40 characters cut in the middle. */
void cli_gp_text (FILE *f, const char *s, int shorten);
/* The chart's title (--title when given, else TITLE) and under it
   SUBTITLE, the instance the chart shows. */
void cli_gp_title (FILE *f, const char *title, const char *subtitle);
/* One line for a --compressor that matches no row, naming what the file
   has; returns -1. */
int cli_plot_no_selection (const cli_csv_t *t, long cc, char *why, size_t wlen);
/* Series I's colour and gnuplot point type: 10 colours and 15 markers, so
   up to 15 series differ in both and up to 150 in the pair. */
const char *cli_plot_colour (size_t i);
int cli_plot_marker (size_t i);
/* "instance: schedule 1,2,...,16 (n = 16), d = 64, JL gaussian, unit keys,
   01 values; seeds 1, 2, 3" from the columns T has, over the rows of
   compressor ONLY (NULL: all). */
const char *cli_plot_instance (char *buf, size_t len, const cli_csv_t *t, const char *only);
/* 1 when row R is compressor ONLY's (ONLY NULL, or no compressor column CC:
   every row is). */
int cli_plot_row_of (const cli_csv_t *t, size_t r, long cc, const char *only);
/* Row R's x on the accuracy chart: its bits judged over N, where the
   ceiling it was judged against lies (varlb_bits_judged: the budget's
   whole bytes and the side channels), or its bits charged in a file from
   before that column. */
double cli_plot_row_x (const cli_csv_t *t, size_t r);
/* The compressor a heat map shows: --compressor, else the file's first
   row's (NULL: the file has no compressor column). */
const char *cli_plot_heat_only (const cli_csv_t *t);
/* A heat map's CELLS bits and correct bits, zeroed; -1 (nothing allocated)
   with a reason in WHY when out of memory. */
int cli_plot_heat_alloc (double **bits, double **ok, size_t cells, char *why, size_t wlen);
/* A heat map's data: "row col accuracy" for ROWS x COLS cells, accuracy
   OK / BITS (NaN where no bit was tested), rows numbered from FIRST; frees
   BITS and OK. */
void cli_plot_heat_cells (FILE *dat, const char *what, double *bits, double *ok, size_t rows,
                          size_t cols, size_t first);
/* A heat map's title (TITLE, the instance of ONLY's rows beneath) and its
   colours, accuracy from 0.4 to 1 with white at chance (1/2), then the
   plot of DATPATH's "x y accuracy" lines (axes already set). */
void cli_plot_heat_map (FILE *gp, const char *datpath, const char *title, const cli_csv_t *t,
                        const char *only);

/* The charts: gnuplot lines to GP, data to DAT (at DATPATH), 0 or -1 with
   a reason in WHY. */
int cli_plot_write_accuracy (FILE *gp, FILE *dat, const char *datpath, const char *curvepath,
                             const cli_csv_t *t, char *why, size_t wlen);
int cli_plot_write_scaling (FILE *gp, FILE *dat, const char *datpath, const cli_csv_t *t,
                            char *why, size_t wlen);
int cli_plot_write_tokens (FILE *gp, FILE *dat, const char *datpath, const cli_csv_t *t,
                           char *why, size_t wlen);
int cli_plot_write_heads (FILE *gp, FILE *dat, const char *datpath, const cli_csv_t *t,
                          char *why, size_t wlen);

/* --head-rows binned (plot_heads.c; varlb report's per-compressor map
   too), for compressor ONLY (NULL: every row): the bits and correct bits
   of each layer x head, *L x *H arrays the caller frees (-1 with a reason
   in WHY). */
int cli_head_heat (size_t *L, size_t *H, double **bits, double **ok, const cli_csv_t *t,
                   const char *only, char *why, size_t wlen);

/* Per-token rows (--tokens) binned (plot_tokens.c; varlb report's map
   too): each scale's raster order in
   CLI_HEAT_BINS bins, the bits and correct bits of the tokens whose share
   of the raster holds a bin's centre, for compressor ONLY (NULL: every
   row); *K scales, K x CLI_HEAT_BINS arrays the caller frees (-1 with a
   reason in WHY). */
#define CLI_HEAT_BINS 32
int cli_token_heat (size_t *K, double **bits, double **ok, const cli_csv_t *t,
                    const char *only, char *why, size_t wlen);

/* The achieved frontier (frontier.c): ratedist's gap below the Fano
   ceiling as sorted (bits/N, gap) points anchored at (0, 0) and (1, 0),
   from the measured points (X, Y) below N when there are any (*FROM_DATA
   1), else from the reference measured on the default instance.  *PTS is
   malloc'd; the count of points (0: out of memory). */
size_t cli_frontier_gaps (double (**pts)[2], const double *x, const double *y, size_t n,
                          int *from_data);
/* ratedist's accuracy at bits/N = X on those points. */
double cli_frontier_at (double x, double (*pts)[2], size_t n);
/* 1 when SPEC is ratedist, with or without knobs. */
int cli_is_ratedist (const char *spec);

#endif
