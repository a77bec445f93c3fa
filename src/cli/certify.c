/* certify.c -- `varlb certify`: draw an instance and prove, with MPFR interval
 * bounds (directed rounding), that every hidden bit decodes correctly from
 * the full cache (proofs/certify.md; the paper's sec. 1.7 step 4 made exact). */
#include <config.h>
#include <stdlib.h>
#include "cli.h"
#include "model.h"

enum { OPT_SHOW = CLI_OPT_FIRST_FREE + 20 };

int
cli_certify (int argc, char **argv)
{
  if (cli_model_requested (argc, argv))
    return cli_certify_model (argc, argv); /* whole models: src/cli/model.c */
  static const struct option longopts[] = {
    CLI_REDUCTION_LONGOPTS,
    { "json", no_argument, NULL, CLI_OPT_JSON },
    { "show", required_argument, NULL, OPT_SHOW },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "certify";
  varlb_params_t p;
  int c, rc, json = 0;
  size_t show = 20;
  varlb_params_init (&p);
  opterr = 0;
  while ((c = getopt_long (argc, argv, "d:", longopts, NULL)) != -1)
    {
      if (c == CLI_OPT_HELP)
        {
          cli_print_help (cmd, stdout);
          varlb_params_clear (&p);
          return 0;
        }
      if (c == CLI_OPT_JSON)
        {
          json = 1;
          continue;
        }
      if (c == OPT_SHOW)
        {
          if (cli_parse_size (cmd, "--show", optarg, 0, (size_t) -1, &show) != 0)
            goto usage;
          continue;
        }
      rc = cli_reduction_option (cmd, c, optarg, &p);
      if (rc == 1)
        rc = (cli_bad_option (cmd, argc, argv), -1);
      if (rc != 0)
        goto usage;
    }
  if (cli_no_arguments (cmd, argc, argv) != 0)
    goto usage;
  if (cli_reduction_finish (cmd, &p) != 0)
    goto usage;
  varlb_instance_t in;
  int st = varlb_instance_init (&in, &p);
  varlb_params_clear (&p);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "cannot build the instance: %s", varlb_strerror (st));
      return CLI_EXIT_FAIL;
    }
  varlb_certify_report_t r;
  varlb_certify_report_init (&r);
  double t0 = cli_now ();
  st = varlb_certify_instance (&r, &in, NULL, 0);
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
              "\"rows_refined\":%zu,\"max_prec\":%lu,\"seed\":%llu,\"seconds\":",
              r.bits, r.certified, r.wrong, r.undecided, r.rows_refined, r.max_prec,
              (unsigned long long) in.par.seed);
      cli_json_double (stdout, secs);
      printf (",\"not_certified\":[");
      for (size_t k = 0; k < r.n_bad; k++)
        printf ("%s[%zu,%zu]", k ? "," : "", r.bad[k] / in.d, r.bad[k] % in.d);
      printf ("]}\n");
    }
  else
    {
      printf ("varlb certify: %zu hidden bits (%zu tokens x d = %zu), C = %.6g, threshold %.6g, seed %llu\n",
              r.bits, in.alice_tokens, in.d, in.C, in.threshold,
              (unsigned long long) in.par.seed);
      printf ("  each output of the exact attention of C k_i over all %zu cached tokens enclosed\n"
              "  with MPFR directed rounding (one shared denominator per row; %zu row%s needed\n"
              "  the coordinatewise pass, up to %lu bits of precision), %.3f s\n",
              in.T, r.rows_refined, r.rows_refined == 1 ? "" : "s", r.max_prec, secs);
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
usage:
  varlb_params_clear (&p);
  return CLI_EXIT_USAGE;
}
