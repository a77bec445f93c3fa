/* prove.c -- `varlb prove`: the lemmas of proofs/reduction.md and
 * proofs/sharpened.md evaluated for given parameters with MPFR and directed
 * rounding, lemma by lemma; --min-d tabulates the smallest d each chain needs. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "decode.h"
#include "coq_record.h"

enum { OPT_FAIL = CLI_OPT_FIRST_FREE + 10, OPT_MIN_D, OPT_SEQ };

#define MGF_TERMS 200
#define MIN_D_MAX 65536

static const char *
tri_word (varlb_tri t)
{
  return t == VARLB_TRI_TRUE ? "holds" : t == VARLB_TRI_FALSE ? "FAILS" : "UNKNOWN";
}

static const char *
mgf_reason (varlb_jl_family f, varlb_jl_norm norm)
{
  if (f == VARLB_JL_ACHLIOPTAS && norm == VARLB_JL_UNIT)
    return "unit Achlioptas keys: given the supports (sizes b, s, overlap x), <k_i,k_t> is a "
           "sum of x signs over sqrt(b s), so E e^{C<k_i,k_t>} is a finite sum of "
           "cosh(C/sqrt(b s))^x over binomial support sizes, evaluated in S3 (no inequality)";
  if (f == VARLB_JL_GAUSSIAN && norm == VARLB_JL_UNIT)
    return "unit Gaussian keys are uniform on the sphere: <k_i,k_t> has the law of one "
           "coordinate u, and E e^{C u} = 0F1(;d/2;C^2/4) exactly, summed in S3 with a "
           "certified tail (no inequality; the sub-Gaussian bound 0F1 <= e^{C^2/(2d)} only "
           "for C beyond the series)";
  if (f == VARLB_JL_GAUSSIAN)
    return "Gaussian: <k_i,k_t> | k_i ~ N(0, |k_i|^2/d), equality";
  if (f == VARLB_JL_RADEMACHER)
    return "Rademacher: cosh x <= e^{x^2/2}, termwise (2m)! >= 2^m m!";
  return "Achlioptas: 2/3 + cosh(sqrt3 x)/3 <= e^{x^2/2}, termwise 3^{m-1} 2^m m! <= (2m)!";
}

/* The largest C the search may use: VAR's cap for unit keys; for scaled
   keys up to where the Gaussian chi^2 MGF stays finite. */
static double
c_cap (const varlb_params_t *p, size_t d)
{
  return p->norm == VARLB_JL_UNIT ? VARLB_VAR_TEMPERATURE_CAP : 2.4 * (double) d;
}

/* The largest d the chain is evaluated at for these keys. */
static size_t
d_reach (const varlb_params_t *p)
{
  return p->jl == VARLB_JL_ACHLIOPTAS && p->norm == VARLB_JL_UNIT ? VARLB_SHARP_EXACT_D_MAX
                                                                   : MIN_D_MAX;
}

/* Smallest d in [1, d_reach] at which the sharpened chain is certified
   to hold (0: none); BEST_C: optimise C for each d, else the default C. */
static size_t
sharp_min_d (const varlb_params_t *p, size_t n, size_t z, double target, int best_c)
{
  varlb_params_t q = *p;
  for (size_t d = 1; d <= d_reach (p); d += d < 256 ? 1 : d / 64)
    {
      q.d = d;
      double C = p->C > 0 ? p->C : varlb_params_default_C_M (&q, n - 1 + z);
      if (best_c)
        C = varlb_sharp_best_C (n, z, d, p->eps, p->eta, p->jl, p->norm,
                                p->values, c_cap (p, d));
      /* Certify only where the floating-point bound is not far above the
         target (the exact unit-Achlioptas sum costs O(d^3) MPFR terms). */
      if (varlb_sharp_bound_fast (n, z, d, C, p->eps, p->eta, p->jl, p->norm, p->values)
          > 2.0 * target)
        continue;
      varlb_sharp_t s;
      if (varlb_sharp_eval (&s, n, z, d, C, p->eps, p->eta, p->jl, p->norm,
                            p->values, target) != VARLB_OK || !s.covered)
        return 0;
      if (s.holds == VARLB_TRI_TRUE)
        return d;
    }
  return 0;
}

