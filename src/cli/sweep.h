/* sweep.h -- pieces shared by `varlb sweep` (single heads and whole
 * models) and `varlb scaling`: the grid of instances (schedules x d x JL
 * families x seeds), compressor lists whose knobs contain commas, the
 * shared instance options, the files and the MPI ranks.  Not installed. */
#ifndef VARLB_CLI_SWEEP_H
#define VARLB_CLI_SWEEP_H
#include <sys/types.h>
#include "cli.h"

/* The instance axes of a grid; empty axes take the base parameters'. */
typedef struct cli_grid {
  varlb_params_t base;
  varlb_pyramid_t *pyr;
  size_t npyr;
  size_t *dims;
  size_t ndims;
  varlb_jl_family *jls;
  size_t njls;
  uint64_t *seeds;
  size_t nseeds;
  char **specs;  /* compressor specs as given */
  size_t nspecs;
} cli_grid_t;

void cli_grid_init (cli_grid_t *g);
void cli_grid_clear (cli_grid_t *g);

/* Long-option ids of the grid options (after CLI_OPT_FIRST_FREE). */
enum {
  CLI_GRID_PRESETS = CLI_OPT_FIRST_FREE + 50, CLI_GRID_SCHEDULES, CLI_GRID_NS,
  CLI_GRID_DIMS, CLI_GRID_JLS, CLI_GRID_SEEDS, CLI_GRID_COMPRESSORS,
  CLI_GRID_COMPRESSOR, CLI_GRID_FIRST_FREE
};

#define CLI_GRID_LONGOPTS                                              \
  { "presets", required_argument, NULL, CLI_GRID_PRESETS },            \
  { "schedules", required_argument, NULL, CLI_GRID_SCHEDULES },        \
  { "ns", required_argument, NULL, CLI_GRID_NS },                      \
  { "dims", required_argument, NULL, CLI_GRID_DIMS },                  \
  { "jls", required_argument, NULL, CLI_GRID_JLS },                    \
  { "seeds", required_argument, NULL, CLI_GRID_SEEDS },                \
  { "compressors", required_argument, NULL, CLI_GRID_COMPRESSORS },    \
  { "compressor", required_argument, NULL, CLI_GRID_COMPRESSOR }

/* The options both sweeps take, a head's and a whole model's. */
enum {
  CLI_SWEEP_BUDGETS = CLI_OPT_FIRST_FREE + 400, CLI_SWEEP_RATIOS, CLI_SWEEP_RESUME,
  CLI_SWEEP_FORCE, CLI_SWEEP_NO_TIMING
};
#define CLI_SWEEP_LONGOPTS                                             \
  { "budgets", required_argument, NULL, CLI_SWEEP_BUDGETS },           \
  { "ratios", required_argument, NULL, CLI_SWEEP_RATIOS },             \
  { "resume", no_argument, NULL, CLI_SWEEP_RESUME },                   \
  { "force", no_argument, NULL, CLI_SWEEP_FORCE },                     \
  { "no-timing", no_argument, NULL, CLI_SWEEP_NO_TIMING }

/* What CLI_SWEEP_LONGOPTS set. */
typedef struct cli_sweep_opts {
  double *budgets;  /* malloc'd: bits, or fractions of N when RATIOS */
  size_t nbudgets;
  int ratios;       /* -1 until --budgets or --ratios */
  int resume, force, no_timing;
} cli_sweep_opts_t;

/* What `varlb sweep` was asked: the grid, the channel, the budgets and the
   files, on one head's instances or (MODEL) on whole models. */
typedef struct cli_sweep_args {
  cli_grid_t g;
  varlb_channel_opts_t opts;
  const char *out, *tokens, *head_rows;
  cli_sweep_opts_t s;
  int show;                 /* --progress: 1, 0, or -1 (auto) */
  int model;                /* --model, --models, --layers or --heads given */
  const char *names[16];    /* the named models; NULL: the --layers x --heads one */
  size_t nnames;
  cli_model_opts_t mo;
  double max_cache;         /* --max-cache-bytes (0: the default) */
} cli_sweep_args_t;

