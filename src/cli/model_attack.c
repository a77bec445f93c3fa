/* model_attack.c -- `varlb attack --model` and `varlb sweep --model`: trials
 * of the one-way channel on a whole model's cache (every layer and head)
 * under one global budget, judged at the whole model's Fano ceiling, with
 * per-layer accuracy in the rows and per-head accuracy in a side file
 * (--head-rows, the layer x head heat map of `varlb plot`). */
#define _GNU_SOURCE 1 /* open_memstream */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "sandbox/sandbox.h"
#include "model.h"
#include "sweep.h"
#include "verify.h"

enum {
  O_COMP = CLI_OPT_MODEL_FIRST_FREE + 10, O_BUDGET, O_RATIO, O_KEEP, O_HEADROWS, O_MAXCACHE,
  O_BUDGETS, O_RATIOS, O_OUT, O_FORCE, O_RESUME, O_MODELS, O_NO_TIMING
};

#define MODEL_TRIAL_LONGOPTS                                            \
  { "head-rows", required_argument, NULL, O_HEADROWS },                 \
  { "max-cache-bytes", required_argument, NULL, O_MAXCACHE },           \
  { "threads", required_argument, NULL, CLI_OPT_THREADS }

/* The whole cache at fp64 (K and V) is within MAX, else one line naming
   it and -1. */
static int
cache_fits (const char *cmd, const varlb_model_t *m, unsigned long long max)
{
  const varlb_pyramid_t *py = &m->par.pyramid;
  double bytes = 16.0 * (double) (m->layers * m->heads)
                 * (double) varlb_pyramid_prefix (py, py->scales - 1) * (double) m->par.d;
  if (max == 0)
    max = VARLB_MODEL_MAX_CACHE_DEFAULT;
  if (bytes <= (double) max)
    return 0;
  char label[96];
  cli_model_label (label, sizeof label, m);
  cli_error (cmd, "%s: the whole cache is %.0f bytes at fp64 (K and V), above "
             "--max-cache-bytes %llu: raise it or take a smaller preset", label, bytes, max);
  return -1;
}

/* Each head's accuracy, one CSV row per head. */
static char *
head_rows (size_t *len, const varlb_model_trial_t *mt, const varlb_model_t *m, double budget)
{
  char *text = NULL;
  FILE *f = open_memstream (&text, len);
  if (f == NULL)
    return NULL;
  for (size_t i = 0; mt->head_tested && i < mt->layers * mt->heads; i++)
    {
      fputc ('"', f);
      for (const char *p = mt->t.compressor; *p; p++)
        fprintf (f, *p == '"' ? "\"\"" : "%c", *p);
      fprintf (f, "\",%.0f,%llu,%s,%zu,%zu,%zu,%zu,%zu,%zu,%.6f\n", budget,
               (unsigned long long) mt->t.seed, mt->model, mt->layers, mt->heads,
               i / mt->heads, i % mt->heads, mt->head_tested[i], mt->head_correct[i],
               mt->head_tested[i] ? (double) mt->head_correct[i] / (double) mt->head_tested[i]
                                  : 0.0);
    }
  if (fclose (f) != 0 || cli_sign_rows (&text, len, CLI_HEAD_ROWS_HEADER, m->par.judge_key) != 0)
    {
      free (text);
      return NULL;
    }
  return text;
}

static const char *
abi_text (const varlb_model_spec_t *s)
{
  return s->abi == VARLB_COMPRESSOR_ABI_MODEL ? "whole model (one global budget)"
         : s->abi == 1 ? "per head, the budget split evenly (a 32-bit length per head charged)"
                       : s->s.kind == VARLB_SPEC_SERVE
                       ? "whole model through a serve: worker (4-D .npy)"
                       : "whole model through the file protocol (4-D .npy)";
}

