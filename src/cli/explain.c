/* explain.c -- `varlb demo --explain` (also `varlb explain`): the reduction of
 * proofs/reduction.md sec. 3 on a tiny instance (schedule 1,2,3, d = 4), step by step,
 * then the same decode through a compressor that drops half of Alice's tokens.
 * A teaching aid (examples/teaching/README.md); floating point. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

enum { OPT_EXPLAIN = CLI_OPT_FIRST_FREE + 30, OPT_ROW };

static double plain_dot (const double *a, const double *b, size_t d);

/* Decode every Alice row against the cache restricted to KEEP (Alice's
   tokens with keep[t] = 1) plus Bob's zero tokens; per-row correct counts
   go to GOOD.  Keys are public coins, so Bob forms every query C k_i even
   for a dropped token. */
static int
decode_kept (size_t *good, const varlb_instance_t *in, const unsigned char *keep)
{
  size_t n = in->alice_tokens, d = in->d, kept = 0;
  double *K = malloc (n * d * sizeof *K), *V = malloc (n * d * sizeof *V);
  double *Q = malloc (d * sizeof *Q), *O = malloc (d * sizeof *O);
  int st = (K && V && Q && O) ? VARLB_OK : VARLB_ENOMEM;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    if (keep[t])
      {
        memcpy (K + kept * d, in->K + t * d, d * sizeof *K);
        memcpy (V + kept * d, in->V + t * d, d * sizeof *V);
        kept++;
      }
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      st = varlb_instance_queries (Q, in, &i, 1);
      if (st == VARLB_OK)
        st = varlb_attention_zero (O, Q, 1, K, V, kept, in->bob_rows, d, d,
                                   NULL, NULL, NULL);
      good[i] = 0;
      for (size_t j = 0; st == VARLB_OK && j < d; j++)
        good[i] += varlb_instance_decode_value (in, O[j]) == varlb_bits_get (&in->x, i, j);
    }
  free (K);
  free (V);
  free (Q);
  free (O);
  return st;
}

static void
walk (const varlb_instance_t *in, size_t row)
{
  const size_t n = in->alice_tokens, d = in->d, T = in->T;
  char sched[256];
  varlb_pyramid_format (&in->par.pyramid, sched, sizeof sched);
  printf ("varlb demo --explain: the Index -> VAR reduction on a tiny instance\n\n");
  printf ("Step 0. The VAR pyramid %s has T = %zu tokens.  Alice's scales (all but the\n"
          "        last) hold tokens 0..%zu; Bob's last scale holds %zu tokens.\n\n",
          sched, T, n - 1, in->bob_rows);
  printf ("Step 1. Alice's hidden bits x (one row of d = %zu bits per token): N = %zu bits\n", d, in->N);
  for (size_t t = 0; t < n; t++)
    {
      printf ("        token %2zu: ", t);
      for (size_t j = 0; j < d; j++)
        printf ("%d", varlb_bits_get (&in->x, t, j));
      printf ("\n");
    }
  printf ("\nStep 2. Public JL keys (%s, %s): random directions, nearly orthogonal once d >> ln T.\n"
          "        Alice stores key k_t and value v_t = x_t for each token.\n",
          varlb_jl_family_name (in->par.jl), varlb_jl_norm_name (in->par.norm));
  for (size_t t = 0; t < n; t++)
    {
      printf ("        k_%-2zu = (", t);
      for (size_t j = 0; j < d && j < 8; j++)
        printf ("%s%+.3f", j ? ", " : "", in->K[t * d + j]);
      printf ("%s)   <k_%zu,k_%zu> = %+.3f\n", d > 8 ? ", ..." : "", row, t,
              plain_dot (in->K + row * d, in->K + t * d, d));
    }
  printf ("        Bob's %zu tokens have key 0 and value 0.\n\n", in->bob_rows);
  printf ("Step 3. Bob wants the bits of token %zu.  His query is q = C k_%zu with\n"
          "        C = %.4g (= 2 ln M/(1-2eps), M = %zu other tokens): the scores\n"
          "        <q, k_t> = C <k_%zu, k_t> are large only for t = %zu.\n\n",
          row, row, in->C, in->M, row, row);
  double *s = malloc (T * sizeof *s), mx = -INFINITY, sum = 0.0;
  if (s == NULL)
    return;
  for (size_t t = 0; t < T; t++)
    {
      s[t] = in->C * plain_dot (in->K + row * d, in->K + t * d, d);
      mx = fmax (mx, s[t]);
    }
  for (size_t t = 0; t < T; t++)
    sum += exp (s[t] - mx);
  printf ("Step 4. Softmax attention weights of Bob's row (all %zu tokens are visible:\n"
          "        block-causal, Bob's own zero tokens included):\n", T);
  for (size_t t = 0; t < T; t++)
    if (t < n || t == n)
      printf ("        token %2zu: score %+7.3f  weight %.5f%s\n", t, s[t],
              exp (s[t] - mx) / sum, t == row ? "   <- target" :
              t == n ? "   (each of Bob's zero tokens)" : "");
  printf ("\nStep 5. Output o = sum_t weight_t v_t; bit = [o > %.4g] (between delta = %.3g\n"
          "        and Delta = %.3g):\n", in->threshold, in->delta, in->Delta);
  size_t ok = 0;
  for (size_t j = 0; j < d; j++)
    {
      double o = 0.0;
      for (size_t t = 0; t < T; t++)
        o += exp (s[t] - mx) / sum * in->V[t * d + j];
      int got = varlb_instance_decode_value (in, o), truth = varlb_bits_get (&in->x, row, j);
      ok += got == truth;
      printf ("        coordinate %zu: o = %.5f -> bit %d (Alice's bit %d) %s\n", j, o, got,
              truth, got == truth ? "right" : "WRONG");
    }
  printf ("        %zu of %zu bits of token %zu recovered.\n\n", ok, d, row);
  free (s);
}

