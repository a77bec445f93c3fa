/* summary.c -- `varlb summary`: a sweep's trials per (schedule, d, jl,
 * compressor, budget), each row re-judged from its own numbers (never its
 * stored verdict text) at the unit Bob sampled, intervals over independent
 * instances (seeds), and Holm's correction across the file's rows.
 * README "How to read verdicts"; the tests are in src/stats.c. */
#include <config.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plot.h"
#include "varlb.h"

/* The columns the summary reads, in the order of sweep's header. */
enum {
  C_COMPRESSOR, C_BUDGET, C_CHARGED, C_N, C_TESTED, C_CORRECT,
  C_VERDICT, C_STATUS, C_SEED, C_SCHEDULE, C_D, C_JL, C_COUNT
};
static const char *const sum_cols[C_COUNT] = {
  "compressor", "budget_bits", "bits_charged", "N", "bits_tested", "correct",
  "verdict", "status", "seed", "schedule", "d", "jl"
};
/* The grouping key: every row of one group agrees on these cells. */
static const int sum_key[] = { C_SCHEDULE, C_D, C_JL, C_COMPRESSOR, C_BUDGET };
#define SUM_NKEY (sizeof sum_key / sizeof *sum_key)
/* Disagreeing rows named on the error line. */
#define SUM_SHOW_ROWS 5

typedef struct {
  size_t first;            /* row index of the first row (key cells) */
  size_t instances, failed;
  size_t bits, correct;    /* pooled over the ok rows (exact integers) */
  double acc_sum, fano_sum, ratio_sum;
  size_t full, above, sampled;
  size_t over;             /* ok rows flagged over_budget (charged in full) */
  size_t flagged, holm;    /* impossible alone / after Holm over the file */
  size_t disagree;         /* rows whose stored verdict is not the recomputed one */
  size_t nverd;            /* recomputed verdicts of the group's rows */
  const char **verd;
  /* results */
  double mean, lo, hi, full_lo, full_hi, above_lo, above_hi;
  const char *verdict;
} sum_group_t;


static int
sum_same_key (const cli_csv_t *t, const long *col, size_t a, size_t b)
{
  for (size_t k = 0; k < SUM_NKEY; k++)
    if (strcmp (cli_csv_get (t, a, col[sum_key[k]]), cli_csv_get (t, b, col[sum_key[k]])) != 0)
      return 0;
  return 1;
}

/* Impossible when a row survives Holm; else the most common verdict of the
   rows (earliest on ties), a row flagged on its own counting as what its
   budget makes it (chance explains such a flag among many rows). */
static const char *
sum_verdict (const sum_group_t *g)
{
  if (g->holm)
    return VARLB_VERDICT_IMPOSSIBLE;
  const char *best = "";
  size_t bestn = 0;
  for (size_t i = 0; i < g->nverd; i++)
    {
      size_t n = 0;
      for (size_t j = 0; j < g->nverd; j++)
        n += strcmp (g->verd[i], g->verd[j]) == 0;
      if (n > bestn)
        best = g->verd[i], bestn = n;
    }
  return best;
}

const char *
cli_verdict_short (const char *v)
{
  static const struct { const char *full, *brief; } names[] = {
    { VARLB_VERDICT_FAILS, "fails" }, { VARLB_VERDICT_SUCCEEDS, "succeeds" },
    { VARLB_VERDICT_LOSSY, "lossy" }, { VARLB_VERDICT_IMPOSSIBLE, "IMPOSSIBLE" },
    { VARLB_VERDICT_ERROR, "failed" } };
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp (v, names[i].full) == 0)
      return names[i].brief;
  return v;
}

/* Clopper-Pearson interval, or NaNs when there is nothing to count. */
static void
sum_cp (double *lo, double *hi, size_t k, size_t n, double level)
{
  if (n == 0 || varlb_clopper_pearson (lo, hi, k, n, level) != VARLB_OK)
    *lo = *hi = NAN;
}

