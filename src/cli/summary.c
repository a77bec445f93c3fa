/* summary.c -- `varlb summary`: accuracy of a sweep's trials pooled over
 * bits and over independent instances (seeds), with Clopper-Pearson
 * intervals, per (schedule, d, jl, compressor, budget).  Issue 4; the
 * per-trial rows already carry the Fano ceiling of paper.md section 4. */
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
  C_COMPRESSOR, C_BUDGET, C_CHARGED, C_N, C_TESTED, C_CORRECT, C_ACCURACY,
  C_FANO, C_VERDICT, C_STATUS, C_SEED, C_SCHEDULE, C_D, C_JL, C_COUNT
};
static const char *const sum_cols[C_COUNT] = {
  "compressor", "budget_bits", "bits_charged", "N", "bits_tested", "correct",
  "accuracy", "fano_ceiling", "verdict", "status", "seed", "schedule", "d", "jl"
};
/* The grouping key: every row of one group agrees on these cells. */
static const int sum_key[] = { C_SCHEDULE, C_D, C_JL, C_COMPRESSOR, C_BUDGET };
#define SUM_NKEY (sizeof sum_key / sizeof *sum_key)

typedef struct {
  size_t first;            /* row index of the first row (key cells) */
  size_t instances, failed;
  size_t bits, correct;    /* pooled over the ok rows (exact integers) */
  double acc_sum, fano_sum, ratio_sum;
  size_t full, above;
  size_t over;             /* ok rows flagged over_budget (charged in full) */
  /* the verdicts of the group's rows (ok rows when there are any) */
  size_t nverd;
  const char **verd;
  int impossible;
  /* results */
  double acc, lo, hi, full_lo, full_hi, above_lo, above_hi;
  const char *verdict;
} sum_group_t;

/* A count cell: a non-negative integer below 2^53 (the CSV writes counts
   as plain decimal integers). */
static int
sum_count (const cli_csv_t *t, size_t r, long col, size_t *out)
{
  double v = cli_csv_num (t, r, col);
  if (!(v >= 0.0 && v < 9007199254740992.0) || v != floor (v))
    return -1;
  *out = (size_t) v;
  return 0;
}

static int
sum_same_key (const cli_csv_t *t, const long *col, size_t a, size_t b)
{
  for (size_t k = 0; k < SUM_NKEY; k++)
    if (strcmp (cli_csv_get (t, a, col[sum_key[k]]), cli_csv_get (t, b, col[sum_key[k]])) != 0)
      return 0;
  return 1;
}

/* "impossible" if any row says so (one such row is already a side channel
   or a miscount), else the most common verdict, earliest on ties. */