static void
print_model_trial (FILE *o, const varlb_model_trial_t *mt, const varlb_model_t *m,
                   const varlb_model_spec_t *s, const char *typed)
{
  const varlb_trial_t *t = &mt->t;
  char label[96];
  cli_model_label (label, sizeof label, m);
  fprintf (o, "compressor    %s: %s\n", t->compressor, abi_text (s));
  fprintf (o, "  model       %s, N_total = %zu hidden bits\n", label, t->N);
  if (t->status != VARLB_OK)
    {
      fprintf (o, "  FAILED      %s\n", t->error);
      if (t->stderr_compress[0])
        fprintf (o, "  stderr      compress: %s\n", t->stderr_compress);
      if (t->stderr_answer[0])
        fprintf (o, "  stderr      answer: %s\n", t->stderr_answer);
      return;
    }
  fprintf (o, "  budget      %.0f bits (%s; %.4g N_total); charged %.0f bits = 8 x %.0f "
           "bytes%s\n", t->budget_bits, typed, t->budget_bits / (double) t->N, t->bits_charged,
           t->bits_charged / 8,
           t->over_budget ? ", over budget: charged in full" : "");
  fprintf (o, "  isolation   %s; side channels %.0f bits (the padded compress time)%s\n",
           t->isolation, t->side_channel_bits,
           strcmp (t->isolation, "none") == 0 ? ": NO SANDBOX, nothing kept the halves apart" : "");
  fprintf (o, "  accuracy    %zu / %zu bits = %.3f%%  (95%% CI [%.3f%%, %.3f%%])\n", t->correct,
           t->bits_tested, 100 * t->accuracy, 100 * t->ci_low, 100 * t->ci_high);
  cli_print_verdict (o, t, "N_total");
  /* Where the bits went: the best and worst layer and head. */
  size_t n = mt->layers * mt->heads, bl = 0, wl = 0, bh = 0, wh = 0;
  double lb = -1, lw = 2, hb = -1, hw = 2;
  for (size_t l = 0; l < mt->layers; l++)
    {
      size_t c = 0, k = 0;
      for (size_t h = 0; h < mt->heads; h++)
        c += mt->head_correct[l * mt->heads + h], k += mt->head_tested[l * mt->heads + h];
      double a = k ? (double) c / (double) k : 0;
      if (a > lb)
        lb = a, bl = l;
      if (a < lw)
        lw = a, wl = l;
    }
  for (size_t i = 0; i < n; i++)
    {
      double a = mt->head_tested[i] ? (double) mt->head_correct[i] / mt->head_tested[i] : 0;
      if (a > hb)
        hb = a, bh = i;
      if (a < hw)
        hw = a, wh = i;
    }
  fprintf (o, "  layers      best layer %zu %.3f%%, worst layer %zu %.3f%%\n", bl, 100 * lb, wl,
           100 * lw);
  fprintf (o, "  heads       best (%zu, %zu) %.3f%%, worst (%zu, %zu) %.3f%% (--head-rows: "
           "every head)\n", bh / mt->heads, bh % mt->heads, 100 * hb, wh / mt->heads,
           wh % mt->heads, 100 * hw);
  if (t->has_witness)
    fprintf (o, "  witness     seed %llu, layer %zu, head %zu, token %zu, coordinate %zu: full "
             "cache %.6g, compressor %.6g\n", (unsigned long long) t->seed, mt->witness_layer,
             mt->witness_head, t->witness_token, t->witness_coord, t->witness_true,
             t->witness_returned);
  if (t->calibration[0])
    fprintf (o, "  calibration %s (free: fitted before the instance was drawn)\n", t->calibration);
  if (t->provenance[0])
    fprintf (o, "  provenance  %s\n", t->provenance);
  if (t->stderr_compress[0])
    fprintf (o, "  stderr      compress: %s\n", t->stderr_compress);
  if (t->stderr_answer[0])
    fprintf (o, "  stderr      answer: %s\n", t->stderr_answer);
  fprintf (o, "  time        %.3f s\n", t->wall_s);
}

void
cli_list_models (void)
{
  static const char *const type[] = { "int", "number", "text" };
  for (size_t i = 0; i < varlb_model_compressor_count (); i++)
    {
      const varlb_compressor_t *c = &varlb_model_compressor_at (i)->base;
      printf ("%s (whole models only: --model or --layers/--heads)\n    %s\n", c->name,
              c->description);
      for (size_t k = 0; k < c->n_knobs; k++)
        {
          const varlb_knob_t *kn = &c->knobs[k];
          printf ("    %-12s %-6s default %-8s ", kn->name, type[kn->type], kn->def);
          if (kn->type != VARLB_KNOB_STRING)
            printf ("[%g, %g] ", kn->min, kn->max);
          printf ("%s\n", kn->help);
        }
    }
}

