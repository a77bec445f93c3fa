/* channel.c -- the one-way channel (DESIGN.md "the game"): Alice's half of a
 * compressor runs in a child process and leaves a blob; bits charged are
 * 8 x its length, measured here; Bob's half runs in a fresh process with
 * only the blob, the public seed, the knobs, the public schedule and the
 * queries, in a private directory.  Every way a compressor can misbehave
 * ends the trial with a reason, never the run. */
#define _GNU_SOURCE 1 /* asprintf, strsignal */
#include <config.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "varlb.h"

/* ------------------------------------------------------------ registry */

#define VARLB_BUILTIN(sym) extern const varlb_compressor_t sym;
#include "compressors/core.def"
#include "compressors/zoo.def"
#undef VARLB_BUILTIN

static const varlb_compressor_t *const builtins[] = {
#define VARLB_BUILTIN(sym) &sym,
#include "compressors/core.def"
#include "compressors/zoo.def"
#undef VARLB_BUILTIN
};

size_t
varlb_compressor_count (void)
{
  return sizeof builtins / sizeof *builtins;
}

const varlb_compressor_t *
varlb_compressor_at (size_t i)
{
  return i < varlb_compressor_count () ? builtins[i] : NULL;
}

const varlb_compressor_t *
varlb_compressor_find (const char *name)
{
  for (size_t i = 0; i < varlb_compressor_count (); i++)
    if (strcmp (builtins[i]->name, name) == 0)
      return builtins[i];
  return NULL;
}

/* --------------------------------------------------------------- specs */

int
varlb_spec_init (varlb_spec_t *s, const char *text, char *why, size_t len)
{
  memset (s, 0, sizeof *s);
  varlb_knobs_init (&s->knobs);
  s->text = strdup (text);
  if (s->text == NULL)
    return VARLB_ENOMEM;
  const char *knobs = "";
  if (strncmp (text, "exec:", 5) == 0)
    {
      s->kind = VARLB_SPEC_EXEC;
      s->path = strdup (text + 5);
      s->knob_text = strdup ("");
      if (s->path == NULL || s->knob_text == NULL)
        return VARLB_ENOMEM;
      if (s->path[0] == '\0')
        {
          snprintf (why, len, "exec: needs a command, e.g. exec:'python3 /path/prog.py'");
          return VARLB_EINVAL;
        }
      return VARLB_OK;
    }
  if (strncmp (text, "plugin:", 7) == 0)
    {
      s->kind = VARLB_SPEC_PLUGIN;
      const char *p = text + 7, *colon = strchr (p, ':');
      s->path = colon ? strndup (p, (size_t) (colon - p)) : strdup (p);
      knobs = colon ? colon + 1 : "";
      if (s->path == NULL)
        return VARLB_ENOMEM;
      /* dlopen searches the library path for a bare name: insist on a path. */
      /* Absolute, because Bob's process runs in another directory. */
      char *full = realpath (s->path, NULL);
      if (full == NULL)
        {
          snprintf (why, len, "plugin %s: %s", s->path, strerror (errno));
          return VARLB_EINVAL;
        }
      free (s->path);
      s->path = full;
      s->dl = dlopen (full, RTLD_NOW | RTLD_LOCAL);
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
    }
  else
    {
      s->kind = VARLB_SPEC_BUILTIN;
      const char *colon = strchr (text, ':');
      char *name = colon ? strndup (text, (size_t) (colon - text)) : strdup (text);
      if (name == NULL)
        return VARLB_ENOMEM;
      knobs = colon ? colon + 1 : "";
      s->c = varlb_compressor_find (name);
      if (s->c == NULL)
        {
          snprintf (why, len, "unknown compressor '%s' (see 'varlb list')", name);
          free (name);
          return VARLB_EINVAL;
        }
      free (name);
    }
  s->knob_text = strdup (knobs);
  if (s->knob_text == NULL)
    return VARLB_ENOMEM;
  if (varlb_knobs_parse (&s->knobs, knobs) != VARLB_OK)
    {
      snprintf (why, len, "%s: knobs must read k=v,k=v, got '%s'", s->c->name, knobs);
      return VARLB_EINVAL;
    }
  return varlb_knobs_check (s->c, &s->knobs, why, len);
}

void
varlb_spec_clear (varlb_spec_t *s)
{
  varlb_knobs_clear (&s->knobs);
  free (s->text);
  free (s->path);
  free (s->knob_text);
  /* Plug-ins stay loaded: a compressor's static data may still be
     referenced by result rows (names, calibration notes). */
  memset (s, 0, sizeof *s);
}

