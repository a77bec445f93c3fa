/* compress.c -- a built-in or plug-in compressor's two halves, run inside
 * their sandboxes as fresh processes in a private directory (no secret of
 * the judge's in their memory): `varlb __compress` (Alice: K, V as (T, d)
 * .npy, the budget) and `varlb __answer` (Bob: the blob and his queries Q as
 * (m, d), answering O as (m, dv)); for a whole model `__compress_model` and
 * `__answer_model`, the same with (L, H, ., .) arrays: a whole-model
 * compressor sees it all, a version-1 one runs per head (model_channel.c).
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
  int model; /* __compress_model, __answer_model */
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
  a->model = strstr (cmd, "_model") != NULL;
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
  int compress = strncmp (cmd, "__compress", 10) == 0;
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

/* The spec (a single head's: a v1 compressor; a model's: v2 or v1) and the
   schedule; 0, or the exit status after one line. */
static int
half_load (varlb_model_spec_t *s, varlb_pyramid_t *py, const char *cmd, const half_args_t *a)
{
  char why[512] = "";
  int own = strncmp (a->spec, "exec:", 5) == 0 || strncmp (a->spec, "serve:", 6) == 0;
  if (own && a->model)
    snprintf (why, sizeof why, "an exec: or serve: compressor runs itself, not through "
              "varlb's halves");
  memset (s, 0, sizeof *s);
  if ((own && a->model)
      || (a->model ? varlb_model_spec_init_local (s, a->spec, why, sizeof why)
                   : varlb_spec_init_local (&s->s, a->spec, why, sizeof why)) != VARLB_OK
      || s->s.c == NULL)
    {
      cli_error (cmd, "%s", why);
      varlb_model_spec_clear (s);
      return CLI_EXIT_USAGE;
    }
  s->abi = a->model ? s->abi : 1;
  if (varlb_pyramid_init_parse (py, a->sched) != VARLB_OK)
    {
      cli_error (cmd, "--schedule: bad schedule '%s'", a->sched);
      varlb_model_spec_clear (s);
      return CLI_EXIT_USAGE;
    }
  return 0;
}

/* The exit status of a half that ended with ST, its spec and schedule
   freed. */
static int
half_end (int st, varlb_model_spec_t *s, varlb_pyramid_t *py)
{
  varlb_pyramid_clear (py);
  varlb_model_spec_clear (s);
  return st == VARLB_OK ? 0 : CLI_EXIT_FAIL;
}

/* An array of A's kind from PATH: (rows, cols) for a head, (L, H, rows,
   cols) for a model, as DIMS[4] (a head's L = H = 1); DIMS holds
   VARLB_NPY_MAX_DIMS. */
static int
read_array (double **x, size_t *dims, const char *path, const half_args_t *a)
{
  int nd = 0;
  dims[0] = dims[1] = 1;
  if (!a->model)
    return varlb_npy_read (path, x, &dims[2], &dims[3]);
  int st = varlb_npy_read_nd (path, x, dims, &nd);
  return st == VARLB_OK && nd != 4 ? VARLB_EFORMAT : st;
}

static int
half_compress (const char *cmd, const half_args_t *a, const varlb_model_spec_t *s,
               const varlb_pyramid_t *py)
{
  double *K = NULL, *V = NULL;
  size_t kd[VARLB_NPY_MAX_DIMS], vd[VARLB_NPY_MAX_DIMS];
  int st = read_array (&K, kd, a->keys, a);
  if (st == VARLB_OK)
    st = read_array (&V, vd, a->values, a);
  if (st == VARLB_OK && (vd[0] != kd[0] || vd[1] != kd[1] || vd[2] != kd[2] || vd[3] != a->dv))
    st = VARLB_EFORMAT;
  varlb_blob_t b;
  varlb_blob_init (&b);
  if (st == VARLB_OK)
    st = !a->model ? s->s.c->compress (&b, K, V, kd[2], kd[3], a->dv, a->budget, a->seed,
                                       &s->s.knobs, py)
         : s->abi == VARLB_COMPRESSOR_ABI_MODEL
         ? s->mc->compress (&b, K, V, kd[0], kd[1], kd[2], kd[3], a->dv, a->budget, a->seed,
                            &s->s.knobs, py)
         : varlb_model_split_compress (&b, s->s.c, K, V, kd[0], kd[1], kd[2], kd[3], a->dv,
                                       a->budget, a->seed, &s->s.knobs, py);
  if (st == VARLB_OK)
    {
      FILE *f = fopen (a->out, "wbe");
      st = f && fwrite (b.data, 1, b.len, f) == b.len ? VARLB_OK : VARLB_EIO;
      if (f && fclose (f) != 0)
        st = VARLB_EIO;
    }
  if (st != VARLB_OK)
    cli_error (cmd, "%s: compress returned %d (%s)", s->s.name, st, varlb_strerror (st));
  varlb_blob_clear (&b);
  free (K);
  free (V);
  return st;
}

