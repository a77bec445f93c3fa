/* model.c -- whole VAR models on the command line: the shared --model,
 * --layers, --heads options; `varlb bound` (the lower bound of a whole
 * model's cache next to its fp16 size); `decode --model` and `certify
 * --model`, which stream head by head (src/model.c). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "model.h"

int
cli_model_requested (int argc, char **argv)
{
  static const char *const opt[] = { "--model", "--models", "--layers", "--heads" };
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    for (size_t k = 0; k < 4; k++)
      {
        size_t n = strlen (opt[k]);
        if (strncmp (argv[i], opt[k], n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
          return 1;
      }
  return 0;
}

int
cli_model_option (const char *cmd, int opt, const char *arg, cli_model_opts_t *mo)
{
  size_t v;
  switch (opt)
    {
    case CLI_OPT_MODEL:
      for (size_t i = 0; varlb_model_name_at (i); i++)
        if (strcmp (arg, varlb_model_name_at (i)) == 0)
          {
            mo->name = varlb_model_name_at (i);
            return 0;
          }
      {
        const char *names[16];
        size_t n = 0;
        while (n < 16 && (names[n] = varlb_model_name_at (n)))
          n++;
        const char *near = cli_nearest (arg, names, n);
        cli_error (cmd, "--model: unknown model '%s'%s%s%s (VAR's released models: var-d16, "
                   "var-d20, var-d24, var-d30, var-d36; --layers and --heads give any other)",
                   arg, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return -1;
      }
    case CLI_OPT_LAYERS:
      if (cli_parse_size (cmd, "--layers", arg, 1, VARLB_MODEL_MAX_LAYERS, &v) != 0)
        return -1;
      mo->layers = v;
      return 0;
    case CLI_OPT_HEADS:
      if (cli_parse_size (cmd, "--heads", arg, 1, VARLB_MODEL_MAX_HEADS, &v) != 0)
        return -1;
      mo->heads = v;
      return 0;
    case CLI_OPT_THREADS:
      if (cli_parse_size (cmd, "--threads", arg, 1, 4096, &v) != 0)
        return -1;
      mo->threads = (unsigned) v;
      return 0;
    default:
      return 1;
    }
}

int
cli_model_finish (const char *cmd, const cli_model_opts_t *mo, const varlb_params_t *p,
                  varlb_model_t *m)
{
  if (mo->name && (mo->layers || mo->heads))
    {
      cli_error (cmd, "--model %s fixes the layers and heads: give either --model or "
                 "--layers/--heads", mo->name);
      return -1;
    }
  if (mo->name && p->d != 64)
    {
      cli_error (cmd, "--model %s has head dimension 64, not %zu (--layers and --heads "
                 "give a model of any dimension)", mo->name, p->d);
      return -1;
    }
  varlb_params_t named;
  int st = mo->name ? varlb_params_copy (&named, p) : VARLB_OK;
  if (mo->name && st == VARLB_OK)
    {
      st = cli_model_named_params (cmd, &named, mo->name) == 0
           ? varlb_model_init_named (m, &named, mo->name) : VARLB_ENOMEM;
      varlb_params_clear (&named);
    }
  else if (st == VARLB_OK)
    st = varlb_model_init (m, p, mo->layers ? mo->layers : 1, mo->heads ? mo->heads : 1);
  if (st == VARLB_OK && varlb_model_hidden_bits (m) == 0)
    {
      varlb_model_clear (m);
      st = VARLB_EINVAL;
    }
  if (st != VARLB_OK)
    {
      cli_error (cmd, "cannot describe the model: %s", varlb_strerror (st));
      return -1;
    }
  return 0;
}

void
cli_model_label (char *buf, size_t len, const varlb_model_t *m)
{
  if (strcmp (m->name, "custom") == 0)
    snprintf (buf, len, "a model of %zu layer%s x %zu head%s", m->layers,
              m->layers == 1 ? "" : "s", m->heads, m->heads == 1 ? "" : "s");
  else
    snprintf (buf, len, "VAR-%s (%zu layers x %zu heads)", m->name + 4, m->layers, m->heads);
}

/* A byte count with its decimal unit: "38.6 MB". */
static const char *
si_bytes (char *buf, size_t len, double b)
{
  static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
  int u = 0;
  while (b >= 1000.0 && u < 4)
    b /= 1000.0, u++;
  snprintf (buf, len, u ? "%.3g %s" : "%.0f %s", b, unit[u]);
  return buf;
}