void
varlb_channel_opts_init (varlb_channel_opts_t *o)
{
  o->timeout_s = 60.0;
  o->answer_exe = NULL;
  o->keep_blob = NULL;
  o->sample = 0;
  o->max_file_bytes = 0;
}

/* ------------------------------------------------------- child processes */

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static void remove_tree (const char *dir);

/* Interrupted during a trial (Ctrl-C, kill, a closed pipe): the compressor
   runs in its own process group, out of reach of the terminal's signals,
   and the trial directory holds K, V and the queries.  While a trial runs,
   signals whose disposition is the default are caught: the handler kills
   the running half's group, removes the directory and dies of the same
   signal.  Handlers the host program installed are left alone. */
static const int trial_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT };
#define N_TRIAL_SIGNALS (sizeof trial_signals / sizeof *trial_signals)
static volatile sig_atomic_t trial_child;  /* pid of the running half, or 0 */
static char trial_root[4096];              /* the trial directory, or "" */
static struct sigaction trial_saved[N_TRIAL_SIGNALS];
static int trial_caught[N_TRIAL_SIGNALS];

static void
trial_signal (int sig)
{
  pid_t pid = (pid_t) trial_child;
  if (pid > 0)
    {
      kill (-pid, SIGKILL);
      kill (pid, SIGKILL);
    }
  if (trial_root[0])
    remove_tree (trial_root); /* not async-signal-safe in theory; we die next */
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
trial_signals_catch (const char *root)
{
  snprintf (trial_root, sizeof trial_root, "%s", root);
  for (size_t i = 0; i < N_TRIAL_SIGNALS; i++)
    {
      trial_caught[i] = 0;
      if (sigaction (trial_signals[i], NULL, &trial_saved[i]) == 0
          && !(trial_saved[i].sa_flags & SA_SIGINFO) && trial_saved[i].sa_handler == SIG_DFL)
        {
          struct sigaction sa;
          memset (&sa, 0, sizeof sa);
          sa.sa_handler = trial_signal;
          sigemptyset (&sa.sa_mask);
          trial_caught[i] = sigaction (trial_signals[i], &sa, NULL) == 0;
        }
    }
}

static void
trial_signals_release (void)
{
  for (size_t i = 0; i < N_TRIAL_SIGNALS; i++)
    if (trial_caught[i])
      sigaction (trial_signals[i], &trial_saved[i], NULL);
  trial_root[0] = '\0';
}

/* Wait for PID (the leader of its own process group) at most TIMEOUT
   seconds; on timeout kill the group.  Describe any failure in WHY. */
static int
wait_child (pid_t pid, double timeout, const char *half, char *why, size_t len)
{
  double end = now_s () + timeout;
  int status;
  trial_child = pid;
  for (;;)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        break;
      if (r < 0 && errno != EINTR)
        {
          snprintf (why, len, "%s: lost the child process: %s", half, strerror (errno));
          trial_child = 0;
          return VARLB_ECOMPRESSOR;
        }
      if (now_s () > end)
        {
          kill (-pid, SIGKILL);
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          trial_child = 0;
          snprintf (why, len, "%s: timed out after %g s (killed)", half, timeout);
          return VARLB_ETIMEOUT;
        }
      struct timespec ts = { 0, 2000000 };
      nanosleep (&ts, NULL);
    }
  /* Reap anything the compressor left in its group. */
  kill (-pid, SIGKILL);
  trial_child = 0;
  if (WIFSIGNALED (status))
    {
      snprintf (why, len, "%s: crashed (signal %d, %s)", half, WTERMSIG (status),
                strsignal (WTERMSIG (status)));
      return VARLB_ECOMPRESSOR;
    }
  if (WEXITSTATUS (status) != 0)
    {
      int code = WEXITSTATUS (status);
      /* An external program runs under /bin/sh, which reports a child
         killed by signal S as status 128 + S: name the signal. */
      if (code > 128 && code < 128 + NSIG)
        snprintf (why, len, "%s: exited with status %d (crashed: signal %d, %s)", half,
                  code, code - 128, strsignal (code - 128));
      else if (code == 127 || code == 126)
        /* /bin/sh's own codes for a command it could not start. */
        snprintf (why, len, "%s: exited with status %d (the shell %s)", half, code,
                  code == 127 ? "found no such command" : "could not execute the command");
      else
        snprintf (why, len, "%s: exited with status %d", half, code);
      return VARLB_ECOMPRESSOR;
    }
  return VARLB_OK;
}

