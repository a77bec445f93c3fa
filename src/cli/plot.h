/* plot.h -- `varlb plot` as a function other subcommands call (varlb demo
 * draws its accuracy chart with it).  Not installed. */
#ifndef VARLB_CLI_PLOT_H
#define VARLB_CLI_PLOT_H
#include <stddef.h>

/* Chart kinds; PLOT_AUTO picks from the CSV header. */
enum cli_plot_kind {
  PLOT_AUTO = 0,
  PLOT_ACCURACY = 1, /* (a) accuracy vs bits/N, Fano ceiling, trivial line */
  PLOT_SCALING = 2,  /* (b) minimal budget vs n^2 d, log-log */
  PLOT_HEATMAP = 3,  /* (c) per-token accuracy by VAR scale and position */
  PLOT_HEADS = 4     /* (d) per-head accuracy of a whole model, layer x head */
};

/* Write OUT.gp and OUT's data files from the results in CSV, then run
   gnuplot to draw OUT (.png or .svg).  Returns 0 when the image was drawn,
   3 when gnuplot is absent (script and data written, a note printed), 1 on
   a runtime failure and 2 on a usage error (one line printed either way). */
int cli_plot_file (const char *cmd, const char *csv, const char *out,
                   enum cli_plot_kind kind, const char *title);

/* varlb demo's chart: a few quick compressors at a few budgets on the
   demo instance P, rows to OUT's stem .csv, chart (a) to OUT.  Returns as
   cli_plot_file (3: gnuplot absent, noted). */
#include "varlb.h"
int cli_plot_demo (const char *cmd, const varlb_params_t *p, const char *out);

/* A CSV file read whole (RFC 4180 quoting, header line first); a torn
   last line (no newline, from an interrupted sweep) is ignored. */
typedef struct cli_csv {
  size_t cols, rows;
  char **head;  /* cols names */
  char **cell;  /* rows x cols, row-major */
  char *header_line; /* the header and each row as written, without the */
  char **line;       /* newline: what a row's MAC signs (cli_row_verify) */
} cli_csv_t;

int cli_csv_read (cli_csv_t *t, const char *path, char *why, size_t wlen);
void cli_csv_clear (cli_csv_t *t);
/* Column index of NAME, or -1. */
long cli_csv_col (const cli_csv_t *t, const char *name);
const char *cli_csv_get (const cli_csv_t *t, size_t row, long col);
/* A numeric cell; NaN when empty, not a number or COL < 0. */
double cli_csv_num (const cli_csv_t *t, size_t row, long col);
/* Reading rows back and checking them: verify.h. */

/* Chart (d) from --head-rows (plot_heads.c): the gnuplot lines to GP, the
   data to DAT (at DATPATH), for compressor ONLY (NULL: the first). */
#include <stdio.h>
int cli_plot_write_heads (FILE *gp, FILE *dat, const char *datpath, const cli_csv_t *t,
                          const char *only, char *why, size_t wlen);

#endif
