/* model_half.c -- the halves of a whole-model trial, run inside their
 * sandboxes like `varlb __compress` / `varlb __answer`: `varlb
 * __compress_model` (Alice: the whole cache K, V as (L, H, T, d) .npy, one
 * global budget) and `varlb __answer_model` (Bob: the blob and every head's
 * queries Q as (L, H, m, d), answering O as (L, H, m, dv)).  A whole-model
 * compressor sees it all; a version-1 one runs per head (src/model_channel.c).
 * Not for direct use. */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

enum { M_SPEC = 1, M_SCHED, M_DV, M_KEYS, M_VALUES, M_BUDGET, M_SEED, M_OUT, M_BLOB, M_QUERIES };

typedef struct half_args {
  const char *spec, *sched, *keys, *values, *out, *blob, *queries;
  size_t dv;
  double budget;
  uint64_t seed;
} half_args_t;

/* Both halves' options; 0, or the exit status after one line. */
static int
half_parse (half_args_t *a, const char *cmd, int argc, char **argv)
{
  static const struct option longopts[] = {
    { "spec", required_argument, NULL, M_SPEC },
    { "schedule", required_argument, NULL, M_SCHED },
    { "dv", required_argument, NULL, M_DV },
    { "keys", required_argument, NULL, M_KEYS },
    { "values", required_argument, NULL, M_VALUES },
    { "budget-bits", required_argument, NULL, M_BUDGET },
    { "seed", required_argument, NULL, M_SEED },
    { "out", required_argument, NULL, M_OUT },
    { "blob", required_argument, NULL, M_BLOB },
    { "queries", required_argument, NULL, M_QUERIES },
    { NULL, 0, NULL, 0 }
  };
  memset (a, 0, sizeof *a);
  a->budget = -1;
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case M_SPEC: a->spec = optarg; break;
      case M_SCHED: a->sched = optarg; break;
      case M_KEYS: a->keys = optarg; break;
      case M_VALUES: a->values = optarg; break;
      case M_OUT: a->out = optarg; break;
      case M_BLOB: a->blob = optarg; break;
      case M_QUERIES: a->queries = optarg; break;
      case M_DV:
        if (cli_parse_size (cmd, "--dv", optarg, 1, VARLB_D_MAX, &a->dv) != 0)
          return CLI_EXIT_USAGE;
        break;
      case M_BUDGET:
        if (cli_parse_double (cmd, "--budget-bits", optarg, 0, 1e18, &a->budget) != 0)
          return CLI_EXIT_USAGE;
        break;
      case M_SEED:
        if (cli_parse_u64 (cmd, "--seed", optarg, &a->seed) != 0)
          return CLI_EXIT_USAGE;
        break;
      default:
        return cli_bad_option (cmd, argc, argv);
      }
  int compress = strcmp (cmd, "__compress_model") == 0;
  if (!a->spec || !a->sched || !a->out || !a->dv
      || (compress ? !a->keys || !a->values || a->budget < 0 : !a->blob || !a->queries))
    {
      cli_error (cmd, compress ? "needs --spec, --schedule, --dv, --keys, --values, "
                 "--budget-bits, --seed and --out"
                 : "needs --spec, --schedule, --dv, --blob, --queries, --seed and --out");
      return CLI_EXIT_USAGE;
    }
  return 0;
}

/* The spec and the schedule; 0, or the exit status after one line. */
static int
half_load (varlb_model_spec_t *s, varlb_pyramid_t *py, const char *cmd, const half_args_t *a)
{
  char why[512];
  int own = strncmp (a->spec, "exec:", 5) == 0 || strncmp (a->spec, "serve:", 6) == 0;
  if (own)
    snprintf (why, sizeof why, "an exec: or serve: compressor runs itself, not through "
              "varlb's halves");
  memset (s, 0, sizeof *s);
  if (own || varlb_model_spec_init_local (s, a->spec, why, sizeof why) != VARLB_OK)
    {
      cli_error (cmd, "%s", why);
      varlb_model_spec_clear (s);
      return CLI_EXIT_USAGE;
    }
  if (varlb_pyramid_init_parse (py, a->sched) != VARLB_OK)
    {
      cli_error (cmd, "--schedule: bad schedule '%s'", a->sched);
      varlb_model_spec_clear (s);
      return CLI_EXIT_USAGE;
    }
  return 0;
}