/* The whole of file PATH into *DATA (malloc'd), *LEN bytes. */
static int
read_blob (unsigned char **data, size_t *len, const char *path)
{
  FILE *f = fopen (path, "rbe");
  size_t cap = 0;
  *data = NULL;
  *len = 0;
  int st = f ? VARLB_OK : VARLB_EIO;
  while (st == VARLB_OK)
    {
      if (*len == cap)
        {
          cap = cap ? 2 * cap : 65536;
          unsigned char *nd = realloc (*data, cap);
          if (nd == NULL)
            {
              st = VARLB_ENOMEM;
              break;
            }
          *data = nd;
        }
      size_t got = fread (*data + *len, 1, cap - *len, f);
      *len += got;
      if (got == 0)
        break;
    }
  if (f)
    fclose (f);
  return st;
}

static int
half_answer (const char *cmd, const half_args_t *a, const varlb_model_spec_t *s,
             const varlb_pyramid_t *py)
{
  unsigned char *data = NULL;
  size_t len = 0, qd[VARLB_NPY_MAX_DIMS];
  double *Q = NULL, *O = NULL;
  int st = read_blob (&data, &len, a->blob);
  if (st == VARLB_OK)
    st = read_array (&Q, qd, a->queries, a);
  size_t n = st == VARLB_OK ? qd[0] * qd[1] * qd[2] : 0;
  if (st == VARLB_OK && (O = malloc ((n ? n : 1) * a->dv * sizeof *O)) == NULL)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = !a->model ? s->s.c->answer (O, data, len, a->seed, Q, qd[2], qd[3], a->dv,
                                     &s->s.knobs, py)
         : s->abi == VARLB_COMPRESSOR_ABI_MODEL
         ? s->mc->answer (O, data, len, a->seed, Q, qd[0], qd[1], qd[2], qd[3], a->dv,
                          &s->s.knobs, py)
         : varlb_model_split_answer (O, s->s.c, data, len, a->seed, Q, qd[0], qd[1], qd[2],
                                     qd[3], a->dv, &s->s.knobs, py);
  if (st == VARLB_OK)
    {
      size_t od[4] = { qd[0], qd[1], qd[2], a->dv };
      st = a->model ? varlb_npy_write_nd (a->out, O, od, 4)
                   : varlb_npy_write (a->out, O, qd[2], a->dv);
    }
  if (st != VARLB_OK)
    cli_error (cmd, "%s: %s", s->s.name, varlb_strerror (st));
  free (data);
  free (Q);
  free (O);
  return st;
}

/* `varlb __compress`, `__answer`, `__compress_model` or `__answer_model`:
   the command's name is ARGV[0]. */
int
cli_own_half (int argc, char **argv)
{
  const char *cmd = argv[0];
  half_args_t a;
  varlb_model_spec_t s;
  varlb_pyramid_t py;
  int rc = half_parse (&a, cmd, argc, argv);
  if (rc != 0 || (rc = half_load (&s, &py, cmd, &a)) != 0)
    return rc;
  int st = strncmp (cmd, "__compress", 10) == 0 ? half_compress (cmd, &a, &s, &py)
                                                : half_answer (cmd, &a, &s, &py);
  return half_end (st, &s, &py);
}