/* Resolve SPECS (N); -1 after one line. */
static int
resolve (const char *cmd, varlb_model_spec_t *sp, char *const *specs, size_t n,
         const varlb_channel_opts_t *o, uint64_t seed)
{
  char why[512];
  for (size_t i = 0; i < n; i++)
    {
      why[0] = '\0';
      int bad = varlb_model_spec_init_opts (&sp[i], specs[i], o, why, sizeof why) != VARLB_OK;
      if (!bad)
        cli_spec_note (cmd, &sp[i].s);
      if (bad)
        cli_spec_error (cmd, "--compressor", specs[i], why[0] ? why : specs[i], 1);
      /* --calibrate: exec: and serve: programs calibrate as on one head
         (their halves find the directory at VARLB_CALIBRATION or in the
         request); a plug-in's hook is a single-head one. */
      else if (cli_calibrate_asked && sp[i].s.kind == VARLB_SPEC_PLUGIN)
        {
          cli_error (cmd, "--calibrate: %s: plug-ins are not calibrated on whole models",
                     specs[i]);
          bad = 1;
        }
      else if (sp[i].s.kind == VARLB_SPEC_EXEC || sp[i].s.kind == VARLB_SPEC_SERVE)
        bad = cli_calibrate_specs (cmd, &sp[i].s, 1, seed, o) != 0;
      if (bad)
        {
          for (size_t j = 0; j <= i; j++)
            varlb_model_spec_clear (&sp[j]);
          return -1;
        }
    }
  return 0;
}

