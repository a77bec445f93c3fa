/* trial.c -- one trial of the one-way channel (DESIGN.md "the game"), as a
 * short sequence of named steps: Bob's queries are chosen (secret stream),
 * Alice's half compresses in its sandbox, the blob's bytes are taken and
 * charged 8 bits each, the compress time is padded to a grid, Bob's half
 * answers in a fresh sandbox from a copy of those bytes alone, and the
 * answers are decoded and judged against the Fano ceiling. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "sandbox/coldcache.h"
#include "text.h"
#include "trial.h"

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* ------------------------------------------------------ the timing grid */

/* Bob may learn how long Alice's half took (from the clock and any file
   whose time he can read).  Varlb therefore starts him only at the next of
   the instants PAD_FIRST * 2^(k/2) after Alice started: the compress time
   he can observe takes one of LEVELS values below the timeout, so it
   carries at most log2 LEVELS bits, charged to every trial. */
#define PAD_FIRST 0.01

static size_t
pad_levels (double timeout)
{
  size_t k = 0;
  while (PAD_FIRST * pow (2.0, 0.5 * (double) k) < timeout)
    k++;
  return k + 1;
}

double
varlb_trial_timing_bits (double timeout_s)
{
  return ceil (log2 ((double) pad_levels (timeout_s)));
}

void
varlb__trial_pad_to_grid (double start, double timeout)
{
  double elapsed = now_s () - start, level = PAD_FIRST;
  while (level < elapsed && level < timeout)
    level *= M_SQRT2;
  double wait = level - elapsed;
  if (wait > 0)
    {
      struct timespec ts = { (time_t) wait, (long) ((wait - floor (wait)) * 1e9) };
      while (nanosleep (&ts, &ts) != 0)
        ;
    }
}

/* --------------------------------------------------------------- steps */

int
varlb__trial_cold_begin (varlb_trial_t *t, const varlb_channel_opts_t *o)
{
  char why[300];
  if (!o->cold_cache || varlb__cold_trial_begin (why, sizeof why) == 0)
    return 0;
  varlb__trial_fail (t, VARLB_EIO, why);
  return -1;
}

void
varlb__trial_cold_between (varlb_trial_t *t, varlb_spec_t *s, const varlb_channel_opts_t *o)
{
  if (!o->cold_cache)
    return;
  /* Dropping frees only pages nothing maps: a serve: compress worker
     ends first (started afresh for the next trial). */
  varlb_worker_t *w = s->kind == VARLB_SPEC_SERVE ? varlb__serve_worker (s, 0) : NULL;
  if (w)
    varlb__worker_stop (w);
  double secs;
  char why[300];
  if (varlb__cold_cache_drop (&secs, why, sizeof why) != 0)
    varlb__trial_fail (t, VARLB_EIO, why);
}

void
varlb__trial_cold_end (const varlb_channel_opts_t *o)
{
  if (o->cold_cache)
    varlb__cold_trial_end ();
}

void
varlb__trial_fail (varlb_trial_t *t, int status, const char *why)
{
  t->status = status;
  snprintf (t->error, sizeof t->error, "%s", why);
  t->verdict = VARLB_VERDICT_ERROR;
}

void
varlb__trial_begin (varlb_trial_t *t, const varlb_instance_t *in, const varlb_spec_t *s,
             double budget_bits, const varlb_channel_opts_t *o)
{
  memset (t, 0, sizeof *t);
  snprintf (t->compressor, sizeof t->compressor, "%s", s->text);
  t->budget_bits = budget_bits;
  t->N = in->N;
  t->seed = in->par.seed;
  t->public_seed = in->public_seed;
  varlb_judge_key_fingerprint (t->judge_key, in->par.judge_key);
  t->isolation = o->isolation == VARLB_ISOLATION_SANDBOX ? "sandbox" : "none";
  t->side_channel_bits = varlb_trial_timing_bits (o->timeout_s);
  t->accuracy = t->ci_low = t->ci_high = NAN;
  t->fano_ceiling = t->trivial = t->bits_charged = NAN;
  t->witness_true = t->witness_returned = NAN;
  t->verdict = VARLB_VERDICT_ERROR;
  snprintf (t->calibration, sizeof t->calibration, "%s", s->calibration ? s->calibration : "");
  snprintf (t->provenance, sizeof t->provenance, "%s", s->provenance ? s->provenance : "");
  t->efficiency = NAN;
}

