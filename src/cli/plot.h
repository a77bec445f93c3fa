/* plot.h -- `varlb plot` as a function other subcommands call (varlb demo
 * draws its accuracy chart with it), the CSV reader (csv.c) and what the
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

/* A CSV file read whole (RFC 4180 quoting, header line first); a torn
   last line (no newline, from an interrupted sweep) is ignored. */
typedef struct cli_csv {
  size_t cols, rows;
  char **head;  /* cols names */
  char **cell;  /* rows x cols, row-major */
} cli_csv_t;

int cli_csv_read (cli_csv_t *t, const char *path, char *why, size_t wlen);
void cli_csv_clear (cli_csv_t *t);
/* Column index of NAME, or -1. */
long cli_csv_col (const cli_csv_t *t, const char *name);
const char *cli_csv_get (const cli_csv_t *t, size_t row, long col);
/* A numeric cell; NaN when empty, not a number or COL < 0. */
double cli_csv_num (const cli_csv_t *t, size_t row, long col);
/* Rows of a results CSV whose stored verdict is not the one their numbers
   (correct, bits_tested, bits_charged + side_channel_bits, N, status) give:
   how many, and the first NFIRST row indices in FIRST.  Rows of whole
   models (a layers column) are judged as their trials were: varlb_verdict
   over every tested bit. */
size_t cli_rows_disagreeing (const cli_csv_t *t, size_t *first, size_t nfirst);
/* The verdict row R's numbers give (varlb_judge at the sampling unit, with
   side_channel_bits added when the file has it); -1 when they do not hold
   together. */
int cli_row_judge (varlb_judgement_t *j, const cli_csv_t *t, size_t r);

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

#endif
