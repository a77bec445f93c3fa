/* channel.c -- the compressors a trial can run (README, "Threat model"; doc/ARCHITECTURE.md, the path of one trial):
 * specs naming a built-in (compressors/registry.c), a C plug-in or an
 * external program, their probes and provenance, and the channel's options
 * (a whole model's specs build on these, model_channel.c).  A plug-in is never loaded into the
 * judge: its name, knobs and calibration come from a probe run as a
 * sandboxed half (src/sandbox/); it is loaded only inside a half's process.
 * The trial itself is trial.c; result rows, rows.c. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sodium.h>
#include "channel.h"
#include "text.h"
#include "trial.h"

/* --------------------------------------------------------------- specs */

/* The calibration note of a built-in or locally loaded compressor. */
static const char *
calibration_of (const varlb_compressor_t *c, const varlb_knobs_t *k)
{
  return c->calibration ? c->calibration (k) : c->free_calibration;
}

/* NAME[:k=v,...] or plugin:PATH[:k=v,...] split into its parts. */
static int
spec_parts (varlb_spec_t *s, const char *text, const char **knobs, char *why, size_t len)
{
  const char *colon;
  *knobs = "";
  if (strncmp (text, "plugin:", 7) == 0)
    {
      s->kind = VARLB_SPEC_PLUGIN;
      const char *p = text + 7;
      colon = strchr (p, ':');
      char *given = colon ? strndup (p, (size_t) (colon - p)) : strdup (p);
      if (given == NULL)
        return VARLB_ENOMEM;
      *knobs = colon ? colon + 1 : "";
      /* Absolute, because the halves run elsewhere; and a path, because
         dlopen would search the library path for a bare name. */
      s->path = realpath (given, NULL);
      if (s->path == NULL)
        {
          snprintf (why, len, "plugin %s: %s", given, strerror (errno));
          free (given);
          return VARLB_EINVAL;
        }
      free (given);
    }
  else
    {
      s->kind = VARLB_SPEC_BUILTIN;
      colon = strchr (text, ':');
      s->name = colon ? strndup (text, (size_t) (colon - text)) : strdup (text);
      if (s->name == NULL)
        return VARLB_ENOMEM;
      *knobs = colon ? colon + 1 : "";
    }
  if ((s->knob_text = strdup (*knobs)) == NULL)
    return VARLB_ENOMEM;
  if (varlb_knobs_parse (&s->knobs, *knobs) != VARLB_OK)
    {
      snprintf (why, len, "%s: knobs must read k=v,k=v, got '%s'",
                s->name ? s->name : s->path, *knobs);
      return VARLB_EINVAL;
    }
  return VARLB_OK;
}

static int
spec_exec (varlb_spec_t *s, const char *text, char *why, size_t len)
{
  int serve = strncmp (text, "serve:", 6) == 0;
  s->kind = serve ? VARLB_SPEC_SERVE : VARLB_SPEC_EXEC;
  s->path = strdup (text + (serve ? 6 : 5));
  s->knob_text = strdup ("");
  s->name = strdup (text);
  if (s->path == NULL || s->knob_text == NULL || s->name == NULL)
    return VARLB_ENOMEM;
  if (s->path[0] == '\0')
    {
      snprintf (why, len, "%s: needs a command, e.g. %s:'python3 /path/prog.py'",
                serve ? "serve" : "exec", serve ? "serve" : "exec");
      return VARLB_EINVAL;
    }
  /* The command runs in a private directory: a file named relative to
     the current directory is named absolutely (and so shown read-only to
     the halves, trial.c), any other relative path refused. */
  char *resolved;
  int st = varlb__command_resolve (&resolved, s->path, serve ? "serve" : "exec", why, len);
  if (st == VARLB_OK)
    {
      free (s->path);
      s->path = resolved;
    }
  return st;
}

/* S's knobs checked against its compressor, and the calibration they imply
   noted: a built-in's and a plug-in's alike. */
static int
spec_knobs (varlb_spec_t *s, char *why, size_t len)
{
  int st = varlb_knobs_check (s->c, &s->knobs, why, len);
  const char *note = st == VARLB_OK ? calibration_of (s->c, &s->knobs) : NULL;
  if (note && (s->calibration = strdup (note)) == NULL)
    return VARLB_ENOMEM;
  return st;
}

static int
spec_builtin (varlb_spec_t *s, char *why, size_t len)
{
  s->c = varlb_compressor_find (s->name);
  if (s->c == NULL)
    {
      snprintf (why, len, "unknown compressor '%s' (see 'varlb list')", s->name);
      return VARLB_EINVAL;
    }
  return spec_knobs (s, why, len);
}