/* Bob's query tokens: every Alice token, or a uniform sample drawn from his
   secret stream (Alice cannot predict which), and his queries C k_i. */
int
varlb__trial_bob_queries (size_t *idx, double *Q, size_t m, const varlb_instance_t *in)
{
  if (m == in->alice_tokens)
    for (size_t i = 0; i < m; i++)
      idx[i] = i;
  else
    {
      gsl_rng *r = varlb_rng_secret (in->par.judge_key, in->par.seed, VARLB_STREAM_BOB);
      if (r == NULL)
        return VARLB_ENOMEM;
      int st = varlb_multi_index_draw (idx, m, in->alice_tokens, r);
      gsl_rng_free (r);
      if (st != VARLB_OK)
        return st;
    }
  return varlb_instance_queries (Q, in, idx, m);
}

/* The public parameters of the instance, for any half that rebuilds the
   public keys (README, "External programs"). */
void
varlb__trial_public_env (char env[][1200], const varlb_instance_t *in)
{
  const varlb_params_t *p = &in->par;
  char sched[1024];
  varlb_pyramid_format (&p->pyramid, sched, sizeof sched);
  snprintf (env[0], 1200, "VARLB_SCHEDULE=%s", sched);
  snprintf (env[1], 1200, "VARLB_D=%zu", in->d);
  snprintf (env[2], 1200, "VARLB_DV=%zu", in->d);
  snprintf (env[3], 1200, "VARLB_JL=%s", varlb_jl_family_name (p->jl));
  snprintf (env[4], 1200, "VARLB_KEYS=%s", varlb_jl_norm_name (p->norm));
  snprintf (env[5], 1200, "VARLB_VALUES=%s", p->values == VARLB_VALUES_PM1 ? "pm1" : "01");
  snprintf (env[6], 1200, "VARLB_C=%.17g", in->C);
  snprintf (env[7], 1200, "VARLB_ALICE_TOKENS=%zu", in->alice_tokens);
  snprintf (env[8], 1200, "VARLB_PUBLIC_SEED=%llu", (unsigned long long) in->public_seed);
}


/* The command of a half: an external program under /bin/sh, or varlb's own
   built-in/plug-in runner (`varlb __compress`, `varlb __answer`). */
typedef struct half_cmd {
  char *argv[32];
  char *owned[4];
  char *expose[16];
  char env_buf[VARLB__TRIAL_PUBLIC_ENV][1200];
  char *env[VARLB__TRIAL_PUBLIC_ENV + 1];
} half_cmd_t;

static void
half_cmd_clear (half_cmd_t *c)
{
  for (size_t i = 0; i < 4; i++)
    free (c->owned[i]);
  for (size_t i = 0; i < 16; i++)
    free (c->expose[i]);
}

size_t
varlb__trial_program_argv (char **argv, char **script, char **expose, const varlb_spec_t *s,
                           const char *half)
{
  size_t n = 0;
  if (asprintf (script, "%s \"$@\"", s->path) < 0)
    return 0;
  argv[n++] = "/bin/sh";
  argv[n++] = "-c";
  argv[n++] = *script;
  argv[n++] = "varlb-compressor";
  if (s->kind == VARLB_SPEC_SERVE)
    {
      argv[n++] = "serve";
      argv[n++] = "--half";
    }
  argv[n++] = (char *) half;
  varlb__named_paths (expose, 15, s->path);
  return n;
}