int
cli_attack_model (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_REDUCTION_LONGOPTS,
    CLI_CHANNEL_LONGOPTS,
    CLI_MODEL_LONGOPTS,
    MODEL_TRIAL_LONGOPTS,
    { "json", no_argument, NULL, CLI_OPT_JSON },
    { "compressor", required_argument, NULL, O_COMP },
    { "budget", required_argument, NULL, O_BUDGET },
    { "ratio", required_argument, NULL, O_RATIO },
    { "keep-blobs", required_argument, NULL, O_KEEP },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "attack", *keep = NULL, *hrows = NULL;
  char *specs[64];
  size_t nspecs = 0;
  double budget = NAN, ratio = NAN, maxc = 0;
  const char *typed_arg = NULL;
  int json = 0, c, rc = CLI_EXIT_USAGE, have_model = 0;
  varlb_params_t p;
  varlb_channel_opts_t opts;
  cli_model_opts_t mo = { 0 };
  varlb_model_t m;
  varlb_params_init (&p);
  varlb_channel_opts_init (&opts);
  opterr = 0;
  while ((c = getopt_long (argc, argv, "d:", longopts, NULL)) != -1)
    {
      int r = 0;
      switch (c)
        {
        case CLI_OPT_HELP:
          cli_print_help ("model", stdout);
          rc = 0;
          goto done;
        case CLI_OPT_JSON: json = 1; continue;
        case O_KEEP: keep = optarg; continue;
        case O_HEADROWS: hrows = optarg; continue;
        case O_COMP:
          if (nspecs == 64)
            {
              cli_error (cmd, "--compressor: at most 64 per run");
              goto done;
            }
          specs[nspecs++] = optarg;
          continue;
        case O_BUDGET:
          r = cli_parse_budget (cmd, "--budget", optarg, 0, 1e18, &budget);
          typed_arg = optarg;
          break;
        case O_RATIO:
          r = cli_parse_double (cmd, "--ratio", optarg, 0, 1e6, &ratio);
          typed_arg = optarg;
          break;
        case O_MAXCACHE:
          r = cli_parse_double (cmd, "--max-cache-bytes", optarg, 1, 1e18, &maxc);
          break;
        default:
          r = cli_channel_option (cmd, c, optarg, &opts);
          if (r == 1)
            r = cli_model_option (cmd, c, optarg, &mo);
          if (r == 1)
            r = cli_reduction_option (cmd, c, optarg, &p);
          if (r == 1)
            {
              rc = cli_bad_option (cmd, argc, argv);
              goto done;
            }
        }
      if (r != 0)
        goto done;
    }
  if (cli_no_arguments (cmd, argc, argv) != 0)
    goto done;
  if (nspecs == 0)
    {
      cli_error (cmd, "--compressor NAME is required (see 'varlb list')");
      goto done;
    }
  if (isnan (budget) == isnan (ratio))
    {
      cli_error (cmd, "give exactly one of --budget BITS and --ratio R (of N_total)");
      goto done;
    }
  if (cli_reduction_finish (cmd, &p) != 0 || cli_model_finish (cmd, &mo, &p, &m) != 0)
    goto done;
  have_model = 1;
  if (cache_fits (cmd, &m, (unsigned long long) maxc) != 0)
    goto done;
  int fd = -1, *fdp = &fd;
  const char *head = CLI_HEAD_ROWS_HEADER;
  if (hrows && cli_open_outputs (cmd, 1, &hrows, &fdp, &head, 0) != 0)
    {
      if (fd >= 0)
        close (fd);
      goto done;
    }
  const char *outputs[] = { keep, hrows, NULL };
  varlb_model_spec_t *sp = calloc (nspecs, sizeof *sp);
  if (cli_channel_finish (cmd, &opts, outputs) != 0 || sp == NULL
      || resolve (cmd, sp, specs, nspecs, &opts, p.seed) != 0)
    {
      free (sp);
      if (fd >= 0)
        close (fd);
      goto done;
    }
  if (keep && cli_make_dir (cmd, "--keep-blobs", keep) != 0)
    ;
  else
    {
      rc = 0;
      double bits = floor (isnan (budget) ? ratio * (double) varlb_model_hidden_bits (&m) : budget);
      char typed[128];
      cli_budget_typed (typed, sizeof typed, isnan (budget), typed_arg);
      for (size_t i = 0; i < nspecs; i++)
        {
          varlb_model_trial_t mt;
          char blobpath[4096];
          if (keep)
            {
              snprintf (blobpath, sizeof blobpath, "%s/%zu.blob", keep, i);
              opts.keep_blob = blobpath;
            }
          int st = varlb_model_trial_run (&mt, &m, &sp[i], bits, &opts, (unsigned long long) maxc);
          if (st != VARLB_OK)
            {
              cli_error (cmd, "%s: the trial could not run: %s", sp[i].s.text,
                         mt.t.error[0] ? mt.t.error : varlb_strerror (st));
              rc = CLI_EXIT_FAIL;
              varlb_model_trial_clear (&mt);
              continue;
            }
          if (mt.t.status != VARLB_OK)
            {
              rc = CLI_EXIT_FAIL;
              cli_error (cmd, "%s: %s", mt.t.compressor, mt.t.error);
            }
          if (json)
            varlb_model_trial_write_json (stdout, &mt, &m);
          else
            {
              if (i)
                putchar ('\n');
              print_model_trial (stdout, &mt, &m, &sp[i], typed);
              if (opts.isolation == VARLB_ISOLATION_SANDBOX)
                {
                  char shown[2048];
                  varlb__view_describe (shown, sizeof shown, sp[i].s.kind == VARLB_SPEC_BUILTIN
                                        ? NULL : sp[i].s.path, &opts);
                  printf ("  shown       %s\n", shown);
                }
            }
          fflush (stdout);
          size_t len;
          char *text = fd >= 0 && mt.t.status == VARLB_OK ? head_rows (&len, &mt, &m, bits) : NULL;
          if (text && cli_append_row (cmd, fd, hrows, text, len) != 0)
            rc = CLI_EXIT_FAIL;
          free (text);
          varlb_model_trial_clear (&mt);
        }
    }
  if (fd >= 0)
    close (fd);
  for (size_t j = 0; j < nspecs; j++)
    varlb_model_spec_clear (&sp[j]);
  free (sp);
done:
  if (have_model)
    varlb_model_clear (&m);
  cli_channel_clear (&opts);
  varlb_params_clear (&p);
  return rc;
}

/* ----------------------------------------------------------------- sweep */

/* The grid's instance axes are checked by cli_grid_finish, whose spec
   check knows only single-head compressors: it is shown a built-in in
   their place, and the real ones are resolved for whole models here. */
