/* sweep.c -- `varlb sweep`: many trials of the one-way channel over a grid
 * of instances (schedule or n, d, JL family, seed), compressors with knobs
 * and budgets, written as CSV + JSON Lines rows with a manifest; resumable,
 * and split across MPI ranks when built --with-mpi.  The evidence for the
 * Fano frontier (paper.md sec. 4) is many such rows. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <gmp.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gsl/gsl_version.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HAVE_XZ
#include <lzma.h>
#endif
#ifdef HAVE_MPI
#include <mpi.h>
#endif
#include "cli.h"
#include "plot.h"
#include "sweep.h"

/* ------------------------------------------------------------ the grid */

void
cli_grid_init (cli_grid_t *g)
{
  memset (g, 0, sizeof *g);
  varlb_params_init (&g->base);
}

void
cli_grid_clear (cli_grid_t *g)
{
  for (size_t i = 0; i < g->npyr; i++)
    varlb_pyramid_clear (&g->pyr[i]);
  for (size_t i = 0; i < g->nspecs; i++)
    free (g->specs[i]);
  free (g->pyr);
  free (g->dims);
  free (g->jls);
  free (g->seeds);
  free (g->specs);
  varlb_params_clear (&g->base);
  memset (g, 0, sizeof *g);
}

static int
grid_add_pyramid (cli_grid_t *g, const varlb_pyramid_t *p)
{
  varlb_pyramid_t *q = realloc (g->pyr, (g->npyr + 1) * sizeof *q);
  if (!q)
    return -1;
  g->pyr = q;
  g->pyr[g->npyr++] = *p;
  return 0;
}

static int
grid_add_spec (cli_grid_t *g, const char *text, size_t len)
{
  char **s = realloc (g->specs, (g->nspecs + 1) * sizeof *s);
  if (!s)
    return -1;
  g->specs = s;
  if (!(g->specs[g->nspecs] = strndup (text, len)))
    return -1;
  g->nspecs++;
  return 0;
}

/* Split a compressor list: pieces separated by ';' always, and by ',' unless
   the piece after the comma is a knob (k=v with no ':' before the '='),
   which continues the compressor before it. */
static int
grid_add_specs (const char *cmd, cli_grid_t *g, const char *arg)
{
  const char *start = arg, *p = arg;
  for (;; p++)
    {
      int end = *p == '\0' || *p == ';';
      if (*p == ',')
        {
          const char *q = p + 1;
          size_t name = strcspn (q, ",;:=");
          end = !(q[name] == '=');
        }
      if (!end)
        continue;
      if (p == start)
        {
          cli_error (cmd, "--compressors: empty compressor name in '%s'", arg);
          return -1;
        }
      if (grid_add_spec (g, start, (size_t) (p - start)) != 0)
        {
          cli_error (cmd, "out of memory");
          return -1;
        }
      if (*p == '\0')
        return 0;
      start = p + 1;
    }
}

int
cli_grid_option (const char *cmd, cli_grid_t *g, int opt, const char *arg)
{
  switch (opt)
    {
    case CLI_GRID_PRESETS:
    case CLI_GRID_NS:
      {
        uint64_t *v;
        size_t n;
        const char *name = opt == CLI_GRID_PRESETS ? "--presets" : "--ns";
        if (cli_parse_u64_list (cmd, name, arg, &v, &n) != 0)
          return -1;
        for (size_t i = 0; i < n; i++)
          {
            varlb_pyramid_t p;
            int st = v[i] > VARLB_PYRAMID_MAX_SIDE ? VARLB_EINVAL
                     : opt == CLI_GRID_PRESETS ? varlb_pyramid_init_preset (&p, (int) v[i])
                     : v[i] < 2 ? VARLB_EINVAL
                     : varlb_pyramid_init_geometric (&p, (unsigned) v[i]);
            if (st != VARLB_OK)
              {
                cli_error (cmd, opt == CLI_GRID_PRESETS
                           ? "%s: unknown preset %llu (expected 256, 512 or 1024)"
                           : "%s: side %llu out of range (2..4096)", name,
                           (unsigned long long) v[i]);
                free (v);
                return -1;
              }
            grid_add_pyramid (g, &p);
          }
        free (v);
        return 0;
      }
    case CLI_GRID_SCHEDULES:
      {
        size_t n = strlen (arg);
        if (n == 0 || arg[0] == ';' || arg[n - 1] == ';' || strstr (arg, ";;"))
          {
            cli_error (cmd, "--schedules: expected schedules separated by ';' without empty "
                       "ones, got '%s'", arg);
            return -1;
          }
        char *copy = strdup (arg), *save = NULL;
        for (char *s = strtok_r (copy, ";", &save); s; s = strtok_r (NULL, ";", &save))
          {
            varlb_pyramid_t p;
            if (varlb_pyramid_init_parse (&p, s) != VARLB_OK)
              {
                cli_error (cmd, "--schedules: '%s' is not a strictly increasing list of sides "
                           "(schedules are separated by ';')", s);
                free (copy);
                return -1;
              }
            grid_add_pyramid (g, &p);
          }
        free (copy);
        return 0;
      }
    case CLI_GRID_DIMS:
      {
        uint64_t *v;
        size_t n;
        if (cli_parse_u64_list (cmd, "--dims", arg, &v, &n) != 0)
          return -1;
        g->dims = realloc (g->dims, (g->ndims + n) * sizeof *g->dims);
        for (size_t i = 0; i < n; i++)
          {
            if (v[i] < 1 || v[i] > VARLB_D_MAX)
              {
                cli_error (cmd, "--dims: %llu out of range (1..%u)", (unsigned long long) v[i],
                           VARLB_D_MAX);
                free (v);
                return -1;
              }
            g->dims[g->ndims++] = (size_t) v[i];
          }
        free (v);
        return 0;
      }
    case CLI_GRID_JLS:
      {
        char *copy = strdup (arg), *save = NULL;
        for (char *s = strtok_r (copy, ",", &save); s; s = strtok_r (NULL, ",", &save))
          {
            varlb_jl_family f;
            if (varlb_jl_family_parse (&f, s) != VARLB_OK)
              {
                cli_error (cmd, "--jls: unknown JL family '%s' (expected gaussian, rademacher or achlioptas)", s);
                free (copy);
                return -1;
              }
            g->jls = realloc (g->jls, (g->njls + 1) * sizeof *g->jls);
            g->jls[g->njls++] = f;
          }
        free (copy);
        return 0;
      }
    case CLI_GRID_SEEDS:
      free (g->seeds);
      g->seeds = NULL;
      return cli_parse_u64_list (cmd, "--seeds", arg, &g->seeds, &g->nseeds) != 0 ? -1 : 0;
    case CLI_GRID_COMPRESSORS:
      return grid_add_specs (cmd, g, arg);
    case CLI_GRID_COMPRESSOR:
      if (*arg == '\0')
        {
          cli_error (cmd, "--compressor: empty specification");
          return -1;
        }
      return grid_add_spec (g, arg, strlen (arg)) != 0 ? -1 : 0;
    default:
      return cli_reduction_option (cmd, opt, arg, &g->base);
    }
}