size_t
varlb__trial_own_argv (char **argv, char **owned, char **expose, const varlb_spec_t *s,
                       const varlb_pyramid_t *py, size_t dv, const varlb_channel_opts_t *o,
                       const char *command)
{
  char sched[1024];
  varlb_pyramid_format (py, sched, sizeof sched);
  if ((s->kind == VARLB_SPEC_PLUGIN
       ? asprintf (&owned[0], "plugin:%s%s%s", s->path, s->knob_text[0] ? ":" : "", s->knob_text)
       : asprintf (&owned[0], "%s", s->text)) < 0
      || asprintf (&owned[1], "%s", sched) < 0 || asprintf (&owned[2], "%zu", dv) < 0
      || asprintf (&owned[3], "%s", o->half_exe ? o->half_exe : VARLB_BINDIR "/varlb") < 0)
    return 0;
  size_t n = 0;
  argv[n++] = owned[3];
  argv[n++] = (char *) command;
  argv[n++] = "--spec";
  argv[n++] = owned[0];
  argv[n++] = "--schedule";
  argv[n++] = owned[1];
  argv[n++] = "--dv";
  argv[n++] = owned[2];
  if (s->kind == VARLB_SPEC_PLUGIN)
    varlb__named_paths (expose, 15, s->path);
  return n;
}

static int
half_cmd (half_cmd_t *c, const varlb_spec_t *s, const varlb_instance_t *in,
          const varlb_channel_opts_t *o, const char *half, char *const *proto)
{
  memset (c, 0, sizeof *c);
  varlb__trial_public_env (c->env_buf, in);
  for (size_t i = 0; i < VARLB__TRIAL_PUBLIC_ENV; i++)
    c->env[i] = c->env_buf[i];
  size_t n = 0;
  if (s->kind == VARLB_SPEC_SERVE || s->kind == VARLB_SPEC_EXEC)
    {
      if ((n = varlb__trial_program_argv (c->argv, &c->owned[0], c->expose, s, half)) == 0)
        return VARLB_ENOMEM;
      if (s->kind == VARLB_SPEC_SERVE)
        {
          /* One worker per half for the whole run: the instance's
             parameters travel in each request, not in its environment. */
          c->env[0] = NULL;
          c->argv[n] = NULL;
          return VARLB_OK;
        }
    }
  else if ((n = varlb__trial_own_argv (c->argv, c->owned, c->expose, s, &in->par.pyramid, in->d,
                                       o, strcmp (half, "compress") == 0 ? "__compress"
                                                                         : "__answer")) == 0)
    return VARLB_ENOMEM;
  for (size_t i = 0; proto[i] && n < 31; i++)
    c->argv[n++] = proto[i];
  c->argv[n] = NULL;
  return VARLB_OK;
}

/* The content of collected file I, or a one-line reason it is unusable. */
const unsigned char *
varlb__trial_collected (const varlb_half_result_t *r, size_t i, size_t *len, const char *label,
           const char *name, char *why, size_t wlen)
{
  *len = r->out_len[i];
  switch (r->out_state[i])
    {
    case VARLB_HALF_FILE_OK:
      return r->out[i];
    case VARLB_HALF_FILE_MISSING:
      snprintf (why, wlen, "%s: wrote no %s (%s missing)", label,
                strcmp (name, "BLOB") == 0 ? "blob" : name, name);
      return NULL;
    case VARLB_HALF_FILE_NPZ:
      snprintf (why, wlen, "%s: wrote no %s but %s.npz (np.savez adds .npz to the name: "
                "write exactly the path given, e.g. with np.save or open())", label, name, name);
      return NULL;
    case VARLB_HALF_FILE_NOTPLAIN:
      snprintf (why, wlen, "%s: %s is not a plain file", label,
                strcmp (name, "BLOB") == 0 ? "the blob" : name);
      return NULL;
    default:
      snprintf (why, wlen, "%s: %s is larger than the file limit", label, name);
      return NULL;
    }
}

/* An external program's declared free calibration: one line of the file
   CALIBRATION beside its BLOB, recorded as the program's own claim. */