/* Load the plug-in into this process: only ever inside a half. */
static int
spec_load (varlb_spec_t *s, char *why, size_t len)
{
  s->dl = dlopen (s->path, RTLD_NOW | RTLD_LOCAL);
  if (s->dl == NULL)
    {
      snprintf (why, len, "plugin %s: cannot load: %s", s->path, dlerror ());
      return VARLB_EINVAL;
    }
  s->c = dlsym (s->dl, VARLB_COMPRESSOR_SYMBOL);
  if (s->c == NULL)
    {
      snprintf (why, len, "plugin %s: no symbol %s", s->path, VARLB_COMPRESSOR_SYMBOL);
      return VARLB_EINVAL;
    }
  if (s->c->abi != VARLB_COMPRESSOR_ABI || s->c->name == NULL
      || s->c->compress == NULL || s->c->answer == NULL)
    {
      snprintf (why, len, "plugin %s: interface version %d, this varlb speaks %d "
                "(or a half is missing)", s->path, s->c->abi, VARLB_COMPRESSOR_ABI);
      return VARLB_EINVAL;
    }
  free (s->name);
  if ((s->name = strdup (s->c->name)) == NULL)
    return VARLB_ENOMEM;
  return spec_knobs (s, why, len);
}

int
varlb_spec_init_local (varlb_spec_t *s, const char *text, char *why, size_t len)
{
  memset (s, 0, sizeof *s);
  varlb_knobs_init (&s->knobs);
  if ((s->text = strdup (text)) == NULL)
    return VARLB_ENOMEM;
  if (strncmp (text, "exec:", 5) == 0 || strncmp (text, "serve:", 6) == 0)
    return spec_exec (s, text, why, len);
  const char *knobs;
  int st = spec_parts (s, text, &knobs, why, len);
  if (st != VARLB_OK)
    return st;
  return s->kind == VARLB_SPEC_PLUGIN ? spec_load (s, why, len) : spec_builtin (s, why, len);
}

const char *
varlb__probe_value (const char *text, const char *key, char *buf, size_t len)
{
  size_t k = strlen (key);
  for (const char *p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, key, k) == 0 && p[k] == '\t')
      {
        const char *v = p + k + 1, *e = strchr (v, '\n');
        size_t n = e ? (size_t) (e - v) : strlen (v);
        snprintf (buf, len, "%.*s", (int) (n < len ? n : len - 1), v);
        varlb__utf8_sanitize (buf);
        return buf;
      }
  return NULL;
}

int
varlb_spec_probe (char **report, const char *plugin_spec, const varlb_channel_opts_t *o,
                  char *why, size_t len)
{
  return varlb__spec_probe (report, plugin_spec, 0, o, why, len);
}

int
varlb__spec_probe (char **report, const char *plugin_spec, int model,
                   const varlb_channel_opts_t *o, char *why, size_t len)
{
  *report = NULL;
  char *expose[2] = { NULL, NULL };
  const char *p = plugin_spec + 7, *colon = strchr (p, ':');
  char *path = colon ? strndup (p, (size_t) (colon - p)) : strdup (p), *slash;
  if (path == NULL)
    return VARLB_ENOMEM;
  expose[0] = path; /* the plug-in itself, not its folder (a model's: its folder) */
  if (model && (slash = strrchr (path, '/')) != NULL && slash != path)
    *slash = '\0';
  varlb_channel_opts_t po = *o;
  if (po.timeout_s <= 0 || po.timeout_s > 30)
    po.timeout_s = 30; /* loading and describing itself takes no longer */
  const char *exe = o->half_exe ? o->half_exe : VARLB_BINDIR "/varlb";
  char *argv[8];
  size_t n = 0;
  argv[n++] = (char *) exe;
  argv[n++] = "__probe";
  if (model)
    argv[n++] = "--model";
  argv[n++] = "--spec";
  argv[n++] = (char *) plugin_spec;
  argv[n++] = "--out";
  argv[n++] = "PROBE";
  argv[n] = NULL;
  varlb_half_spec_t h = { .label = "probe", .argv = argv, .n_out = 1, .out = { "PROBE" },
                          .expose = (const char *const *) expose };
  varlb_half_result_t r;
  int st = varlb__half_run (&r, &h, &po);
  free (path);
  if (r.status != VARLB_OK || r.out_state[0] != VARLB_HALF_FILE_OK)
    {
      snprintf (why, len, "plugin %.*s: the sandboxed probe failed: %s%s%s",
                (int) (model && colon ? (size_t) (colon - p) : strlen (p)), p,
                r.status != VARLB_OK ? r.why : "it wrote no report",
                r.stderr_tail[0] ? ": " : "", r.stderr_tail);
      varlb__half_result_clear (&r);
      return st == VARLB_OK || st == VARLB_ECOMPRESSOR ? VARLB_EINVAL : st;
    }
  *report = malloc (r.out_len[0] + 1);
  if (*report == NULL)
    {
      varlb__half_result_clear (&r);
      return VARLB_ENOMEM;
    }
  memcpy (*report, r.out[0], r.out_len[0]);
  (*report)[r.out_len[0]] = '\0';
  varlb__half_result_clear (&r);
  return VARLB_OK;
}