int
cli_grid_finish (const char *cmd, cli_grid_t *g)
{
  if (g->npyr == 0)
    {
      varlb_pyramid_t p;
      if (varlb_pyramid_init_copy (&p, &g->base.pyramid) != VARLB_OK
          || grid_add_pyramid (g, &p) != 0)
        return -1;
    }
  if (g->ndims == 0)
    {
      g->dims = malloc (sizeof *g->dims);
      g->dims[g->ndims++] = g->base.d;
    }
  if (g->njls == 0)
    {
      g->jls = malloc (sizeof *g->jls);
      g->jls[g->njls++] = g->base.jl;
    }
  if (g->nseeds == 0)
    {
      g->seeds = malloc (sizeof *g->seeds);
      g->seeds[g->nseeds++] = g->base.seed;
    }
  if (g->nspecs == 0)
    {
      cli_error (cmd, "no compressor: give --compressors A,B,... or --compressor SPEC");
      return -1;
    }
  /* Every instance's parameters must be valid before the first trial runs:
     a sweep that stops half-way over a typo wastes the machine. */
  for (size_t i = 0; i < cli_grid_instances (g); i += g->nseeds)
    {
      varlb_params_t p;
      char why[256];
      if (cli_grid_params (&p, g, i) != VARLB_OK)
        return -1;
      int st = varlb_params_check (&p, why, sizeof why);
      if (st != VARLB_OK)
        {
          char sched[512];
          varlb_pyramid_format (&p.pyramid, sched, sizeof sched);
          cli_error (cmd, "schedule %s, d = %zu: %s", sched, p.d, why);
          varlb_params_clear (&p);
          return -1;
        }
      varlb_params_clear (&p);
    }
  for (size_t i = 0; i < g->nspecs; i++)
    {
      varlb_spec_t s;
      char why[512] = "";
      int st = varlb_spec_init (&s, g->specs[i], why, sizeof why);
      varlb_spec_clear (&s);
      if (st != VARLB_OK)
        {
          cli_error (cmd, "--compressors: %s: %s", g->specs[i], why[0] ? why : varlb_strerror (st));
          return -1;
        }
    }
  return 0;
}

size_t
cli_grid_instances (const cli_grid_t *g)
{
  return g->npyr * g->ndims * g->njls * g->nseeds;
}

/* Instance I: schedule slowest, then d, JL family, seed fastest. */
int
cli_grid_params (varlb_params_t *p, const cli_grid_t *g, size_t i)
{
  size_t s = i % g->nseeds;
  i /= g->nseeds;
  size_t j = i % g->njls;
  i /= g->njls;
  size_t d = i % g->ndims;
  i /= g->ndims;
  int st = varlb_params_copy (p, &g->base);
  if (st != VARLB_OK)
    return st;
  varlb_pyramid_clear (&p->pyramid);
  st = varlb_pyramid_init_copy (&p->pyramid, &g->pyr[i]);
  p->d = g->dims[d];
  p->jl = g->jls[j];
  p->seed = g->seeds[s];
  return st;
}

size_t
cli_grid_bits (const cli_grid_t *g, size_t i)
{
  size_t d = g->dims[(i / g->nseeds / g->njls) % g->ndims];
  const varlb_pyramid_t *p = &g->pyr[i / g->nseeds / g->njls / g->ndims];
  return varlb_pyramid_prefix (p, p->scales - 1) * d;
}

/* ------------------------------------------------------- the trial list */

typedef struct trial_ref {
  size_t inst, spec, budget;
  double budget_bits;
  char *key;
} trial_ref_t;