void
varlb__trial_declared_calibration (varlb_trial_t *t, const unsigned char *d, size_t n)
{
  char line[400];
  size_t k = 0;
  while (k < n && k + 1 < sizeof line && d[k] != '\n' && d[k] != '\r')
    {
      line[k] = d[k] < 0x20 ? ' ' : (char) d[k];
      k++;
    }
  line[k] = '\0';
  varlb__utf8_sanitize (line);
  if (line[0])
    snprintf (t->calibration, sizeof t->calibration, "declared by the program: %s", line);
}

/* The host directory of S's calibration, or NULL. */
const char *
varlb__trial_calibration (const varlb_spec_t *s)
{
  return s->priv && s->priv->calibration_dir[0] ? s->priv->calibration_dir : NULL;
}

/* S as a JSON string (paths have no control characters but may hold
   quotes). */
static void
json_string (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; *s; s++)
    if (*s == '"' || *s == '\\')
      fprintf (f, "\\%c", *s);
    else
      fputc (*s, f);
  fputc ('"', f);
}

/* The instance's public parameters as a JSON object (serve requests),
   with EXTRA (", \"key\": value" pairs, or "") before its end. */
static void
instance_json (FILE *f, const varlb_instance_t *in, const char *extra)
{
  const varlb_params_t *p = &in->par;
  fputs ("{\"schedule\": [", f);
  for (size_t k = 0; k < p->pyramid.scales; k++)
    fprintf (f, "%s%u", k ? ", " : "", p->pyramid.pn[k]);
  fprintf (f, "], \"d\": %zu, \"dv\": %zu, \"jl\": \"%s\", \"keys\": \"%s\", "
           "\"values\": \"%s\", \"C\": %.17g, \"alice_tokens\": %zu", in->d, in->d,
           varlb_jl_family_name (p->jl), varlb_jl_norm_name (p->norm),
           p->values == VARLB_VALUES_PM1 ? "pm1" : "01", in->C, in->alice_tokens);
  fprintf (f, "%s}", extra);
}

/* A serve worker's reply: {"ok": true} or {"ok": false, "error": "..."},
   nothing else.  1 ok, 0 refused (ERR says why), -1 not the protocol. */
static int
reply_ok (const char *s, char *err, size_t len)
{
  int ok = -1, seen_err = 0;
  err[0] = '\0';
  s += strspn (s, " \t\r");
  if (*s++ != '{')
    return -1;
  for (int first = 1;; first = 0)
    {
      s += strspn (s, " \t\r");
      if (*s == '}' && first)
        break;
      if (*s++ != '"')
        return -1;
      const char *key = s;
      while (*s && *s != '"')
        s++;
      size_t kl = (size_t) (s - key);
      if (*s++ != '"')
        return -1;
      s += strspn (s, " \t\r");
      if (*s++ != ':')
        return -1;
      s += strspn (s, " \t\r");
      if (kl == 2 && strncmp (key, "ok", 2) == 0)
        {
          if (strncmp (s, "true", 4) == 0)
            ok = 1, s += 4;
          else if (strncmp (s, "false", 5) == 0)
            ok = 0, s += 5;
          else
            return -1;
        }
      else if (kl == 5 && strncmp (key, "error", 5) == 0 && *s == '"')
        {
          size_t k = 0;
          for (s++; *s && *s != '"'; s++)
            {
              char c = *s;
              if (c == '\\' && s[1])
                {
                  s++;
                  c = *s == 'n' || *s == 't' || *s == 'r' ? ' ' : *s;
                  if (*s == 'u')
                    {
                      c = '?';
                      for (int i = 0; i < 4 && s[1]; i++)
                        s++;
                    }
                }
              if (k + 1 < len)
                err[k++] = c;
            }
          err[k] = '\0';
          if (*s++ != '"')
            return -1;
          seen_err = 1;
        }
      else
        return -1;
      s += strspn (s, " \t\r");
      if (*s == ',')
        {
          s++;
          continue;
        }
      if (*s++ != '}')
        return -1;
      break;
    }
  s += strspn (s, " \t\r");
  if (*s != '\0' || ok < 0 || (ok == 1 && seen_err))
    return -1;
  varlb__utf8_sanitize (err);
  return ok;
}