/* In a child: own process group, stdin from /dev/null, stdout and stderr
   to ERRFILE, working directory DIR. */
static void
child_setup (const char *dir, const char *errfile, unsigned long long fsize)
{
  setpgid (0, 0);
  /* The parent's trial-cleanup handlers are not the child's business. */
  for (size_t i = 0; i < N_TRIAL_SIGNALS; i++)
    if (trial_caught[i])
      sigaction (trial_signals[i], &trial_saved[i], NULL);
  /* No file the compressor writes (blob, O.npy, its stderr) may grow past
     FSIZE: a runaway writer gets SIGXFSZ (reported as that crash) instead
     of filling the disk or varlb's memory. */
  struct rlimit rl = { (rlim_t) fsize, (rlim_t) fsize };
  setrlimit (RLIMIT_FSIZE, &rl);
  int nul = open ("/dev/null", O_RDONLY);
  if (nul >= 0)
    dup2 (nul, 0);
  int e = open (errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (e >= 0)
    {
      dup2 (e, 1);
      dup2 (e, 2);
    }
  if (chdir (dir) != 0)
    _exit (126);
}

static int
read_file (const char *path, unsigned char **data, size_t *len)
{
  FILE *f = fopen (path, "rb");
  *data = NULL;
  *len = 0;
  if (f == NULL)
    return VARLB_EIO;
  size_t cap = 0;
  for (;;)
    {
      if (*len == cap)
        {
          cap = cap ? cap * 2 : 4096;
          unsigned char *n = realloc (*data, cap);
          if (n == NULL)
            {
              fclose (f);
              return VARLB_ENOMEM;
            }
          *data = n;
        }
      size_t got = fread (*data + *len, 1, cap - *len, f);
      *len += got;
      if (got == 0)
        break;
    }
  int bad = ferror (f);
  fclose (f);
  return bad ? VARLB_EIO : VARLB_OK;
}

static int
write_file (const char *path, const unsigned char *data, size_t len)
{
  FILE *f = fopen (path, "wb");
  if (f == NULL)
    return VARLB_EIO;
  int ok = fwrite (data, 1, len, f) == len;
  return fclose (f) == 0 && ok ? VARLB_OK : VARLB_EIO;
}

static void
remove_tree (const char *dir)
{
  DIR *d = opendir (dir);
  if (d)
    {
      struct dirent *e;
      char p[4096];
      while ((e = readdir (d)) != NULL)
        {
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          snprintf (p, sizeof p, "%s/%s", dir, e->d_name);
          struct stat sb;
          if (lstat (p, &sb) == 0 && S_ISDIR (sb.st_mode))
            remove_tree (p);
          else
            unlink (p);
        }
      closedir (d);
    }
  rmdir (dir);
}

/* An external program declares its free calibration (constants fitted
   before the instance was drawn) in one line of the file CALIBRATION beside
   its BLOB; it is recorded, marked as the program's own claim, and costs
   nothing (what answer needs of it must live in the program, not the file:
   Bob's directory never sees it). */
static void
declared_calibration (varlb_trial_t *t, const char *path)
{
  char line[400] = "";
  FILE *f = fopen (path, "r");
  if (f == NULL)
    return;
  if (fgets (line, sizeof line, f) == NULL)
    line[0] = '\0';
  fclose (f);
  line[strcspn (line, "\r\n")] = '\0';
  for (char *p = line; *p; p++)
    if ((unsigned char) *p < 0x20)
      *p = ' ';
  if (line[0])
    snprintf (t->calibration, sizeof t->calibration, "declared by the program: %s", line);
}

/* The last line(s) of a compressor's stderr, squeezed onto one line. */
static void
tail_of (const char *path, char *out, size_t len)
{
  unsigned char *d;
  size_t n;
  out[0] = '\0';
  if (read_file (path, &d, &n) != VARLB_OK)
    {
      free (d);
      return;
    }
  size_t start = n > len - 1 ? n - (len - 1) : 0, k = 0;
  for (size_t i = start; i < n && k + 1 < len; i++)
    out[k++] = d[i] == '\n' || d[i] == '\r' || d[i] == '\t' ? ' ' : (char) (d[i] < 32 ? '?' : d[i]);
  while (k > 0 && out[k - 1] == ' ')
    k--;
  out[k] = '\0';
  free (d);
}

/* A compressor's output must be a plain file: a FIFO would block varlb
   itself past every timeout, a directory or device is no blob. */
static int
plain_file (const char *path)
{
  struct stat sb;
  return lstat (path, &sb) == 0 && S_ISREG (sb.st_mode);
}

/* Alice's half of a built-in or plug-in: compress in a forked child, which
   writes the blob file and exits. */
static int
run_compress_inproc (const varlb_spec_t *s, const varlb_instance_t *in,
                     double budget, const char *dir, const char *blob_path,
                     const char *errfile, double timeout, unsigned long long fsize,
                     char *why, size_t len)
{
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    {
      snprintf (why, len, "compress: cannot fork: %s", strerror (errno));
      return VARLB_ECOMPRESSOR;
    }
  if (pid == 0)
    {
      child_setup (dir, errfile, fsize);
      varlb_blob_t b;
      varlb_blob_init (&b);
      int st = s->c->compress (&b, in->K, in->V, in->alice_tokens, in->d, in->d,
                               budget, in->public_seed, &s->knobs, &in->par.pyramid);
      if (st != VARLB_OK)
        {
          fprintf (stderr, "compress returned %d (%s)\n", st, varlb_strerror (st));
          _exit (3);
        }
      _exit (write_file (blob_path, b.data, b.len) == VARLB_OK ? 0 : 4);
    }
  return wait_child (pid, timeout, "compress", why, len);
}

/* Run /bin/sh -c 'COMMAND "$@"' with ARGS in DIR. */
static int
run_shell (const char *command, char *const args[], const char *dir,
           const char *errfile, double timeout, unsigned long long fsize, const char *half,
           char *why, size_t len)
{
  char *script;
  if (asprintf (&script, "%s \"$@\"", command) < 0)
    return VARLB_ENOMEM;
  char *argv[16];
  size_t n = 0;
  argv[n++] = (char *) "/bin/sh";
  argv[n++] = (char *) "-c";
  argv[n++] = script;
  argv[n++] = (char *) "varlb-compressor";
  for (size_t i = 0; args[i] && n < 15; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    {
      free (script);
      snprintf (why, len, "%s: cannot fork: %s", half, strerror (errno));
      return VARLB_ECOMPRESSOR;
    }
  if (pid == 0)
    {
      child_setup (dir, errfile, fsize);
      execv (argv[0], argv);
      _exit (127);
    }
  free (script);
  return wait_child (pid, timeout, half, why, len);
}

/* ------------------------------------------------------------- trials */

static void
trial_fail (varlb_trial_t *t, int status, const char *why)
{
  t->status = status;
  snprintf (t->error, sizeof t->error, "%s", why);
  t->verdict = VARLB_VERDICT_ERROR;
}

int
varlb_trial_run (varlb_trial_t *t, const varlb_instance_t *in,
                 const varlb_spec_t *s, double budget_bits,
                 const varlb_channel_opts_t *o)
{
  memset (t, 0, sizeof *t);
  snprintf (t->compressor, sizeof t->compressor, "%s", s->text);
  t->budget_bits = budget_bits;
  t->N = in->N;
  t->seed = in->par.seed;
  t->accuracy = t->ci_low = t->ci_high = NAN;
  t->fano_ceiling = t->trivial = t->bits_charged = NAN;
  t->witness_true = t->witness_returned = NAN;
  t->verdict = VARLB_VERDICT_ERROR;
  const char *note = s->c == NULL ? NULL
                     : s->c->calibration ? s->c->calibration (&s->knobs)
                     : s->c->free_calibration;
  snprintf (t->calibration, sizeof t->calibration, "%s", note ? note : "");
  double t0 = now_s ();
  char why[512] = "";
  /* The trial's directories live under $TMPDIR (default /tmp), private
     (mode 0700) and removed at the end whatever happened. */
  const char *tmpdir = getenv ("TMPDIR");
  char tmpl[3072];
  if (tmpdir == NULL || tmpdir[0] == '\0'
      || (size_t) snprintf (tmpl, sizeof tmpl, "%s/varlb-trial.XXXXXX", tmpdir) >= sizeof tmpl)
    snprintf (tmpl, sizeof tmpl, "/tmp/varlb-trial.XXXXXX");
  char *root = mkdtemp (tmpl);
  if (root == NULL)
    return VARLB_EIO;
  trial_signals_catch (root);
  char cdir[3200], adir[3200], blob[3200], ablob[3300], errc[3200], erra[3200], path[3300];
  snprintf (cdir, sizeof cdir, "%s/alice", root);
  snprintf (adir, sizeof adir, "%s/bob", root);
  snprintf (blob, sizeof blob, "%s/blob", root);
  snprintf (ablob, sizeof ablob, "%s/BLOB", adir);
  snprintf (errc, sizeof errc, "%s/stderr-compress", root);
  snprintf (erra, sizeof erra, "%s/stderr-answer", root);
  size_t m = o->sample && o->sample < in->alice_tokens ? o->sample : in->alice_tokens;
  size_t d = in->d;
  /* Auto: 16 times the cache at fp64 (no honest blob needs more), at least
     64 MiB. */
  unsigned long long raw = 8ULL * in->alice_tokens * 2 * d;
  unsigned long long fsize = o->max_file_bytes ? o->max_file_bytes
                             : 16 * raw > (64ULL << 20) ? 16 * raw : 64ULL << 20;
  size_t *idx = malloc (m * sizeof *idx);
  double *Q = malloc (m * d * sizeof *Q), *O = NULL;
  unsigned char *bdata = NULL;
  size_t blen = 0, orows = 0, ocols = 0;
  int st = (idx && Q) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && mkdir (cdir, 0700) != 0)
    st = VARLB_EIO;
  /* Bob's queries: every Alice token, or a uniform sample of them. */
  if (st == VARLB_OK)
    {
      if (m == in->alice_tokens)
        for (size_t i = 0; i < m; i++)
          idx[i] = i;
      else
        {
          gsl_rng *r = varlb_rng_secret (in->par.judge_key, in->par.seed, VARLB_STREAM_BOB);
          st = r ? varlb_multi_index_draw (idx, m, in->alice_tokens, r) : VARLB_ENOMEM;
          if (r)
            gsl_rng_free (r);
        }
    }
  if (st == VARLB_OK)
    st = varlb_instance_queries (Q, in, idx, m);
  if (st != VARLB_OK)
    goto out;

  /* Alice. */
  char budget[64], seed[32];
  snprintf (budget, sizeof budget, "%.17g", budget_bits);
  snprintf (seed, sizeof seed, "%llu", (unsigned long long) in->public_seed);
  int cst;
  if (s->kind == VARLB_SPEC_EXEC)
    {
      snprintf (path, sizeof path, "%s/K.npy", cdir);
      st = varlb_npy_write (path, in->K, in->alice_tokens, d);
      snprintf (path, sizeof path, "%s/V.npy", cdir);
      if (st == VARLB_OK)
        st = varlb_npy_write (path, in->V, in->alice_tokens, d);
      if (st != VARLB_OK)
        goto out;
      char *args[] = { "compress", "--keys", "K.npy", "--values", "V.npy", "--budget-bits",
                       budget, "--seed", seed, "--out", "BLOB", NULL };
      cst = run_shell (s->path, args, cdir, errc, o->timeout_s, fsize, "compress", why, sizeof why);
      snprintf (path, sizeof path, "%s/CALIBRATION", cdir);
      if (cst == VARLB_OK && plain_file (path))
        declared_calibration (t, path);
      snprintf (path, sizeof path, "%s/BLOB", cdir);
      if (cst == VARLB_OK && rename (path, blob) != 0)
        {
          cst = VARLB_ECOMPRESSOR;
          snprintf (why, sizeof why, "compress: wrote no blob (BLOB missing)");
        }
    }
  else
    {
      cst = run_compress_inproc (s, in, budget_bits, cdir, blob, errc, o->timeout_s, fsize,
                                 why, sizeof why);
      if (cst == VARLB_OK && access (blob, F_OK) != 0)
        {
          cst = VARLB_ECOMPRESSOR;
          snprintf (why, sizeof why, "compress: wrote no blob");
        }
    }
  /* Alice's files, K.npy and V.npy included, are gone before Bob runs. */
  remove_tree (cdir);
  tail_of (errc, t->stderr_tail, sizeof t->stderr_tail);
  /* So is her stderr: it sits beside Bob's directory and could carry the
     whole cache (tests/cli_attack.sh, misbehave.py peek). */
  unlink (errc);
  if (cst != VARLB_OK)
    {
      trial_fail (t, cst, why);
      goto out;
    }
  if (!plain_file (blob))
    {
      trial_fail (t, VARLB_ECOMPRESSOR, "compress: the blob is not a plain file");
      goto out;
    }
  if (read_file (blob, &bdata, &blen) != VARLB_OK)
    {
      trial_fail (t, VARLB_ECOMPRESSOR, "compress: blob unreadable");
      goto out;
    }
  /* The charge: 8 bits per byte of the blob, whatever the compressor says. */
  t->bits_charged = 8.0 * (double) blen;
  t->over_budget = t->bits_charged > budget_bits;
  if (o->keep_blob && write_file (o->keep_blob, bdata, blen) != VARLB_OK)
    {
      st = VARLB_EIO;
      goto out;
    }

  /* Bob, in a private directory holding only BLOB and Q.npy. */
  if (mkdir (adir, 0700) != 0 || write_file (ablob, bdata, blen) != VARLB_OK)
    {
      st = VARLB_EIO;
      goto out;
    }
  snprintf (path, sizeof path, "%s/Q.npy", adir);
  if ((st = varlb_npy_write (path, Q, m, d)) != VARLB_OK)
    goto out;
  int ast;
  if (s->kind == VARLB_SPEC_EXEC)
    {
      char *args[] = { "answer", "--blob", "BLOB", "--queries", "Q.npy", "--seed", seed,
                       "--out", "O.npy", NULL };
      ast = run_shell (s->path, args, adir, erra, o->timeout_s, fsize, "answer", why, sizeof why);
    }
  else
    {
      char sched[1024], dv[32], cmd[8192];
      varlb_pyramid_format (&in->par.pyramid, sched, sizeof sched);
      snprintf (dv, sizeof dv, "%zu", d);
      if (o->answer_exe == NULL)
        {
          trial_fail (t, VARLB_ECOMPRESSOR, "answer: no varlb binary to run Bob's half");
          goto out;
        }
      /* Re-run varlb itself: a fresh process image, so nothing of Alice's
         memory (K, V, the bits) reaches Bob. */
      char *spec_q = NULL;
      if (strchr (s->text, '\'') || strchr (s->path ? s->path : "", '\'')
          || strchr (o->answer_exe, '\''))
        {
          trial_fail (t, VARLB_ECOMPRESSOR, "answer: quotes in the compressor name or path");
          goto out;
        }
      if (s->kind == VARLB_SPEC_PLUGIN
          ? asprintf (&spec_q, "'%s' __answer --spec 'plugin:%s%s%s' --schedule %s --dv %s",
                      o->answer_exe, s->path, s->knob_text[0] ? ":" : "", s->knob_text,
                      sched, dv) < 0
          : asprintf (&spec_q, "'%s' __answer --spec '%s' --schedule %s --dv %s",
                      o->answer_exe, s->text, sched, dv) < 0)
        {
          st = VARLB_ENOMEM;
          goto out;
        }
      snprintf (cmd, sizeof cmd, "%s", spec_q);
      free (spec_q);
      char *args[] = { "--blob", "BLOB", "--queries", "Q.npy", "--seed", seed,
                       "--out", "O.npy", NULL };
      ast = run_shell (cmd, args, adir, erra, o->timeout_s, fsize, "answer", why, sizeof why);
    }
  char tail[256];
  tail_of (erra, tail, sizeof tail);
  if (tail[0])
    snprintf (t->stderr_tail, sizeof t->stderr_tail, "%s", tail);
  if (ast != VARLB_OK)
    {
      trial_fail (t, ast, why);
      goto out;
    }
  snprintf (path, sizeof path, "%s/O.npy", adir);
  if (access (path, F_OK) == 0 && !plain_file (path))
    {
      trial_fail (t, VARLB_ECOMPRESSOR, "answer: O.npy is not a plain file");
      goto out;
    }
  int rst = varlb_npy_read (path, &O, &orows, &ocols);
  if (rst != VARLB_OK)
    {
      trial_fail (t, VARLB_ECOMPRESSOR, rst == VARLB_EIO ? "answer: wrote no O.npy"
                  : "answer: O.npy is not a float64 little-endian C-order .npy");
      goto out;
    }
  if (orows != m || ocols != d)
    {
      snprintf (why, sizeof why, "answer: O.npy has shape (%zu, %zu), expected (%zu, %zu)",
                orows, ocols, m, d);
      trial_fail (t, VARLB_ECOMPRESSOR, why);
      goto out;
    }
  for (size_t i = 0; i < m * d; i++)
    if (!isfinite (O[i]))
      {
        snprintf (why, sizeof why, "answer: O.npy holds %s at row %zu, column %zu",
                  isnan (O[i]) ? "NaN" : "Inf", i / d, i % d);
        trial_fail (t, VARLB_ENUMERIC, why);
        goto out;
      }

  /* Decode and judge. */
  varlb_decode_report_t rep;
  varlb_decode_report_init (&rep);
  if ((st = varlb_instance_score (&rep, in, idx, m, O, NULL, NULL)) != VARLB_OK)
    goto out;
  t->bits_tested = rep.bits;
  t->correct = rep.correct;
  t->accuracy = (double) rep.correct / (double) rep.bits;
  varlb_clopper_pearson (&t->ci_low, &t->ci_high, rep.correct, rep.bits, 0.95);
  t->fano_ceiling = varlb_fano_ceiling (t->bits_charged, (double) in->N);
  t->trivial = varlb_trivial_accuracy (t->bits_charged, (double) in->N);
  t->verdict = varlb_verdict (rep.correct, rep.bits, t->bits_charged, (double) in->N);
  /* The (1 +- eta) rule compares with what answer is asked to estimate:
     exact softmax(Q K^T) V over the cache it was given (Alice's tokens). */
  double *exact = malloc (m * d * sizeof *exact);
  if (exact == NULL)
    {
      st = VARLB_ENOMEM;
      goto out;
    }
  if ((st = varlb_attention (exact, Q, m, in->K, in->V, in->alice_tokens, d, d, NULL, NULL,
                             NULL)) != VARLB_OK)
    {
      free (exact);
      goto out;
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
  if (rep.first_wrong_token != (size_t) -1)
    {
      size_t row = 0;
      while (idx[row] != rep.first_wrong_token)
        row++;
      /* The witness's reference is the reduction's own: the full cache,
         Bob's zero block included. */
      double *ofull = malloc (d * sizeof *ofull);
      if (ofull && varlb_attention_zero (ofull, Q + row * d, 1, in->K, in->V,
                                         in->alice_tokens, in->bob_rows, d, d, NULL,
                                         NULL, NULL) == VARLB_OK)
        {
          t->has_witness = 1;
          t->witness_token = rep.first_wrong_token;
          t->witness_coord = rep.first_wrong_col;
          t->witness_true = ofull[rep.first_wrong_col];
          t->witness_returned = O[row * d + rep.first_wrong_col];
        }
      free (ofull);
    }
  free (exact);
out:
  t->wall_s = now_s () - t0;
  free (idx);
  free (Q);
  free (O);
  free (bdata);
  remove_tree (root);
  trial_signals_release ();
  return st;
}

/* ---------------------------------------------------------- result rows */

/* Columns shared by JSON and CSV, in order. */
static const char *const columns[] = {
  "compressor", "budget_bits", "bits_charged", "N", "bits_tested", "correct",
  "accuracy", "ci_low", "ci_high", "fano_ceiling", "trivial", "verdict",
  "over_budget", "status", "error", "seed", "schedule", "d", "jl", "keys", "values",
  "C", "calibration", "witness_token", "witness_coord", "witness_true",
  "witness_returned", "eta", "approx_eta", "eta_violations", "wall_s", "stderr"
};
#define NCOLUMNS (sizeof columns / sizeof *columns)

enum { CELL_STR, CELL_NUM, CELL_INT, CELL_BOOL, CELL_NULL };

/* Column I of a row, as a kind and a value. */
static int
cell (const varlb_trial_t *t, const varlb_instance_t *in, size_t i, char *buf, size_t len)
{
  const varlb_params_t *p = &in->par;
  switch (i)
    {
    case 0: snprintf (buf, len, "%s", t->compressor); return CELL_STR;
    case 1: snprintf (buf, len, "%.17g", t->budget_bits); return CELL_NUM;
    case 2: snprintf (buf, len, "%.17g", t->bits_charged); return isfinite (t->bits_charged) ? CELL_NUM : CELL_NULL;
    case 3: snprintf (buf, len, "%zu", t->N); return CELL_INT;
    case 4: snprintf (buf, len, "%zu", t->bits_tested); return CELL_INT;
    case 5: snprintf (buf, len, "%zu", t->correct); return CELL_INT;
    case 6: snprintf (buf, len, "%.17g", t->accuracy); return isfinite (t->accuracy) ? CELL_NUM : CELL_NULL;
    case 7: snprintf (buf, len, "%.17g", t->ci_low); return isfinite (t->ci_low) ? CELL_NUM : CELL_NULL;
    case 8: snprintf (buf, len, "%.17g", t->ci_high); return isfinite (t->ci_high) ? CELL_NUM : CELL_NULL;
    case 9: snprintf (buf, len, "%.17g", t->fano_ceiling); return isfinite (t->fano_ceiling) ? CELL_NUM : CELL_NULL;
    case 10: snprintf (buf, len, "%.17g", t->trivial); return isfinite (t->trivial) ? CELL_NUM : CELL_NULL;
    case 11: snprintf (buf, len, "%s", t->verdict); return CELL_STR;
    case 12: snprintf (buf, len, "%s", t->over_budget ? "true" : "false"); return CELL_BOOL;
    case 13: snprintf (buf, len, "%s", t->status == VARLB_OK ? "ok" : varlb_strerror (t->status)); return CELL_STR;
    case 14: snprintf (buf, len, "%s", t->error); return CELL_STR;
    case 15: snprintf (buf, len, "%llu", (unsigned long long) t->seed); return CELL_INT;
    case 16: varlb_pyramid_format (&p->pyramid, buf, len); return CELL_STR;
    case 17: snprintf (buf, len, "%zu", in->d); return CELL_INT;
    case 18: snprintf (buf, len, "%s", varlb_jl_family_name (p->jl)); return CELL_STR;
    case 19: snprintf (buf, len, "%s", varlb_jl_norm_name (p->norm)); return CELL_STR;
    case 20: snprintf (buf, len, "%s", p->values == VARLB_VALUES_PM1 ? "pm1" : "01"); return CELL_STR;
    case 21: snprintf (buf, len, "%.17g", in->C); return CELL_NUM;
    case 22: snprintf (buf, len, "%s", t->calibration); return CELL_STR;
    case 23: snprintf (buf, len, "%zu", t->witness_token); return t->has_witness ? CELL_INT : CELL_NULL;
    case 24: snprintf (buf, len, "%zu", t->witness_coord); return t->has_witness ? CELL_INT : CELL_NULL;
    case 25: snprintf (buf, len, "%.17g", t->witness_true); return t->has_witness ? CELL_NUM : CELL_NULL;
    case 26: snprintf (buf, len, "%.17g", t->witness_returned); return t->has_witness ? CELL_NUM : CELL_NULL;
    case 27: snprintf (buf, len, "%.17g", p->eta); return CELL_NUM;
    case 28: snprintf (buf, len, "%.17g", t->approx_eta);
      return t->has_approx && isfinite (t->approx_eta) ? CELL_NUM : CELL_NULL;
    case 29: snprintf (buf, len, "%zu", t->eta_violations); return t->has_approx ? CELL_INT : CELL_NULL;
    case 30: snprintf (buf, len, "%.6f", t->wall_s); return isfinite (t->wall_s) ? CELL_NUM : CELL_NULL;
    default: snprintf (buf, len, "%s", t->stderr_tail); return CELL_STR;
    }
}

static void
json_str (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

void
varlb_trial_write_json (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in)
{
  char buf[1024];
  fputc ('{', f);
  for (size_t i = 0; i < NCOLUMNS; i++)
    {
      int kind = cell (t, in, i, buf, sizeof buf);
      fprintf (f, "%s\"%s\":", i ? "," : "", columns[i]);
      if (kind == CELL_STR)
        json_str (f, buf);
      else if (kind == CELL_NULL)
        fputs ("null", f);
      else
        fputs (buf, f);
    }
  fputs ("}\n", f);
}

void
varlb_trial_write_csv_header (FILE *f)
{
  for (size_t i = 0; i < NCOLUMNS; i++)
    fprintf (f, "%s%s", i ? "," : "", columns[i]);
  fputc ('\n', f);
}

void
varlb_trial_write_csv (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in)
{
  char buf[1024];
  for (size_t i = 0; i < NCOLUMNS; i++)
    {
      int kind = cell (t, in, i, buf, sizeof buf);
      if (i)
        fputc (',', f);
      if (kind == CELL_NULL)
        continue;
      if (kind == CELL_STR)
        {
          fputc ('"', f);
          for (const char *s = buf; *s; s++)
            {
              if (*s == '"')
                fputc ('"', f);
              fputc (*s == '\n' ? ' ' : *s, f);
            }
          fputc ('"', f);
        }
      else
        fputs (buf, f);
    }
  fputc ('\n', f);
}