/* Option OPT of CLI_SWEEP_LONGOPTS into S: 0, 1 when OPT is not one of
   them, -1 after one line (--budgets and --ratios: one of them, once). */
int cli_sweep_option (const char *cmd, int opt, const char *arg, cli_sweep_opts_t *s);

#define CLI_GRID_HELP \
  "Grid options (each list multiplies the grid; an absent list takes the\n" \
  "single value of the instance options below):\n" \
  "  --presets LIST       VAR presets, e.g. 256,512\n" \
  "  --schedules LIST     schedules separated by ';', e.g. '1,2,4;1,2,4,8'\n" \
  "  --ns LIST            halving pyramids ending at each side, e.g. 4,8,16\n" \
  "  --dims LIST          key/value dimensions, e.g. 16,32,64\n" \
  "  --jls LIST           JL families: gaussian, rademacher, achlioptas\n" \
  "  --seeds LIST         instance seeds, e.g. 1,2,3 (default: --seed)\n" \
  "  --compressors LIST   compressors with knobs, separated by ',' or ';':\n" \
  "                       a piece k=v without ':' continues the knobs of the\n" \
  "                       compressor before it, so 'kivi:bits=2,group=32,h2o'\n" \
  "                       is kivi:bits=2,group=32 and h2o\n" \
  "  --compressor SPEC    one compressor (repeatable; use it for exec:'...'\n" \
  "                       specs whose command holds commas)\n"

/* Handle a grid option (0 handled, 1 not a grid option, -1 error printed). */
int cli_grid_option (const char *cmd, cli_grid_t *g, int opt, const char *arg);
/* Fill empty axes from the base parameters and check every instance's
   parameters and every compressor spec (plug-ins probed under O; -1 after
   printing the reason). */
int cli_grid_finish (const char *cmd, cli_grid_t *g, const varlb_channel_opts_t *o);
/* Instances in the grid: schedules x dims x JL families x seeds. */
size_t cli_grid_instances (const cli_grid_t *g);
/* Parameters of instance I (P uninitialised; clear it after use). */
int cli_grid_params (varlb_params_t *p, const cli_grid_t *g, size_t i);
/* Hidden bits N of instance I, without building it. */
size_t cli_grid_bits (const cli_grid_t *g, size_t i);

/* ------------------------------------------- the files (sweep_files.c) */

/* What a sweep's files hold for one kind of trial, a head's or a whole
   model's (resume.c): the CSV's header, the side rows' (--tokens,
   --head-rows) and the columns, in the CSV and in the side rows alike,
   that name a trial. */
typedef struct cli_sweep_kind {
  void (*csv_header) (FILE *f);
  const char *side_header;
  const char *const *key_cols;
  size_t nkey;
} cli_sweep_kind_t;
extern const cli_sweep_kind_t cli_sweep_head, cli_sweep_model;

/* The key of a trial of KIND from its CELLS (KIND's key columns, in order,
   as the grid sees them; a budget as bits), compared as rows hold them:
   the compressor cut to the trial's field, a budget in whole bits.  NULL
   when out of memory. */
char *cli_trial_key (const cli_sweep_kind_t *kind, const char *const *cells);
/* Sort N keys; 1 when KEY is among the N sorted KEYS. */
void cli_keys_sort (char **keys, size_t n);
int cli_key_done (char *const *keys, size_t n, const char *key);

/* The files of a sweep, a head's or whole models'. */
typedef struct cli_sweep_files {
  const char *csv, *side;     /* as given; side: --tokens, or a model's --head-rows */
  char *jsonl, *manifest;     /* beside the CSV (cli_beside) */
  int fcsv, fjson, fside;     /* -1 closed; fside -2 without side rows */
} cli_sweep_files_t;

/* The name of a file beside the CSV PATH: PATH less a final ".csv", then
   EXT (".jsonl"); malloc'd, NULL out of memory.  The one rule sweep,
   summary and report use. */