static int
min_d_table (const varlb_params_t *p, int custom, double target)
{
  static const int px[] = { 256, 512, 1024 };
  static const varlb_jl_family fam[] = { VARLB_JL_GAUSSIAN, VARLB_JL_RADEMACHER,
                                         VARLB_JL_ACHLIOPTAS };
  printf ("varlb prove --min-d: smallest d at which each chain holds "
          "(eps = %g, eta = %g, %s keys, target failure %g)\n", p->eps, p->eta,
          varlb_jl_norm_name (p->norm), target);
  printf ("  paper: d >= 12 ln N_A/(eps^2-eps^3) (Lemma 3, certified); sharpened: "
          "N_A E[R_i]/r_max <= target at C default / at the best C\n\n");
  printf ("  %-8s %6s %6s %6s %10s   %-13s %-13s %-13s\n", "schedule", "T", "N_A", "z",
          "paper d", "gaussian", "rademacher", "achlioptas");
  for (int k = 0; k < (custom ? 1 : 3); k++)
    {
      varlb_params_t q = *p;
      varlb_pyramid_t pyr;
      if (!custom)
        {
          if (varlb_pyramid_init_preset (&pyr, px[k]) != VARLB_OK)
            return CLI_EXIT_FAIL;
          q.pyramid = pyr;
        }
      size_t T = varlb_pyramid_token_count (&q.pyramid);
      size_t n = varlb_pyramid_prefix (&q.pyramid, q.pyramid.scales - 1), z = T - n;
      varlb_paper_chain_t pc;
      double C = q.C > 0 ? q.C : varlb_params_default_C_M (&q, T - 1);
      varlb_paper_chain_eval (&pc, n, T - 1, 1, C, q.eps, q.eta);
      double lo = ceil (pc.d_needed_lo), hi = ceil (pc.d_needed_hi);
      char name[32], paper[32];
      if (custom)
        snprintf (name, sizeof name, "custom");
      else
        snprintf (name, sizeof name, "%dpx", px[k]);
      if (lo == hi)
        snprintf (paper, sizeof paper, "%.0f", hi);
      else
        snprintf (paper, sizeof paper, "%.0f..%.0f?", lo, hi);
      printf ("  %-8s %6zu %6zu %6zu %10s  ", name, T, n, z, paper);
      for (int f = 0; f < 3; f++)
        {
          q.jl = fam[f];
          char cell[32], a[24], b[24];
          size_t d1 = sharp_min_d (&q, n, z, target, 0);
          size_t d2 = sharp_min_d (&q, n, z, target, 1);
          snprintf (a, sizeof a, "%s%zu", d1 ? "" : ">", d1 ? d1 : d_reach (&q));
          snprintf (b, sizeof b, "%s%zu", d2 ? "" : ">", d2 ? d2 : d_reach (&q));
          snprintf (cell, sizeof cell, "%.12s / %.12s", a, b);
          printf (" %-13s", cell);
        }
      printf ("\n");
      if (!custom)
        varlb_pyramid_clear (&pyr);
    }
  printf ("\n  (sharpened cells: d at the default C / d at the C minimising the bound)\n");
  return 0;
}

/* One run of the two chains: everything either report prints. */
typedef struct prove_run {
  const varlb_params_t *p;
  double target, C;
  size_t seq, T, n, z, M, d;
  char sched[512];
  varlb_paper_chain_t pc;
  varlb_sharp_t s, b;         /* at C; at the best C (have_best) */
  varlb_tri s1, s2, s3, s4, best_t;
  int paper_ok, achlioptas_sum, exact_sum, have_best;
  double one_lo, one_hi;      /* Bob's one row: E R_i / r_max */
  double best_C, best_hi;
  const char *coq_preset;     /* the preset whose side conditions
                                 proofs/coq/Presets.v proves, or NULL */
  cli_coq_record_t coq;
} prove_run_t;

/* The presets proofs/coq/Presets.v covers: d = 64, eps = 0.1, eta = 0,
   unit Gaussian keys, {0,1} values, the default C and target, the pyramid
   (tests/coq_constants.sh holds the two together). */
