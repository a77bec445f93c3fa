/* cli.h -- internal interface shared by the varlb subcommands (not
 * installed).  Only the CLI prints: one line "varlb: CMD: what: why", then
 * exit 2 for usage errors and 1 for runtime failures. */
#ifndef VARLB_CLI_H
#define VARLB_CLI_H

#include <getopt.h>
#include <stdio.h>
#include "varlb.h"
#include "results/verify.h"

#define CLI_EXIT_USAGE 2
#define CLI_EXIT_FAIL 1

typedef int (*cli_fn) (int argc, char **argv);

struct cli_command {
  const char *name;
  cli_fn fn;
  const char *summary; /* one line for varlb --help */
  const char *help;    /* full text for varlb help CMD / CMD --help */
};

/* The table of subcommands (main.c). */
extern const struct cli_command cli_commands[];

void cli_error (const char *cmd, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* Print CMD's help to OUT. */
void cli_print_help (const char *cmd, FILE *out);

/* Number parsers: on failure print "varlb: CMD: OPT: ..." and return -1. */
int cli_parse_size (const char *cmd, const char *opt, const char *arg,
                    size_t lo, size_t hi, size_t *out);
int cli_parse_u64 (const char *cmd, const char *opt, const char *arg, uint64_t *out);
int cli_parse_double (const char *cmd, const char *opt, const char *arg,
                      double lo, double hi, double *out);
/* Comma-separated lists; *OUT is malloc'd.  cli_parse_list reads each
   element with ONE (cli_parse_double, cli_parse_budget). */
int cli_parse_double_list (const char *cmd, const char *opt, const char *arg,
                           double lo, double hi, double **out, size_t *n);
typedef int (*cli_number_parser) (const char *cmd, const char *opt, const char *arg,
                                  double lo, double hi, double *out);
int cli_parse_list (const char *cmd, const char *opt, const char *arg, cli_number_parser one,
                    double lo, double hi, double **out, size_t *n);
/* A budget in bits (options.c): a whole number of bits, or a whole number
   with a decimal unit: k, M, G (10^3, 10^6, 10^9 bits) or B, kB, MB, GB
   (8, 8 10^3, 8 10^6, 8 10^9 bits), case as written.  Fractions,
   exponents and binary units are refused in one line naming these forms.
   LO and HI bound the bits. */
int cli_parse_budget (const char *cmd, const char *opt, const char *arg,
                      double lo, double hi, double *bits);
/* DIR and every missing parent made (mkdir -p), or one line naming OPT
   and -1 (options.c). */
int cli_make_dir (const char *cmd, const char *opt, const char *dir);
/* "--budget ARG" or "--ratio ARG", as the report echoes it. */
void cli_budget_typed (char *buf, size_t len, int ratio, const char *arg);
/* attack's (a head's or a model's) NSPECS compressors and exactly one of
   BUDGET and RATIO (NaN: not given; RATIO of N_WHAT): 0, or -1 after one
   line (options.c). */
int cli_attack_given (const char *cmd, size_t nspecs, double budget, double ratio,
                      const char *n_what);
/* attack's report of trial T, a head's or a whole model's (attack.c): its
   stderr lines; the budget, isolation, accuracy and verdict lines (N
   named NNAME: "N" or "N_total", the budget as TYPED); its closing
   calibration, provenance, stderr and time lines. */
void cli_print_stderr (FILE *o, const varlb_trial_t *t);
void cli_print_judged (FILE *o, const varlb_trial_t *t, const char *typed, const char *nname);
void cli_print_trial_end (FILE *o, const varlb_trial_t *t);
/* With --keep-blobs DIR (non-NULL), trial I's blob kept as DIR/I.blob:
   the path in BUF (LEN), which O->keep_blob names until the trial is run
   (options.c). */
void cli_keep_blob (char *buf, size_t len, const char *dir, size_t i,
                    varlb_channel_opts_t *o);
#define CLI_BUDGET_FORMS "whole bits (20000), or a whole number with k, M, G (10^3, 10^6, " \
  "10^9 bits) or B, kB, MB, GB (bytes: 8, 8e3, 8e6, 8e9 bits), e.g. 20kB"
int cli_parse_u64_list (const char *cmd, const char *opt, const char *arg,
                        uint64_t **out, size_t *n);

/* The reduction options every instance-building command accepts
   (--preset, --schedule, --n, -d, --eps, --C, --eta, --jl, --keys, --values,
   --seed).  Long-option ids are CLI_OPT_* (>= 1000; -d is 'd'). */
enum {
  CLI_OPT_PRESET = 1000, CLI_OPT_SCHEDULE, CLI_OPT_EPS, CLI_OPT_C, CLI_OPT_ETA,
  CLI_OPT_JL, CLI_OPT_KEYS, CLI_OPT_VALUES, CLI_OPT_SEED, CLI_OPT_JSON,
  CLI_OPT_HELP, CLI_OPT_N, CLI_OPT_JUDGE_KEY, CLI_OPT_OUT, CLI_OPT_OUTDIR, CLI_OPT_MAX_MEMORY,
  CLI_OPT_FIRST_FREE = 1100
};


#define CLI_REDUCTION_HELP \
  "Instance options:\n" \
  "  --preset PX          VAR schedule preset: 256 (default), 512 or 1024\n" \
  "  --schedule LIST      custom strictly increasing schedule, e.g. 1,2,4,8\n" \
  "  --n N                halving pyramid ending at side N: ceil(N/2^j), e.g. 1,2,4,8,16\n" \
  "  -d, --dim D          key/value dimension (1..65536, default 64)\n" \
  "  --eps E              JL distortion used for C, delta, Delta (0,0.5), default 0.1\n" \
  "  --C C, --temperature C  query scale (default 2(ln M + ln((1+eta)/(1-eta)))/(1-2eps);\n" \
  "                       at most 100 with unit keys, VAR's temperature cap)\n" \
  "  --eta H              (1 +- eta) approximation slack in [0,1), default 0\n" \
  "  --jl FAMILY          gaussian (default), rademacher or achlioptas (sparse)\n" \
  "  --keys MODE          unit (default, VAR-realizable) or scaled (columns of A/sqrt(d))\n" \
  "  --values KIND        01 (default, the paper's) or pm1 (+-1, sign decoding)\n" \
  "  --seed S             64-bit seed of the instance (default 1)\n" \
  "  --judge-key FILE     the secret key of Alice's bits and Bob's choices (default\n" \
  "                       $VARLB_JUDGE_KEY, else ~/.config/varlb/judge.key, made on\n" \
  "                       first use); runs are a pure function of (key, seed)\n"

/* The channel options every trial-running command accepts (attack, sweep,
   scaling): --timeout, --sample, --max-file, --no-sandbox, --half-memory,
   --half-cpu, --half-procs, --half-files, --expose, --calibrate,
   --calibrate-timeout, --cold-cache.  Ids CLI_OPT_CH_*. */
enum {
  CLI_OPT_CH_TIMEOUT = 1050, CLI_OPT_CH_SAMPLE, CLI_OPT_CH_MAXFILE, CLI_OPT_CH_NOSANDBOX,
  CLI_OPT_CH_MEM, CLI_OPT_CH_CPU, CLI_OPT_CH_PROCS, CLI_OPT_CH_FILES, CLI_OPT_CH_EXPOSE,
  CLI_OPT_CH_CALIBRATE, CLI_OPT_CH_CALIBRATE_TIMEOUT, CLI_OPT_CH_COLD_CACHE
};


#define CLI_CHANNEL_HELP \
  "Channel options (each compressor half runs in its own sandbox):\n" \
  "  --timeout S          wall seconds allowed to each half (default 60)\n" \
  "  --sample M           Bob queries M Alice tokens drawn from his secret stream\n" \
  "                       (default: all of them)\n" \
  "  --max-file BYTES     largest file a half may write (blob, O.npy, stderr);\n" \
  "                       past it the half is stopped and fails (default 16 x\n" \
  "                       the cache at fp64, at least 64 MiB)\n" \
  "  --half-memory BYTES  address space of each process of a half (default half\n" \
  "                       the machine's memory, at most 16 GiB)\n" \
  "  --half-cpu S         CPU seconds of each process (default 2 x timeout + 1)\n" \
  "  --half-procs N       processes of a half (default 256; not enforceable when\n" \
  "                       varlb runs as root)\n" \
  "  --half-files N       open files of each process (default 1024)\n" \
  "  --expose PATH        let halves see PATH (read-only) although it lies in a\n" \
  "                       directory they do not see ($HOME, /tmp); repeatable\n" \
  "  --no-sandbox         run halves as plain processes: no isolation, every row\n" \
  "                       says isolation none (README, \"Threat model\")\n" \
  "  --calibrate          before any instance, run each exec:/serve: compressor's\n" \
  "                       COMMAND calibrate --seed S --out CALIB (a plug-in's\n" \
  "                       varlb_compressor_calibrate) in a sandbox with the public\n" \
  "                       calibration seed; CALIB is then read-only to both halves\n" \
  "                       ($VARLB_CALIBRATION) and its SHA-256 is in every row\n" \
  "  --calibrate-timeout S  seconds allowed to each calibration (default 600)\n" \
  "  --cold-cache         between Alice and Bob drop the host's page, dentry and\n" \
  "                       inode caches, with no other half on the machine running\n" \
  "                       meanwhile: closes the page cache's timing residue, at a\n" \
  "                       cost to every job on the machine (needs the host's root;\n" \
  "                       README, \"Threat model\")\n"

/* Handle one channel option: 0 handled, 1 not a channel option, -1 after
   printing an error. */
int cli_channel_option (const char *cmd, int opt, const char *arg, varlb_channel_opts_t *o);
/* Whether --calibrate was given, and running it for the specs (one line
   and -1 when a calibration fails).  The calibration seed is public:
   varlb_seed_public of SEED (the run's first seed) mixed with stream 7. */
extern int cli_calibrate_asked;
int cli_calibrate_specs (const char *cmd, varlb_spec_t *specs, size_t n, uint64_t seed,
                         const varlb_channel_opts_t *o);
/* A spec refused with WHY: one line for OPT (--compressor, --compressors),
   naming the nearest compressor for a typo, or --model for a whole-model
   compressor given without it (MODEL 0) (spec.c). */
void cli_spec_error (const char *cmd, const char *opt, const char *spec, const char *why,
                     int model);
/* One note on stderr when an exec:/serve: spec's command named files
   relative to the current directory, saying the command it runs. */
void cli_spec_note (const char *cmd, const varlb_spec_t *s);
/* After parsing: the varlb binary that runs inside halves, the files no
   half may see (the judge key, OUTPUTS), and a sandbox that can be made
   (else one line naming why, and -1).  Free with cli_channel_clear. */
int cli_channel_finish (const char *cmd, varlb_channel_opts_t *o, const char *const *outputs);
void cli_channel_clear (varlb_channel_opts_t *o);
/* The path of the running varlb (malloc'd), or NULL. */
char *cli_self_exe (void);

#define CLI_RESOURCE_HELP \
  "Resource options:\n" \
  "  --max-memory SIZE    refuse an instance whose estimated memory exceeds SIZE\n" \
  "                       (bytes, or with K, M, G, T: powers of 1024; default 3/4\n" \
  "                       of this machine's memory, or of its cgroup's limit)\n"

/* ------------------------------------------------- the shared parser */

/* Which shared options a command accepts (cli_options_init). */
enum {
  CLI_ACCEPT_INSTANCE = 1 << 0, /* every instance option (CLI_REDUCTION_HELP) */
  CLI_ACCEPT_KEYS = 1 << 1,     /* only --eps, --C, --eta, --jl, --keys, --values;
                                   the pyramid, -d and --seed are refused by name */
  CLI_ACCEPT_JSON = 1 << 2,     /* --json */
  CLI_ACCEPT_OUT = 1 << 3,      /* --out FILE */
  CLI_ACCEPT_OUTDIR = 1 << 4,   /* --outdir DIR */
  CLI_ACCEPT_MEMORY = 1 << 5,   /* --max-memory SIZE (CLI_RESOURCE_HELP) */
  CLI_ACCEPT_OPERANDS = 1 << 6, /* leave operands to the caller (argv[optind..]) */
  CLI_ACCEPT_CHANNEL = 1 << 7,  /* the channel options (CLI_CHANNEL_HELP) */
  CLI_ACCEPT_MODEL = 1 << 8,    /* a whole model: --model, --layers, --heads,
                                   --threads (CLI_MODEL_HELP); --help prints
                                   `varlb help model` */
  CLI_ACCEPT_MODEL_TRIAL = 1 << 9, /* its trial's --head-rows, --max-cache-bytes */
  CLI_ACCEPT_MODELS = 1 << 10,  /* with CLI_ACCEPT_MODEL: --model and --models take
                                   lists of named models (a sweep's axis) */
  CLI_ACCEPT_NO_KEY = 1 << 11   /* the instance is only described (bound): its
                                   parameters are checked, no judge key is read
                                   or made */
};

/* Instance options given on the command line (cli_options_t.given). */
enum {
  CLI_GIVEN_PYRAMID = 1 << 0, /* --preset, --schedule or --n */
  CLI_GIVEN_CUSTOM = 1 << 1,  /* the last of them was --schedule or --n */
  CLI_GIVEN_D = 1 << 2,
  CLI_GIVEN_SEED = 1 << 3
};

/* cli_options_next's results besides a command's own option ids. */
enum { CLI_OPTIONS_DONE = 0, CLI_OPTIONS_ERROR = -1, CLI_OPTIONS_HELP = -2 };

/* The whole-model options (model.c, cli_model_option). */
typedef struct cli_model_opts {
  const char *name;       /* --model NAME, or NULL */
  size_t layers, heads;   /* --layers, --heads (0: not given) */
  unsigned threads;       /* --threads (0: one per core) */
} cli_model_opts_t;

typedef struct cli_options {
  varlb_params_t p;     /* the instance options applied to the defaults */
  varlb_channel_opts_t channel; /* the channel options (CLI_ACCEPT_CHANNEL) */
  unsigned given;       /* CLI_GIVEN_* */
  int json;             /* --json */
  const char *out;      /* --out FILE, or NULL */
  const char *outdir;   /* --outdir DIR, or NULL */
  double max_memory;    /* --max-memory, bytes (default cli_default_max_memory) */
  cli_model_opts_t model; /* CLI_ACCEPT_MODEL: --model, --layers, --heads, --threads */
  const char *models[16]; /* CLI_ACCEPT_MODELS: the named models, in order */
  size_t nmodels;
  const char *head_rows;  /* CLI_ACCEPT_MODEL_TRIAL: --head-rows FILE, or NULL */
  double max_cache;       /* CLI_ACCEPT_MODEL_TRIAL: --max-cache-bytes (0: the default) */
  const char *arg;      /* the argument of the own option just returned */
  const char *not_here; /* CLI_ACCEPT_KEYS: why the pyramid, -d, --seed are refused */
  const char *cmd;      /* the command's name, for error lines */
  /* private */
  const char *shortopts;
  unsigned accept;
  struct option *longopts;
} cli_options_t;

/* Set up parsing for CMD: the shared options ACCEPT names, then OWN (a
   getopt_long table ending with a zero entry, ids >= CLI_OPT_FIRST_FREE;
   may be NULL).  O->p holds the defaults until then: a command may change
   them (explain's tiny instance).  -1 after one line (out of memory). */
int cli_options_init (cli_options_t *o, const char *cmd, unsigned accept,
                      const struct option *own);
/* The next own option's id (its argument in O->arg), having handled every
   shared option before it; CLI_OPTIONS_DONE after the last option, once the
   operands and the instance parameters are checked; CLI_OPTIONS_HELP after
   printing the help; CLI_OPTIONS_ERROR after one error line.  The usual loop:
     while ((c = cli_options_next (&o, argc, argv)) > 0)
       switch (c) { case OPT_X: ... on error: return cli_options_stop (&o, CLI_OPTIONS_ERROR); }
     if (c != CLI_OPTIONS_DONE) return cli_options_stop (&o, c); */
int cli_options_next (cli_options_t *o, int argc, char **argv);
void cli_options_clear (cli_options_t *o);
/* The parsed instance parameters O->p moved into P (not initialised: it
   is overwritten), then O cleared: for a command that keeps the
   parameters, not a built instance (lowdim, bound). */
void cli_options_take (cli_options_t *o, varlb_params_t *p);
/* Clear O and return the exit status for C: 0 after help, 2 otherwise. */
int cli_options_stop (cli_options_t *o, int c);

/* A size in bytes with an optional K, M, G, T, P suffix (powers of 1024). */
int cli_parse_bytes (const char *cmd, const char *opt, const char *arg, double *out);
/* 3/4 of the physical memory, or of the cgroup's limit when lower. */
double cli_default_max_memory (void);
void cli_format_bytes (char *buf, size_t len, double bytes);
/* What a command does with its instance, for cli_check_resources. */
enum cli_job { CLI_JOB_INSTANCE, CLI_JOB_DECODE, CLI_JOB_CERTIFY };
/* -1 after one line when the estimated memory of JOB on O's instance
   (varlb_instance_resources) exceeds --max-memory; else 0, with JOB's work
   in multiply-adds in *WORK (optional). */
int cli_check_resources (const cli_options_t *o, enum cli_job job, double *work);
/* The same for the parameters P of one instance of a grid (sweep, scaling). */
int cli_check_params_resources (const cli_options_t *o, const varlb_params_t *p,
                                enum cli_job job, double *work);
/* Once parsing is done: check JOB's resources, build O's instance into IN
   and clear O.  0, or an exit status after one line (2 over --max-memory,
   1 when the instance cannot be built; IN then needs no clear). */
int cli_options_build (varlb_instance_t *in, cli_options_t *o, enum cli_job job);
/* A progress line for the library's long loops, on a terminal only (and a
   word up front when WORK, in multiply-adds, is large); end removes it. */
void cli_progress_begin (const char *cmd, double work);
void cli_progress_end (void);

/* Handle one reduction option.  Returns 0 when handled, 1 when OPT is not a
   reduction option, -1 after printing an error. */
int cli_reduction_option (const char *cmd, int opt, const char *arg, varlb_params_t *p);
/* Check the parameters and load the judge key into P; print the one-line
   reason and return -1 if bad. */
int cli_reduction_finish (const char *cmd, varlb_params_t *p);
/* Whether a schedule option (--preset, --schedule, --n, or a sweep's
   --presets, --ns, --schedules) was given: a named model otherwise runs at
   the image size it was released at. */
extern int cli_schedule_given;
/* The --judge-key file given (NULL: the default one), and loading it. */
extern const char *cli_judge_key_path;
int cli_judge_key (const char *cmd, varlb_params_t *p);
/* The key results are checked under (varlb__verify_key_load of the
   --judge-key file), and a side-row file's MACs (varlb__side_rows_verify):
   0, or -1 after one line. */
int cli_verify_key_load (const char *cmd, varlb__verify_key_t *k);
int cli_side_rows_verify (const char *cmd, const char *path, const char *header,
                          const unsigned char *key);
/* The candidate nearest WORD by edit distance when close enough to be a
   typo ("did you mean"), else NULL. */
const char *cli_nearest (const char *word, const char *const *cands, size_t n);
/* Report an unknown option (with the nearest option of CMD's help, if any),
   an ambiguous abbreviation or a missing argument from getopt; return 2. */
int cli_bad_option (const char *cmd, int argc, char **argv);
/* After getopt: 0 when nothing but options was given, else -1 after one
   line naming the first stray argument. */
int cli_no_arguments (const char *cmd, int argc, char **argv);
/* After getopt: the one argument WHAT (e.g. "RESULTS.csv"), or NULL after
   one line saying it is missing or naming the argument after it. */
const char *cli_one_argument (const char *cmd, int argc, char **argv, const char *what);

/* Minimal JSON writing (no state): strings are escaped. */
void cli_json_string (FILE *f, const char *s);
/* A double as JSON: NaN/Inf become null. */
void cli_json_double (FILE *f, double v);

/* The git revision varlb was built from, or NULL. */
const char *cli_git_revision (void);

/* Seconds from a monotonic clock. */
double cli_now (void);

/* ------------------------------------------ varlb plot (plot.c) */

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
   TITLE (NULL: the chart's own) and ONLY (the rows of one compressor; NULL:
   all) are --title and --compressor.  WROTE (may be NULL) receives one
   line naming the chart and the files written. */
int cli_plot_file (const char *cmd, const char *csv, const char *out, enum cli_plot_kind kind,
                   const char *title, const char *only, char *wrote, size_t wlen);

/* varlb demo's chart: a few quick compressors at a few budgets on the
   demo instance P, rows to OUT's stem .csv, chart (a) to OUT.  Returns as
   cli_plot_file (3: gnuplot absent, noted). */
int cli_plot_demo (const char *cmd, const varlb_params_t *p, const char *out);

/* ------------------------------------------ varlb report (report.c) */

/* The page of the N files PATHS written to OUT (TITLE NULL: from their
   names); one line naming it to SAY (NULL: none).  0; 1 when a file
   cannot be read or reported (no page) or when rows state what their
   counts do not give (the page is written, marking them); 2 on usage. */
int cli_report_files (const char *cmd, char *const *paths, size_t n, const char *out,
                      const char *title, FILE *say);

#endif
