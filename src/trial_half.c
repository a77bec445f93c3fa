/* trial_half.c -- a half of a trial as the host runs it: its command line
 * and environment (varlb's own half for a built-in or plug-in, an exec:
 * program under /bin/sh, a request to a serve: worker), run in a sandbox
 * (src/sandbox/) or sent to the worker, and the files it hands back.  One
 * head and a whole model differ here only in the half's name and the
 * model's shape in its environment.  Internal to libvarlb (trial.h); it
 * knows nothing of judging. */
#define _GNU_SOURCE 1 /* asprintf, open_memstream */
#include <config.h>
#include <fcntl.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "sandbox/coldcache.h"
#include "text.h"
#include "trial.h"

/* The number of VARLB_* entries: the instance's public parameters, then a
   model's layers and heads. */
#define PUBLIC_ENV 9

/* ------------------------------------------------- between the halves */

double
varlb__trial_now (void)
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
  double elapsed = varlb__trial_now () - start, level = PAD_FIRST;
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

/* --cold-cache (README, "Threat model"): the host's lock of halves held
   alone from before Alice to after Bob (begin: -1 and T failed when it
   cannot be had), and between them a serve: compress worker ended and the
   host's caches dropped (T failed when they cannot be). */
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

/* --keep-blobs: the blob's bytes, as charged, into PATH. */
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

/* -------------------------------------------------------- a half's command */

/* The public parameters of the instance, for any half that rebuilds the
   public keys (README, "External programs"). */
static void
public_env (char env[][1200], const varlb_instance_t *in)
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


/* An exec: or serve: program's command for HALF into ARGV: /bin/sh -c
   'PATH "$@"' (the script, owned, in *SCRIPT), then HALF (serve --half HALF
   for a worker); the paths it names go to EXPOSE (15 at most).  The number
   of entries written, 0 when out of memory. */
static size_t
program_argv (char **argv, char **script, char **expose, const varlb_spec_t *s,
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

/* varlb's own half COMMAND for a built-in or plug-in S into ARGV: --spec,
   --schedule of PY, --dv DV; the strings in OWNED (4), a plug-in's path in
   EXPOSE.  As above. */
static size_t
own_argv (char **argv, char **owned, char **expose, const varlb_spec_t *s,
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

/* The command of a half: an external program under /bin/sh, or varlb's own
   built-in/plug-in runner (`varlb __compress`, `varlb __answer_model`). */
typedef struct half_cmd {
  char *argv[32];
  char *owned[4];
  char *expose[16];
  char env_buf[PUBLIC_ENV + 2][1200];
  char *env[PUBLIC_ENV + 3];
} half_cmd_t;

static void
half_cmd_clear (half_cmd_t *c)
{
  for (size_t i = 0; i < 4; i++)
    free (c->owned[i]);
  for (size_t i = 0; i < 16; i++)
    free (c->expose[i]);
}

/* Half HALF ("compress" or "answer") of spec S on G, its arguments PROTO
   after varlb's own: an exec: program under /bin/sh (the file protocol), a
   serve: worker (started once for the whole run, so the instance travels
   in each request, not in its environment), or varlb's own half
   (__compress, or __compress_model for a model); the environment holds the
   instance's public parameters and a model's shape. */
static int
half_cmd (half_cmd_t *c, const varlb_spec_t *s, const varlb__trial_geom_t *g,
          const varlb_channel_opts_t *o, const char *half, char *const *proto)
{
  memset (c, 0, sizeof *c);
  public_env (c->env_buf, g->h0);
  size_t ne = PUBLIC_ENV;
  snprintf (c->env_buf[8], 1200, "VARLB_PUBLIC_SEED=%llu", g->public_seed);
  if (g->m)
    {
      snprintf (c->env_buf[ne++], 1200, "VARLB_LAYERS=%zu", g->layers);
      snprintf (c->env_buf[ne++], 1200, "VARLB_HEADS=%zu", g->heads);
    }
  for (size_t i = 0; i < ne; i++)
    c->env[i] = c->env_buf[i];
  size_t n = 0;
  int compress = strcmp (half, "compress") == 0;
  if (s->kind == VARLB_SPEC_SERVE || s->kind == VARLB_SPEC_EXEC)
    {
      if ((n = program_argv (c->argv, &c->owned[0], c->expose, s, half)) == 0)
        return VARLB_ENOMEM;
      if (s->kind == VARLB_SPEC_SERVE)
        {
          c->env[0] = NULL;
          c->argv[n] = NULL;
          return VARLB_OK;
        }
    }
  else if ((n = own_argv (c->argv, c->owned, c->expose, s, &g->par->pyramid, g->d, o,
                          g->m ? compress ? "__compress_model" : "__answer_model"
                                   : compress ? "__compress" : "__answer")) == 0)
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
static const char *
calibration_dir (const varlb_spec_t *s)
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

/* Half H as a request to serve: spec S's worker: REQUEST_FIELDS, then the
   instance IN's public parameters with INSTANCE_EXTRA (", \"k\": v"
   pairs) added, and the calibration directory when there is one.  R's
   status says whether the worker refused or broke the protocol. */
static int
serve_request (varlb_half_result_t *r, const varlb_spec_t *s, const varlb_half_spec_t *h,
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

int
varlb__trial_half (varlb_half_result_t *r, varlb_trial_t *t, const varlb_spec_t *s,
                   const varlb__trial_geom_t *g, const varlb_channel_opts_t *o,
                   const char *half, char *const *proto, const char *fields,
                   const varlb_half_file_t *in, size_t n_in, const char *const *out,
                   size_t n_out)
{
  half_cmd_t c;
  memset (r, 0, sizeof *r);
  int st = half_cmd (&c, s, g, o, half, proto);
  if (st == VARLB_OK)
    {
      varlb_half_spec_t h = { .label = half, .argv = c.argv, .n_in = n_in, .n_out = n_out,
                              .env = c.env, .expose = (const char *const *) c.expose,
                              .calibration = calibration_dir (s) };
      for (size_t i = 0; i < n_in; i++)
        h.in[i] = in[i];
      for (size_t i = 0; i < n_out; i++)
        h.out[i] = out[i];
      char shape[96] = "";
      if (g->m)
        snprintf (shape, sizeof shape, ", \"layers\": %zu, \"heads\": %zu", g->layers,
                  g->heads);
      st = s->kind == VARLB_SPEC_SERVE ? serve_request (r, s, &h, g->h0, shape, fields, o)
                                       : varlb__half_run (r, &h, o);
    }
  half_cmd_clear (&c);
  char *tail = strcmp (half, "compress") == 0 ? t->stderr_compress : t->stderr_answer;
  snprintf (tail, 512, "%s", r->stderr_tail);
  if (st == VARLB_EUNSUPPORTED || (st != VARLB_OK && r->why[0]))
    varlb__trial_fail (t, st, r->why);
  else if (st == VARLB_OK && r->status != VARLB_OK)
    varlb__trial_fail_half (t, r);
  return st;
}