/* "[lo,hi]" with 4 decimals, or "-" when undefined. */
static const char *
sum_interval (char *buf, size_t len, double lo, double hi)
{
  if (isfinite (lo) && isfinite (hi))
    snprintf (buf, len, "[%.4f,%.4f]", lo, hi);
  else
    snprintf (buf, len, "-");
  return buf;
}

/* V with 4 decimals (RATIO: 4 significant digits), or "-" when undefined. */
static const char *
sum_fmt (char *buf, size_t len, double v, int ratio)
{
  if (isfinite (v))
    snprintf (buf, len, ratio ? "%.4g" : "%.4f", v);
  else
    snprintf (buf, len, "-");
  return buf;
}

static const char *
sum_num (char *buf, size_t len, double v)
{
  return sum_fmt (buf, len, v, 0);
}

static double
sum_mean (double sum, size_t n)
{
  return n ? sum / (double) n : NAN;
}

static void
sum_print_json (const cli_csv_t *t, const long *col, const sum_group_t *g)
{
  static const char *const keynames[SUM_NKEY] = { "schedule", "d", "jl", "compressor", "budget_bits" };
  putchar ('{');
  for (size_t k = 0; k < SUM_NKEY; k++)
    {
      const char *v = cli_csv_get (t, g->first, col[sum_key[k]]);
      printf ("%s\"%s\":", k ? "," : "", keynames[k]);
      /* d and budget_bits are numbers in the CSV; keep them numbers. */
      if (sum_key[k] == C_D || sum_key[k] == C_BUDGET)
        cli_json_double (stdout, cli_csv_num (t, g->first, col[sum_key[k]]));
      else
        cli_json_string (stdout, v);
    }
  printf (",\"instances\":%zu,\"failed\":%zu,\"sampled\":%zu,\"bits\":%zu,\"correct\":%zu,"
          "\"accuracy\":", g->instances, g->failed, g->sampled, g->bits, g->correct);
  cli_json_double (stdout, g->bits ? (double) g->correct / (double) g->bits : NAN);
  const struct { const char *k; double v; } d1[] = {
    { "mean_instance_accuracy", g->mean }, { "ci_low", g->lo }, { "ci_high", g->hi },
  };
  for (size_t i = 0; i < sizeof d1 / sizeof *d1; i++)
    printf (",\"%s\":", d1[i].k), cli_json_double (stdout, d1[i].v);
  printf (",\"ci_unit\":\"instances\",\"full\":%zu,\"full_ci_low\":", g->full);
  cli_json_double (stdout, g->full_lo);
  printf (",\"full_ci_high\":");
  cli_json_double (stdout, g->full_hi);
  printf (",\"above_ceiling\":%zu,\"above_ci_low\":", g->above);
  cli_json_double (stdout, g->above_lo);
  printf (",\"above_ci_high\":");
  cli_json_double (stdout, g->above_hi);
  printf (",\"fano_ceiling\":");
  cli_json_double (stdout, sum_mean (g->fano_sum, g->instances));
  printf (",\"ratio\":");
  cli_json_double (stdout, sum_mean (g->ratio_sum, g->instances));
  /* How far from the optimum: the bits the Fano frontier needs for the
     pooled accuracy, over the mean bits charged (varlb_efficiency). */
  double N = cli_csv_num (t, g->first, col[C_N]), ratio = sum_mean (g->ratio_sum, g->instances);
  printf (",\"efficiency\":");
  cli_json_double (stdout, g->bits && ratio > 0
                   ? varlb_efficiency ((double) g->correct / (double) g->bits, ratio * N, N) : NAN);
  printf (",\"over_budget\":%zu,\"flagged\":%zu,\"flagged_holm\":%zu,"
          "\"verdict_disagreements\":%zu,\"verdict\":", g->over, g->flagged, g->holm,
          g->disagree);
  cli_json_string (stdout, g->verdict);
  printf ("}\n");
}