char *cli_beside (const char *path, const char *ext);
/* Name the files of a sweep writing OUT and SIDE (a head's --tokens, or
   with MODEL a model's --head-rows; NULL: none); two outputs naming one
   file are a usage error (the exit status is returned after one line). */
int cli_sweep_files_init (cli_sweep_files_t *f, const char *cmd, const char *out,
                          const char *side, int model);
void cli_sweep_files_clear (cli_sweep_files_t *f);
/* *FD closed when open, then -1. */
void cli_close_fd (int *fd);

/* What the manifest records. */
typedef struct cli_manifest {
  int argc;
  char **argv;
  size_t trials;
  int ranks;
  const char *judge_key;             /* fingerprint */
  const varlb_channel_opts_t *opts;
  const unsigned char *key;          /* the judge key: --resume checks rows with it */
} cli_manifest_t;

#define CLI_TOKEN_HEADER \
  "compressor,budget_bits,seed,schedule,d,jl,token,scale,row,col,side,bits,correct,mac\n"

/* Rank 0's setup of a sweep of KIND whose TOTAL trials are KEYS in grid
   order: with RESUME and a CSV there, the trials it holds (its rows must
   be the grid's first, each verified under M->key, varlb__verify_rows; the
   JSON Lines as many lines, the side rows' MACs checking), cut to them (a
   torn last line, the interrupted trial's JSON line and side rows); else
   new files (none replaced without FORCE).  The trials still to run into
   PEND (*NPEND, grid order); the outputs opened close-on-exec, headers and
   the manifest written.  0, or the exit status after one line; a refusal
   changes no file (resume.c). */
int cli_sweep_prepare (const char *cmd, cli_sweep_files_t *f, const cli_sweep_kind_t *kind,
                       int resume, int force, char *const *keys, size_t total, size_t *pend,
                       size_t *npend, const cli_manifest_t *m);
/* The manifest M at PATH (a temporary name, then renamed): -1 with errno. */
int cli_write_manifest (const char *path, const cli_manifest_t *m);
/* The complete lines of PATH (*LINES) and the bytes they fill (*WHOLE:
   the file less a torn last line).  Reads only; -1 with errno set. */
int cli_file_lines (const char *path, size_t *lines, off_t *whole);
/* Keep the first LINES complete lines of PATH (-1 with errno set). */
int cli_file_keep_lines (const char *path, size_t lines);
/* 1 when PATH begins with HEADER (one line, its newline included) or is
   empty or a torn piece of it, 0 when it begins otherwise (another
   version's columns), -1 with errno when it cannot be read. */
int cli_header_matches (const char *path, const char *header);
/* The CSV header WRITE writes (varlb_trial_write_csv_header, or the model
   trial's), or NULL. */
char *cli_csv_header_text (void (*write) (FILE *));
/* 0 when PATH begins with HEADER (cli_header_matches), else the exit
   status after one line: --resume would misalign its columns. */
int cli_resume_header (const char *cmd, const char *path, const char *header);
/* The results CSV PATH that --resume would continue, read into T (clear
   it after use).  Reads only.  Refused in one line, returning the exit
   status, when its header is not HEADER, or a row is not verified under
   JUDGE_KEY (varlb__verify_rows: signed under it, its MAC and figures
   matching, its line in JSONL saying the same; a missing JSON line is
   left to the caller when JSON_MISSING_OK). */
struct varlb__csv;
int cli_resume_read (const char *cmd, struct varlb__csv *t, const char *path, const char *header,
                     const char *jsonl, const unsigned char *judge_key, int json_missing_ok);

/* Without --force no output is replaced: the first of the N names that
   exists (NAME[0] the CSV, --resume continuing it) is refused in one
   line, returning the usage exit status; 0 when none does. */
int cli_refuse_existing (const char *cmd, const char *const *name, size_t n, int resume);
/* Open the N outputs NAME (NULL: not asked for, *FD[i] = -2) close-on-exec
   for appending, emptied first unless APPEND; each empty one gets its
   HEADER[i] (NULL: none).  0, or -1 after one line. */