/* The grid key of a trial: the columns that identify it in a result row. */
static char *
trial_key (const char *sched, size_t d, const char *jl, uint64_t seed,
           const char *spec, double budget)
{
  char *k = NULL;
  if (asprintf (&k, "%s|%zu|%s|%llu|%s|%.17g", sched, d, jl, (unsigned long long) seed,
                spec, budget) < 0)
    return NULL;
  return k;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* ----------------------------------------------------------- row files */

/* Cut a torn last line (an interrupted write) so appends start on a fresh
   line; *LINES receives the complete lines kept. */
static int
cut_torn_line (const char *path, size_t *lines)
{
  int fd = open (path, O_RDWR);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      close (fd);
      return -1;
    }
  char *buf = malloc ((size_t) st.st_size + 1);
  ssize_t got = buf ? read (fd, buf, (size_t) st.st_size) : -1;
  if (got != st.st_size)
    {
      free (buf);
      close (fd);
      return -1;
    }
  off_t keep = 0;
  *lines = 0;
  for (off_t i = 0; i < st.st_size; i++)
    if (buf[i] == '\n')
      keep = i + 1, ++*lines;
  free (buf);
  int rc = keep < st.st_size ? ftruncate (fd, keep) : 0;
  close (fd);
  return rc;
}

/* Keep only the first LINES complete lines of PATH. */
static int
keep_lines (const char *path, size_t lines)
{
  FILE *f = fopen (path, "r");
  if (!f)
    return -1;
  off_t pos = 0;
  int c;
  for (size_t n = 0; n < lines && (c = getc (f)) != EOF; pos++)
    n += c == '\n';
  fclose (f);
  return truncate (path, pos);
}

/* Append TEXT with one write() on an O_APPEND descriptor, then fsync: a
   row is either wholly in the file or (after a crash) a torn last line that
   --resume cuts. */
static int
append_atomic (int fd, const char *text, size_t len)
{
  ssize_t w = write (fd, text, len);
  if (w != (ssize_t) len)
    return -1;
  return fsync (fd);
}

static char *
replace_ext (const char *path, const char *ext)
{
  const char *dot = strrchr (path, '.'), *slash = strrchr (path, '/');
  size_t stem = dot && (!slash || dot > slash) ? (size_t) (dot - path) : strlen (path);
  char *s = NULL;
  if (asprintf (&s, "%.*s%s", (int) stem, path, ext) < 0)
    return NULL;
  return s;
}