static const char *
sum_verdict (const sum_group_t *g)
{
  if (g->impossible)
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

/* Clopper-Pearson interval, or NaNs when there is nothing to count. */
static void
sum_cp (double *lo, double *hi, size_t k, size_t n, double level)
{
  if (n == 0 || varlb_clopper_pearson (lo, hi, k, n, level) != VARLB_OK)
    *lo = *hi = NAN;
}

/* "[lo, hi]" with 4 decimals, or "-" when undefined. */
static const char *
sum_interval (char *buf, size_t len, double lo, double hi)
{
  if (isfinite (lo) && isfinite (hi))
    snprintf (buf, len, "[%.4f,%.4f]", lo, hi);
  else
    snprintf (buf, len, "-");
  return buf;
}

static const char *
sum_num (char *buf, size_t len, double v)
{
  if (isfinite (v))
    snprintf (buf, len, "%.4f", v);
  else
    snprintf (buf, len, "-");
  return buf;
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
  printf (",\"instances\":%zu,\"failed\":%zu,\"bits\":%zu,\"correct\":%zu,\"accuracy\":",
          g->instances, g->failed, g->bits, g->correct);
  cli_json_double (stdout, g->acc);
  const struct { const char *k; double v; } d1[] = {
    { "ci_low", g->lo }, { "ci_high", g->hi },
    { "mean_instance_accuracy", g->instances ? g->acc_sum / g->instances : NAN },
  };
  for (size_t i = 0; i < sizeof d1 / sizeof *d1; i++)
    printf (",\"%s\":", d1[i].k), cli_json_double (stdout, d1[i].v);
  printf (",\"full\":%zu,\"full_ci_low\":", g->full);
  cli_json_double (stdout, g->full_lo);
  printf (",\"full_ci_high\":");
  cli_json_double (stdout, g->full_hi);
  printf (",\"above_ceiling\":%zu,\"above_ci_low\":", g->above);
  cli_json_double (stdout, g->above_lo);
  printf (",\"above_ci_high\":");
  cli_json_double (stdout, g->above_hi);
  printf (",\"fano_ceiling\":");
  cli_json_double (stdout, g->instances ? g->fano_sum / g->instances : NAN);
  printf (",\"ratio\":");
  cli_json_double (stdout, g->instances ? g->ratio_sum / g->instances : NAN);
  printf (",\"over_budget\":%zu,\"verdict\":", g->over);
  cli_json_string (stdout, g->verdict);
  printf ("}\n");
}

static void
sum_print_table (const cli_csv_t *t, const long *col, const sum_group_t *g, size_t ng,
                 double level)
{
  int ws = 8, wc = 10, wj = 2;
  for (size_t i = 0; i < ng; i++)
    {
      int a = (int) strlen (cli_csv_get (t, g[i].first, col[C_SCHEDULE]));
      int b = (int) strlen (cli_csv_get (t, g[i].first, col[C_COMPRESSOR]));
      int c = (int) strlen (cli_csv_get (t, g[i].first, col[C_JL]));
      ws = a > ws ? a : ws, wc = b > wc ? b : wc, wj = c > wj ? c : wj;
    }
  printf ("%-*s %5s %-*s %-*s %10s %4s %4s %8s %17s %8s %4s %17s %5s %17s %8s %8s  %s\n",
          ws, "schedule", "d", wj, "jl", wc, "compressor", "budget", "inst", "fail",
          "acc", "acc_ci(bits)", "mean_acc", "full", "full_ci(inst)", "above",
          "above_ci(inst)", "fano", "B/N", "verdict");
  for (size_t i = 0; i < ng; i++)
    {
      char a[64], b[64], c[64], x[32], y[32], z[32], w[32], bud[32];
      /* A ratio times N is rarely a whole number: 0.05 x 27136 is stored as
         1356.8000000000002; ten significant digits read as meant. */
      snprintf (bud, sizeof bud, "%.10g", cli_csv_num (t, g[i].first, col[C_BUDGET]));
      printf ("%-*s %5s %-*s %-*s %10s %4zu %4zu %8s %17s %8s %4zu %17s %5zu %17s %8s %8s  %s\n",
              ws, cli_csv_get (t, g[i].first, col[C_SCHEDULE]),
              cli_csv_get (t, g[i].first, col[C_D]),
              wj, cli_csv_get (t, g[i].first, col[C_JL]),
              wc, cli_csv_get (t, g[i].first, col[C_COMPRESSOR]),
              bud, g[i].instances, g[i].failed,
              sum_num (x, sizeof x, g[i].acc), sum_interval (a, sizeof a, g[i].lo, g[i].hi),
              sum_num (y, sizeof y, g[i].instances ? g[i].acc_sum / g[i].instances : NAN),
              g[i].full, sum_interval (b, sizeof b, g[i].full_lo, g[i].full_hi),
              g[i].above, sum_interval (c, sizeof c, g[i].above_lo, g[i].above_hi),
              sum_num (z, sizeof z, g[i].instances ? g[i].fano_sum / g[i].instances : NAN),
              sum_num (w, sizeof w, g[i].instances ? g[i].ratio_sum / g[i].instances : NAN),
              g[i].verdict);
      if (g[i].over)
        printf ("%*s(%zu of %zu over budget: charged in full)\n", ws + wj + wc + 10, "",
                g[i].over, g[i].instances);
    }
  printf ("\nIntervals are Clopper-Pearson at level %g.  acc = sum(correct)/sum(bits) over\n"
          "the ok instances; acc_ci treats the bits as independent, which they are not\n"
          "within one instance: it is an interval for the fraction of (instance, index)\n"
          "pairs decoded, conditional on these instances.  full (every bit decoded) and\n"
          "above (accuracy above the row's Fano ceiling) count instances; their intervals\n"
          "treat each seed as one independent trial.  mean_acc is the mean per-instance\n"
          "accuracy, fano the mean Fano ceiling, B/N the mean bits charged over N; fail\n"
          "counts rows whose status is not ok (left out of every statistic).  Rows over\n"
          "budget are judged on the bits charged, so their verdicts can say succeeds.\n",
          level);
}

int
cli_summary (int argc, char **argv)
{
  enum { OPT_LEVEL = CLI_OPT_FIRST_FREE };
  static const struct option longopts[] = {
    { "json", no_argument, NULL, CLI_OPT_JSON },
    { "level", required_argument, NULL, OPT_LEVEL },
    { "help", no_argument, NULL, CLI_OPT_HELP },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "summary";
  double level = 0.95;
  int json = 0, c;
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
  sum_group_t *g = calloc (t.rows ? t.rows : 1, sizeof *g);
  const char **verd = calloc (t.rows ? t.rows : 1, sizeof *verd);
  size_t ng = 0;
  if (!g || !verd)
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
  size_t *gof = calloc (t.rows, sizeof *gof);
  if (!gof)
    {
      cli_error (cmd, "out of memory");
      goto out;
    }
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
  /* Optional (older files lack it): over-budget rows are judged on the bits
     charged, so the table says how many there were. */
  long over_col = cli_csv_col (&t, "over_budget");
  for (size_t r = 0; r < t.rows; r++)
    {
      sum_group_t *q = &g[gof[r]];
      const char *verdict = cli_csv_get (&t, r, col[C_VERDICT]);
      if (strncmp (verdict, "impossible", 10) == 0)
        q->impossible = 1;
      if (strcmp (cli_csv_get (&t, r, col[C_STATUS]), "ok") != 0)
        {
          q->failed++;
          continue;
        }
      size_t n, k;
      double fano = cli_csv_num (&t, r, col[C_FANO]);
      double charged = cli_csv_num (&t, r, col[C_CHARGED]);
      double N = cli_csv_num (&t, r, col[C_N]);
      if (sum_count (&t, r, col[C_TESTED], &n) != 0 || sum_count (&t, r, col[C_CORRECT], &k) != 0
          || n == 0 || k > n || !isfinite (fano) || !isfinite (charged) || !(N > 0))
        {
          /* +2: the header is line 1. */
          cli_error (cmd, "%s: line %zu: an ok row needs counts bits_tested > 0, "
                     "correct <= bits_tested, and numbers in fano_ceiling, bits_charged, N",
                     path, r + 2);
          free (gof);
          goto out;
        }
      double acc = (double) k / (double) n;
      q->instances++;
      q->bits += n, q->correct += k;
      q->acc_sum += acc;
      q->fano_sum += fano;
      q->ratio_sum += charged / N;
      q->full += k == n;
      q->above += acc > fano;
      q->over += over_col >= 0 && strcmp (cli_csv_get (&t, r, over_col), "true") == 0;
      q->verd[q->nverd++] = verdict;
    }
  free (gof);
  for (size_t i = 0; i < ng; i++)
    {
      sum_group_t *q = &g[i];
      if (q->nverd == 0) /* every row failed: their verdicts say how */
        for (size_t r = 0; r < t.rows; r++)
          if (sum_same_key (&t, col, q->first, r))
            q->verd[q->nverd++] = cli_csv_get (&t, r, col[C_VERDICT]);
      q->acc = q->bits ? (double) q->correct / (double) q->bits : NAN;
      sum_cp (&q->lo, &q->hi, q->correct, q->bits, level);
      sum_cp (&q->full_lo, &q->full_hi, q->full, q->instances, level);
      sum_cp (&q->above_lo, &q->above_hi, q->above, q->instances, level);
      q->verdict = sum_verdict (q);
    }
  if (json)
    for (size_t i = 0; i < ng; i++)
      sum_print_json (&t, col, &g[i]);
  else
    sum_print_table (&t, col, g, ng, level);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      cli_error (cmd, "writing the summary: %s", strerror (errno));
      goto out;
    }
  rc = 0;
out:
  free (g);
  free (verd);
  cli_csv_clear (&t);
  return rc;
}