static const char *
coq_preset (const prove_run_t *r)
{
  static const int px[] = { 256, 512, 1024 };
  static const char *name[] = { "256px", "512px", "1024px" };
  const varlb_params_t *p = r->p;
  if (r->seq || p->d != 64 || p->eps != 0.1 || p->eta != 0.0 || p->C > 0
      || p->jl != VARLB_JL_GAUSSIAN || p->norm != VARLB_JL_UNIT
      || p->values != VARLB_VALUES_01 || r->target != nextafter (7.0 / 30.0, 0.0))
    return NULL;
  for (int k = 0; k < 3; k++)
    {
      varlb_pyramid_t pyr;
      if (varlb_pyramid_init_preset (&pyr, px[k]) != VARLB_OK)
        return NULL;
      int same = pyr.scales == p->pyramid.scales
                 && memcmp (pyr.pn, p->pyramid.pn, pyr.scales * sizeof *pyr.pn) == 0;
      varlb_pyramid_clear (&pyr);
      if (same)
        return name[k];
    }
  return NULL;
}

/* SEQ > 0: the sequence case (reductions/index_seq.c), SEQ Alice tokens
   and Bob's one zero-key token, instead of the pyramid.  0, or the usage
   error's exit code (printed). */
static int
prove_compute (prove_run_t *r, const varlb_params_t *p, double target, size_t seq)
{
  memset (r, 0, sizeof *r);
  r->p = p;
  r->target = target;
  r->seq = seq;
  r->T = varlb_pyramid_token_count (&p->pyramid);
  r->n = varlb_pyramid_prefix (&p->pyramid, p->pyramid.scales - 1);
  r->z = r->T - r->n;
  varlb_pyramid_format (&p->pyramid, r->sched, sizeof r->sched);
  if (seq)
    {
      r->n = seq;
      r->z = 1;
      r->T = r->n + 1;
      snprintf (r->sched, sizeof r->sched, "sequence (n tokens + Bob's one)");
    }
  r->M = r->T - 1;
  r->d = p->d;
  r->C = p->C > 0 ? p->C : varlb_params_default_C_M (p, r->M);
  if (r->n < 2 || varlb_paper_chain_eval (&r->pc, r->n, r->M, r->d, r->C, p->eps, p->eta) != VARLB_OK
      || varlb_sharp_eval (&r->s, r->n, r->z, r->d, r->C, p->eps, p->eta, p->jl, p->norm,
                           p->values, target) != VARLB_OK)
    {
      cli_error ("prove", "parameters: the lemmas need at least 2 Alice tokens and C > 0");
      return CLI_EXIT_USAGE;
    }
  const varlb_sharp_t *s = &r->s;
  varlb_tri mgf = s->covered ? varlb_sharp_mgf_series_check (p->jl, p->norm, r->d, MGF_TERMS)
                             : VARLB_TRI_UNKNOWN;
  r->paper_ok = r->pc.d_holds == VARLB_TRI_TRUE && r->pc.margin_holds == VARLB_TRI_TRUE
                && r->pc.success_holds == VARLB_TRI_TRUE;
  r->achlioptas_sum = p->jl == VARLB_JL_ACHLIOPTAS && p->norm == VARLB_JL_UNIT;
  r->exact_sum = r->achlioptas_sum || (p->jl == VARLB_JL_GAUSSIAN && p->norm == VARLB_JL_UNIT);
  r->s1 = s->r_max_lo > 0 ? VARLB_TRI_TRUE : VARLB_TRI_FALSE;
  r->s2 = s->covered ? mgf : VARLB_TRI_UNKNOWN;
  r->s3 = r->s4 = VARLB_TRI_FALSE;
  if (s->covered)
    {
      r->s3 = isfinite (s->row_hi) ? VARLB_TRI_TRUE : VARLB_TRI_FALSE;
      /* One row: E R_i / r_max = (n E R_i / r_max) / n; the double quotient
         is correctly rounded, one ulp outward keeps the enclosure. */
      r->one_lo = nextafter (s->fail_lo / (double) r->n, 0.0);
      r->one_hi = nextafter (s->fail_hi / (double) r->n, INFINITY);
      /* Bob's single query token in the sequence case: only his row must
         decode. */
      r->s4 = !seq ? s->holds
              : r->one_hi <= target ? VARLB_TRI_TRUE
              : r->one_lo > target ? VARLB_TRI_FALSE : VARLB_TRI_UNKNOWN;
      /* The C minimising n E R_i / r_max minimises E R_i / r_max too; the
         sequence case reports Bob's one row, as its S4 does. */
      r->best_C = varlb_sharp_best_C (r->n, r->z, r->d, p->eps, p->eta, p->jl, p->norm,
                                      p->values, c_cap (p, r->d));
      if (varlb_sharp_eval (&r->b, r->n, r->z, r->d, r->best_C, p->eps, p->eta, p->jl,
                            p->norm, p->values, target) == VARLB_OK)
        {
          r->have_best = 1;
          r->best_hi = r->b.fail_hi;
          r->best_t = r->b.holds;
          if (seq)
            {
              double lo = nextafter (r->b.fail_lo / (double) r->n, 0.0);
              r->best_hi = nextafter (r->b.fail_hi / (double) r->n, INFINITY);
              r->best_t = r->best_hi <= target ? VARLB_TRI_TRUE
                          : lo > target ? VARLB_TRI_FALSE : VARLB_TRI_UNKNOWN;
            }
        }
    }
  r->coq_preset = coq_preset (r);
  cli_coq_record_read (&r->coq);
  return 0;
}