void
varlb__add_digest (char **out, const char *path)
{
  struct stat sb;
  if (stat (path, &sb) != 0 || !S_ISREG (sb.st_mode))
    return;
  FILE *f = fopen (path, "rbe");
  if (f == NULL)
    return;
  crypto_hash_sha256_state st;
  unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
  size_t n;
  crypto_hash_sha256_init (&st);
  while ((n = fread (buf, 1, sizeof buf, f)) > 0)
    crypto_hash_sha256_update (&st, buf, n);
  fclose (f);
  crypto_hash_sha256_final (&st, h);
  char hex[2 * sizeof h + 1], *next;
  sodium_bin2hex (hex, sizeof hex, h, sizeof h);
  if (asprintf (&next, "%s%s%s sha256:%s", *out ? *out : "", *out ? "; " : "", path, hex) >= 0)
    {
      free (*out);
      *out = next;
    }
}

/* What a spec runs, recorded in every row (issue: provenance): a built-in's
   library version; a plug-in's path and digest; the digest of every file an
   external command names and the first line it prints for --version, asked
   in a sandbox like any half. */
static int
spec_provenance (varlb_spec_t *s, const varlb_channel_opts_t *o)
{
  char *p = NULL;
  if (s->kind == VARLB_SPEC_BUILTIN)
    {
      const char *v = s->c ? varlb_compressor_provenance (s->c) : NULL;
      if (asprintf (&p, "%s", v ? v : "varlb " VARLB_VERSION_STRING) < 0)
        return VARLB_ENOMEM;
    }
  else if (s->kind == VARLB_SPEC_PLUGIN)
    varlb__add_digest (&p, s->path);
  else
    {
      for (const char *w = s->path; *w;)
        {
          w += strspn (w, " \t'\"");
          size_t n = strcspn (w, " \t'\"");
          if (n > 1 && w[0] == '/')
            {
              char *path = strndup (w, n);
              if (path)
                varlb__add_digest (&p, path);
              free (path);
            }
          w += n;
        }
      char *script = NULL;
      if (asprintf (&script, "%s --version >VERSION 2>/dev/null </dev/null", s->path) >= 0)
        {
          char *argv[] = { "/bin/sh", "-c", script, NULL }, *dirs[16] = { NULL };
          /* The paths the command names, as its halves see them. */
          varlb__named_paths (dirs, 15, s->path);
          varlb_half_spec_t h = { .label = "version", .argv = argv, .n_out = 1,
                                  .out = { "VERSION" }, .expose = (const char *const *) dirs };
          varlb_channel_opts_t vo = *o;
          vo.timeout_s = vo.timeout_s < 10 ? vo.timeout_s : 10;
          varlb_half_result_t r;
          if (varlb__half_run (&r, &h, &vo) == VARLB_OK && r.status == VARLB_OK
              && r.out_state[0] == VARLB_HALF_FILE_OK && r.out_len[0] > 0)
            {
              char line[200];
              size_t k = 0;
              while (k < r.out_len[0] && k + 1 < sizeof line && r.out[0][k] != '\n')
                {
                  line[k] = r.out[0][k] < 0x20 ? ' ' : (char) r.out[0][k];
                  k++;
                }
              line[k] = '\0';
              varlb__utf8_sanitize (line);
              char *next;
              if (line[0] && asprintf (&next, "%s%s--version: %s", p ? p : "", p ? "; " : "", line) >= 0)
                {
                  free (p);
                  p = next;
                }
            }
          varlb__half_result_clear (&r);
          for (size_t i = 0; i < 16; i++)
            free (dirs[i]);
          free (script);
        }
    }
  s->provenance = p;
  return VARLB_OK;
}