int
cli_model_help (int argc, char **argv)
{
  if (argc > 1 && strcmp (argv[1], "--help") != 0)
    {
      cli_error ("model", "unexpected argument '%s' (the commands take --model: varlb "
                 "help model)", argv[1]);
      return CLI_EXIT_USAGE;
    }
  cli_print_help ("model", stdout);
  return 0;
}

/* ----------------------------------------------------------------- bound */

static void
bound_text (FILE *o, const varlb_model_t *m, const varlb_model_bound_t *b)
{
  char label[96], sched[512], u1[32], u2[32];
  cli_model_label (label, sizeof label, m);
  varlb_pyramid_format (&m->par.pyramid, sched, sizeof sched);
  size_t N = b->N_total / (m->layers * m->heads);
  fprintf (o, "varlb bound: %s, schedule %s, head dimension d = %zu\n", label, sched, m->par.d);
  char rel[160];
  if (cli_model_release (rel, sizeof rel, m->name, &m->par.pyramid))
    fprintf (o, "  model         %s\n", rel);
  fprintf (o, "  hidden bits   N_total = %zu heads x N = %zu x %zu = %zu bits "
           "(each head an independent Index instance)\n", m->layers * m->heads,
           m->layers * m->heads, N, b->N_total);
  if (b->accuracy == 1.0)
    fprintf (o, "  lower bound   %.0f bits = %.0f bytes (%s): every hidden bit recovered\n",
             b->bits, b->bytes, si_bytes (u1, sizeof u1, b->bytes));
  else
    fprintf (o, "  lower bound   %.0f bits = %.0f bytes (%s) = N_total (1 - H2(1 - %g)): mean "
             "accuracy %g (Fano; certified with MPFR, rounded down)\n", b->bits, b->bytes,
             si_bytes (u1, sizeof u1, b->bytes), b->accuracy, b->accuracy);
  fprintf (o, "  fp16 cache    %.0f bytes (%s): K and V, %zu layers x %zu heads x d %zu x T %zu "
           "tokens x 2 bytes (one image; classifier-free guidance doubles it)\n",
           b->cache_fp16_bytes, si_bytes (u2, sizeof u2, b->cache_fp16_bytes), m->layers,
           m->heads, m->par.d, b->T);
  fprintf (o, "  ratio         the fp16 cache is %.1f x the bound: no compressor keeps the "
           "hidden bits in fewer than %s\n", b->ratio, u1);
}

static void
bound_json (FILE *o, const varlb_model_t *m, const varlb_model_bound_t *b)
{
  char sched[512];
  varlb_pyramid_format (&m->par.pyramid, sched, sizeof sched);
  fputs ("{\"model\":", o);
  cli_json_string (o, m->name);
  fprintf (o, ",\"layers\":%zu,\"heads\":%zu,\"d\":%zu,\"schedule\":", m->layers, m->heads,
           m->par.d);
  cli_json_string (o, sched);
  fprintf (o, ",\"T\":%zu,\"N_total\":%zu,\"accuracy\":", b->T, b->N_total);
  cli_json_double (o, b->accuracy);
  fprintf (o, ",\"bits\":%.0f,\"bytes\":%.0f,\"cache_fp16_bytes\":%.0f,\"ratio\":", b->bits,
           b->bytes, b->cache_fp16_bytes);
  cli_json_double (o, b->ratio);
  char rel[160];
  if (cli_model_release (rel, sizeof rel, m->name, &m->par.pyramid))
    {
      fputs (",\"released\":", o);
      cli_json_string (o, rel);
    }
  fputs ("}\n", o);
}