int cli_open_outputs (const char *cmd, size_t n, const char *const *name, int *const *fd,
                      const char *const *header, int append);
/* Append one row with one write() and fsync; on failure one line naming the
   file and the real reason, and -1. */
int cli_append_row (const char *cmd, int fd, const char *path, const char *text, size_t len);

/* --------------------------------------- MPI ranks (sweep_mpi.c) */

/* One trial's output: its side rows (--tokens or --head-rows; NULL:
   none), JSON line and CSV line, and what the count line tallies. */
typedef struct cli_trial_out {
  char *side, *json, *csv;
  size_t nside, njson, ncsv;
  int failed, impossible, above;
} cli_trial_out_t;

void cli_trial_out_clear (cli_trial_out_t *o);
/* Append O to the files FD (side rows, JSON Lines, CSV; PATH names them;
   fd[0] < 0: no side file) in that order: the CSV, written last, says
   which trials are whole (--resume).  0, or -1 after one line. */
int cli_trial_out_append (const char *cmd, const cli_trial_out_t *o, const int fd[3],
                          const char *const path[3]);

/* The ranks of a sweep: MPI_COMM_WORLD when started by a launcher
   (mpirun: OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK set), else one
   rank, and a plain run never touches MPI (nor does a build without it). */
typedef struct cli_ranks {
  int rank, size;
  int mpi; /* MPI_Init was called */
} cli_ranks_t;

void cli_ranks_init (cli_ranks_t *r, int *argc, char ***argv);
/* Finalize MPI.  RC != 0 on a rank that failed alone (not AGREED: the
   others may be waiting on it) aborts every rank; a failure all reached
   alike (AGREED) ends each with its one line. */
void cli_ranks_clear (cli_ranks_t *r, int rc, int agreed);

/* A sweep's trials in grid order: trial K runs on target K / PER (an
   instance, or a model of the models x instances), with compressor
   (K % PER) / nbudgets, at budget BITS[K] (whole bits); KEYS[K] names it
   in the rows. */
typedef struct cli_sweep_plan {
  size_t total, per;
  char **keys;
  double *bits;
} cli_sweep_plan_t;

/* What sweep --model does differently (model_sweep.c).  The grid's axes
   and compressors checked (-1 after one line); model NAME (NULL: the
   --layers x --heads one) at instance I of the grid described into M (-1
   after one line); every trial's key and budget, each model described and
   its cache checked first (-1 after one line); one trial of SP at BITS on
   M, its rows into O (-1 after one line). */
int cli_model_grid_finish (const char *cmd, cli_grid_t *g, const varlb_channel_opts_t *o);
int cli_model_sweep_build (const char *cmd, varlb_model_t *m, const cli_sweep_args_t *a,
                           const char *name, size_t i);
int cli_model_sweep_list (const char *cmd, char **keys, double *bits, const cli_sweep_args_t *a);
int cli_model_sweep_trial (const char *cmd, cli_trial_out_t *o, const varlb_model_t *m,
                           const varlb_model_spec_t *sp, double bits, const cli_sweep_args_t *a);
/* The worst STATUS over all ranks (rank 0's verdict on the files, or a
   failure of any rank), and with N rank 0's *N and, when that verdict is 0
   and LIST is given, its first *N entries of LIST: every rank then deals
   out the same pending trials. */
int cli_ranks_share (const cli_ranks_t *r, int status, size_t *n, size_t *list);
/* The rank that runs the J-th pending trial. */
static inline int
cli_ranks_owner (const cli_ranks_t *r, size_t j)
{
  return (int) (j % (size_t) r->size);
}
/* After the turn of a trial OWNER ran into O (every rank calls it for
   every trial, in order): a rank other than 0 sends its own O to rank 0
   and clears it; rank 0 receives O from OWNER.  1 on rank 0 (write O
   now), else 0. */
int cli_ranks_collect (const cli_ranks_t *r, cli_trial_out_t *o, int owner);

#endif