/* Not BLAS: the walk-through is tiny and prints the same numbers it uses. */
static double
plain_dot (const double *a, const double *b, size_t d)
{
  double g = 0.0;
  for (size_t j = 0; j < d; j++)
    g += a[j] * b[j];
  return g;
}

static int
explain (const varlb_instance_t *in, size_t row)
{
  size_t n = in->alice_tokens, d = in->d;
  walk (in, row);
  unsigned char *all = malloc (n), *half = malloc (n);
  size_t *g1 = malloc (n * sizeof *g1), *g2 = malloc (n * sizeof *g2);
  int st = (all && half && g1 && g2) ? VARLB_OK : VARLB_ENOMEM;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    {
      all[t] = 1;
      half[t] = t % 2 == 0;
    }
  if (st == VARLB_OK)
    st = decode_kept (g1, in, all);
  if (st == VARLB_OK)
    st = decode_kept (g2, in, half);
  if (st == VARLB_OK)
    {
      size_t s1 = 0, s2 = 0, kept = 0;
      printf ("Step 6. Every row, from the full cache and from a compressor that drops\n"
              "        every odd Alice token (keeps half the cache):\n");
      printf ("        token  full cache  half cache\n");
      for (size_t t = 0; t < n; t++)
        {
          printf ("        %5zu   %2zu / %zu     %2zu / %zu%s\n", t, g1[t], d, g2[t], d,
                  half[t] ? "" : "   (dropped)");
          s1 += g1[t];
          s2 += g2[t];
          kept += half[t];
        }
      printf ("        total: full %zu / %zu bits, half %zu / %zu bits\n\n", s1, in->N, s2, in->N);
      printf ("Step 7. The lesson: a dropped token's bits are gone; Bob can only guess them\n"
              "        (about half right).  To answer every query, a compressor must keep\n"
              "        about N = %zu bits here; for VAR that is Omega(n^2 d).\n", in->N);
    }
  free (all);
  free (half);
  free (g1);
  free (g2);
  return st;
}

int
cli_explain (int argc, char **argv)
{
  static const struct option own[] = {
    { "explain", no_argument, NULL, OPT_EXPLAIN },
    { "row", required_argument, NULL, OPT_ROW },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "explain";
  cli_options_t o;
  int c;
  size_t row = 0;
  if (cli_options_init (&o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_MEMORY, own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  /* The tiny default instance: schedule 1,2,3 and d = 4 unless given. */
  varlb_pyramid_clear (&o.p.pyramid);
  if (varlb_pyramid_init_parse (&o.p.pyramid, "1,2,3") != VARLB_OK)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  o.p.d = 4;
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    if (c == OPT_ROW && cli_parse_size (cmd, "--row", o.arg, 0, (size_t) -1, &row) != 0)
      return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  varlb_instance_t in;
  int st = cli_options_build (&in, &o, CLI_JOB_INSTANCE);
  if (st != 0)
    return st;
  if (row >= in.alice_tokens)
    {
      cli_error (cmd, "--row: %zu is not one of Alice's tokens (0..%zu)", row, in.alice_tokens - 1);
      varlb_instance_clear (&in);
      return CLI_EXIT_USAGE;
    }
  st = explain (&in, row);
  varlb_instance_clear (&in);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "%s", varlb_strerror (st));
      return CLI_EXIT_FAIL;
    }
  return 0;
}