static void
prove_print_text (const prove_run_t *r)
{
  const varlb_params_t *p = r->p;
  const varlb_sharp_t *s = &r->s;
  const varlb_paper_chain_t *pc = &r->pc;
  size_t n = r->n, d = r->d;
  double target = r->target;
  printf ("varlb prove: schedule %s, T = %zu tokens, N_A = %zu Alice tokens (keys), z = %zu zero keys (Bob's), d = %zu\n",
          r->sched, r->T, n, r->z, d);
  printf ("  C = %.6g%s, M = %zu, eps = %g, eta = %g, %s %s keys, values %s, target failure %g\n",
          r->C, p->C > 0 ? " (set)" : " (default 2(ln M + ln((1+eta)/(1-eta)))/(1-2eps))", r->M,
          p->eps, p->eta, varlb_jl_family_name (p->jl), varlb_jl_norm_name (p->norm),
          p->values == VARLB_VALUES_PM1 ? "+-1" : "{0,1}", target);
  printf ("  certified: MPFR with directed rounding (upper bounds rounded up, lower down);"
          " [lo, hi] enclose each quantity\n");
  unsigned side = p->pyramid.pn[p->pyramid.scales - 1];
  double n2 = (double) side * side;
  if (!r->seq && (double) n < VARLB_N2D_FRACTION_NOTE * n2)
    printf ("  note: this schedule has %zu Alice keys = %.3g n^2 (last side n = %u): the chain\n"
            "  gives Omega(N) = Omega(%zu d) bits for it, not Omega(n^2 d), which needs\n"
            "  P_{K-1} = Theta(n^2) (geometric pyramids; proofs/reduction.md)\n",
            n, (double) n / n2, side, n);
  printf ("\n");

  printf ("The paper's chain (Haris-Onak Lemma 3 + margin; proofs/reduction.md):\n");
  printf ("  [%s] P1 Lemma 3 (JL, all pairs): needs d >= 12 ln N_A/(eps^2-eps^3) in [%.6f, %.6f], "
          "i.e. d >= %.0f; here d = %zu\n", tri_word (pc->d_holds), pc->d_needed_lo,
          pc->d_needed_hi, ceil (pc->d_needed_hi), d);
  printf ("  [holds] P2 its honest failure bound 4/N_A <= %.6g\n", pc->jl_fail_hi);
  printf ("  [%s] P3 margin: C(1-2eps) - ln M - ln((1+eta)/(1-eta)) in [%.6g, %.6g] > 0 "
          "(so (1+eta) delta < (1-eta) Delta)\n", tri_word (pc->margin_holds),
          pc->margin_lo, pc->margin_hi);
  printf ("  [%s] P4 success 9/10 - 4/N_A > 2/3\n", tri_word (pc->success_holds));
  printf ("  => the paper's chain %s at d = %zu%s\n\n", r->paper_ok ? "holds" : "does not hold", d,
          pc->d_holds == VARLB_TRI_TRUE ? "" : " (it needs the larger d of P1)");

  printf ("The sharpened chain (proofs/sharpened.md):\n");
  printf ("  [%s] S1 margin through R_i: target weight e^{C|k_i|^2}/(e^{C|k_i|^2} + sum_{t!=i} e^{C<k_i,k_t>}) "
          "= 1/(1+R_i); row i decodes all d bits at threshold %.6g when R_i < r_max >= %.6g\n",
          tri_word (r->s1), s->threshold, s->r_max_lo);
  if (r->exact_sum)
    printf ("  [%s] S2%s exact MGF: %s", tri_word (r->s2), r->achlioptas_sum ? "'" : "''",
            mgf_reason (p->jl, p->norm));
  else
    printf ("  [%s] S2 sub-Gaussian MGF: E[e^{lambda<k_i,k_t>} | k_i] <= e^{lambda^2 |k_i|^2/(2d)}: %s",
            tri_word (r->s2), mgf_reason (p->jl, p->norm));
  if (!s->covered)
    printf ("; not evaluated above d = %u (the exact sum has O(d^3) terms)", VARLB_SHARP_EXACT_D_MAX);
  else if (r->achlioptas_sum)
    printf ("; its weights checked exactly (GMP) to sum to (3^d-2^d)^2");
  else if (!(p->jl == VARLB_JL_GAUSSIAN && p->norm == VARLB_JL_SCALED))
    printf ("; series coefficients checked exactly (GMP) for m <= %d", MGF_TERMS);
  printf ("\n");
  if (s->covered)
    {
      printf ("  [%s] S3 expectation: E R_i <= (n-1) %.6g + z %.6g <= %.6g%s%s\n",
              tri_word (r->s3), s->other_hi, s->zero_hi, s->row_hi,
              r->exact_sum ? " (the exact sum, rounded up)" : "",
              r->s3 == VARLB_TRI_TRUE ? "" : " (the chi^2 MGF diverges: C too large for d)");
      const char *rel = r->s4 == VARLB_TRI_TRUE ? "<=" : r->s4 == VARLB_TRI_FALSE ? ">" : "vs";
      if (r->seq)
        printf ("  [%s] S4 Markov (Bob's one row): P[row i fails] <= E R_i / r_max in [%.6g, %.6g] "
                "%s target %g\n", tri_word (r->s4), r->one_lo, r->one_hi, rel, target);
      else
        {
          printf ("  [%s] S4 Markov + union bound: P[some row fails] <= N_A E R_i / r_max in [%.6g, %.6g] "
                  "%s target %g (MPFR precision %lu)\n", tri_word (r->s4), s->fail_lo, s->fail_hi,
                  rel, target, s->prec);
          printf ("        (a single Index query needs only its own row: <= %.6g)\n", r->one_hi);
        }
      if (r->have_best)
        printf ("  best C (minimising the bound, C <= %g): C = %.4g gives P[%s] <= %.6g (%s)\n",
                c_cap (p, d), r->best_C, r->seq ? "row i fails" : "some row fails", r->best_hi,
                tri_word (r->best_t));
    }
}

