/* summary.c -- `varlb summary`: a results file's rows checked (under the
 * judge key that signed them: MAC, figures, JSON line; README "How to read
 * verdicts"), each re-judged from its counts at the unit Bob sampled, the
 * rows that differ only in the seed grouped and pooled into one test, Holm
 * over every row and group, and per group the accuracy over the pooled bits
 * with the seeds' spread beside it.  The tests are src/verdict.c's. */
#include <config.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "results/plot.h"
#include "sweep.h"
#include "results/verify.h"
#include "varlb.h"

/* The columns the summary needs. */
enum {
  C_COMPRESSOR, C_BUDGET, C_CHARGED, C_N, C_TESTED, C_CORRECT,
  C_VERDICT, C_STATUS, C_SEED, C_SCHEDULE, C_D, C_JL, C_COUNT
};
static const char *const sum_cols[C_COUNT] = {
  "compressor", "budget_bits", "bits_charged", "N", "bits_tested", "correct",
  "verdict", "status", "seed", "schedule", "d", "jl"
};
/* Disagreeing rows named on the error line. */
#define SUM_SHOW_ROWS 5

typedef struct {
  size_t first;            /* its first row (the key cells) */
  size_t instances, failed, unverified;
  size_t bits, correct;    /* pooled over the ok rows (exact integers) */
  double acc_sum, acc_min, acc_max, fano_sum, judged_sum, ratio_sum;
  size_t full, above, sampled;
  size_t over;             /* ok rows flagged over_budget (charged in full) */
  size_t flagged, holm;    /* impossible alone / after Holm over the file */
  size_t disagree;         /* rows whose stored verdict is not the recomputed one */
  /* results */
  double mean, lo, hi, bits_lo, bits_hi, full_lo, full_hi, above_lo, above_hi, eff;
  const char *verdict;
} sum_group_t;

/* Impossible when the group's pooled test or one of its rows survives
   Holm; else above the ceiling when the pooled accuracy is (chance allows
   it); else the most common budget verdict of its rows (earliest on
   ties). */
