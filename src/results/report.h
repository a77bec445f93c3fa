/* report.h -- the page of `varlb report`: result files (sweep, sweep
 * --model, attack --json, scaling, --tokens, --head-rows) read, every trial
 * row re-judged from its own counts, and written as one self-contained
 * HTML page.  Internal to the library (not installed); the command that
 * drives it is src/cli/report.c. */
#ifndef VARLB_RESULTS_REPORT_H
#define VARLB_RESULTS_REPORT_H
#include <stdio.h>
#include "plot.h"
#include "verify.h"

/* Above this many trial rows the chart shows one point per series and
   budget (mean over the rows), the page lists no single row, and every
   data file is copied beside the page instead of inlined. */
#define REPORT_ROW_LIMIT 2000
/* The page lists every row up to this many, else the rows that stand out
   (at most this many). */
#define REPORT_TABLE_ROWS 500
/* A data file is inlined as it is up to this many bytes, gzip'ed (built
   with zlib) while that stays under REPORT_INLINE_GZ; else it is copied
   beside the page. */
#define REPORT_INLINE_RAW (256 * 1024)
#define REPORT_INLINE_GZ (768 * 1024)

enum report_kind {
  REPORT_TRIALS,  /* sweep, sweep --model, attack --json rows */
  REPORT_SCALING, /* varlb scaling */
  REPORT_TOKENS,  /* sweep --tokens */
  REPORT_HEADS    /* attack/sweep --model --head-rows */
};

/* What the page says of a row's signature (its MAC under the judge key,
   checked by varlb__row_verify as summary and --resume check it). */
enum report_sig {
  REPORT_SIG_NONE,       /* unsigned: no mac cell (written before MACs, or emptied) */
  REPORT_SIG_UNCHECKED,  /* signed under another judge key, or no key is here */
  REPORT_SIG_VERIFIED,   /* signed under this key; MAC and every figure check */
  REPORT_SIG_UNVERIFIED  /* signed under this key, but its MAC or a figure does
                            not match: edited after it was signed */
};

/* Where the page puts a data file's bytes. */
enum report_place { REPORT_INLINE, REPORT_INLINE_GZIP, REPORT_BESIDE };

typedef struct report_file {
  const char *path;       /* as given */
  const char *name;       /* its last component */
  enum report_kind kind;
  int jsonl;              /* read from JSON Lines */
  varlb__csv_t t;
  char sha256[65];
  long long bytes;
  /* FILE.manifest.json beside a sweep's CSV (NULL: none): the command
     line (shell-quoted), version, revision, libraries. */
  char *m_command, *m_version, *m_revision, *m_libraries, *m_isolation;
  size_t sig[4];          /* rows by enum report_sig */
  unsigned char *rowsig;  /* each trial row's enum report_sig */
  varlb__verdicts_t groups;  /* trial rows: groups pooled over seeds (varlb__verdicts_groups) */
  size_t sig_first;       /* the first row that failed its check ((size_t) -1: none) */
  char sig_why[256];      /* and why */
  enum report_place place;
  char *href;             /* the data's link (a data: URL or a relative path) */
  char *download;         /* the name it downloads as */
  struct {                /* column indices by name pointer (report_cell) */
    const char *name;
    long col;
  } cols[64];
} report_file_t;

/* One trial row, re-judged (varlb__row_judge: never the stored verdict). */
typedef struct report_row {
  size_t file, row;       /* row ROW of file FILE (varlb__report_line) */
  size_t series, inst;
  int status_ok;          /* status "ok" */
  int judged;             /* its counts hold together: J is its judgement */
  varlb_judgement_t j;
  double x;               /* bits charged / N */
  double xj;              /* bits judged / N: where its ceiling lies, the chart's x */
  double budget_ratio;    /* budget_bits / N */
  double efficiency;      /* varlb_efficiency of J's accuracy */
  int holm;               /* impossible after Holm over every judged row */
  int disagrees;          /* stored verdict or accuracy not what the counts give */
  enum report_sig sig;
} report_row_t;

/* One instance: the cells that fix it, and what the schedule gives. */
typedef struct report_inst {
  const char *schedule, *jl, *keys, *values, *model; /* cells ("" when absent) */
  size_t d, layers, heads, N;
  double C;
  size_t K, n, NA, T;     /* from the schedule (0 when it does not parse) */
  int consistent;         /* N = layers heads NA d */
} report_inst_t;

/* A compressor on an instance: a series of the chart, a line of the board. */
typedef struct report_series {
  const char *compressor;
  size_t inst;
  size_t rows, judged, failed, impossible, holm, above, disagree, full;
  size_t pooled, pool_holm; /* groups pooled over 2+ seeds; impossible after Holm */
  double pool_p;          /* the smallest pooled p-value (when pooled > 0) */
  double best_eff;
  size_t best_row, witness_row, fail_row; /* (size_t) -1: none */
  const char *verdict;    /* pooled (report_judge.c) */
  size_t colour, shape;
} report_series_t;

