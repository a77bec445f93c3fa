/* answer.c -- `varlb __answer`: Bob's half of a built-in or plug-in
 * compressor, run by the channel as a fresh process in a private directory
 * holding only the blob and the queries.  Not for direct use. */
#include <config.h>
#include <stdlib.h>
#include "cli.h"

int
cli_answer (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "spec", required_argument, NULL, 's' },
    { "schedule", required_argument, NULL, 'k' },
    { "dv", required_argument, NULL, 'v' },
    { "blob", required_argument, NULL, 'b' },
    { "queries", required_argument, NULL, 'q' },
    { "seed", required_argument, NULL, 'e' },
    { "out", required_argument, NULL, 'o' },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "__answer", *spec = NULL, *sched = NULL, *blob = NULL, *qf = NULL, *out = NULL;
  size_t dv = 0;
  uint64_t seed = 0;
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case 's': spec = optarg; break;
      case 'k': sched = optarg; break;
      case 'b': blob = optarg; break;
      case 'q': qf = optarg; break;
      case 'o': out = optarg; break;
      case 'v':
        if (cli_parse_size (cmd, "--dv", optarg, 1, VARLB_D_MAX, &dv) != 0)
          return CLI_EXIT_USAGE;
        break;
      case 'e':
        if (cli_parse_u64 (cmd, "--seed", optarg, &seed) != 0)
          return CLI_EXIT_USAGE;
        break;
      default:
        return cli_bad_option (cmd, argc, argv);
      }
  if (!spec || !sched || !blob || !qf || !out || !dv)
    {
      cli_error (cmd, "needs --spec, --schedule, --dv, --blob, --queries, --seed and --out");
      return CLI_EXIT_USAGE;
    }
  char why[512];
  varlb_spec_t s;
  varlb_pyramid_t py;
  if (varlb_spec_init_local (&s, spec, why, sizeof why) != VARLB_OK || s.c == NULL)
    {
      cli_error (cmd, "%s", why);
      return CLI_EXIT_USAGE;
    }
  if (varlb_pyramid_init_parse (&py, sched) != VARLB_OK)
    {
      cli_error (cmd, "--schedule: bad schedule '%s'", sched);
      return CLI_EXIT_USAGE;
    }
  FILE *f = fopen (blob, "rbe");
  unsigned char *data = NULL;
  size_t len = 0, cap = 0;
  double *Q = NULL, *O = NULL;
  size_t m = 0, d = 0;
  int st = f ? VARLB_OK : VARLB_EIO;
  while (st == VARLB_OK)
    {
      if (len == cap)
        {
          cap = cap ? 2 * cap : 65536;
          unsigned char *nd = realloc (data, cap);
          if (nd == NULL)
            {
              st = VARLB_ENOMEM;
              break;
            }
          data = nd;
        }
      size_t got = fread (data + len, 1, cap - len, f);
      len += got;
      if (got == 0)
        break;
    }
  if (f)
    fclose (f);
  if (st == VARLB_OK)
    st = varlb_npy_read (qf, &Q, &m, &d);
  if (st == VARLB_OK && (O = malloc ((m ? m : 1) * dv * sizeof *O)) == NULL)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = s.c->answer (O, data, len, seed, Q, m, d, dv, &s.knobs, &py);
  if (st == VARLB_OK)
    st = varlb_npy_write (out, O, m, dv);
  if (st != VARLB_OK)
    cli_error (cmd, "%s: %s", s.c->name, varlb_strerror (st));
  free (data);
  free (Q);
  free (O);
  varlb_pyramid_clear (&py);
  varlb_spec_clear (&s);
  return st == VARLB_OK ? 0 : CLI_EXIT_FAIL;
}