/* The legend shared by both tables (at most 80 columns a line). */
static void
sum_print_legend (double level, size_t rows)
{
  printf ("\nacc is the mean accuracy of the ok instances; acc_ci its interval at level %g\n"
          "over instances (each seed one independent draw; Hoeffding's bound, no\n"
          "assumption on the law).  full counts instances that decoded every bit.\n"
          "Verdicts are recomputed from each row's numbers, at the unit Bob sampled\n"
          "(every token: bits; --sample: tokens).  One honest row is called IMPOSSIBLE\n"
          "with probability <= %g, so %zu rows expect <= %.2g false flags: flag counts\n"
          "rows flagged alone / still flagged after Holm's correction over all %zu rows\n"
          "(family-wise %g).  fail counts rows whose status is not ok (left out).\n",
          level, VARLB_VERDICT_ALPHA, rows, VARLB_VERDICT_ALPHA * (double) rows, rows,
          VARLB_VERDICT_ALPHA);
}

/* Default: fits 100 columns.  Instance parameters head each run of groups
   sharing them; long compressor specs are cut (--wide shows them). */
static void
sum_print_narrow (const cli_csv_t *t, const long *col, const sum_group_t *g, size_t ng,
                  double level, size_t rows)
{
  enum { WC_MAX = 22 };
  int wc = 10;
  for (size_t i = 0; i < ng; i++)
    {
      int b = (int) strlen (cli_csv_get (t, g[i].first, col[C_COMPRESSOR]));
      wc = b > wc ? b : wc;
    }
  wc = wc > WC_MAX ? WC_MAX : wc;
  size_t prev = (size_t) -1;
  for (size_t i = 0; i < ng; i++)
    {
      size_t r = g[i].first;
      if (prev == (size_t) -1
          || strcmp (cli_csv_get (t, r, col[C_SCHEDULE]), cli_csv_get (t, prev, col[C_SCHEDULE]))
          || strcmp (cli_csv_get (t, r, col[C_D]), cli_csv_get (t, prev, col[C_D]))
          || strcmp (cli_csv_get (t, r, col[C_JL]), cli_csv_get (t, prev, col[C_JL])))
        {
          printf ("%sschedule %s, d = %s, jl %s\n", prev == (size_t) -1 ? "" : "\n",
                  cli_csv_get (t, r, col[C_SCHEDULE]), cli_csv_get (t, r, col[C_D]),
                  cli_csv_get (t, r, col[C_JL]));
          printf ("  %-*s %10s %6s %4s %4s %6s %15s %4s %6s %5s  %s\n", wc, "compressor",
                  "budget", "B/N", "inst", "fail", "acc", "acc_ci(inst)", "full", "fano",
                  "flag", "verdict");
        }
      prev = r;
      char comp[WC_MAX + 1], bud[32], a[64], x[32], z[32], w[32], fl[32];
      const char *c = cli_csv_get (t, r, col[C_COMPRESSOR]);
      if (strlen (c) > WC_MAX)
        snprintf (comp, sizeof comp, "%.*s...", WC_MAX - 3, c);
      else
        snprintf (comp, sizeof comp, "%s", c);
      snprintf (bud, sizeof bud, "%.10g", cli_csv_num (t, r, col[C_BUDGET]));
      snprintf (fl, sizeof fl, "%zu/%zu", g[i].flagged, g[i].holm);
      printf ("  %-*s %10s %6s %4zu %4zu %6s %15s %4zu %6s %5s  %s\n", wc, comp, bud,
              sum_fmt (w, sizeof w, sum_mean (g[i].ratio_sum, g[i].instances), 1),
              g[i].instances, g[i].failed, sum_num (x, sizeof x, g[i].mean),
              sum_interval (a, sizeof a, g[i].lo, g[i].hi), g[i].full,
              sum_num (z, sizeof z, sum_mean (g[i].fano_sum, g[i].instances)), fl,
              cli_verdict_short (g[i].verdict));
    }
  sum_print_legend (level, rows);
  printf ("Verdicts: fails (as the bound predicts), succeeds / lossy (budget at or above\n"
          "the bound), IMPOSSIBLE (side channel or miscounted bits), failed (compressor).\n"
          "varlb summary --wide shows every column and the verdicts in full.\n");
}