static int
grid_finish_axes (const char *cmd, cli_grid_t *g, const varlb_channel_opts_t *o)
{
  char **specs = g->specs, *probe = "identity";
  size_t n = g->nspecs;
  if (n == 0)
    {
      cli_error (cmd, "no compressor: give --compressors A,B,... or --compressor SPEC");
      return -1;
    }
  g->specs = &probe;
  g->nspecs = 1;
  int r = cli_grid_finish (cmd, g, o);
  g->specs = specs;
  g->nspecs = n;
  return r;
}

/* The model at place I of the grid's instances, named NAME (NULL: the
   --layers x --heads model); -1 after one line. */
static int
build_model (const char *cmd, varlb_model_t *m, const cli_grid_t *g,
             const cli_model_opts_t *mo, const char *name, size_t i)
{
  varlb_params_t p;
  cli_model_opts_t one = *mo;
  one.name = name;
  int bad = cli_grid_params (&p, g, i) != VARLB_OK || cli_model_finish (cmd, &one, &p, m) != 0;
  varlb_params_clear (&p);
  return bad ? -1 : 0;
}

/* Run the trial of SP at BITS on M into O: its JSON line, CSV line (no
   wall time with NO_TIMING) and with HEADS its head rows.  0, or -1 after
   one line. */
static int
sweep_trial (const char *cmd, cli_trial_out_t *o, const varlb_model_t *m,
             const varlb_model_spec_t *sp, double bits, const varlb_channel_opts_t *opts,
             unsigned long long maxc, int no_timing, int heads)
{
  varlb_model_trial_t mt;
  int st = varlb_model_trial_run (&mt, m, sp, bits, opts, maxc);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "%s: cannot run the trial: %s", sp->s.text,
                 mt.t.error[0] ? mt.t.error : varlb_strerror (st));
      varlb_model_trial_clear (&mt);
      return -1;
    }
  if (no_timing)
    mt.t.wall_s = NAN;
  FILE *fj = open_memstream (&o->json, &o->njson), *fc = open_memstream (&o->csv, &o->ncsv);
  if (fj)
    varlb_model_trial_write_json (fj, &mt, m), fclose (fj);
  if (fc)
    varlb_model_trial_write_csv (fc, &mt, m), fclose (fc);
  if (heads && mt.t.status == VARLB_OK)
    o->side = head_rows (&o->nside, &mt, m, bits);
  o->failed = mt.t.status != VARLB_OK;
  o->above = isfinite (mt.t.accuracy) && mt.t.accuracy > mt.t.fano_ceiling;
  varlb_model_trial_clear (&mt);
  if (!o->json || !o->csv || (heads && o->failed == 0 && !o->side))
    {
      cli_error (cmd, "out of memory");
      cli_trial_out_clear (o);
      return -1;
    }
  return 0;
}