/* A sandboxed half is shown the paths its command names: none may lie
   beside varlb's outputs (README, "Threat model": the view). */
static int
near_outputs (const char *command, const varlb_channel_opts_t *o, char *why, size_t len)
{
  return o->isolation == VARLB_ISOLATION_SANDBOX && varlb__named_near_outputs (command, why, len);
}

int
varlb_spec_init_opts (varlb_spec_t *s, const char *text, const varlb_channel_opts_t *o,
                      char *why, size_t len)
{
  if (strncmp (text, "plugin:", 7) != 0)
    {
      int st = varlb_spec_init_local (s, text, why, len);
      if (st == VARLB_OK && s->kind != VARLB_SPEC_BUILTIN && near_outputs (s->path, o, why, len))
        return VARLB_EINVAL;
      return st == VARLB_OK ? spec_provenance (s, o) : st;
    }
  memset (s, 0, sizeof *s);
  varlb_knobs_init (&s->knobs);
  if ((s->text = strdup (text)) == NULL)
    return VARLB_ENOMEM;
  const char *knobs;
  int st = spec_parts (s, text, &knobs, why, len);
  if (st != VARLB_OK)
    return st;
  if (near_outputs (s->path, o, why, len))
    return VARLB_EINVAL;
  /* Resolved path, same knobs: what the halves will load. */
  char *canon, *report;
  if (asprintf (&canon, "plugin:%s%s%s", s->path, knobs[0] ? ":" : "", knobs) < 0)
    return VARLB_ENOMEM;
  st = varlb_spec_probe (&report, canon, o, why, len);
  free (canon);
  if (st != VARLB_OK)
    return st;
  st = varlb__spec_from_probe (s, report, why, len);
  free (report);
  return st == VARLB_OK ? spec_provenance (s, o) : st;
}

int
varlb__spec_from_probe (varlb_spec_t *s, const char *report, char *why, size_t len)
{
  char buf[512];
  const char *check = varlb__probe_value (report, "check", buf, sizeof buf);
  if (check == NULL || strcmp (check, "ok") != 0)
    {
      snprintf (why, len, "%s", check ? check : "the plug-in's probe gave no verdict");
      return VARLB_EINVAL;
    }
  if (varlb__probe_value (report, "name", buf, sizeof buf) && (s->name = strdup (buf)) == NULL)
    return VARLB_ENOMEM;
  if (varlb__probe_value (report, "calibration", buf, sizeof buf)
      && (s->calibration = strdup (buf)) == NULL)
    return VARLB_ENOMEM;
  return VARLB_OK;
}

int
varlb_spec_init (varlb_spec_t *s, const char *text, char *why, size_t len)
{
  varlb_channel_opts_t o;
  varlb_channel_opts_init (&o);
  return varlb_spec_init_opts (s, text, &o, why, len);
}

void
varlb_spec_clear (varlb_spec_t *s)
{
  varlb__spec_private_free (s->priv);
  varlb_knobs_clear (&s->knobs);
  free (s->text);
  free (s->path);
  free (s->knob_text);
  free (s->name);
  free (s->calibration);
  free (s->provenance);
  /* A plug-in loaded into a half stays loaded: its static data may still be
     referenced (names, notes) until the half exits. */
  memset (s, 0, sizeof *s);
}

/* ------------------------------------------------ what a spec keeps */

struct varlb_spec_private *
varlb__spec_private (varlb_spec_t *s)
{
  if (s->priv == NULL)
    {
      s->priv = calloc (1, sizeof *s->priv);
      if (s->priv == NULL)
        return NULL;
      varlb__worker_init (&s->priv->half[0]);
      varlb__worker_init (&s->priv->half[1]);
      s->priv->calibration_lock = -1;
    }
  return s->priv;
}

varlb_worker_t *
varlb__serve_worker (varlb_spec_t *s, int answer)
{
  struct varlb_spec_private *v = varlb__spec_private (s);
  return v ? &v->half[answer != 0] : NULL;
}

void
varlb__spec_private_free (struct varlb_spec_private *v)
{
  if (v == NULL)
    return;
  varlb__worker_stop (&v->half[0]);
  varlb__worker_stop (&v->half[1]);
  varlb__private_dir_remove (v->calibration_dir, v->calibration_lock);
  free (v);
}

/* ---------------------------------------------------------- calibration */