/* Run half H: a one-shot sandbox, or a request to the spec's worker. */
static int
run_half (varlb_half_result_t *r, const varlb_spec_t *s, const varlb_half_spec_t *h,
          const varlb_instance_t *in, const char *request_fields,
          const varlb_channel_opts_t *o)
{
  if (s->kind != VARLB_SPEC_SERVE)
    return varlb__half_run (r, h, o);
  return varlb__trial_serve (r, s, h, in, "", request_fields, o);
}

int
varlb__trial_serve (varlb_half_result_t *r, const varlb_spec_t *s, const varlb_half_spec_t *h,
                    const varlb_instance_t *in, const char *instance_extra,
                    const char *request_fields, const varlb_channel_opts_t *o)
{
  varlb_worker_t *w = varlb__serve_worker ((varlb_spec_t *) s, strcmp (h->label, "answer") == 0);
  char *json = NULL;
  size_t jl = 0;
  FILE *f = open_memstream (&json, &jl);
  if (w == NULL || f == NULL)
    return VARLB_ENOMEM;
  fprintf (f, "{%s, \"instance\": ", request_fields);
  instance_json (f, in, instance_extra);
  if (h->calibration)
    {
      fputs (", \"calibration\": ", f);
      json_string (f, o->isolation == VARLB_ISOLATION_SANDBOX ? VARLB_CALIBRATION_DIR
                            : h->calibration);
    }
  fputc ('}', f);
  if (fclose (f) != 0)
    return VARLB_ENOMEM;
  int st = varlb__worker_request (w, r, h, json, o);
  free (json);
  if (st != VARLB_OK || r->status != VARLB_OK || r->reply == NULL)
    return st;
  char err[400];
  int ok = reply_ok (r->reply, err, sizeof err);
  if (ok < 0)
    {
      char line[120];
      varlb__tail_line (line, sizeof line, (const unsigned char *) r->reply,
                        r->reply_len < 100 ? r->reply_len : 100);
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: the worker broke the protocol (replied '%s'; it is "
                "restarted for the next trial)", h->label, line);
      varlb__worker_stop (w);
    }
  else if (ok == 0)
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: the worker says: %s", h->label,
                err[0] ? err : "(no reason given)");
    }
  return VARLB_OK;
}

/* Alice: compress in her sandbox; the blob's bytes come back in *BLOB. */
static int
alice_compress (varlb_trial_t *t, unsigned char **blob, size_t *blen,
                const varlb_instance_t *in, const varlb_spec_t *s, double budget_bits,
                const varlb_channel_opts_t *o)
{
  unsigned char *k = NULL, *v = NULL;
  size_t kl, vl;
  int st = varlb_npy_encode (&k, &kl, in->K, in->alice_tokens, in->d);
  if (st == VARLB_OK)
    st = varlb_npy_encode (&v, &vl, in->V, in->alice_tokens, in->d);
  char budget[64], seed[32];
  snprintf (budget, sizeof budget, "%.0f", budget_bits);
  snprintf (seed, sizeof seed, "%llu", (unsigned long long) in->public_seed);
  char *proto[] = { "--keys", "K.npy", "--values", "V.npy", "--budget-bits", budget,
                    "--seed", seed, "--out", "BLOB", NULL };
  half_cmd_t c;
  if (st == VARLB_OK)
    st = half_cmd (&c, s, in, o, "compress", proto);
  else
    memset (&c, 0, sizeof c);
  varlb_half_result_t r;
  memset (&r, 0, sizeof r);
  if (st == VARLB_OK)
    {
      varlb_half_spec_t h = {
        .label = "compress", .argv = c.argv, .n_in = 2,
        .in = { { "K.npy", k, kl }, { "V.npy", v, vl } },
        .n_out = 2, .out = { "BLOB", "CALIBRATION" }, .env = c.env,
        .expose = (const char *const *) c.expose,
        .calibration = varlb__trial_calibration (s)
      };
      char fields[256];
      snprintf (fields, sizeof fields, "\"keys\": \"K.npy\", \"values\": \"V.npy\", "
                "\"budget_bits\": %s, \"seed\": %s, \"out\": \"BLOB\"", budget, seed);
      st = run_half (&r, s, &h, in, fields, o);
    }
  free (k);
  free (v);
  half_cmd_clear (&c);
  snprintf (t->stderr_compress, sizeof t->stderr_compress, "%s", r.stderr_tail);
  char why[512];
  if (st == VARLB_EUNSUPPORTED || (st != VARLB_OK && r.why[0]))
    varlb__trial_fail (t, st, r.why);
  else if (st != VARLB_OK)
    ;
  else if (r.status != VARLB_OK)
    varlb__trial_fail_half (t, &r);
  else
    {
      size_t n;
      const unsigned char *d = varlb__trial_collected (&r, 0, &n, "compress", "BLOB", why,
                                                       sizeof why);
      if (d == NULL)
        varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
      else if ((*blob = malloc (n ? n : 1)) == NULL)
        st = VARLB_ENOMEM;
      else
        {
          memcpy (*blob, d, n);
          *blen = n;
          const unsigned char *cal = varlb__trial_collected (&r, 1, &n, "compress",
                                                             "CALIBRATION", why, sizeof why);
          if (cal && (s->kind == VARLB_SPEC_EXEC || s->kind == VARLB_SPEC_SERVE))
            varlb__trial_declared_calibration (t, cal, n);
        }
    }
  varlb__half_result_clear (&r);
  return st;
}