static void
sum_print_wide (const cli_csv_t *t, const long *col, const sum_group_t *g, size_t ng,
                double level, size_t rows)
{
  int ws = 8, wc = 10, wj = 2;
  for (size_t i = 0; i < ng; i++)
    {
      int a = (int) strlen (cli_csv_get (t, g[i].first, col[C_SCHEDULE]));
      int b = (int) strlen (cli_csv_get (t, g[i].first, col[C_COMPRESSOR]));
      int c = (int) strlen (cli_csv_get (t, g[i].first, col[C_JL]));
      ws = a > ws ? a : ws, wc = b > wc ? b : wc, wj = c > wj ? c : wj;
    }
  printf ("%-*s %5s %-*s %-*s %10s %4s %4s %4s %8s %8s %17s %4s %17s %5s %17s %8s %8s %4s %4s %4s  %s\n",
          ws, "schedule", "d", wj, "jl", wc, "compressor", "budget", "inst", "fail", "smpl",
          "bit_acc", "acc", "acc_ci(inst)", "full", "full_ci(inst)", "above",
          "above_ci(inst)", "fano", "B/N", "flag", "holm", "disa", "verdict");
  for (size_t i = 0; i < ng; i++)
    {
      char a[64], b[64], c[64], x[32], y[32], z[32], w[32], bud[32];
      /* A ratio times N is rarely a whole number: 0.05 x 27136 is stored as
         1356.8000000000002; ten significant digits read as meant. */
      snprintf (bud, sizeof bud, "%.10g", cli_csv_num (t, g[i].first, col[C_BUDGET]));
      printf ("%-*s %5s %-*s %-*s %10s %4zu %4zu %4zu %8s %8s %17s %4zu %17s %5zu %17s %8s %8s %4zu %4zu %4zu  %s\n",
              ws, cli_csv_get (t, g[i].first, col[C_SCHEDULE]),
              cli_csv_get (t, g[i].first, col[C_D]),
              wj, cli_csv_get (t, g[i].first, col[C_JL]),
              wc, cli_csv_get (t, g[i].first, col[C_COMPRESSOR]),
              bud, g[i].instances, g[i].failed, g[i].sampled,
              sum_num (x, sizeof x, g[i].bits ? (double) g[i].correct / (double) g[i].bits : NAN),
              sum_num (y, sizeof y, g[i].mean), sum_interval (a, sizeof a, g[i].lo, g[i].hi),
              g[i].full, sum_interval (b, sizeof b, g[i].full_lo, g[i].full_hi),
              g[i].above, sum_interval (c, sizeof c, g[i].above_lo, g[i].above_hi),
              sum_num (z, sizeof z, sum_mean (g[i].fano_sum, g[i].instances)),
              sum_num (w, sizeof w, sum_mean (g[i].ratio_sum, g[i].instances)),
              g[i].flagged, g[i].holm, g[i].disagree, g[i].verdict);
      if (g[i].over)
        printf ("%*s(%zu of %zu over budget: charged in full)\n", ws + wj + wc + 10, "",
                g[i].over, g[i].instances);
    }
  sum_print_legend (level, rows);
  printf ("bit_acc = sum(correct)/sum(bits) over the ok instances (a point estimate;\n"
          "bits inside one instance are not independent draws).  smpl counts rows where\n"
          "Bob sampled tokens.  above counts instances above their Fano ceiling, with a\n"
          "Clopper-Pearson interval over instances.  fano is the mean Fano ceiling, B/N\n"
          "the mean bits charged over N; disa counts rows whose stored verdict\n"
          "disagreed with their numbers.  Rows over budget are judged on the bits\n"
          "charged, so their verdicts can say succeeds.\n");
}