/* The chain's verdict: 0 when it holds; else one error line, exit 1. */
static int
prove_verdict (const prove_run_t *r)
{
  const char *cmd = "prove";
  const varlb_sharp_t *s = &r->s;
  char reach[96];
  snprintf (reach, sizeof reach, "not evaluated above d = %u (the exact sum has O(d^3) terms)",
            VARLB_SHARP_EXACT_D_MAX);
  struct { const char *name; varlb_tri t; const char *why; } chain[] = {
    { "S1 (margin through R_i)", r->s1, "the threshold leaves no room for any R_i" },
    { r->achlioptas_sum ? "S2' (exact MGF)" : r->exact_sum ? "S2'' (exact MGF)" : "S2 (sub-Gaussian MGF)",
      r->s2, !s->covered ? reach
      : r->achlioptas_sum ? "the exact sum's weights are not a probability law" : "series check failed" },
    { "S3 (expectation of R_i)", r->s3, "the expectation is infinite" },
    { "S4 (Markov + union bound)", r->s4, "the failure bound exceeds the target" },
  };
  for (int k = 0; k < 4; k++)
    if (chain[k].t != VARLB_TRI_TRUE)
      {
        if (chain[k].t == VARLB_TRI_UNKNOWN && !s->covered)
          cli_error (cmd, "sharpened lemma %s undecided: %s", chain[k].name, chain[k].why);
        else if (chain[k].t == VARLB_TRI_UNKNOWN)
          cli_error (cmd, "sharpened lemma %s undecided at the highest precision", chain[k].name);
        else if (k == 3)
          cli_error (cmd, "sharpened lemma %s fails: bound %.6g > target %g at d = %zu, C = %.6g",
                     r->seq ? "S4 (Markov, Bob's one row)" : chain[k].name,
                     r->seq ? r->one_lo : s->fail_lo, r->target, r->d, r->C);
        else
          cli_error (cmd, "sharpened lemma %s fails: %s", chain[k].name, chain[k].why);
        return CLI_EXIT_FAIL;
      }
  return 0;
}