/* The varlb binary itself, for Bob's fresh process. */
static char *
self_exe (void)
{
  char buf[4096];
  ssize_t n = readlink ("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  return strdup (buf);
}

/* Write the manifest (temp name, then rename). */
static int
write_manifest (const char *path, int argc, char **argv, size_t trials, int ranks)
{
  char *tmp = NULL, rev[64] = "";
  if (asprintf (&tmp, "%s.tmp", path) < 0)
    return -1;
  /* Git revision of the source tree the binary was built in, if any. */
  char *exe = self_exe ();
  if (exe)
    {
      char *slash = strrchr (exe, '/'), *cmdline = NULL;
      if (slash)
        *slash = '\0';
      if (asprintf (&cmdline, "git -C '%s' rev-parse HEAD 2>/dev/null", exe) >= 0
          && !strchr (exe, '\''))
        {
          FILE *p = popen (cmdline, "r");
          if (p)
            {
              if (!fgets (rev, sizeof rev, p))
                rev[0] = '\0';
              rev[strcspn (rev, "\n")] = '\0';
              pclose (p);
            }
        }
      free (cmdline);
      free (exe);
    }
  FILE *f = fopen (tmp, "w");
  if (!f)
    {
      free (tmp);
      return -1;
    }
  fprintf (f, "{\n  \"program\": \"varlb\",\n  \"version\": \"%s\",\n  \"git_revision\": ",
           VARLB_VERSION_STRING);
  if (rev[0])
    cli_json_string (f, rev);
  else
    fputs ("null", f);
  fputs (",\n  \"command_line\": [\"varlb\"", f);
  for (int i = 0; i < argc; i++)
    {
      fputs (", ", f);
      cli_json_string (f, argv[i]);
    }
  fprintf (f, "],\n  \"trials\": %zu,\n  \"mpi_ranks\": %d,\n  \"libraries\": {\n", trials, ranks);
  fprintf (f, "    \"gmp\": \"%s\",\n    \"mpfr\": \"%s\",\n    \"gsl\": \"%s\",\n",
           gmp_version, mpfr_get_version (), gsl_version);
#ifdef HAVE_ZSTD
  fprintf (f, "    \"zstd\": \"%s\",\n", ZSTD_versionString ());
#endif
#ifdef HAVE_XZ
  fprintf (f, "    \"xz\": \"%s\",\n", lzma_version_string ());
#endif
#ifdef HAVE_MPI
  {
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len;
    MPI_Get_library_version (v, &len);
    v[strcspn (v, "\n,")] = '\0';
    fputs ("    \"mpi\": ", f);
    cli_json_string (f, v);
    fputs (",\n", f);
  }
#endif
  fprintf (f, "    \"blas\": \"%s\"\n  }\n}\n", VARLB_BLAS);
  int bad = ferror (f) | (fclose (f) != 0);
  if (bad || rename (tmp, path) != 0)
    {
      unlink (tmp);
      free (tmp);
      return -1;
    }
  free (tmp);
  return 0;
}

/* ------------------------------------------------------- per-token rows */

/* The per-token accuracy behind the heat map: the compressor's two halves
   called in this process (built-ins and plug-ins only), Bob querying every
   Alice token, each token's d bits scored.  A diagnostic beside the charged
   trial, which ran through the channel; the same blob, since compressors
   are pure functions of (cache, budget, seed, knobs). */
static int
token_rows (char **text, size_t *len, const varlb_instance_t *in, const varlb_spec_t *s,
            double budget)
{
  *text = NULL;
  *len = 0;
  if (s->c == NULL)
    return VARLB_EUNSUPPORTED;
  size_t n = in->alice_tokens, d = in->d;
  size_t *idx = malloc (n * sizeof *idx);
  double *Q = malloc (n * d * sizeof *Q), *O = malloc (n * d * sizeof *O);
  varlb_blob_t b;
  varlb_bits_t dec;
  varlb_decode_report_t rep;
  varlb_blob_init (&b);
  int st = idx && Q && O ? varlb_bits_init (&dec, n, d) : VARLB_ENOMEM;
  if (st != VARLB_OK)
    goto out0;
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  varlb_decode_report_init (&rep);
  st = varlb_instance_queries (Q, in, idx, n);
  if (st == VARLB_OK)
    st = s->c->compress (&b, in->K, in->V, n, d, d, budget, in->public_seed, &s->knobs,
                         &in->par.pyramid);
  if (st == VARLB_OK)
    st = s->c->answer (O, b.data, b.len, in->public_seed, Q, n, d, d, &s->knobs,
                       &in->par.pyramid);
  if (st == VARLB_OK)
    st = varlb_instance_score (&rep, in, idx, n, O, NULL, &dec);
  if (st == VARLB_OK)
    {
      FILE *f = open_memstream (text, len);
      char sched[512];
      varlb_pyramid_format (&in->par.pyramid, sched, sizeof sched);
      for (size_t t = 0; f && t < n; t++)
        {
          size_t scale, ok = 0;
          unsigned row, col;
          varlb_pyramid_token_position (&in->par.pyramid, t, &scale, &row, &col);
          for (size_t c = 0; c < d; c++)
            ok += varlb_bits_get (&dec, t, c) == varlb_bits_get (&in->x, t, c);
          fputc ('"', f);
          for (const char *p = s->text; *p; p++)
            fprintf (f, *p == '"' ? "\"\"" : "%c", *p);
          fprintf (f, "\",%.17g,%llu,\"%s\",%zu,%s,%zu,%zu,%u,%u,%u,%zu,%zu\n", budget,
                   (unsigned long long) in->par.seed, sched, d,
                   varlb_jl_family_name (in->par.jl), t, scale + 1, row, col,
                   in->par.pyramid.pn[scale], d, ok);
        }
      if (!f || fclose (f) != 0)
        st = VARLB_ENOMEM;
    }
  varlb_bits_clear (&dec);
out0:
  varlb_blob_clear (&b);
  free (idx), free (Q), free (O);
  return st;
}

#define TOKEN_HEADER "compressor,budget_bits,seed,schedule,d,jl,token,scale,row,col,side,bits,correct\n"

/* On --resume, keep only the token rows of trials already in the CSV: the
   rows of the interrupted trial (written before its CSV row) would repeat. */
static int
filter_token_rows (const char *path, char **keys, size_t nkeys)
{
  char why[256], *tmp = NULL;
  cli_csv_t t;
  size_t lines;
  if (cut_torn_line (path, &lines) != 0 || cli_csv_read (&t, path, why, sizeof why) != 0)
    return -1;
  long kc[6] = { cli_csv_col (&t, "schedule"), cli_csv_col (&t, "d"), cli_csv_col (&t, "jl"),
                 cli_csv_col (&t, "seed"), cli_csv_col (&t, "compressor"),
                 cli_csv_col (&t, "budget_bits") };
  FILE *in = fopen (path, "r"), *out = NULL;
  int rc = -1;
  for (int j = 0; j < 6; j++)
    if (kc[j] < 0)
      goto fail;
  if (!in || asprintf (&tmp, "%s.tmp", path) < 0 || !(out = fopen (tmp, "w")))
    goto fail;
  char *line = NULL;
  size_t cap = 0;
  for (size_t r = 0; getline (&line, &cap, in) > 0; r++)
    {
      if (r == 0)
        {
          fputs (line, out);
          continue;
        }
      char *key = NULL;
      if (r - 1 >= t.rows
          || asprintf (&key, "%s|%s|%s|%s|%s|%.17g", cli_csv_get (&t, r - 1, kc[0]),
                       cli_csv_get (&t, r - 1, kc[1]), cli_csv_get (&t, r - 1, kc[2]),
                       cli_csv_get (&t, r - 1, kc[3]), cli_csv_get (&t, r - 1, kc[4]),
                       cli_csv_num (&t, r - 1, kc[5])) < 0)
        break;
      if (bsearch (&key, keys, nkeys, sizeof *keys, cmp_str))
        fputs (line, out);
      free (key);
    }
  free (line);
  rc = (ferror (out) | fclose (out)) != 0 || rename (tmp, path) != 0 ? -1 : 0;
  out = NULL;
fail:
  if (out)
    fclose (out);
  if (in)
    fclose (in);
  if (rc != 0 && tmp)
    unlink (tmp);
  free (tmp);
  cli_csv_clear (&t);
  return rc;
}

/* --------------------------------------------------------------- progress */

static void
progress (size_t done, size_t total, double t0, int final)
{
  double el = cli_now () - t0, rate = el > 0 ? done / el : 0;
  double eta = rate > 0 ? (total - done) / rate : 0;
  int width = 30, fill = total ? (int) (width * done / total) : width;
  fprintf (stderr, "\r[%.*s%*s] %zu/%zu trials  %.2f/s  ETA %dm%02ds ", fill,
           "##############################", width - fill, "", done, total, rate,
           (int) eta / 60, (int) eta % 60);
  if (final)
    fputc ('\n', stderr);
  fflush (stderr);
}

/* ------------------------------------------------------------- the sweep */

/* One trial's output: token rows, JSON line, CSV line (each may be empty). */
typedef struct trial_out {
  char *tokens, *json, *csv;
  size_t ntokens, njson, ncsv;
  int failed, impossible, above;
} trial_out_t;

static void
trial_out_clear (trial_out_t *o)
{
  free (o->tokens), free (o->json), free (o->csv);
  memset (o, 0, sizeof *o);
}

#ifdef HAVE_MPI
/* The three texts and the flags travel as one message. */
static void
send_out (const trial_out_t *o)
{
  size_t len = 3 * sizeof (int) + 3 * sizeof (size_t) + o->ntokens + o->njson + o->ncsv;
  char *buf = malloc (len), *p = buf;
  int flags[3] = { o->failed, o->impossible, o->above };
  size_t lens[3] = { o->ntokens, o->njson, o->ncsv };
  memcpy (p, flags, sizeof flags), p += sizeof flags;
  memcpy (p, lens, sizeof lens), p += sizeof lens;
  memcpy (p, o->tokens, o->ntokens), p += o->ntokens;
  memcpy (p, o->json, o->njson), p += o->njson;
  memcpy (p, o->csv, o->ncsv);
  MPI_Send (buf, (int) len, MPI_BYTE, 0, 7, MPI_COMM_WORLD);
  free (buf);
}

static void
recv_out (trial_out_t *o, int from)
{
  MPI_Status st;
  int len;
  MPI_Probe (from, 7, MPI_COMM_WORLD, &st);
  MPI_Get_count (&st, MPI_BYTE, &len);
  char *buf = malloc ((size_t) len), *p = buf;
  MPI_Recv (buf, len, MPI_BYTE, from, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  int flags[3];
  size_t lens[3];
  memcpy (flags, p, sizeof flags), p += sizeof flags;
  memcpy (lens, p, sizeof lens), p += sizeof lens;
  o->failed = flags[0], o->impossible = flags[1], o->above = flags[2];
  o->ntokens = lens[0], o->njson = lens[1], o->ncsv = lens[2];
  o->tokens = strndup (p, lens[0]), p += lens[0];
  o->json = strndup (p, lens[1]), p += lens[1];
  o->csv = strndup (p, lens[2]);
  free (buf);
}
#endif

static char *
mem_text (size_t *len, void (*fn) (FILE *, const varlb_trial_t *, const varlb_instance_t *),
          const varlb_trial_t *t, const varlb_instance_t *in)
{
  char *s = NULL;
  FILE *f = open_memstream (&s, len);
  if (!f)
    return NULL;
  fn (f, t, in);
  fclose (f);
  return s;
}

/* 1 when the first line of PATH is this varlb's CSV header, 0 when it is
   another (a file from another version: appending would misalign the
   columns), -1 when PATH cannot be read. */
static int
header_matches (const char *path)
{
  char *h = NULL, *line = NULL;
  size_t hl = 0, cap = 0;
  FILE *m = open_memstream (&h, &hl);
  if (m == NULL)
    return -1;
  varlb_trial_write_csv_header (m);
  fclose (m);
  FILE *f = fopen (path, "r");
  int r = -1;
  if (f && getline (&line, &cap, f) >= 0)
    r = strcmp (line, h) == 0;
  if (f)
    fclose (f);
  free (line);
  free (h);
  return r;
}

/* The output files of one sweep; descriptors are -1 when closed, and ftok
   is -2 without --tokens. */
typedef struct sweep_files {
  const char *csv, *tokens;
  char *jsonl, *manifest;
  int fcsv, fjson, ftok;
} sweep_files_t;

/* Rank 0's half of the setup: find, from the files already there, which
   trials are pending (--resume), open the outputs and write the header and
   the manifest.  Only rank 0 looks at the files, so that no rank reads one
   while another writes it; the other ranks receive its verdict and PEND.
   Returns 0, or the exit status after printing the error. */
static int
prepare_outputs (const char *cmd, sweep_files_t *f, int resume, int force,
                 const trial_ref_t *list, size_t total, size_t *pend, size_t *npend,
                 int argc, char **argv, int ranks)
{
  char **done_keys = NULL;
  size_t ndone = 0;
  int rc = CLI_EXIT_FAIL;
  /* Which trials are done: the rows of the CSV (the file written last). */
  int existing = resume && access (f->csv, F_OK) == 0;
  if (existing)
    {
      size_t lines = 0;
      struct stat st;
      if (cut_torn_line (f->csv, &lines) != 0)
        {
          cli_error (cmd, "%s: %s", f->csv, strerror (errno));
          return rc;
        }
      /* Killed before even the header was whole: start afresh. */
      existing = !(stat (f->csv, &st) == 0 && st.st_size == 0);
    }
  if (existing)
    {
      size_t jlines = 0;
      char why[256];
      cli_csv_t t;
      if (header_matches (f->csv) == 0)
        {
          cli_error (cmd, "--resume: %s has other columns than this varlb writes (another "
                     "version?): appending would misalign them; use --force or a new --out",
                     f->csv);
          return rc;
        }
      if (cli_csv_read (&t, f->csv, why, sizeof why) != 0)
        {
          cli_error (cmd, "--resume: %s: %s", f->csv, why);
          return rc;
        }
      static const char *const key_cols[6] = { "schedule", "d", "jl", "seed", "compressor",
                                               "budget_bits" };
      long kc[6];
      for (int j = 0; j < 6; j++)
        if ((kc[j] = cli_csv_col (&t, key_cols[j])) < 0)
          {
            cli_error (cmd, "--resume: %s is not a varlb sweep file (no column %s)", f->csv,
                       key_cols[j]);
            cli_csv_clear (&t);
            return rc;
          }
      done_keys = malloc ((t.rows + 1) * sizeof *done_keys);
      for (size_t r = 0; done_keys && r < t.rows; r++)
        {
          char *key = NULL;
          if (asprintf (&key, "%s|%s|%s|%s|%s|%.17g", cli_csv_get (&t, r, kc[0]),
                        cli_csv_get (&t, r, kc[1]), cli_csv_get (&t, r, kc[2]),
                        cli_csv_get (&t, r, kc[3]), cli_csv_get (&t, r, kc[4]),
                        cli_csv_num (&t, r, kc[5])) >= 0)
            done_keys[ndone++] = key;
        }
      if (done_keys)
        qsort (done_keys, ndone, sizeof *done_keys, cmp_str);
      /* JSON Lines are written before the CSV row, so they can only be
         ahead: keep as many as the CSV has rows. */
      const char *bad = !done_keys ? "out of memory" : NULL;
      if (!bad && access (f->jsonl, F_OK) == 0
          && (cut_torn_line (f->jsonl, &jlines) != 0
              || (jlines > t.rows && keep_lines (f->jsonl, t.rows) != 0)))
        bad = strerror (errno);
      cli_csv_clear (&t);
      if (bad)
        {
          cli_error (cmd, "%s: %s", f->jsonl, bad);
          goto out;
        }
      if (f->tokens && access (f->tokens, F_OK) == 0
          && filter_token_rows (f->tokens, done_keys, ndone) != 0)
        {
          cli_error (cmd, "--resume: %s: cannot keep its rows: %s", f->tokens, strerror (errno));
          goto out;
        }
    }
  else if (!resume && !force && access (f->csv, F_OK) == 0)
    {
      cli_error (cmd, "%s exists: --resume continues it, --force starts it again", f->csv);
      rc = CLI_EXIT_USAGE;
      goto out;
    }
  /* The pending trials, in grid order. */
  *npend = 0;
  for (size_t k = 0; k < total; k++)
    if (!list[k].key || !bsearch (&list[k].key, done_keys, ndone, sizeof *done_keys, cmp_str))
      pend[(*npend)++] = k;

  int flags = O_WRONLY | O_APPEND | O_CREAT | (existing ? 0 : O_TRUNC);
  f->fcsv = open (f->csv, flags, 0644);
  f->fjson = f->fcsv >= 0 ? open (f->jsonl, flags, 0644) : -1;
  f->ftok = f->tokens && f->fjson >= 0 ? open (f->tokens, flags, 0644) : f->tokens ? -1 : -2;
  if (f->fcsv < 0 || f->fjson < 0 || f->ftok == -1)
    {
      cli_error (cmd, "%s: %s", f->fcsv < 0 ? f->csv : f->fjson < 0 ? f->jsonl : f->tokens,
                 strerror (errno));
      goto out;
    }
  if (!existing)
    {
      char *h = NULL;
      size_t hl = 0;
      FILE *m = open_memstream (&h, &hl);
      if (m)
        {
          varlb_trial_write_csv_header (m);
          fclose (m);
        }
      int bad = !m || append_atomic (f->fcsv, h, hl) != 0;
      free (h);
      if (bad)
        {
          cli_error (cmd, "%s: %s", f->csv, strerror (errno));
          goto out;
        }
    }
  struct stat st;
  if (f->ftok >= 0 && fstat (f->ftok, &st) == 0 && st.st_size == 0)
    append_atomic (f->ftok, TOKEN_HEADER, strlen (TOKEN_HEADER));
  if (write_manifest (f->manifest, argc, argv, total, ranks) != 0)
    {
      cli_error (cmd, "%s: cannot write the manifest: %s", f->manifest, strerror (errno));
      goto out;
    }
  rc = 0;
out:
  for (size_t k = 0; k < ndone; k++)
    free (done_keys[k]);
  free (done_keys);
  return rc;
}

int
cli_sweep (int argc, char **argv)
{
  enum {
    O_BUDGETS = CLI_GRID_FIRST_FREE, O_RATIOS, O_OUT, O_RESUME, O_FORCE, O_TIMEOUT,
    O_SAMPLE, O_TOKENS, O_PROGRESS, O_NO_TIMING, O_MAXFILE
  };
  static const struct option longopts[] = {
    CLI_REDUCTION_LONGOPTS,
    CLI_GRID_LONGOPTS,
    { "budgets", required_argument, NULL, O_BUDGETS },
    { "ratios", required_argument, NULL, O_RATIOS },
    { "out", required_argument, NULL, O_OUT },
    { "resume", no_argument, NULL, O_RESUME },
    { "force", no_argument, NULL, O_FORCE },
    { "timeout", required_argument, NULL, O_TIMEOUT },
    { "sample", required_argument, NULL, O_SAMPLE },
    { "tokens", required_argument, NULL, O_TOKENS },
    { "progress", required_argument, NULL, O_PROGRESS },
    { "no-timing", no_argument, NULL, O_NO_TIMING },
    { "max-file", required_argument, NULL, O_MAXFILE },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "sweep", *out = NULL, *tokens = NULL;
  int no_timing = 0;
  cli_grid_t g;
  double *budgets = NULL;
  size_t nbudgets = 0;
  int ratios = -1, resume = 0, force = 0, show = -1, c, rc = CLI_EXIT_USAGE;
  int agreed = 1; /* a failure every rank reaches alike: no MPI_Abort */
  varlb_channel_opts_t opts;
  varlb_channel_opts_init (&opts);
  cli_grid_init (&g);
  int rank = 0, ranks = 1;
#ifdef HAVE_MPI
  /* Only under a launcher: a plain run never touches MPI. */
  int mpi = getenv ("OMPI_COMM_WORLD_SIZE") || getenv ("PMI_SIZE") || getenv ("PMIX_RANK");
  if (mpi)
    {
      MPI_Init (&argc, &argv);
      MPI_Comm_rank (MPI_COMM_WORLD, &rank);
      MPI_Comm_size (MPI_COMM_WORLD, &ranks);
    }
#endif
  opterr = 0;
  while ((c = getopt_long (argc, argv, "d:", longopts, NULL)) != -1)
    {
      int r = 0;
      switch (c)
        {
        case CLI_OPT_HELP:
          if (rank == 0)
            cli_print_help (cmd, stdout);
          rc = 0;
          goto done;
        case O_BUDGETS:
        case O_RATIOS:
          if (ratios >= 0)
            {
              cli_error (cmd, "give either --budgets or --ratios, once");
              goto done;
            }
          ratios = c == O_RATIOS;
          r = cli_parse_double_list (cmd, ratios ? "--ratios" : "--budgets", optarg, 0,
                                     ratios ? 1e6 : 1e18, &budgets, &nbudgets);
          break;
        case O_OUT:
          out = optarg;
          break;
        case O_TOKENS:
          tokens = optarg;
          break;
        case O_RESUME:
          resume = 1;
          break;
        case O_FORCE:
          force = 1;
          break;
        case O_TIMEOUT:
          r = cli_parse_double (cmd, "--timeout", optarg, 0.001, 86400, &opts.timeout_s);
          break;
        case O_SAMPLE:
          r = cli_parse_size (cmd, "--sample", optarg, 1, (size_t) -1 / 2, &opts.sample);
          break;
        case O_NO_TIMING:
          no_timing = 1;
          break;
        case O_MAXFILE:
          {
            size_t v = 0;
            r = cli_parse_size (cmd, "--max-file", optarg, 4096, (size_t) 1 << 50, &v);
            opts.max_file_bytes = v;
          }
          break;
        case O_PROGRESS:
          if (strcmp (optarg, "auto") == 0)
            show = -1;
          else if (strcmp (optarg, "yes") == 0 || strcmp (optarg, "no") == 0)
            show = optarg[0] == 'y';
          else
            {
              cli_error (cmd, "--progress: expected auto, yes or no, got '%s'", optarg);
              r = -1;
            }
          break;
        default:
          r = cli_grid_option (cmd, &g, c, optarg);
          if (r == 1)
            {
              rc = cli_bad_option (cmd, argc, argv);
              goto done;
            }
        }
      if (r != 0)
        goto done;
    }
  if (cli_no_arguments (cmd, argc, argv) != 0)
    goto done;
  if (!out)
    {
      cli_error (cmd, "missing --out FILE.csv");
      goto done;
    }
  if (ratios < 0)
    {
      cli_error (cmd, "no budget: give --ratios R,... (fractions of N) or --budgets BITS,...");
      goto done;
    }
  if (resume && force)
    {
      cli_error (cmd, "--resume and --force contradict each other");
      goto done;
    }
  if (cli_reduction_finish (cmd, &g.base) != 0 || cli_grid_finish (cmd, &g) != 0)
    goto done;
  rc = CLI_EXIT_FAIL;

  /* The full trial list, in grid order, each with its key. */
  size_t ninst = cli_grid_instances (&g), total = ninst * g.nspecs * nbudgets;
  trial_ref_t *list = calloc (total, sizeof *list);
  if (!list)
    {
      cli_error (cmd, "out of memory");
      goto done;
    }
  for (size_t i = 0, k = 0; i < ninst; i++)
    {
      varlb_params_t p;
      char sched[512];
      cli_grid_params (&p, &g, i);
      varlb_pyramid_format (&p.pyramid, sched, sizeof sched);
      double N = (double) cli_grid_bits (&g, i);
      for (size_t s = 0; s < g.nspecs; s++)
        for (size_t b = 0; b < nbudgets; b++, k++)
          {
            list[k].inst = i, list[k].spec = s, list[k].budget = b;
            list[k].budget_bits = ratios ? budgets[b] * N : budgets[b];
            list[k].key = trial_key (sched, p.d, varlb_jl_family_name (p.jl), p.seed,
                                     g.specs[s], list[k].budget_bits);
          }
      varlb_params_clear (&p);
    }

  sweep_files_t files = { out, tokens, replace_ext (out, ".jsonl"),
                          replace_ext (out, ".manifest.json"), -1, -1, -2 };
  size_t npend = 0;
  size_t *pend = malloc ((total + 1) * sizeof *pend);
  int setup = files.jsonl && files.manifest && pend ? 0 : CLI_EXIT_FAIL;
  if (setup != 0)
    cli_error (cmd, "out of memory");
  else if (rank == 0)
    setup = prepare_outputs (cmd, &files, resume, force, list, total, pend, &npend, argc, argv,
                             ranks);
#ifdef HAVE_MPI
  if (ranks > 1)
    {
      /* Rank 0's verdict and pending list; the loop below deals them out. */
      int worst = setup;
      unsigned long long n = npend;
      MPI_Allreduce (&worst, &setup, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
      MPI_Bcast (&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
      npend = (size_t) n;
      if (setup == 0)
        for (size_t at = 0; at < npend; at += 1u << 20)
          MPI_Bcast (pend + at, (int) ((npend - at < 1u << 20 ? npend - at : 1u << 20)
                                       * sizeof *pend), MPI_BYTE, 0, MPI_COMM_WORLD);
    }
#endif
  if (setup != 0)
    {
      rc = setup;
      goto close_files;
    }
  /* From here on a rank may fail alone, and the others would wait for it. */
  agreed = 0;

  char *exe = self_exe ();
  opts.answer_exe = exe;
  varlb_spec_t *sp = calloc (g.nspecs, sizeof *sp);
  for (size_t s = 0; s < g.nspecs; s++)
    {
      char why[512];
      varlb_spec_init (&sp[s], g.specs[s], why, sizeof why); /* checked by grid_finish */
    }
  if (show < 0)
    show = isatty (STDERR_FILENO);
  show = show && rank == 0;
  double t0 = cli_now ();
  size_t failed = 0, impossible = 0, above = 0, written = 0;
  varlb_instance_t in;
  size_t cur = (size_t) -1;
  int io_error = 0;
  for (size_t j = 0; j < npend; j++)
    {
      const trial_ref_t *tr = &list[pend[j]];
      int owner = (int) (j % (size_t) ranks);
      trial_out_t o;
      memset (&o, 0, sizeof o);
      if (owner == rank)
        {
          if (tr->inst != cur)
            {
              if (cur != (size_t) -1)
                varlb_instance_clear (&in);
              varlb_params_t p;
              cli_grid_params (&p, &g, tr->inst);
              int st = varlb_instance_init (&in, &p);
              varlb_params_clear (&p);
              if (st != VARLB_OK)
                {
                  cli_error (cmd, "cannot build instance: %s", varlb_strerror (st));
                  cur = (size_t) -1;
                  io_error = 1;
                  break;
                }
              cur = tr->inst;
            }
          varlb_trial_t t;
          int st = varlb_trial_run (&t, &in, &sp[tr->spec], tr->budget_bits, &opts);
          if (st != VARLB_OK)
            {
              cli_error (cmd, "%s: cannot run the trial: %s", g.specs[tr->spec], varlb_strerror (st));
              io_error = 1;
              break;
            }
          o.failed = t.status != VARLB_OK;
          o.impossible = t.verdict && strcmp (t.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
          o.above = isfinite (t.accuracy) && t.accuracy > t.fano_ceiling;
          if (no_timing)
            t.wall_s = NAN; /* written as empty / null: rows then depend on the grid alone */
          o.json = mem_text (&o.njson, varlb_trial_write_json, &t, &in);
          o.csv = mem_text (&o.ncsv, varlb_trial_write_csv, &t, &in);
          if (tokens && t.status == VARLB_OK)
            token_rows (&o.tokens, &o.ntokens, &in, &sp[tr->spec], tr->budget_bits);
          if (!o.json || !o.csv)
            {
              cli_error (cmd, "out of memory");
              io_error = 1;
              break;
            }
#ifdef HAVE_MPI
          if (rank != 0)
            {
              send_out (&o);
              trial_out_clear (&o);
              continue;
            }
#endif
        }
#ifdef HAVE_MPI
      else if (rank == 0)
        recv_out (&o, owner);
      else
        continue;
#endif
      /* Rank 0 writes, in grid order: token rows, JSON line, CSV line. */
      if ((o.tokens && files.ftok >= 0 && append_atomic (files.ftok, o.tokens, o.ntokens) != 0)
          || append_atomic (files.fjson, o.json, o.njson) != 0
          || append_atomic (files.fcsv, o.csv, o.ncsv) != 0)
        {
          cli_error (cmd, "%s: write failed: %s", out, strerror (errno));
          trial_out_clear (&o);
          io_error = 1;
          break;
        }
      failed += o.failed, impossible += o.impossible, above += o.above, written++;
      trial_out_clear (&o);
      if (show)
        progress (written, npend, t0, 0);
    }
  if (cur != (size_t) -1)
    varlb_instance_clear (&in);
  for (size_t s = 0; s < g.nspecs; s++)
    varlb_spec_clear (&sp[s]);
  free (sp);
  free (exe);
  if (show)
    progress (written, npend, t0, 1);
  if (rank == 0 && !io_error)
    {
      fprintf (stderr, "varlb: sweep: %zu trials run (%zu already in %s), %zu compressor "
               "failures, %zu above the Fano ceiling (%zu impossible at 99%%), %.1f s; "
               "varlb summary %s for the intervals over seeds\n",
               written, total - npend, out, failed, above, impossible, cli_now () - t0, out);
      rc = 0;
    }
  else if (rank != 0 && !io_error)
    rc = 0;
close_files:
  if (files.fcsv >= 0)
    close (files.fcsv);
  if (files.fjson >= 0)
    close (files.fjson);
  if (files.ftok >= 0)
    close (files.ftok);
  free (files.jsonl);
  free (files.manifest);
  free (pend);
  for (size_t k = 0; k < total; k++)
    free (list[k].key);
  free (list);
done:
  free (budgets);
  cli_grid_clear (&g);
#ifdef HAVE_MPI
  if (mpi)
    {
      /* A rank that failed alone leaves the others waiting on it. */
      if (rc != 0 && ranks > 1 && !agreed)
        MPI_Abort (MPI_COMM_WORLD, rc);
      MPI_Finalize ();
    }
#else
  (void) agreed;
#endif
  return rc;
}