typedef struct report {
  report_file_t *file;
  size_t nfiles;
  report_row_t *row;
  size_t nrows;
  report_series_t *series;
  size_t nseries;
  report_inst_t *inst;
  size_t ninst;
  size_t judged, rejected, disagree, holm, failed;
  size_t sig_failed;      /* rows whose signature failed (REPORT_SIG_UNVERIFIED) */
  size_t pooled, pool_holm; /* groups pooled over seeds; impossible after Holm */
  varlb__verify_key_t key;   /* the judge key rows are checked under */
  int aggregate;          /* nrows > REPORT_ROW_LIMIT */
  const char *title, *out;
  const char *revision;    /* the source revision the footer names (NULL: none) */
  char *data_dir;         /* beside the page (NULL until needed) */
} report_t;

/* ---------------------------------------- what varlb report calls */

/* A page is made in four steps: each file loaded (varlb__report_file_load)
   under one key, the rows judged (varlb__report_judge), their data placed
   (varlb__report_place_data), the page written (varlb__report_write_page). */

/* report_load.c: read and classify PATH, and check each trial row's
   signature under KEY (-1 with one line naming it in ERR). */
int varlb__report_file_load (report_file_t *f, const char *path, const varlb__verify_key_t *key,
                             char *err, size_t elen);
void varlb__report_file_clear (report_file_t *f);

/* report_judge.c: rows judged, instances and series built, Holm applied
   (-1 with why in WHY when out of memory). */
int varlb__report_judge (report_t *r, char *why, size_t wlen);
/* The line of its file row W stands on (a CSV's header is line 1). */
size_t varlb__report_line (const report_t *r, const report_row_t *w);

/* report_data.c: decide where each file's data goes and make its link (copying it beside
   OUT when needed); -1 with why in WHY. */
int varlb__report_place_data (report_t *r, char *why, size_t wlen);

/* report_page.c: the whole page to O. */
int varlb__report_write_page (FILE *o, report_t *r);

/* -------------------------------- the page's pieces, inside the library */

/* Hidden from the shared library's symbol table: short names that no
   program linking libvarlb should see or clash with. */
#pragma GCC visibility push(hidden)

/* report_json.c: one flat JSON object per line into a table whose header
   is the first object's keys (strings unescaped, numbers and true/false as
   written, null empty), as a CSV of the same rows reads. */
int report_jsonl_read (varlb__csv_t *t, const char *path, char *why, size_t wlen);
/* The manifest beside a sweep's CSV, into F's m_* fields (absent: none). */
void report_manifest_read (report_file_t *f);
/* Append S to the command line *BUF (length *LEN) as one more word,
   shell-quoted (single quotes when it needs any). */
void report_shell_quote (char **buf, size_t *len, const char *s);

/* report_load.c: a trial row's signature, as the page says it. */
enum report_sig report_row_signature (const report_file_t *f, size_t r);

/* report_judge.c: a cell of row W ("" when the file lacks the column). */
const char *report_cell (const report_t *r, const report_row_t *w, const char *col);
double report_num (const report_t *r, const report_row_t *w, const char *col);
/* The label of instance I ("1,2,4,8 d=16 gaussian", a model's name first). */
void report_inst_label (char *buf, size_t len, const report_inst_t *in);
/* A compressor's family, from its spec and the library's description. */
const char *report_family (const char *spec, const char **description);

/* report_data.c: SHA-256 of PATH into HEX; -1 with errno. */
int report_sha256 (char hex[65], long long *bytes, const char *path);

/* report_page.c: HTML text. */
void report_esc (FILE *o, const char *s);
void report_escn (FILE *o, const char *s, size_t n);
/* V with DIGITS significant digits, or an en dash when not finite. */
const char *report_fmt (char *buf, size_t len, double v, int digits);

/* report_chart.c: the inline SVG charts and their pieces. */
/* A plot area and its ranges (x on a log10 scale; y log10 too when LOGY). */
typedef struct report_axes {
  double x0, x1, y0, y1; /* log10 x range; y range (log10 when logy) */
  double L, R, T, B;
  int logy;
} report_axes_t;
double report_px (const report_axes_t *a, double x);
double report_py (const report_axes_t *a, double y);
/* Gridlines, ticks and labels: x decades (minor lines at 2..9), y every
   STEP (or decades when logy). */
void report_axes_draw (FILE *o, const report_axes_t *a, double step, const char *xlabel,
                       const char *ylabel);
/* A polyline through N (x, y) points, STYLE its attributes. */
void report_polyline (FILE *o, const report_axes_t *a, const double *x, const double *y,
                      size_t n, const char *style);
/* A legend button: data-s = KEY names what it hides, SWATCH draws its key. */
void report_legend_button (FILE *o, const char *key, const char *label, const char *swatch);
void report_chart_frontier (FILE *o, const report_t *r);
/* A marker of SHAPE centred at (X, Y), radius S, as an SVG path's d. */
void report_marker_path (FILE *o, size_t shape, double x, double y, double s);
extern const char *const report_colours[];
#define REPORT_NCOLOURS 10
#define REPORT_NSHAPES 6

/* report_scaling.c: varlb scaling's chart and fitted exponents. */
void report_chart_scaling (FILE *o, const report_t *r);

/* report_board.c: the leaderboard, the per-compressor cards, the rows. */
void report_board (FILE *o, const report_t *r);
void report_cards (FILE *o, const report_t *r);
void report_rows_table (FILE *o, const report_t *r);

#pragma GCC visibility pop

#endif