/* The Coq development's line: what is machine-checked, and whether it was
   checked for this build. */
static void
prove_print_coq_text (const prove_run_t *r)
{
  printf ("\nCoq (proofs/coq/, proofs/README.md): the decoding lemma, the counting bound and the\n"
          "  presets' side conditions are theorems there%s%s%s\n",
          r->coq_preset ? "; Presets.v proves this run's side conditions (the " : "",
          r->coq_preset ? r->coq_preset : "", r->coq_preset ? " preset)" : "");
  printf ("  %s for this build: %s\n", r->coq.checked ? "checked" : "NOT checked", r->coq.why);
}

static void
json_tri (const char *key, varlb_tri t)
{
  printf (",\"%s\":\"%s\"", key,
          t == VARLB_TRI_TRUE ? "holds" : t == VARLB_TRI_FALSE ? "fails" : "unknown");
}

static void
json_num (const char *key, double v)
{
  printf (",\"%s\":", key);
  cli_json_double (stdout, v);
}

/* A double exactly, as C's %a writes it (Coq reads it as a hexadecimal
   real literal). */
static void
json_hex (const char *key, double v)
{
  printf (",\"%s\":\"%a\"", key, v);
}

static void
prove_print_json (const prove_run_t *r, int rc)
{
  const varlb_params_t *p = r->p;
  const varlb_sharp_t *s = &r->s;
  const varlb_paper_chain_t *pc = &r->pc;
  printf ("{\"schedule\":");
  cli_json_string (stdout, r->sched);
  printf (",\"seq\":%zu,\"T\":%zu,\"N_A\":%zu,\"z\":%zu,\"M\":%zu,\"d\":%zu",
          r->seq, r->T, r->n, r->z, r->M, r->d);
  printf (",\"keys\":\"%s\",\"norm\":\"%s\",\"values\":\"%s\",\"C_set\":%s",
          varlb_jl_family_name (p->jl), varlb_jl_norm_name (p->norm),
          p->values == VARLB_VALUES_PM1 ? "pm1" : "01", p->C > 0 ? "true" : "false");
  json_num ("C", r->C);
  json_hex ("C_hex", r->C);
  json_num ("eps", p->eps);
  json_hex ("eps_hex", p->eps);
  json_num ("eta", p->eta);
  json_hex ("eta_hex", p->eta);
  json_num ("target", r->target);
  json_hex ("target_hex", r->target);
  json_tri ("P1", pc->d_holds);
  json_num ("P1_d_needed_lo", pc->d_needed_lo);
  json_num ("P1_d_needed_hi", pc->d_needed_hi);
  json_num ("P1_d_needed", ceil (pc->d_needed_hi));
  json_num ("P2_fail_hi", pc->jl_fail_hi);
  json_tri ("P3", pc->margin_holds);
  json_num ("P3_margin_lo", pc->margin_lo);
  json_num ("P3_margin_hi", pc->margin_hi);
  json_tri ("P4", pc->success_holds);
  printf (",\"paper_chain\":\"%s\"", r->paper_ok ? "holds" : "fails");
  json_tri ("S1", r->s1);
  json_num ("S1_threshold", s->threshold);
  json_num ("S1_r_max_lo", s->r_max_lo);
  json_tri ("S2", r->s2);
  printf (",\"S2_kind\":\"%s\"", r->achlioptas_sum ? "S2'" : r->exact_sum ? "S2''" : "S2");
  json_tri ("S3", r->s3);
  json_num ("S3_other_hi", s->covered ? s->other_hi : NAN);
  json_num ("S3_zero_hi", s->covered ? s->zero_hi : NAN);
  json_num ("S3_row_hi", s->covered ? s->row_hi : NAN);
  json_tri ("S4", r->s4);
  json_num ("S4_fail_lo", !s->covered ? NAN : r->seq ? r->one_lo : s->fail_lo);
  json_num ("S4_fail_hi", !s->covered ? NAN : r->seq ? r->one_hi : s->fail_hi);
  json_num ("S4_one_row_hi", s->covered ? r->one_hi : NAN);
  printf (",\"S4_prec\":%lu", s->prec);
  json_num ("best_C", r->have_best ? r->best_C : NAN);
  json_num ("best_fail_hi", r->have_best ? r->best_hi : NAN);
  printf (",\"sharpened_chain\":\"%s\"", rc == 0 ? "holds" : "fails");
  printf (",\"coq_preset\":");
  if (r->coq_preset)
    cli_json_string (stdout, r->coq_preset);
  else
    printf ("null");
  printf (",\"coq_configured\":%s,\"coq_checked\":%s,\"coq_record\":",
          r->coq.configured ? "true" : "false", r->coq.checked ? "true" : "false");
  cli_json_string (stdout, r->coq.path);
  printf (",\"coq_detail\":");
  cli_json_string (stdout, r->coq.why);
  printf ("}\n");
}