int
varlb_spec_calibrate (varlb_spec_t *s, uint64_t seed, const varlb_channel_opts_t *o,
                      char *why, size_t len)
{
  if (s->kind == VARLB_SPEC_BUILTIN)
    return VARLB_OK;
  struct varlb_spec_private *v = varlb__spec_private (s);
  if (v == NULL)
    return VARLB_ENOMEM;
  char seedtext[32], *script = NULL, *spec = NULL, *dirs[16] = { NULL };
  snprintf (seedtext, sizeof seedtext, "%llu", (unsigned long long) seed);
  const char *exe = o->half_exe ? o->half_exe : VARLB_BINDIR "/varlb";
  char *argv[16];
  size_t n = 0;
  if (s->kind == VARLB_SPEC_PLUGIN)
    {
      if (asprintf (&spec, "plugin:%s%s%s", s->path, s->knob_text[0] ? ":" : "", s->knob_text) < 0)
        return VARLB_ENOMEM;
      argv[n++] = (char *) exe;
      argv[n++] = "__calibrate";
      argv[n++] = "--spec";
      argv[n++] = spec;
      char *slash = strdup (s->path), *cut = slash ? strrchr (slash, '/') : NULL;
      if (cut && cut != slash)
        *cut = '\0';
      dirs[0] = slash;
    }
  else
    {
      if (asprintf (&script, "%s \"$@\"", s->path) < 0)
        return VARLB_ENOMEM;
      argv[n++] = "/bin/sh";
      argv[n++] = "-c";
      argv[n++] = script;
      argv[n++] = "varlb-compressor";
      argv[n++] = "calibrate";
      varlb__named_paths (dirs, 15, s->path);
    }
  argv[n++] = "--seed";
  argv[n++] = seedtext;
  argv[n++] = "--out";
  argv[n++] = "CALIB";
  argv[n] = NULL;
  varlb_half_spec_t h = { .label = "calibrate", .argv = argv, .n_out = 1, .out = { "CALIB/" },
                          .expose = (const char *const *) dirs };
  varlb_channel_opts_t co = *o;
  co.timeout_s = o->calibrate_timeout_s > 0 ? o->calibrate_timeout_s : 600;
  if (co.max_file_bytes == 0)
    co.max_file_bytes = 256ULL << 20;
  varlb_half_result_t r;
  double t0 = 0;
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  t0 = (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
  int st = varlb__half_run (&r, &h, &co);
  free (script);
  free (spec);
  for (size_t i = 0; i < 16; i++)
    free (dirs[i]);
  if (st == VARLB_OK && r.status != VARLB_OK)
    {
      snprintf (why, len, "%s%s%s", r.why, r.stderr_tail[0] ? ": " : "", r.stderr_tail);
      st = VARLB_ECOMPRESSOR;
    }
  else if (st != VARLB_OK)
    snprintf (why, len, "calibrate: %s", r.why[0] ? r.why : varlb_strerror (st));
  else if (r.out_state[0] == VARLB_HALF_FILE_MISSING)
    ; /* nothing to keep */
  else if (r.out_state[0] != VARLB_HALF_FILE_OK)
    {
      snprintf (why, len, "calibrate: CALIB is not a directory within the file limit");
      st = VARLB_ECOMPRESSOR;
    }
  else
    {
      st = varlb__private_dir (v->calibration_dir, sizeof v->calibration_dir, "calibration",
                               &v->calibration_lock);
      if (st == VARLB_OK
          && varlb__unpack_dir (v->calibration_dir, r.out[0], r.out_len[0]) != VARLB_OK)
        {
          snprintf (why, len, "calibrate: the calibration directory could not be kept");
          st = VARLB_ECOMPRESSOR;
        }
      if (st == VARLB_OK)
        {
          unsigned char hsh[crypto_hash_sha256_BYTES];
          char hex[2 * sizeof hsh + 1], *note = NULL;
          crypto_hash_sha256 (hsh, r.out[0], r.out_len[0]);
          sodium_bin2hex (hex, sizeof hex, hsh, sizeof hsh);
          clock_gettime (CLOCK_MONOTONIC, &ts);
          double secs = (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec - t0;
          if (asprintf (&note, "calibrated before any instance (public seed %llu, %.3g s): "
                        "directory sha256:%s%s%s", (unsigned long long) seed, secs, hex,
                        s->calibration ? "; " : "", s->calibration ? s->calibration : "") < 0)
            st = VARLB_ENOMEM;
          else
            {
              free (s->calibration);
              s->calibration = note;
            }
        }
    }
  varlb__half_result_clear (&r);
  return st;
}