/* Bob: answer in a fresh sandbox holding a copy of the blob's bytes and his
   queries; his outputs O (m x d) come back in *O. */
static int
bob_answer (varlb_trial_t *t, double **O, const unsigned char *blob, size_t blen,
            const double *Q, size_t m, const varlb_instance_t *in, const varlb_spec_t *s,
            const varlb_channel_opts_t *o)
{
  unsigned char *q = NULL;
  size_t ql;
  int st = varlb_npy_encode (&q, &ql, Q, m, in->d);
  char seed[32];
  snprintf (seed, sizeof seed, "%llu", (unsigned long long) in->public_seed);
  char *proto[] = { "--blob", "BLOB", "--queries", "Q.npy", "--seed", seed, "--out", "O.npy",
                    NULL };
  half_cmd_t c;
  if (st == VARLB_OK)
    st = half_cmd (&c, s, in, o, "answer", proto);
  else
    memset (&c, 0, sizeof c);
  varlb_half_result_t r;
  memset (&r, 0, sizeof r);
  if (st == VARLB_OK)
    {
      varlb_half_spec_t h = {
        .label = "answer", .argv = c.argv, .n_in = 2,
        .in = { { "BLOB", blob, blen }, { "Q.npy", q, ql } },
        .n_out = 1, .out = { "O.npy" }, .env = c.env,
        .expose = (const char *const *) c.expose,
        .calibration = varlb__trial_calibration (s)
      };
      char fields[256];
      snprintf (fields, sizeof fields, "\"blob\": \"BLOB\", \"queries\": \"Q.npy\", "
                "\"seed\": %s, \"out\": \"O.npy\"", seed);
      st = run_half (&r, s, &h, in, fields, o);
    }
  free (q);
  half_cmd_clear (&c);
  snprintf (t->stderr_answer, sizeof t->stderr_answer, "%s", r.stderr_tail);
  char why[512];
  if (st == VARLB_EUNSUPPORTED || (st != VARLB_OK && r.why[0]))
    varlb__trial_fail (t, st, r.why);
  else if (st != VARLB_OK)
    ;
  else if (r.status != VARLB_OK)
    varlb__trial_fail_half (t, &r);
  else
    {
      size_t n, rows = 0, cols = 0;
      char nwhy[200];
      const unsigned char *d = varlb__trial_collected (&r, 0, &n, "answer", "O.npy", why,
                                                       sizeof why);
      if (d == NULL)
        varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
      else if (varlb_npy_parse_why (d, n, O, &rows, &cols, nwhy, sizeof nwhy) != VARLB_OK)
        {
          snprintf (why, sizeof why, "answer: O.npy: %s", nwhy);
          varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
        }
      else if (rows != m || cols != in->d)
        {
          snprintf (why, sizeof why, "answer: O.npy has shape (%zu, %zu), expected (%zu, %zu)",
                    rows, cols, m, in->d);
          varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
        }
      else
        for (size_t i = 0; i < m * in->d; i++)
          if (!isfinite ((*O)[i]))
            {
              snprintf (why, sizeof why, "answer: O.npy holds %s at row %zu, column %zu",
                        isnan ((*O)[i]) ? "NaN" : "Inf", i / in->d, i % in->d);
              varlb__trial_fail (t, VARLB_ENUMERIC, why);
              break;
            }
    }
  varlb__half_result_clear (&r);
  return st;
}