static int
prove (const varlb_params_t *p, double target, size_t seq, int json)
{
  prove_run_t r;
  int rc = prove_compute (&r, p, target, seq);
  if (rc != 0)
    return rc;
  if (!json)
    prove_print_text (&r);
  fflush (stdout);
  rc = prove_verdict (&r); /* its error line on stderr, after the report */
  if (json)
    prove_print_json (&r, rc);
  else
    {
      if (rc == 0 && seq)
        printf ("  => the sharpened chain holds: with probability >= %.6g over the keys Bob's "
                "row decodes all %zu bits of any token i\n", 1.0 - r.one_hi, r.d);
      else if (rc == 0)
        printf ("  => the sharpened chain holds: with probability >= %.6g over the keys every "
                "one of the %zu rows decodes all %zu bits\n", 1.0 - r.s.fail_hi, r.n, r.d);
      prove_print_coq_text (&r);
    }
  return rc;
}

int
cli_prove (int argc, char **argv)
{
  static const struct option own[] = {
    { "fail-prob", required_argument, NULL, OPT_FAIL },
    { "min-d", no_argument, NULL, OPT_MIN_D },
    { "seq", required_argument, NULL, OPT_SEQ },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "prove";
  cli_options_t o;
  int c, rc, min_d = 0;
  size_t seq = 0;
  /* 9/10 - p >= 2/3  <=>  p <= 7/30: the largest failure the reduction
     tolerates; the double just below 7/30, so the check is never generous. */
  double target = nextafter (7.0 / 30.0, 0.0);
  if (cli_options_init (&o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_JSON, own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    {
      if (c == OPT_FAIL && cli_parse_double (cmd, "--fail-prob", o.arg, 1e-300, 1.0, &target) != 0)
        return cli_options_stop (&o, CLI_OPTIONS_ERROR);
      if (c == OPT_SEQ && cli_parse_size (cmd, "--seq", o.arg, 2, (size_t) 1 << 40, &seq) != 0)
        return cli_options_stop (&o, CLI_OPTIONS_ERROR);
      min_d |= c == OPT_MIN_D;
    }
  if (c == CLI_OPTIONS_DONE && seq && min_d)
    {
      cli_error (cmd, "--seq: not combined with --min-d");
      c = CLI_OPTIONS_ERROR;
    }
  if (c == CLI_OPTIONS_DONE && o.json && min_d)
    {
      cli_error (cmd, "--json: not combined with --min-d");
      c = CLI_OPTIONS_ERROR;
    }
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  rc = min_d ? min_d_table (&o.p, (o.given & CLI_GIVEN_CUSTOM) != 0, target)
             : prove (&o.p, target, seq, o.json);
  cli_options_clear (&o);
  return rc;
}