int
cli_summary (int argc, char **argv)
{
  enum { OPT_LEVEL = CLI_OPT_FIRST_FREE, OPT_WIDE };
  static const struct option longopts[] = {
    { "json", no_argument, NULL, CLI_OPT_JSON },
    { "level", required_argument, NULL, OPT_LEVEL },
    { "wide", no_argument, NULL, OPT_WIDE },
    { "help", no_argument, NULL, CLI_OPT_HELP },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "summary";
  double level = 0.95;
  int json = 0, wide = 0, c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case CLI_OPT_HELP:
        cli_print_help (cmd, stdout);
        return 0;
      case CLI_OPT_JSON:
        json = 1;
        break;
      case OPT_WIDE:
        wide = 1;
        break;
      case OPT_LEVEL:
        if (cli_parse_double (cmd, "--level", optarg, 0.5, 0.999999, &level) != 0)
          return CLI_EXIT_USAGE;
        break;
      default:
        return cli_bad_option (cmd, argc, argv);
      }
  const char *path = cli_one_argument (cmd, argc, argv, "RESULTS.csv");
  if (path == NULL)
    return CLI_EXIT_USAGE;
  cli_csv_t t;
  char why[512];
  if (cli_csv_read (&t, path, why, sizeof why) != 0)
    {
      cli_error (cmd, "%s: %s", path, why);
      return CLI_EXIT_FAIL;
    }
  int rc = CLI_EXIT_FAIL;
  long col[C_COUNT];
  size_t rows = t.rows ? t.rows : 1;
  sum_group_t *g = calloc (rows, sizeof *g);
  const char **verd = calloc (rows, sizeof *verd);
  size_t *gof = calloc (rows, sizeof *gof), *okrow = calloc (rows, sizeof *okrow);
  double *pv = calloc (rows, sizeof *pv);
  unsigned char *rej = calloc (rows, 1);
  size_t *bad = calloc (rows, sizeof *bad);
  size_t ng = 0, nok = 0, nbad = 0;
  if (!g || !verd || !gof || !okrow || !pv || !rej || !bad)
    {
      cli_error (cmd, "out of memory");
      goto out;
    }
  for (int k = 0; k < C_COUNT; k++)
    if ((col[k] = cli_csv_col (&t, sum_cols[k])) < 0)
      {
        cli_error (cmd, "%s: no column '%s'", path, sum_cols[k]);
        goto out;
      }
  if (t.rows == 0)
    {
      cli_error (cmd, "%s: no result rows", path);
      goto out;
    }
  /* Groups in first-appearance order; quadratic in the number of groups,
     which a sweep keeps small. */
  for (size_t r = 0; r < t.rows; r++)
    {
      size_t i = 0;
      while (i < ng && !sum_same_key (&t, col, g[i].first, r))
        i++;
      if (i == ng)
        g[ng++].first = r;
      gof[r] = i;
    }
  /* Each group's verdicts take a contiguous slice of VERD. */
  size_t off = 0;
  for (size_t i = 0; i < ng; i++)
    {
      g[i].verd = verd + off;
      for (size_t r = 0; r < t.rows; r++)
        off += gof[r] == i;
    }
  /* Optional columns (older files lack them): over-budget rows are judged
     on the bits charged, so the table says how many there were; the
     side-channel allowance is added to the bits the verdict is judged on. */
  long over_col = cli_csv_col (&t, "over_budget");
  for (size_t r = 0; r < t.rows; r++)
    {
      sum_group_t *q = &g[gof[r]];
      const char *stored = cli_csv_get (&t, r, col[C_VERDICT]);
      const char *verdict = VARLB_VERDICT_ERROR, *view = NULL;
      if (strcmp (cli_csv_get (&t, r, col[C_STATUS]), "ok") != 0)
        q->failed++;
      else
        {
          varlb_judgement_t j;
          if (cli_row_judge (&j, &t, r) != 0)
            {
              /* +2: the header is line 1. */
              cli_error (cmd, "%s: line %zu: an ok row needs counts bits_tested > 0, "
                         "correct <= bits_tested, d > 0, N and bits_tested multiples of d "
                         "(bits_tested <= N), and numbers >= 0 in bits_charged "
                         "(and side_channel_bits)", path, r + 2);
              goto out;
            }
          verdict = j.verdict;
          int flag = strcmp (verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
          q->instances++;
          q->sampled += j.sampled;
          q->bits += j.tokens * (size_t) cli_csv_num (&t, r, col[C_D]);
          q->correct += (size_t) cli_csv_num (&t, r, col[C_CORRECT]);
          q->acc_sum += j.accuracy;
          q->fano_sum += j.fano_ceiling;
          q->ratio_sum += cli_csv_num (&t, r, col[C_CHARGED]) / cli_csv_num (&t, r, col[C_N]);
          q->full += j.accuracy == 1.0;
          q->above += j.accuracy > j.fano_ceiling;
          q->flagged += flag;
          q->over += over_col >= 0 && strcmp (cli_csv_get (&t, r, over_col), "true") == 0;
          okrow[nok] = r;
          pv[nok++] = flag ? j.p_value : 1.0;
          if (flag) /* for the group: what its budget makes it (see sum_verdict) */
            view = j.verdict_by_budget;
        }
      if (strcmp (stored, verdict) != 0)
        {
          q->disagree++;
          bad[nbad++] = r;
        }
      q->verd[q->nverd++] = view ? view : verdict;
    }
  /* Holm over every ok row of the file: a sweep is many tests at once.
     Only rows flagged on their own can survive it (p-values of unflagged
     rows are set to 1 above), so the two counts never contradict. */
  if (varlb_holm (rej, pv, nok, VARLB_VERDICT_ALPHA) != VARLB_OK)
    {
      cli_error (cmd, "out of memory");
      goto out;
    }
  for (size_t k = 0; k < nok; k++)
    g[gof[okrow[k]]].holm += rej[k];
  for (size_t i = 0; i < ng; i++)
    {
      sum_group_t *q = &g[i];
      q->mean = sum_mean (q->acc_sum, q->instances);
      if (q->instances == 0
          || varlb_mean_interval (&q->lo, &q->hi, fmin (1.0, fmax (0.0, q->mean)),
                                  q->instances, 0, level) != VARLB_OK)
        q->lo = q->hi = NAN;
      sum_cp (&q->full_lo, &q->full_hi, q->full, q->instances, level);
      sum_cp (&q->above_lo, &q->above_hi, q->above, q->instances, level);
      q->verdict = sum_verdict (q);
    }
  if (json)
    for (size_t i = 0; i < ng; i++)
      sum_print_json (&t, col, &g[i]);
  else if (wide)
    sum_print_wide (&t, col, g, ng, level, nok);
  else
    sum_print_narrow (&t, col, g, ng, level, nok);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      cli_error (cmd, "writing the summary: %s", strerror (errno));
      goto out;
    }
  rc = 0;
  /* A stored verdict that its own numbers contradict means a tampered file
     or a bug that wrote it: say so, and fail, after the (recomputed)
     summary.  Rows are numbered from 1, row r being line r + 1. */
  if (nbad)
    {
      char list[256] = "";
      size_t used = 0;
      for (size_t k = 0; k < nbad && k < SUM_SHOW_ROWS; k++)
        {
          int w = snprintf (list + used, sizeof list - used, "%s%zu", k ? ", " : "", bad[k] + 1);
          used += w > 0 ? (size_t) w : 0;
        }
      cli_error (cmd, "%zu %s stored verdict disagrees with %s numbers (row%s %s%s): "
                 "recomputed verdicts used", nbad, nbad == 1 ? "row's" : "rows'",
                 nbad == 1 ? "its" : "their", nbad == 1 ? "" : "s", list,
                 nbad > SUM_SHOW_ROWS ? ", ..." : "");
      rc = CLI_EXIT_FAIL;
    }
out:
  free (g);
  free (verd);
  free (gof);
  free (okrow);
  free (pv);
  free (rej);
  free (bad);
  cli_csv_clear (&t);
  return rc;
}