/* Decode Bob's answers and judge them: accuracy, intervals, the Fano
   ceiling at the bits judged (charged + side channels), the verdict, the
   (1 +- eta) rule and the witness of the first wrong bit. */
static int
judge (varlb_trial_t *t, const varlb_instance_t *in, const size_t *idx, const double *Q,
       size_t m, const double *O, const varlb_channel_opts_t *o)
{
  size_t d = in->d;
  varlb_decode_report_t rep;
  varlb_decode_report_init (&rep);
  varlb_bits_t dec;
  int st = varlb_bits_init (&dec, in->alice_tokens, d);
  if (st == VARLB_OK)
    st = varlb_instance_score (&rep, in, idx, m, O, NULL, &dec);
  if (st != VARLB_OK)
    {
      varlb_bits_clear (&dec);
      return st;
    }
  if (o->token_correct)
    {
      for (size_t i = 0; i < in->alice_tokens; i++)
        o->token_correct[i] = UINT_MAX;
      for (size_t r = 0; r < m; r++)
        {
          unsigned c = 0;
          for (size_t j = 0; j < d; j++)
            c += varlb_bits_get (&dec, idx[r], j) == varlb_bits_get (&in->x, idx[r], j);
          o->token_correct[idx[r]] = c;
        }
    }
  varlb_bits_clear (&dec);
  /* Judged at the unit Bob sampled: the bits when he asked every token,
     the tokens when he asked a sample (varlb_judge); at the bits charged
     plus the side channels' allowance. */
  varlb_judgement_t jg;
  st = varlb_judge (&jg, rep.correct, m, in->alice_tokens, d, t->bits_charged,
                    t->bits_charged + t->side_channel_bits);
  if (st != VARLB_OK)
    return st;
  t->bits_tested = rep.bits;
  t->correct = rep.correct;
  t->accuracy = jg.accuracy;
  t->ci_low = jg.ci_low;
  t->ci_high = jg.ci_high;
  t->fano_ceiling = jg.fano_judged;
  t->verdict = jg.verdict;
  t->trivial = varlb_trivial_accuracy (t->bits_charged, (double) in->N);
  t->efficiency = varlb_efficiency (t->accuracy, t->bits_charged, (double) in->N);
  /* The (1 +- eta) rule compares with what answer is asked to estimate:
     exact softmax(Q K^T) V over the cache it was given (Alice's tokens). */
  double *exact = malloc (m * d * sizeof *exact);
  if (exact == NULL)
    return VARLB_ENOMEM;
  st = varlb_attention (exact, Q, m, in->K, in->V, in->alice_tokens, d, d, NULL, NULL, NULL);
  if (st != VARLB_OK)
    {
      free (exact);
      return st;
    }
  t->has_approx = 1;
  t->eta = in->par.eta;
  t->eta_violations = varlb_approx_violations (exact, O, m * d, in->par.eta);
  t->approx_eta = 0.0;
  for (size_t i = 0; i < m * d; i++)
    {
      double err = fabs (O[i] - exact[i]);
      if (err > 0.0)
        t->approx_eta = fmax (t->approx_eta, exact[i] != 0.0 ? err / fabs (exact[i]) : INFINITY);
    }
  free (exact);
  if (rep.first_wrong_token != (size_t) -1)
    {
      size_t row = 0;
      while (idx[row] != rep.first_wrong_token)
        row++;
      /* The witness's reference is the reduction's own: the full cache,
         Bob's zero block included. */
      double *ofull = malloc (d * sizeof *ofull);
      if (ofull && varlb_attention_zero (ofull, Q + row * d, 1, in->K, in->V, in->alice_tokens,
                                         in->bob_rows, d, d, NULL, NULL, NULL) == VARLB_OK)
        {
          t->has_witness = 1;
          t->witness_token = rep.first_wrong_token;
          t->witness_coord = rep.first_wrong_col;
          t->witness_true = ofull[rep.first_wrong_col];
          t->witness_returned = O[row * d + rep.first_wrong_col];
        }
      free (ofull);
    }
  return VARLB_OK;
}