static const char *
sum_verdict (const sum_group_t *q, const varlb__verdicts_t *v, size_t g, const char **by,
             size_t nby)
{
  if (q->holm || v->pool_holm[g])
    return VARLB_VERDICT_IMPOSSIBLE;
  if (q->instances == 0)
    return VARLB_VERDICT_ERROR;
  if (strcmp (v->pool[g].verdict, VARLB_VERDICT_ERROR) != 0
      && v->pool[g].accuracy > v->pool[g].fano_judged)
    return VARLB_VERDICT_ABOVE;
  const char *best = VARLB_VERDICT_ERROR;
  size_t bestn = 0;
  for (size_t i = 0; i < nby; i++)
    {
      size_t n = 0;
      for (size_t j = 0; j < nby; j++)
        n += strcmp (by[i], by[j]) == 0;
      if (n > bestn)
        best = by[i], bestn = n;
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

/* "[lo,hi]" (SEP "-": "lo-hi") with 4 decimals, or "-" when undefined. */
static const char *
sum_interval (char *buf, size_t len, double lo, double hi, int dash)
{
  if (isfinite (lo) && isfinite (hi))
    snprintf (buf, len, dash ? "%.4f-%.4f" : "[%.4f,%.4f]", lo, hi);
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

static double
sum_mean (double sum, size_t n)
{
  return n ? sum / (double) n : NAN;
}

static void
sum_print_json (const varlb__csv_t *t, const long *col, const sum_group_t *q,
                const varlb__verdicts_t *v, size_t g)
{
  static const int key[] = { C_SCHEDULE, C_D, C_JL, C_COMPRESSOR, C_BUDGET };
  static const char *const keynames[] = { "schedule", "d", "jl", "compressor", "budget_bits" };
  putchar ('{');
  for (size_t k = 0; k < 5; k++)
    {
      printf ("%s\"%s\":", k ? "," : "", keynames[k]);
      /* d and budget_bits are numbers in the CSV; keep them numbers. */
      if (key[k] == C_D || key[k] == C_BUDGET)
        cli_json_double (stdout, varlb__csv_num (t, q->first, col[key[k]]));
      else
        cli_json_string (stdout, varlb__csv_get (t, q->first, col[key[k]]));
    }
  printf (",\"instances\":%zu,\"failed\":%zu,\"unverified\":%zu,\"sampled\":%zu,\"bits\":%zu,"
          "\"correct\":%zu", q->instances, q->failed, q->unverified, q->sampled, q->bits,
          q->correct);
  const struct { const char *k; double v; } d[] = {
    { "accuracy", q->bits ? (double) q->correct / (double) q->bits : NAN },
    { "bits_ci_low", q->bits_lo }, { "bits_ci_high", q->bits_hi },
    { "spread_min", q->acc_min }, { "spread_max", q->acc_max },
    { "mean_instance_accuracy", q->mean }, { "ci_low", q->lo }, { "ci_high", q->hi },
  };
  for (size_t i = 0; i < sizeof d / sizeof *d; i++)
    printf (",\"%s\":", d[i].k), cli_json_double (stdout, d[i].v);
  printf (",\"ci_unit\":\"instances\",\"full\":%zu,\"full_ci_low\":", q->full);
  cli_json_double (stdout, q->full_lo);
  printf (",\"full_ci_high\":");
  cli_json_double (stdout, q->full_hi);
  printf (",\"above_ceiling\":%zu,\"above_ci_low\":", q->above);
  cli_json_double (stdout, q->above_lo);
  printf (",\"above_ci_high\":");
  cli_json_double (stdout, q->above_hi);
  printf (",\"bits_judged\":");
  cli_json_double (stdout, sum_mean (q->judged_sum, q->instances));
  printf (",\"fano_ceiling\":");
  cli_json_double (stdout, sum_mean (q->fano_sum, q->instances));
  printf (",\"ratio\":");
  cli_json_double (stdout, sum_mean (q->ratio_sum, q->instances));
  printf (",\"efficiency\":");
  cli_json_double (stdout, q->eff);
  printf (",\"efficiency_above_1\":%s,\"pooled_instances\":%zu,\"pooled_p_value\":",
          q->eff > 1.0 ? "true" : "false", v->instances[g]);
  int pooled = strcmp (v->pool[g].verdict, VARLB_VERDICT_ERROR) != 0;
  cli_json_double (stdout, pooled ? v->pool[g].p_value : NAN);
  printf (",\"pooled_impossible\":%s,\"over_budget\":%zu,\"flagged\":%zu,\"flagged_holm\":%zu,"
          "\"verdict_disagreements\":%zu,\"verdict\":", v->pool_holm[g] ? "true" : "false",
          q->over, q->flagged, q->holm, q->disagree);
  cli_json_string (stdout, q->verdict);
  printf ("}\n");
}

/* The legend shared by both tables (at most 80 columns a line). */
static void
sum_print_legend (double level, const varlb__verdicts_t *v, size_t unverified)
{
  printf ("\nacc is the accuracy over the pooled bits of the ok instances, acc_ci its\n"
          "Clopper-Pearson interval at level %g over those bits (it describes; the bits\n"
          "of one instance are not independent draws, so the verdict, not it, tests),\n"
          "and spread the lowest and highest accuracy of one instance (seed).  fano is\n"
          "the Fano ceiling at the bits judged (charged + side channels + what the\n"
          "blob's length can say), as in every row.  Verdicts are recomputed from each\n"
          "row's counts at the unit Bob sampled, each row alone (p <= %g: flagged) and\n"
          "each group pooled over its seeds; Holm's correction runs over all %zu tests\n"
          "(family-wise %g).  flag counts rows flagged alone / after Holm; a group is\n"
          "IMPOSSIBLE when its pooled test or a row survives Holm, above when its\n"
          "pooled accuracy lies above the ceiling by less than chance allows.\n",
          level, VARLB_VERDICT_ALPHA, v->tests, VARLB_VERDICT_ALPHA);
  if (unverified)
    printf ("%zu of %zu rows are unverified (signed under another judge key, or before\n"
            "MACs): they are re-judged from their counts, their figures not trusted.\n",
            unverified, v->rows);
  else
    printf ("Every row verified under this judge key (MAC, figures and JSON line).\n");
}

static void
sum_print_narrow (const varlb__csv_t *t, const long *col, const sum_group_t *g, size_t ng,
                  double level, const varlb__verdicts_t *v, size_t unverified)
{
  enum { WC_MAX = 22 };
  int wc = 10;
  for (size_t i = 0; i < ng; i++)
    {
      int b = (int) strlen (varlb__csv_get (t, g[i].first, col[C_COMPRESSOR]));
      wc = b > wc ? b : wc;
    }
  wc = wc > WC_MAX ? WC_MAX : wc;
  size_t prev = (size_t) -1;
  for (size_t i = 0; i < ng; i++)
    {
      size_t r = g[i].first;
      if (prev == (size_t) -1
          || strcmp (varlb__csv_get (t, r, col[C_SCHEDULE]),
                     varlb__csv_get (t, prev, col[C_SCHEDULE]))
          || strcmp (varlb__csv_get (t, r, col[C_D]), varlb__csv_get (t, prev, col[C_D]))
          || strcmp (varlb__csv_get (t, r, col[C_JL]), varlb__csv_get (t, prev, col[C_JL])))
        {
          printf ("%sschedule %s, d = %s, jl %s\n", prev == (size_t) -1 ? "" : "\n",
                  varlb__csv_get (t, r, col[C_SCHEDULE]), varlb__csv_get (t, r, col[C_D]),
                  varlb__csv_get (t, r, col[C_JL]));
          printf ("  %-*s %10s %6s %5s %6s %15s %13s %6s %5s  %s\n", wc, "compressor",
                  "budget", "B/N", "inst", "acc", "acc_ci(bits)", "spread(seeds)", "fano",
                  "flag", "verdict");
        }
      prev = r;
      char comp[WC_MAX + 1], bud[32], a[64], s[64], x[32], z[32], w[32], fl[32], in[32];
      const char *c = varlb__csv_get (t, r, col[C_COMPRESSOR]);
      if (strlen (c) > WC_MAX)
        snprintf (comp, sizeof comp, "%.*s...", WC_MAX - 3, c);
      else
        snprintf (comp, sizeof comp, "%s", c);
      snprintf (bud, sizeof bud, "%.10g", varlb__csv_num (t, r, col[C_BUDGET]));
      snprintf (fl, sizeof fl, "%zu/%zu", g[i].flagged, g[i].holm);
      /* Failed trials beside the ok ones: "3+1f". */
      if (g[i].failed)
        snprintf (in, sizeof in, "%zu+%zuf", g[i].instances, g[i].failed);
      else
        snprintf (in, sizeof in, "%zu", g[i].instances);
      printf ("  %-*s %10s %6s %5s %6s %15s %13s %6s %5s  %s\n", wc, comp, bud,
              sum_fmt (w, sizeof w, sum_mean (g[i].ratio_sum, g[i].instances), 1), in,
              sum_fmt (x, sizeof x, g[i].bits ? (double) g[i].correct / (double) g[i].bits
                                              : NAN, 0),
              sum_interval (a, sizeof a, g[i].bits_lo, g[i].bits_hi, 0),
              sum_interval (s, sizeof s, g[i].acc_min, g[i].acc_max, 1),
              sum_fmt (z, sizeof z, sum_mean (g[i].fano_sum, g[i].instances), 0), fl,
              varlb__verdict_short (g[i].verdict));
    }
  sum_print_legend (level, v, unverified);
  printf ("Verdicts: fails (as the bound predicts), succeeds / lossy (budget at or above\n"
          "the bound), above (the ceiling, not significant), IMPOSSIBLE (side channel or\n"
          "miscounted bits), failed (compressor).  inst counts ok instances (+ failed).\n"
          "varlb summary --wide shows every column and the verdicts in full.\n");
}

static void
sum_print_wide (const varlb__csv_t *t, const long *col, const sum_group_t *g, size_t ng,
                double level, const varlb__verdicts_t *v, size_t unverified)
{
  int ws = 8, wc = 10, wj = 2;
  for (size_t i = 0; i < ng; i++)
    {
      int a = (int) strlen (varlb__csv_get (t, g[i].first, col[C_SCHEDULE]));
      int b = (int) strlen (varlb__csv_get (t, g[i].first, col[C_COMPRESSOR]));
      int c = (int) strlen (varlb__csv_get (t, g[i].first, col[C_JL]));
      ws = a > ws ? a : ws, wc = b > wc ? b : wc, wj = c > wj ? c : wj;
    }
  printf ("%-*s %5s %-*s %-*s %10s %4s %4s %4s %4s %8s %17s %15s %17s %4s %5s %8s %8s %8s "
          "%8s %4s %4s %8s %4s  %s\n",
          ws, "schedule", "d", wj, "jl", wc, "compressor", "budget", "inst", "fail", "unvf",
          "smpl", "acc", "acc_ci(bits)", "spread(seeds)", "acc_ci(inst)", "full", "above",
          "fano", "judged", "B/N", "eff", "flag", "holm", "pool_p", "disa", "verdict");
  for (size_t i = 0; i < ng; i++)
    {
      char a[64], b[64], c[64], x[32], z[32], w[32], bud[32], e[32], jb[32], pp[32];
      /* A ratio times N is rarely a whole number: 0.05 x 27136 is stored as
         1356.8000000000002; ten significant digits read as meant. */
      snprintf (bud, sizeof bud, "%.10g", varlb__csv_num (t, g[i].first, col[C_BUDGET]));
      /* Efficiency above 1 is above the ceiling: marked. */
      snprintf (e, sizeof e, isfinite (g[i].eff) ? "%.4g%s" : "-", g[i].eff,
                g[i].eff > 1.0 ? "!" : "");
      snprintf (jb, sizeof jb, "%.1f", sum_mean (g[i].judged_sum, g[i].instances));
      if (v->instances[i] >= 2 && strcmp (v->pool[i].verdict, VARLB_VERDICT_ERROR) != 0)
        snprintf (pp, sizeof pp, "%.2g%s", v->pool[i].p_value, v->pool_holm[i] ? "*" : "");
      else
        snprintf (pp, sizeof pp, "-");
      printf ("%-*s %5s %-*s %-*s %10s %4zu %4zu %4zu %4zu %8s %17s %15s %17s %4zu %5zu %8s "
              "%8s %8s %8s %4zu %4zu %8s %4zu  %s\n",
              ws, varlb__csv_get (t, g[i].first, col[C_SCHEDULE]),
              varlb__csv_get (t, g[i].first, col[C_D]),
              wj, varlb__csv_get (t, g[i].first, col[C_JL]),
              wc, varlb__csv_get (t, g[i].first, col[C_COMPRESSOR]),
              bud, g[i].instances, g[i].failed, g[i].unverified, g[i].sampled,
              sum_fmt (x, sizeof x, g[i].bits ? (double) g[i].correct / (double) g[i].bits
                                              : NAN, 0),
              sum_interval (a, sizeof a, g[i].bits_lo, g[i].bits_hi, 0),
              sum_interval (b, sizeof b, g[i].acc_min, g[i].acc_max, 1),
              sum_interval (c, sizeof c, g[i].lo, g[i].hi, 0), g[i].full, g[i].above,
              sum_fmt (z, sizeof z, sum_mean (g[i].fano_sum, g[i].instances), 0), jb,
              sum_fmt (w, sizeof w, sum_mean (g[i].ratio_sum, g[i].instances), 1), e,
              g[i].flagged, g[i].holm, pp, g[i].disagree, g[i].verdict);
      if (g[i].over)
        printf ("%*s(%zu of %zu over budget: charged in full)\n", ws + wj + wc + 10, "",
                g[i].over, g[i].instances);
    }
  sum_print_legend (level, v, unverified);
  printf ("acc_ci(inst) is the interval over instances (Hoeffding, each seed one draw;\n"
          "wide at a few seeds).  smpl counts rows where Bob sampled tokens, unvf the\n"
          "unverified rows.  above counts instances above their ceiling; judged is the\n"
          "mean bits judged, B/N the mean bits charged over N; eff the bits the\n"
          "frontier needs for acc over the bits charged (! above 1: more than the\n"
          "blobs alone allow).\n"
          "pool_p is the p-value of the group's seeds pooled (* rejected after Holm);\n"
          "disa counts unverified rows whose stored verdict disagreed with their counts.\n");
}

/* Per group: the counts, intervals and verdict of its rows. */
static int
sum_groups (sum_group_t *g, const varlb__csv_t *t, const long *col, const varlb__verdicts_t *v,
            const unsigned char *status, double level, size_t *bad, size_t *nbad)
{
  long over_col = varlb__csv_col (t, "over_budget");
  const char **by = calloc (t->rows + 1, sizeof *by);
  if (!by)
    return -1;
  for (size_t i = 0; i < v->groups; i++)
    {
      sum_group_t *q = &g[i];
      size_t nby = 0;
      q->first = v->first[i];
      q->acc_min = INFINITY, q->acc_max = -INFINITY;
      for (size_t r = 0; r < t->rows; r++)
        {
          if (v->group_of[r] != i)
            continue;
          const varlb_judgement_t *j = &v->row[r];
          int ok = strcmp (varlb__csv_get (t, r, col[C_STATUS]), "ok") == 0;
          q->unverified += status[r] != VARLB__ROW_VERIFIED;
          if (strcmp (varlb__csv_get (t, r, col[C_VERDICT]), ok ? j->verdict : VARLB_VERDICT_ERROR))
            {
              q->disagree++;
              bad[(*nbad)++] = r;
            }
          if (!ok)
            {
              q->failed++;
              continue;
            }
          varlb_counts_t c;
          varlb__row_counts (&c, t, r); /* held together: varlb__verdicts_init judged it */
          q->instances++;
          q->sampled += j->sampled;
          q->bits += j->tokens * c.d;
          q->correct += c.correct;
          q->acc_sum += j->accuracy;
          q->acc_min = fmin (q->acc_min, j->accuracy);
          q->acc_max = fmax (q->acc_max, j->accuracy);
          q->fano_sum += j->fano_judged;
          q->judged_sum += c.bits_judged;
          q->ratio_sum += c.bits_charged / varlb__csv_num (t, r, col[C_N]);
          q->full += j->accuracy == 1.0;
          q->above += j->accuracy > j->fano_judged;
          q->flagged += j->p_value <= VARLB_VERDICT_ALPHA;
          q->holm += v->row_holm[r];
          q->over += over_col >= 0 && strcmp (varlb__csv_get (t, r, over_col), "true") == 0;
          /* For the group: a row's budget verdict (chance explains one
             row above its ceiling among many; the pooled test decides). */
          by[nby++] = j->verdict_by_budget;
        }
      q->mean = sum_mean (q->acc_sum, q->instances);
      if (q->instances == 0
          || varlb_mean_interval (&q->lo, &q->hi, fmin (1.0, fmax (0.0, q->mean)),
                                  q->instances, 0, level) != VARLB_OK)
        q->lo = q->hi = NAN;
      if (q->instances == 0)
        q->acc_min = q->acc_max = NAN;
      sum_cp (&q->bits_lo, &q->bits_hi, q->correct, q->bits, level);
      sum_cp (&q->full_lo, &q->full_hi, q->full, q->instances, level);
      sum_cp (&q->above_lo, &q->above_hi, q->above, q->instances, level);
      /* The bits the frontier needs for the pooled accuracy over the mean
         bits charged (varlb_efficiency): above 1, more than the blobs alone
         allow. */
      double N = varlb__csv_num (t, q->first, col[C_N]),
             ratio = sum_mean (q->ratio_sum, q->instances);
      q->eff = q->bits && ratio > 0
               ? varlb_efficiency ((double) q->correct / (double) q->bits, ratio * N, N) : NAN;
      q->verdict = sum_verdict (q, v, i, by, nby);
    }
  free (by);
  return 0;
}

/* One line naming the rows in LIST (N of them): "rows 3, 7, ...". */
static void
sum_row_list (char *list, size_t len, const size_t *rows, size_t n)
{
  size_t used = 0;
  list[0] = '\0';
  for (size_t k = 0; k < n && k < SUM_SHOW_ROWS; k++)
    {
      int w = snprintf (list + used, len - used, "%s%zu", k ? ", " : "", rows[k] + 1);
      used += w > 0 ? (size_t) w : 0;
    }
  if (n > SUM_SHOW_ROWS)
    snprintf (list + used, len - used, ", ...");
}

int
cli_summary (int argc, char **argv)
{
  enum { OPT_LEVEL = CLI_OPT_FIRST_FREE, OPT_WIDE };
  static const struct option own[] = {
    { "level", required_argument, NULL, OPT_LEVEL },
    { "wide", no_argument, NULL, OPT_WIDE },
    { "judge-key", required_argument, NULL, CLI_OPT_JUDGE_KEY },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "summary";
  cli_options_t o;
  double level = 0.95;
  int wide = 0, c;
  if (cli_options_init (&o, cmd, CLI_ACCEPT_JSON | CLI_ACCEPT_OPERANDS, own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    if (c == OPT_WIDE)
      wide = 1;
    else if (c == CLI_OPT_JUDGE_KEY)
      cli_judge_key_path = o.arg; /* the key rows are checked under */
    else if (cli_parse_double (cmd, "--level", o.arg, 0.5, 0.999999, &level) != 0)
      return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  int json = o.json;
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  cli_options_clear (&o);
  const char *path = cli_one_argument (cmd, argc, argv, "RESULTS.csv");
  if (path == NULL)
    return CLI_EXIT_USAGE;
  varlb__verify_key_t key;
  if (cli_verify_key_load (cmd, &key) != 0)
    return CLI_EXIT_FAIL;
  varlb__csv_t t;
  char why[1536];
  if (varlb__csv_read (&t, path, why, sizeof why) != 0)
    {
      cli_error (cmd, "%s: %s", path, why);
      return CLI_EXIT_FAIL;
    }
  int rc = CLI_EXIT_FAIL, have_v = 0;
  long col[C_COUNT];
  size_t rows = t.rows ? t.rows : 1, nbad = 0, unverified = 0, json_bad = 0;
  sum_group_t *g = calloc (rows, sizeof *g);
  unsigned char *status = calloc (rows, 1);
  size_t *bad = calloc (rows, sizeof *bad);
  char *jsonl = cli_beside (path, ".jsonl");
  varlb__verdicts_t v;
  if (!g || !status || !bad || !jsonl)
    {
      cli_error (cmd, "out of memory");
      goto out;
    }
  for (int k = 0; k < C_COUNT; k++)
    if ((col[k] = varlb__csv_col (&t, sum_cols[k])) < 0)
      {
        cli_error (cmd, "%s: no column '%s'", path, sum_cols[k]);
        goto out;
      }
  if (t.rows == 0)
    {
      cli_error (cmd, "%s: no result rows", path);
      goto out;
    }
  /* Rows signed under this key are checked whole, before anything is
     printed: one that does not match refuses the file. */
  if (varlb__verify_rows ("", &t, path, jsonl, &key, status, &unverified, &json_bad, 0, why,
                          sizeof why) != 0)
    {
      cli_error (cmd, "%s", why);
      goto out;
    }
  if (varlb__verdicts_init (&v, &t, why, sizeof why) != 0)
    {
      cli_error (cmd, "%s: %s", path, why);
      goto out;
    }
  have_v = 1;
  if (sum_groups (g, &t, col, &v, status, level, bad, &nbad) != 0)
    {
      cli_error (cmd, "out of memory");
      goto out;
    }
  if (json)
    for (size_t i = 0; i < v.groups; i++)
      sum_print_json (&t, col, &g[i], &v, i);
  else if (wide)
    sum_print_wide (&t, col, g, v.groups, level, &v, unverified);
  else
    sum_print_narrow (&t, col, g, v.groups, level, &v, unverified);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      cli_error (cmd, "writing the summary: %s", strerror (errno));
      goto out;
    }
  rc = 0;
  /* Unverified rows that contradict themselves: a stored verdict their
     numbers do not give (a tampered file, or one a buggy or older varlb
     wrote), or a JSON line that disagrees.  Said after the (recomputed)
     summary, and the exit status is 1. */
  if (nbad)
    {
      char list[256];
      sum_row_list (list, sizeof list, bad, nbad);
      cli_error (cmd, "%zu %s stored verdict disagrees with %s numbers (row%s %s): "
                 "recomputed verdicts used", nbad, nbad == 1 ? "row's" : "rows'",
                 nbad == 1 ? "its" : "their", nbad == 1 ? "" : "s", list);
      rc = CLI_EXIT_FAIL;
    }
  if (json_bad)
    {
      cli_error (cmd, "%zu unverified row%s of %s disagree%s with %s: the CSV's counts used",
                 json_bad, json_bad == 1 ? "" : "s", path, json_bad == 1 ? "s" : "", jsonl);
      rc = CLI_EXIT_FAIL;
    }
out:
  if (have_v)
    varlb__verdicts_clear (&v);
  free (g);
  free (status);
  free (bad);
  free (jsonl);
  varlb__csv_clear (&t);
  return rc;
}