int
cli_compress_model (int argc, char **argv)
{
  const char *cmd = "__compress_model";
  half_args_t a;
  varlb_model_spec_t s;
  varlb_pyramid_t py;
  int rc = half_parse (&a, cmd, argc, argv);
  if (rc == 0)
    rc = half_load (&s, &py, cmd, &a);
  if (rc != 0)
    return rc;
  double *K = NULL, *V = NULL;
  size_t kd[VARLB_NPY_MAX_DIMS], vd[VARLB_NPY_MAX_DIMS];
  int kn = 0, vn = 0;
  int st = varlb_npy_read_nd (a.keys, &K, kd, &kn);
  if (st == VARLB_OK)
    st = varlb_npy_read_nd (a.values, &V, vd, &vn);
  if (st == VARLB_OK && (kn != 4 || vn != 4 || vd[0] != kd[0] || vd[1] != kd[1]
                         || vd[2] != kd[2] || vd[3] != a.dv))
    st = VARLB_EFORMAT;
  varlb_blob_t b;
  varlb_blob_init (&b);
  if (st == VARLB_OK)
    st = s.abi == VARLB_COMPRESSOR_ABI_MODEL
         ? s.mc->compress (&b, K, V, kd[0], kd[1], kd[2], kd[3], a.dv, a.budget, a.seed,
                           &s.s.knobs, &py)
         : varlb_model_split_compress (&b, s.s.c, K, V, kd[0], kd[1], kd[2], kd[3], a.dv,
                                       a.budget, a.seed, &s.s.knobs, &py);
  if (st == VARLB_OK)
    {
      FILE *f = fopen (a.out, "wbe");
      st = f && fwrite (b.data, 1, b.len, f) == b.len ? VARLB_OK : VARLB_EIO;
      if (f && fclose (f) != 0)
        st = VARLB_EIO;
    }
  if (st != VARLB_OK)
    cli_error (cmd, "%s: compress returned %d (%s)", s.s.name, st, varlb_strerror (st));
  varlb_blob_clear (&b);
  free (K);
  free (V);
  varlb_pyramid_clear (&py);
  varlb_model_spec_clear (&s);
  return st == VARLB_OK ? 0 : CLI_EXIT_FAIL;
}

int
cli_answer_model (int argc, char **argv)
{
  const char *cmd = "__answer_model";
  half_args_t a;
  varlb_model_spec_t s;
  varlb_pyramid_t py;
  int rc = half_parse (&a, cmd, argc, argv);
  if (rc == 0)
    rc = half_load (&s, &py, cmd, &a);
  if (rc != 0)
    return rc;
  FILE *f = fopen (a.blob, "rbe");
  unsigned char *data = NULL;
  long len = -1;
  if (f && fseek (f, 0, SEEK_END) == 0)
    len = ftell (f);
  int st = f && len >= 0 && fseek (f, 0, SEEK_SET) == 0 ? VARLB_OK : VARLB_EIO;
  if (st == VARLB_OK && (data = malloc (len ? (size_t) len : 1)) == NULL)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && fread (data, 1, (size_t) len, f) != (size_t) len)
    st = VARLB_EIO;
  if (f)
    fclose (f);
  double *Q = NULL, *O = NULL;
  size_t qd[VARLB_NPY_MAX_DIMS];
  int qn = 0;
  if (st == VARLB_OK)
    st = varlb_npy_read_nd (a.queries, &Q, qd, &qn);
  if (st == VARLB_OK && qn != 4)
    st = VARLB_EFORMAT;
  size_t n = st == VARLB_OK ? qd[0] * qd[1] * qd[2] : 0;
  if (st == VARLB_OK && (O = malloc ((n ? n : 1) * a.dv * sizeof *O)) == NULL)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = s.abi == VARLB_COMPRESSOR_ABI_MODEL
         ? s.mc->answer (O, data, (size_t) len, a.seed, Q, qd[0], qd[1], qd[2], qd[3], a.dv,
                         &s.s.knobs, &py)
         : varlb_model_split_answer (O, s.s.c, data, (size_t) len, a.seed, Q, qd[0], qd[1],
                                     qd[2], qd[3], a.dv, &s.s.knobs, &py);
  if (st == VARLB_OK)
    {
      size_t od[4] = { qd[0], qd[1], qd[2], a.dv };
      st = varlb_npy_write_nd (a.out, O, od, 4);
    }
  if (st != VARLB_OK)
    cli_error (cmd, "%s: %s", s.s.name, varlb_strerror (st));
  free (data);
  free (Q);
  free (O);
  varlb_pyramid_clear (&py);
  varlb_model_spec_clear (&s);
  return st == VARLB_OK ? 0 : CLI_EXIT_FAIL;
}