int
varlb__trial_keep_blob (const char *path, const unsigned char *data, size_t len)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return VARLB_EIO;
  size_t done = 0;
  while (done < len)
    {
      ssize_t w = write (fd, data + done, len - done);
      if (w <= 0)
        {
          close (fd);
          return VARLB_EIO;
        }
      done += (size_t) w;
    }
  return close (fd) == 0 ? VARLB_OK : VARLB_EIO;
}

int
varlb_trial_run (varlb_trial_t *t, const varlb_instance_t *in, const varlb_spec_t *s,
                 double budget_bits, const varlb_channel_opts_t *opts)
{
  varlb__trial_begin (t, in, s, budget_bits, opts);
  if (!(budget_bits >= 0 && budget_bits == floor (budget_bits) && budget_bits < 0x1p53))
    return VARLB_EINVAL; /* budgets are whole bits */
  double t0 = now_s ();
  varlb_channel_opts_t o = *opts;
  /* Auto: 16 times the cache at fp64 (no honest blob needs more), at least
     64 MiB. */
  unsigned long long raw = 8ULL * in->alice_tokens * 2 * in->d;
  if (o.max_file_bytes == 0)
    o.max_file_bytes = 16 * raw > (64ULL << 20) ? 16 * raw : 64ULL << 20;
  size_t m = o.sample && o.sample < in->alice_tokens ? o.sample : in->alice_tokens;
  size_t *idx = malloc (m * sizeof *idx);
  double *Q = malloc (m * in->d * sizeof *Q), *O = NULL;
  unsigned char *blob = NULL;
  size_t blen = 0;
  int st = idx && Q ? varlb__trial_bob_queries (idx, Q, m, in) : VARLB_ENOMEM;
  /* --cold-cache: no other half on the host from here to Bob's end. */
  int cold = st == VARLB_OK && varlb__trial_cold_begin (t, &o) == 0 && o.cold_cache;
  double alice_start = now_s ();
  if (st == VARLB_OK && t->status == VARLB_OK)
    st = alice_compress (t, &blob, &blen, in, s, budget_bits, &o);
  if (st == VARLB_OK && t->status == VARLB_OK)
    {
      /* The charge: 8 bits per byte of the blob, whatever the compressor
         says. */
      t->bits_charged = 8.0 * (double) blen;
      t->over_budget = t->bits_charged > budget_bits;
      if (o.keep_blob)
        st = varlb__trial_keep_blob (o.keep_blob, blob, blen);
      varlb__trial_cold_between (t, (varlb_spec_t *) s, &o);
      varlb__trial_pad_to_grid (alice_start, o.timeout_s);
    }
  if (st == VARLB_OK && t->status == VARLB_OK)
    st = bob_answer (t, &O, blob, blen, Q, m, in, s, &o);
  if (cold)
    varlb__trial_cold_end (&o);
  if (st == VARLB_OK && t->status == VARLB_OK)
    st = judge (t, in, idx, Q, m, O, &o);
  t->wall_s = now_s () - t0;
  free (idx);
  free (Q);
  free (O);
  free (blob);
  return st == VARLB_EUNSUPPORTED ? st : st;
}