/* The README's table: every named model at every preset. */
static int
bound_table (const char *cmd, const varlb_params_t *base, double accuracy)
{
  static const int px[] = { 256, 512, 1024 };
  printf ("| model | preset | released | T | N_total (bits) | bound (bytes) | fp16 cache (bytes) "
          "| ratio |\n|---|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; varlb_model_name_at (i); i++)
    for (int k = 0; k < 3; k++)
      {
        varlb_params_t p;
        varlb_model_t m;
        varlb_model_bound_t b;
        char u1[32], u2[32];
        int st = varlb_params_copy (&p, base);
        if (st == VARLB_OK)
          {
            varlb_pyramid_clear (&p.pyramid);
            st = varlb_pyramid_init_preset (&p.pyramid, px[k]);
          }
        if (st == VARLB_OK)
          st = varlb_model_init_named (&m, &p, varlb_model_name_at (i));
        char rel[160];
        if (st == VARLB_OK)
          cli_model_release (rel, sizeof rel, varlb_model_name_at (i), &p.pyramid);
        varlb_params_clear (&p);
        if (st == VARLB_OK)
          {
            st = varlb_model_bound (&b, &m, accuracy);
            varlb_model_clear (&m);
          }
        if (st != VARLB_OK)
          {
            cli_error (cmd, "%s at %dpx: %s", varlb_model_name_at (i), px[k], varlb_strerror (st));
            return CLI_EXIT_FAIL;
          }
        /* The column says yes or no first; the rest is the why. */
        printf ("| %s | %dpx | %s | %zu | %zu | %.0f (%s) | %.0f (%s) | %.1f |\n",
                varlb_model_name_at (i), px[k], strncmp (rel, "released", 8) == 0 ? "yes"
                : strstr (rel, "VAR-derived") ? "no (VAR-derived schedule, HART's)" : "no",
                b.T, b.N_total, b.bytes,
                si_bytes (u1, sizeof u1, b.bytes), b.cache_fp16_bytes,
                si_bytes (u2, sizeof u2, b.cache_fp16_bytes), b.ratio);
      }
  return 0;
}

int
cli_bound (int argc, char **argv)
{
  enum { O_ACC = CLI_OPT_MODEL_FIRST_FREE, O_TABLE };
  static const struct option own[] = {
    CLI_MODEL_LONGOPTS,
    { "accuracy", required_argument, NULL, O_ACC },
    { "table", no_argument, NULL, O_TABLE },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "bound";
  cli_options_t o;
  double acc = 1.0;
  int table = 0, c, rc = CLI_EXIT_USAGE;
  /* The bound draws nothing: no judge key is needed (CLI_ACCEPT_NO_KEY). */
  if (cli_options_init (&o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_JSON | CLI_ACCEPT_NO_KEY,
                        own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  /* --model, --layers and --heads (own options, not CLI_ACCEPT_MODEL: no
     --threads, and --help is bound's) land in o.model as for every command. */
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    if (c == O_TABLE)
      table = 1;
    else if (cli_parse_double (cmd, "--accuracy", o.arg, 0.5, 1.0, &acc) != 0)
      return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  int json = o.json;
  cli_model_opts_t mo = o.model;
  varlb_params_t p;
  cli_options_take (&o, &p);
  if (table)
    {
      if (mo.name || mo.layers || mo.heads || json)
        {
          cli_error (cmd, "--table lists every named model at every preset: no --model, "
                     "--layers, --heads or --json with it");
          goto done;
        }
      rc = bound_table (cmd, &p, acc);
      goto done;
    }
  if (!mo.name && !mo.layers && !mo.heads)
    {
      cli_error (cmd, "give --model NAME (or --layers L --heads H), or --table");
      goto done;
    }
  varlb_model_t m;
  if (cli_model_finish (cmd, &mo, &p, &m) != 0)
    goto done;
  varlb_model_bound_t b;
  int st = varlb_model_bound (&b, &m, acc);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "%s", varlb_strerror (st));
      rc = CLI_EXIT_FAIL;
    }
  else
    {
      if (json)
        bound_json (stdout, &m, &b);
      else
        bound_text (stdout, &m, &b);
      rc = 0;
    }
  varlb_model_clear (&m);
done:
  varlb_params_clear (&p);
  return rc;
}

/* ------------------------------------------------ decode and certify */

/* decode/certify --model: the model O's options describe into M (O
   cleared), its JSON flag and threads.  0, or the exit status after one
   line. */
static int
model_of (const char *cmd, cli_options_t *o, varlb_model_t *m, int *json, unsigned *threads)
{
  int bad = cli_model_finish (cmd, &o->model, &o->p, m) != 0;
  *json = o->json;
  *threads = o->model.threads;
  cli_options_clear (o);
  return bad ? CLI_EXIT_USAGE : 0;
}

/* decode --model's report of R on M (JSON with JSON), SECS its time: 0, or
   1 after one line when stdout fails. */
static int
decode_report (const char *cmd, const varlb_model_t *m, const varlb_model_decode_report_t *r,
               int json, double secs)
{
  char label[96], sched[512], fp[17];
  cli_model_label (label, sizeof label, m);
  varlb_pyramid_format (&m->par.pyramid, sched, sizeof sched);
  varlb_judge_key_fingerprint (fp, m->par.judge_key);
  if (json)
    {
      fputs ("{\"model\":", stdout);
      cli_json_string (stdout, m->name);
      printf (",\"layers\":%zu,\"heads\":%zu,\"d\":%zu,\"schedule\":", m->layers, m->heads,
              m->par.d);
      cli_json_string (stdout, sched);
      printf (",\"seed\":%llu,\"public_seed\":%llu,\"judge_key\":\"%s\",\"N_total\":%zu,"
              "\"bits\":%zu,\"correct\":%zu,\"heads_perfect\":%zu,\"worst_layer\":%zu,"
              "\"worst_head\":%zu,\"worst_correct\":%zu,\"threads\":%u,\"min_target_weight\":",
              (unsigned long long) m->par.seed,
              (unsigned long long) varlb_seed_public (m->par.seed), fp,
              varlb_model_hidden_bits (m), r->bits, r->correct, r->heads_perfect, r->worst_layer,
              r->worst_head, r->worst_correct, r->threads);
      cli_json_double (stdout, r->min_target_weight);
      fputs (",\"decode_seconds\":", stdout);
      cli_json_double (stdout, secs);
      fputs ("}\n", stdout);
    }
  else
    {
      printf ("varlb: %s, every hidden bit of every head decoded from the full cache\n\n", label);
      printf ("  schedule      %s, d = %zu; %zu heads, each an independent instance "
              "(its own secret bits)\n", sched, m->par.d, r->heads);
      printf ("  seeds         seed %llu; model public seed %llu (every head's from it); "
              "judge key %s\n", (unsigned long long) m->par.seed,
              (unsigned long long) varlb_seed_public (m->par.seed), fp);
      printf ("  decoding      %zu / %zu bits correct (%.3f%%); %zu of %zu heads perfect; "
              "%.3f s on %u thread%s\n", r->correct, r->bits, 100.0 * r->correct / r->bits,
              r->heads_perfect, r->heads, secs, r->threads, r->threads == 1 ? "" : "s");
      printf ("  worst head    layer %zu, head %zu: %zu bits correct\n", r->worst_layer,
              r->worst_head, r->worst_correct);
      printf ("  attention     smallest weight on a target token %.6f\n", r->min_target_weight);
      if (r->correct != r->bits)
        printf ("  first error   layer %zu, head %zu, token %zu, coordinate %zu\n",
                r->first_wrong_layer, r->first_wrong_head, r->first_wrong_token,
                r->first_wrong_col);
      printf ("  numerics      floating point (double), head by head (memory of %u head%s); "
              "'varlb certify --model' gives a certified check\n", r->threads,
              r->threads == 1 ? "" : "s");
    }
  if (fflush (stdout) != 0)
    {
      cli_error (cmd, "cannot write the report");
      return CLI_EXIT_FAIL;
    }
  return 0;
}


/* certify --model's report of R on M: 0, or 1 after one line when a bit is
   not certified. */
static int
certify_report (const char *cmd, const varlb_model_t *m, const varlb_model_certify_report_t *r,
                int json, double secs)
{
  char label[96];
  cli_model_label (label, sizeof label, m);
  if (json)
    {
      fputs ("{\"model\":", stdout);
      cli_json_string (stdout, m->name);
      printf (",\"layers\":%zu,\"heads\":%zu,\"bits\":%zu,\"certified\":%zu,\"wrong\":%zu,"
              "\"undecided\":%zu,\"rows_refined\":%zu,\"max_prec\":%lu,\"seed\":%llu,"
              "\"threads\":%u,\"seconds\":", m->layers, m->heads, r->bits, r->certified, r->wrong,
              r->undecided, r->rows_refined, r->max_prec, (unsigned long long) m->par.seed,
              r->threads);
      cli_json_double (stdout, secs);
      printf (",\"not_certified\":[");
      for (size_t k = 0; k < r->n_examples; k++)
        printf ("%s[%zu,%zu,%zu,%zu]", k ? "," : "", r->bad[k][0], r->bad[k][1], r->bad[k][2],
                r->bad[k][3]);
      printf ("]}\n");
    }
  else
    {
      printf ("varlb certify: %s, %zu hidden bits, head by head on %u thread%s, seed %llu\n",
              label, r->bits, r->threads, r->threads == 1 ? "" : "s",
              (unsigned long long) m->par.seed);
      printf ("  each output of each head's exact attention enclosed with MPFR directed "
              "rounding (%zu rows needed the coordinatewise pass, up to %lu bits), %.3f s\n",
              r->rows_refined, r->max_prec, secs);
      printf ("  certified %zu / %zu; proved wrong %zu; undecided %zu\n", r->certified, r->bits,
              r->wrong, r->undecided);
      for (size_t k = 0; k < r->n_examples; k++)
        printf ("  not certified: layer %zu, head %zu, token %zu, coordinate %zu (its first)\n",
                r->bad[k][0], r->bad[k][1], r->bad[k][2], r->bad[k][3]);
    }
  if (r->n_bad)
    {
      cli_error (cmd, "%zu bit%s not certified", r->n_bad, r->n_bad == 1 ? "" : "s");
      return CLI_EXIT_FAIL;
    }
  return 0;
}

/* decode (or with CERTIFY certify) --model once its options O are read:
   each head of the model decoded, or certified, head by head; the exit
   status. */
static int
model_job (cli_options_t *o, int certify)
{
  const char *cmd = certify ? "certify" : "decode";
  varlb_model_t m;
  int json = 0;
  unsigned threads = 0;
  int rc = model_of (cmd, o, &m, &json, &threads);
  if (rc != 0)
    return rc;
  varlb_model_decode_report_t dr;
  varlb_model_certify_report_t cr;
  double t0 = cli_now ();
  int st = certify ? varlb_model_certify (&cr, &m, NULL, threads)
                   : varlb_model_decode_all (&dr, &m, NULL, threads);
  double secs = cli_now () - t0;
  if (st != VARLB_OK)
    cli_error (cmd, "%s failed: %s", certify ? "certification" : "decoding", varlb_strerror (st));
  else
    rc = certify ? certify_report (cmd, &m, &cr, json, secs)
                 : decode_report (cmd, &m, &dr, json, secs);
  varlb_model_clear (&m);
  return st != VARLB_OK ? CLI_EXIT_FAIL : rc;
}

int
cli_decode_model (cli_options_t *o)
{
  return model_job (o, 0);
}

int
cli_certify_model (cli_options_t *o)
{
  return model_job (o, 1);
}
