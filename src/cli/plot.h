/* plot.h -- `varlb plot` as a function other subcommands call (varlb demo
 * draws its accuracy chart with it).  Not installed. */
#ifndef VARLB_CLI_PLOT_H
#define VARLB_CLI_PLOT_H

/* Chart kinds; PLOT_AUTO picks from the CSV header. */
enum cli_plot_kind {
  PLOT_AUTO = 0,
  PLOT_ACCURACY = 1, /* (a) accuracy vs bits/N, Fano ceiling, trivial line */
  PLOT_SCALING = 2,  /* (b) minimal budget vs n^2 d, log-log */
  PLOT_HEATMAP = 3   /* (c) per-token accuracy by VAR scale and position */
};

/* Write OUT.gp and OUT's data files from the results in CSV, then run
   gnuplot to draw OUT (.png or .svg).  Returns 0 when the image was drawn,
   3 when gnuplot is absent (script and data written, a note printed), 1 on
   a runtime failure and 2 on a usage error (one line printed either way). */
int cli_plot_file (const char *cmd, const char *csv, const char *out,
                   enum cli_plot_kind kind, const char *title);

#endif