int
cli_sweep_model (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_REDUCTION_LONGOPTS,
    CLI_GRID_LONGOPTS,
    CLI_CHANNEL_LONGOPTS,
    CLI_MODEL_LONGOPTS,
    MODEL_TRIAL_LONGOPTS,
    { "models", required_argument, NULL, O_MODELS },
    { "budgets", required_argument, NULL, O_BUDGETS },
    { "ratios", required_argument, NULL, O_RATIOS },
    { "out", required_argument, NULL, O_OUT },
    { "force", no_argument, NULL, O_FORCE },
    { "resume", no_argument, NULL, O_RESUME },
    { "no-timing", no_argument, NULL, O_NO_TIMING },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "sweep", *out = NULL, *hrows = NULL;
  const char *names[16];
  size_t nnames = 0, nbudgets = 0;
  double *budgets = NULL, maxc = 0;
  int ratios = -1, force = 0, resume = 0, no_timing = 0, c, rc = CLI_EXIT_USAGE;
  int agreed = 1; /* a failure every rank reaches alike: no MPI_Abort */
  cli_grid_t g;
  cli_model_opts_t mo = { 0 };
  varlb_channel_opts_t opts;
  cli_ranks_t ranks;
  cli_ranks_init (&ranks, &argc, &argv);
  cli_grid_init (&g);
  varlb_channel_opts_init (&opts);
  opterr = 0;
  while ((c = getopt_long (argc, argv, "d:", longopts, NULL)) != -1)
    {
      int r = 0;
      switch (c)
        {
        case CLI_OPT_HELP:
          cli_print_help ("model", stdout);
          rc = 0;
          goto done;
        case O_OUT: out = optarg; continue;
        case O_HEADROWS: hrows = optarg; continue;
        case O_FORCE: force = 1; continue;
        case O_NO_TIMING: no_timing = 1; continue;
        case O_RESUME: resume = 1; continue;
        case O_MAXCACHE:
          r = cli_parse_double (cmd, "--max-cache-bytes", optarg, 1, 1e18, &maxc);
          break;
        case O_BUDGETS:
        case O_RATIOS:
          if (ratios >= 0)
            {
              cli_error (cmd, "give either --budgets or --ratios, once");
              goto done;
            }
          ratios = c == O_RATIOS;
          r = cli_parse_list (cmd, ratios ? "--ratios" : "--budgets", optarg,
                              ratios ? cli_parse_double : cli_parse_budget, 0,
                              ratios ? 1e6 : 1e18, &budgets, &nbudgets);
          break;
        case CLI_OPT_MODEL:
        case O_MODELS:
          {
            char *copy = strdup (optarg), *save = NULL;
            for (char *s = strtok_r (copy, ",", &save); s && r == 0; s = strtok_r (NULL, ",", &save))
              if ((r = cli_model_option (cmd, CLI_OPT_MODEL, s, &mo)) == 0)
                {
                  if (nnames == 16)
                    {
                      cli_error (cmd, "--models: at most 16");
                      r = -1;
                    }
                  else
                    names[nnames++] = mo.name;
                }
            free (copy);
            break;
          }
        default:
          r = cli_channel_option (cmd, c, optarg, &opts);
          if (r == 1)
            r = cli_model_option (cmd, c, optarg, &mo);
          if (r == 1)
            r = cli_grid_option (cmd, &g, c, optarg);
          if (r == 1)
            {
              rc = cli_bad_option (cmd, argc, argv);
              goto done;
            }
        }
      if (r != 0)
        goto done;
    }
  if (cli_no_arguments (cmd, argc, argv) != 0)
    goto done;
  if (!out || ratios < 0)
    {
      cli_error (cmd, !out ? "missing --out FILE.csv"
                 : "no budget: give --ratios R,... (fractions of N_total) or --budgets BITS,...");
      goto done;
    }
  if (nnames && (mo.layers || mo.heads))
    {
      cli_error (cmd, "give either --model/--models or --layers/--heads");
      goto done;
    }
  if (nnames == 0)
    names[nnames++] = NULL; /* the --layers x --heads model */
  if (resume && force)
    {
      cli_error (cmd, "--resume and --force contradict each other");
      goto done;
    }
  cli_model_files_t files;
  cli_model_files_init (&files, out, hrows);
  const char *outputs[] = { out, files.jsonl, hrows, NULL };
  char **keys = NULL;
  double *bits = NULL;
  varlb_model_spec_t *sp = NULL;
  char *header = NULL;
  size_t ninst = 0, total = 0, done = 0;
  if (cli_reduction_finish (cmd, &g.base) != 0 || cli_channel_finish (cmd, &opts, outputs) != 0
      || grid_finish_axes (cmd, &g, &opts) != 0)
    goto close;
  ninst = cli_grid_instances (&g);
  total = nnames * ninst * g.nspecs * nbudgets;
  /* Every trial in grid order (models x instances x compressors x
     budgets): its budget and its key.  Every model is described, and its
     cache checked, before the first trial runs. */
  keys = calloc (total + 1, sizeof *keys);
  bits = calloc (total + 1, sizeof *bits);
  for (size_t k = 0, j = 0; keys && bits && k < nnames; k++)
    for (size_t i = 0; i < ninst; i++)
      {
        varlb_model_t m;
        if (build_model (cmd, &m, &g, &mo, names[k], i) != 0)
          goto close;
        double N = (double) varlb_model_hidden_bits (&m);
        int bad = cache_fits (cmd, &m, (unsigned long long) maxc) != 0;
        for (size_t s = 0; !bad && s < g.nspecs; s++)
          for (size_t b = 0; !bad && b < nbudgets; b++, j++)
            {
              bits[j] = floor (ratios ? budgets[b] * N : budgets[b]);
              bad = !(keys[j] = cli_model_trial_key (g.specs[s], bits[j], &m));
            }
        varlb_model_clear (&m);
        if (bad)
          goto close;
      }
  if (!keys || !bits || !files.jsonl
      || !(header = cli_csv_header_text (varlb_model_trial_write_csv_header)))
    {
      cli_error (cmd, "out of memory");
      rc = CLI_EXIT_FAIL;
      goto close;
    }
  /* Each rank resolves its specs and calibrates for itself (the public
     seed makes it the same); one that fails stops every rank before rank
     0 touches a file. */
  sp = calloc (g.nspecs, sizeof *sp);
  int setup = sp && resolve (cmd, sp, g.specs, g.nspecs, &opts, g.seeds[0]) == 0 ? 0
              : CLI_EXIT_USAGE;
  if (setup != 0)
    free (sp), sp = NULL;
  if ((rc = cli_ranks_share (&ranks, setup, NULL, NULL)) != 0)
    goto close;
  /* Rank 0 alone opens the files (--resume: trims them) and tells every
     rank its verdict and the trials already there. */
  files.key = g.base.judge_key;
  if (ranks.rank == 0)
    setup = cli_model_files_open (cmd, &files, header, keys, total, resume, force, &done);
  if ((rc = cli_ranks_share (&ranks, setup, &done, NULL)) != 0)
    goto close;
  /* From here on a rank may fail alone, and the others would wait for it. */
  agreed = 0;
  rc = CLI_EXIT_FAIL;
  size_t trials = 0, failed = 0, above = 0, per_model = g.nspecs * nbudgets;
  size_t built = (size_t) -1; /* the model M holds: its place in the grid */
  varlb_model_t m;
  const int fd[3] = { files.fhead, files.fjson, files.fcsv };
  const char *const path[3] = { hrows, files.jsonl, out };
  double t0 = cli_now ();
  int err = 0;
  /* The trials after the DONE already in the files, dealt out to the
     ranks, each rank building a model once for its trials on it; rank 0
     writes every trial's rows in grid order. */
  for (size_t j = done; j < total && !err; j++)
    {
      int owner = cli_ranks_owner (&ranks, j - done);
      cli_trial_out_t o = { 0 };
      if (owner == ranks.rank)
        {
          if (j / per_model != built)
            {
              if (built != (size_t) -1)
                varlb_model_clear (&m);
              built = j / per_model;
              if ((err = build_model (cmd, &m, &g, &mo, names[built / ninst], built % ninst)))
                {
                  built = (size_t) -1;
                  break;
                }
            }
          if ((err = sweep_trial (cmd, &o, &m, &sp[j % per_model / nbudgets], bits[j], &opts,
                                  (unsigned long long) maxc, no_timing, hrows != NULL)))
            break;
        }
      if (!cli_ranks_collect (&ranks, &o, owner))
        continue;
      err = cli_trial_out_append (cmd, &o, fd, path) != 0;
      trials++, failed += o.failed, above += o.above;
      cli_trial_out_clear (&o);
    }
  if (built != (size_t) -1)
    varlb_model_clear (&m);
  if (err)
    goto close;
  if (ranks.rank == 0)
    {
      /* The verdicts of the whole file, resumed rows included. */
      char line[512];
      cli_verdicts_of_file (line, sizeof line, out);
      fprintf (stderr, "varlb: sweep: %zu whole-model trials run (%zu already in %s), %zu "
               "compressor failures, %zu above the Fano ceiling (%s), %.1f s\n", trials, done,
               out, failed, above, line, cli_now () - t0);
    }
  rc = 0;
close:
  cli_model_files_clear (&files);
  for (size_t s = 0; sp && s < g.nspecs; s++)
    varlb_model_spec_clear (&sp[s]);
  free (sp);
  for (size_t j = 0; keys && j < total; j++)
    free (keys[j]);
  free (keys);
  free (bits);
  free (header);
done:
  free (budgets);
  cli_channel_clear (&opts);
  cli_grid_clear (&g);
  cli_ranks_clear (&ranks, rc, agreed);
  return rc;
}
