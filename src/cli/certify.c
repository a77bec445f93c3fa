/* certify.c -- `varlb certify`: draw an instance and prove, with rigorous
 * floating-point bounds and MPFR interval bounds (directed rounding), that
 * every hidden bit decodes correctly from the full cache (proofs/certify.md;
 * the paper's sec. 1.7 step 4 made exact). */
#include <config.h>
#include <stdlib.h>
#include "cli.h"
#include "model.h"

enum { OPT_SHOW = CLI_OPT_FIRST_FREE + 20 };

int
cli_certify (int argc, char **argv)
{
  static const struct option own[] = {
    { "show", required_argument, NULL, OPT_SHOW },
    { NULL, 0, NULL, 0 }
  };
  cli_options_t o;
  const char *cmd = "certify";
  int c, model = cli_model_requested (argc, argv);
  size_t show = 20;
  /* A whole model (model.c) has none of a head's --show, --max-memory. */
  if (cli_options_init (&o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_JSON
                        | (model ? CLI_ACCEPT_MODEL : CLI_ACCEPT_MEMORY), model ? NULL : own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    if (cli_parse_size (cmd, "--show", o.arg, 0, (size_t) -1, &show) != 0)
      return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  if (model)
    return cli_certify_model (&o);
  int json = o.json, rc;
  varlb_instance_t in;
  if ((rc = cli_options_build (&in, &o, CLI_JOB_CERTIFY)) != 0)
    return rc;
  varlb_certify_report_t r;
  varlb_certify_report_init (&r);
  double t0 = cli_now ();
  int st = varlb_certify_instance (&r, &in, NULL, 0);
  double secs = cli_now () - t0;
  if (st != VARLB_OK)
    {
      cli_error (cmd, "certification failed: %s", varlb_strerror (st));
      varlb_certify_report_clear (&r);
      varlb_instance_clear (&in);
      return CLI_EXIT_FAIL;
    }
  if (json)
    {
      printf ("{\"bits\":%zu,\"certified\":%zu,\"wrong\":%zu,\"undecided\":%zu,"
              "\"rows_filtered\":%zu,\"rows_refined\":%zu,\"max_prec\":%lu,\"seed\":%llu,"
              "\"seconds\":", r.bits, r.certified, r.wrong, r.undecided, r.rows_filtered,
              r.rows_refined, r.max_prec, (unsigned long long) in.par.seed);
      cli_json_double (stdout, secs);
      printf (",\"not_certified\":[");
      for (size_t k = 0; k < r.n_bad; k++)
        printf ("%s[%zu,%zu]", k ? "," : "", r.bad[k] / in.d, r.bad[k] % in.d);
      printf ("]}\n");
    }
  else
    {
      printf ("varlb certify: N = %zu hidden bits (N_A = %zu tokens x d = %zu), C = %.6g, threshold %.6g, seed %llu\n",
              r.bits, in.alice_tokens, in.d, in.C, in.threshold,
              (unsigned long long) in.par.seed);
      printf ("  each output of the exact attention of C k_i over all %zu cached tokens enclosed:\n"
              "  %zu of %zu rows by a rigorous floating-point bound on the target weight\n"
              "  (Higham's dot-product error bound, exponentials bounded by powers of two), the\n"
              "  rest with MPFR directed rounding (%zu row%s needed the coordinatewise pass, up\n"
              "  to %lu bits of precision), %.3f s\n",
              in.T, r.rows_filtered, in.alice_tokens, r.rows_refined,
              r.rows_refined == 1 ? "" : "s", r.max_prec, secs);
      printf ("  certified %zu / %zu; proved wrong %zu; undecided %zu\n", r.certified,
              r.bits, r.wrong, r.undecided);
      for (size_t k = 0; k < r.n_bad && k < show; k++)
        printf ("  not certified: token %zu, coordinate %zu\n", r.bad[k] / in.d, r.bad[k] % in.d);
      if (r.n_bad > show)
        printf ("  ... and %zu more (--show N)\n", r.n_bad - show);
    }
  size_t bad = r.n_bad;
  varlb_certify_report_clear (&r);
  varlb_instance_clear (&in);
  if (bad)
    {
      cli_error (cmd, "%zu bit%s not certified", bad, bad == 1 ? "" : "s");
      return CLI_EXIT_FAIL;
    }
  return 0;
}
