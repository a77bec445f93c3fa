/* host.c -- the host side of a one-shot half (sandbox.h): start varlb's
 * wrapper (`varlb __half`) in bubblewrap (the arguments: view.c) or, with
 * --no-sandbox, in a locked private host directory; inputs from memory
 * files, the resource limits (limit.c) set in the child, its own process
 * group killed on timeout or when the judge is signalled, the frames it
 * sends back read (frames.c); and whether a sandbox can be made here.
 * README, "Threat model".  It starts and waits; what a
 * half sees is view.c's, what runs inside is inside.c's.  The child it
 * spawns joins its worker's freezer group, takes a session keyring of its
 * own and drops to the half's reserved uid (uid.c) before it execs
 * bubblewrap; every sandboxed half holds the host-wide lock of halves
 * (coldcache.c) while it runs. */
#define _GNU_SOURCE 1
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "coldcache.h"
#include "frames.h"
#include "host.h"
#include "io.h"
#include "limit.h"
#include "uid.h"
#include "view.h"
#include "text.h"

/* ------------------------------------------------------ the command */

int
varlb__wrapper_args (varlb__strv_t *w, const varlb_half_spec_t *h, const varlb_channel_opts_t *o,
                     int serve)
{
  if (varlb__strv_push (w, varlb__half_exe (o), "__half", NULL)
      || (serve && varlb__strv_add (w, "--serve"))
      || varlb__strv_push (w, "--frames", "3", "--limit", NULL)
      || varlb__strv_addf (w, "%llu", varlb__file_limit (o)))
    return -1;
  /* A worker's agent is told what to collect with each request. */
  for (size_t i = 0; !serve && i < h->n_out; i++)
    if (varlb__strv_push (w, "--collect", h->out[i], NULL))
      return -1;
  if (varlb__strv_add (w, "--"))
    return -1;
  for (size_t i = 0; h->argv[i]; i++)
    if (varlb__strv_add (w, h->argv[i]))
      return -1;
  return 0;
}

/* -------------------------------------------------- the running half */

/* Interrupted during a half (Ctrl-C, kill, a closed pipe): the half runs in
   its own process group, out of reach of the terminal's signals.  While it
   runs, signals whose disposition is the default are caught: the handler
   kills the half's group (a sandbox then dies whole), removes its host
   directory (--no-sandbox) and dies of the same signal.  Handlers the host
   program installed are left alone. */
static const int half_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT };
#define N_HALF_SIGNALS (sizeof half_signals / sizeof *half_signals)
static volatile sig_atomic_t half_pid;
static char half_dir[4096];
static struct sigaction half_saved[N_HALF_SIGNALS];
static int half_caught[N_HALF_SIGNALS];

static void
half_signal (int sig)
{
  pid_t pid = (pid_t) half_pid;
  if (pid > 0)
    {
      kill (-pid, SIGKILL);
      kill (pid, SIGKILL);
    }
  if (half_dir[0])
    varlb__remove_tree (half_dir); /* not async-signal-safe in theory; we die next */
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
signals_catch (void)
{
  for (size_t i = 0; i < N_HALF_SIGNALS; i++)
    {
      half_caught[i] = 0;
      if (sigaction (half_signals[i], NULL, &half_saved[i]) == 0
          && !(half_saved[i].sa_flags & SA_SIGINFO) && half_saved[i].sa_handler == SIG_DFL)
        {
          struct sigaction sa;
          memset (&sa, 0, sizeof sa);
          sa.sa_handler = half_signal;
          sigemptyset (&sa.sa_mask);
          half_caught[i] = sigaction (half_signals[i], &sa, NULL) == 0;
        }
    }
}

static void
signals_release (void)
{
  for (size_t i = 0; i < N_HALF_SIGNALS; i++)
    if (half_caught[i])
      sigaction (half_signals[i], &half_saved[i], NULL);
  half_dir[0] = '\0';
}

void
varlb__half_watch (pid_t pid)
{
  half_pid = pid;
}

long
varlb__half_uid_of (const char *label, int sandbox, char *why, size_t len)
{
  return sandbox ? varlb__half_uid (strcmp (label, "answer") == 0, why, len) : 0;
}

pid_t
varlb__spawn (char *const *argv, char *const *envp, const char *dir, int errfd, int framefd,
              const int *infd, size_t n_in, int fd_first_in, const varlb__limits_t *l,
              const varlb__as_t *as)
{
  int nul = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (nul < 0)
    return -1;
  fflush (NULL);
  pid_t pid = fork ();
  if (pid != 0)
    {
      close (nul);
      return pid;
    }
  /* The child: only system calls from here on. */
  setpgid (0, 0);
  /* Into the worker's freezer group first (the group is root's, and its
     descriptor closes with the others below). */
  if (as && as->join_fd >= 0 && write (as->join_fd, "0", 1) != 1)
    _exit (125);
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  for (size_t i = 0; i < N_HALF_SIGNALS; i++)
    signal (half_signals[i], SIG_DFL);
  /* Move every descriptor we keep above the target numbers first. */
  int hi = fd_first_in + (int) n_in + 16;
  int e = fcntl (errfd, F_DUPFD, hi), f = fcntl (framefd, F_DUPFD, hi),
      n0 = fcntl (nul, F_DUPFD, hi);
  int moved[n_in ? n_in : 1];
  for (size_t i = 0; i < n_in; i++)
    moved[i] = fcntl (infd[i], F_DUPFD, hi);
  if (e < 0 || f < 0 || n0 < 0 || dup2 (n0, 0) < 0 || dup2 (e, 1) < 0 || dup2 (e, 2) < 0
      || dup2 (f, 3) < 0)
    _exit (125);
  for (size_t i = 0; i < n_in; i++)
    if (moved[i] < 0 || dup2 (moved[i], fd_first_in + (int) i) < 0)
      _exit (125);
  /* Everything else closes: the judge's files and whatever a library
     opened without close-on-exec. */
  int top = n_in ? fd_first_in + (int) n_in : 4;
  if (n_in && fd_first_in > 4)
    syscall (SYS_close_range, 4U, (unsigned) fd_first_in - 1, 0U);
  syscall (SYS_close_range, (unsigned) top, ~0U, 0U);
  setrlimit (RLIMIT_AS, &l->as);
  setrlimit (RLIMIT_CPU, &l->cpu);
  setrlimit (RLIMIT_FSIZE, &l->fsize);
  setrlimit (RLIMIT_NOFILE, &l->nofile);
  setrlimit (RLIMIT_CORE, &l->core);
  if (l->set_nproc)
    setrlimit (RLIMIT_NPROC, &l->nproc);
  /* A session keyring of its own (not the judge's, which a half would
     inherit), then the half's own uid for good. */
  if (as && as->keyring)
    syscall (SYS_keyctl, 1L /* KEYCTL_JOIN_SESSION_KEYRING */, 0L);
  if (as && as->uid > 0 && varlb__uid_become ((uid_t) as->uid) != 0)
    _exit (125);
  if (dir && chdir (dir) != 0)
    _exit (126);
  execve (argv[0], argv, envp);
  _exit (127);
}

/* Wait for the half's leader PID at most TIMEOUT seconds; on timeout kill
   its group. */
static int
wait_half (pid_t pid, double timeout, int *status, char *why, size_t len, const char *label)
{
  double end = varlb__now_s () + timeout;
  long nap = 100000; /* ns: short first, the common half is quick */
  half_pid = pid;
  for (;;)
    {
      pid_t r = waitpid (pid, status, WNOHANG);
      if (r == pid)
        break;
      if (r < 0 && errno != EINTR)
        {
          snprintf (why, len, "%s: lost the child process: %s", label, strerror (errno));
          half_pid = 0;
          return VARLB_ECOMPRESSOR;
        }
      if (varlb__now_s () > end)
        {
          kill (-pid, SIGKILL);
          kill (pid, SIGKILL);
          waitpid (pid, status, 0);
          half_pid = 0;
          snprintf (why, len, "%s: timed out after %g s (killed)", label, timeout);
          return VARLB_ETIMEOUT;
        }
      struct timespec ts = { 0, nap };
      nanosleep (&ts, NULL);
      if (nap < 4000000)
        nap *= 2;
    }
  /* Whatever the half left in its group goes too. */
  kill (-pid, SIGKILL);
  half_pid = 0;
  return VARLB_OK;
}

/* ------------------------------------------------------ host directory */

/* Directories of --no-sandbox halves (and of varlb 0.1's trials) whose
   owner is gone: each live one is held locked by its judge (flock on the
   directory), so one we can lock, older than a minute, is stale. */
static void
remove_stale_dirs (void)
{
  const char *root = varlb__tmp_root ();
  DIR *d = opendir (root);
  if (d == NULL)
    return;
  struct dirent *e;
  char p[4096];
  time_t now = time (NULL);
  while ((e = readdir (d)) != NULL)
    {
      if (strncmp (e->d_name, "varlb-half.", 11) != 0
          && strncmp (e->d_name, "varlb-trial.", 12) != 0
          && strncmp (e->d_name, "varlb-calibration.", 18) != 0
          && strncmp (e->d_name, "varlb-etc.", 10) != 0)
        continue;
      snprintf (p, sizeof p, "%s/%s", root, e->d_name);
      int fd = open (p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      struct stat sb;
      if (fd < 0)
        continue;
      if (fstat (fd, &sb) == 0 && sb.st_uid == getuid () && now - sb.st_mtime > 60
          && flock (fd, LOCK_EX | LOCK_NB) == 0)
        varlb__remove_tree (p);
      close (fd);
    }
  closedir (d);
}

static int
write_file_at (const char *dir, const char *name, const unsigned char *data, size_t len)
{
  char p[4096];
  snprintf (p, sizeof p, "%s/%s", dir, name);
  int fd = open (p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return VARLB_EIO;
  int st = varlb__write_all (fd, data, len) == 0 ? VARLB_OK : VARLB_EIO;
  return close (fd) == 0 ? st : VARLB_EIO;
}

/* --------------------------------------------------------------- run */

int
varlb_sandbox_available (char *why, size_t len)
{
  static int known = -1;
  static char reason[256];
  if (known < 0)
    {
      known = 0;
      if (access (BWRAP_PATH, X_OK) != 0)
        snprintf (reason, sizeof reason, "bubblewrap (%s) not found: install bubblewrap",
                  BWRAP_PATH);
      else
        {
          char *argv[] = { BWRAP_PATH, "--unshare-all", "--unshare-user", "--disable-userns",
                           "--cap-drop", "ALL", "--die-with-parent", "--ro-bind", "/", "/",
                           "--proc", "/proc", "--dev", "/dev", "/bin/true", NULL };
          char *envp[] = { "PATH=/usr/bin:/bin", NULL };
          int err = memfd_create ("varlb-probe", MFD_CLOEXEC), fr = memfd_create ("f", MFD_CLOEXEC);
          varlb__limits_t l;
          varlb_channel_opts_t o;
          varlb_channel_opts_init (&o);
          varlb__limits_for (&l, &o, 0);
          /* As a half will run: under its own uid when varlb is root,
             which needs unprivileged user namespaces. */
          varlb__as_t as = VARLB__AS_VARLB;
          char uwhy[256] = "";
          as.uid = varlb__half_uid (0, uwhy, sizeof uwhy);
          varlb__limits_as (&l, &o, as.uid);
          pid_t pid = err >= 0 && fr >= 0 && as.uid >= 0
                      ? varlb__spawn (argv, envp, NULL, err, fr, NULL, 0, 4, &l, &as) : -1;
          int ws = 0;
          if (pid > 0 && waitpid (pid, &ws, 0) == pid && WIFEXITED (ws) && WEXITSTATUS (ws) == 0)
            known = 1;
          else
            {
              size_t n;
              unsigned char *d = err >= 0 ? varlb__read_fd (err, &n, 4096) : NULL;
              /* bwrap's first line, without its name and its pointer to the
                 docs: "No permissions to create new namespace, ..." */
              char line[200] = "";
              size_t k = 0, i = d && n > 7 && memcmp (d, "bwrap: ", 7) == 0 ? 7 : 0;
              while (d && i < n && d[i] != '\n' && k + 1 < sizeof line)
                line[k++] = (char) d[i++];
              line[k] = '\0';
              char *see = strstr (line, " See <");
              if (see)
                *see = '\0';
              varlb__utf8_sanitize (line);
              if (as.uid < 0)
                snprintf (reason, sizeof reason, "%s", uwhy);
              else if (as.uid > 0)
                snprintf (reason, sizeof reason, "namespaces are not available to the halves' "
                          "own uid %ld (%s): are unprivileged user namespaces off?", as.uid,
                          line[0] ? line : "bwrap failed");
              else
                snprintf (reason, sizeof reason, "namespaces are not available here (%s)",
                          line[0] ? line : "bwrap failed");
              free (d);
            }
          if (err >= 0)
            close (err);
          if (fr >= 0)
            close (fr);
        }
    }
  if (!known && why)
    snprintf (why, len, "%s", reason);
  return known;
}

void
varlb__half_result_clear (varlb_half_result_t *r)
{
  for (size_t i = 0; i < VARLB_HALF_MAX_FILES; i++)
    free (r->out[i]);
  free (r->reply);
  memset (r, 0, sizeof *r);
}

int
varlb__half_run (varlb_half_result_t *r, const varlb_half_spec_t *h,
                 const varlb_channel_opts_t *o)
{
  memset (r, 0, sizeof *r);
  double t0 = varlb__now_s ();
  int sandbox = o->isolation == VARLB_ISOLATION_SANDBOX;
  if (h->n_in > VARLB_HALF_MAX_FILES || h->n_out > VARLB_HALF_MAX_FILES)
    return VARLB_EINVAL;
  if (sandbox && !varlb_sandbox_available (r->why, sizeof r->why))
    {
      r->status = VARLB_EUNSUPPORTED;
      return VARLB_EUNSUPPORTED;
    }
  const int fd_first_in = 10;
  varlb__strv_t inner = { 0 }, argv = { 0 }, env = { 0 };
  int errfd = memfd_create ("varlb-stderr", MFD_CLOEXEC),
      framefd = memfd_create ("varlb-frames", MFD_CLOEXEC);
  int infd[VARLB_HALF_MAX_FILES + VARLB__FDS_MAX];
  size_t opened = 0;
  varlb__fds_t fds;
  varlb__fds_init (&fds, fd_first_in);
  varlb__as_t as = VARLB__AS_VARLB;
  char dirbuf[4096] = "";
  int dirfd = -1, st = VARLB_OK;
  const char *home = getenv ("HOME");
  if (errfd < 0 || framefd < 0)
    st = VARLB_EIO;
  if (st == VARLB_OK && (varlb__wrapper_args (&inner, h, o, 0) != 0
                         || varlb__view_env (&env, h, home, sandbox) != 0))
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && sandbox)
    {
      for (; opened < h->n_in; opened++)
        if ((infd[opened] = varlb__memfd_with (h->in[opened].name, h->in[opened].data,
                                        h->in[opened].len)) < 0)
          {
            st = VARLB_EIO;
            break;
          }
      as.keyring = 1;
      if (st == VARLB_OK
          && (as.uid = varlb__half_uid_of (h->label, sandbox, r->why, sizeof r->why)) < 0)
        st = VARLB_EIO;
      if (st == VARLB_OK
          && varlb__view_args (&argv, h, o, home, fd_first_in, &env, &inner, 0, as.uid, &fds,
                               r->why, sizeof r->why) != 0)
        st = r->why[0] ? VARLB_EIO : VARLB_ENOMEM;
      for (size_t i = 0; st == VARLB_OK && i < fds.n; i++)
        infd[opened + i] = fds.fd[i];
    }
  else if (st == VARLB_OK)
    {
      /* No isolation: a private host directory, locked while in use. */
      st = varlb__host_dir (dirbuf, sizeof dirbuf, "half", &dirfd);
      if (st == VARLB_OK)
        {
          snprintf (half_dir, sizeof half_dir, "%s", dirbuf);
          for (size_t i = 0; st == VARLB_OK && i < h->n_in; i++)
            st = write_file_at (dirbuf, h->in[i].name, h->in[i].data, h->in[i].len);
        }
      if (st == VARLB_OK && varlb__strv_extend (&argv, &inner) != 0)
        st = VARLB_ENOMEM;
    }
  if (st == VARLB_OK)
    {
      varlb__limits_t l;
      varlb__limits_for (&l, o, h->n_out);
      varlb__limits_as (&l, o, as.uid);
      signals_catch ();
      /* Every sandboxed half holds the host's lock of halves while it runs
         (shared; a --cold-cache trial holds it alone). */
      if (sandbox && varlb__halves_enter (r->why, sizeof r->why) != 0)
        st = VARLB_EIO;
      pid_t pid = st != VARLB_OK ? -1
                  : varlb__spawn (argv.v, env.v, sandbox ? NULL : dirbuf, errfd, framefd, infd,
                                  sandbox ? opened + fds.n : 0, fd_first_in, &l, &as);
      varlb__fds_close (&fds);
      if (pid < 0 && st == VARLB_OK)
        {
          st = VARLB_EIO;
          snprintf (r->why, sizeof r->why, "%s: cannot start: %s", h->label, strerror (errno));
        }
      else if (pid > 0)
        {
          int ws = 0;
          r->status = wait_half (pid, o->timeout_s, &ws, r->why, sizeof r->why, h->label);
          if (sandbox)
            varlb__halves_leave ();
          if (r->status == VARLB_OK)
            {
              size_t n;
              unsigned long long cap = (unsigned long long) l.fsize.rlim_max;
              unsigned char *d = varlb__read_fd (framefd, &n, (size_t) cap);
              if (d == NULL)
                st = VARLB_ENOMEM;
              else if (WIFEXITED (ws) && WEXITSTATUS (ws) >= 125 && n == 0)
                {
                  r->status = VARLB_ECOMPRESSOR;
                  snprintf (r->why, sizeof r->why, "%s: the %s could not start (status %d)",
                            h->label, sandbox ? "sandbox" : "half", WEXITSTATUS (ws));
                }
              else
                varlb__frames_parse (r, h, d, n, varlb__file_limit (o));
              free (d);
            }
        }
      signals_release ();
    }
  varlb__fds_close (&fds);
  size_t en;
  unsigned char *ed = errfd >= 0 ? varlb__read_fd (errfd, &en, 1 << 20) : NULL;
  if (ed)
    {
      /* The last line (bwrap's complaint or the half's error) first. */
      varlb__error_tail (r->stderr_tail, sizeof r->stderr_tail, ed, en);
      free (ed);
    }
  if (r->status == VARLB_ECOMPRESSOR && sandbox && strstr (r->stderr_tail, "bwrap:"))
    snprintf (r->why, sizeof r->why, "%s: the sandbox could not start: %s", h->label,
              strstr (r->stderr_tail, "bwrap:"));
  for (size_t i = 0; i < opened; i++)
    close (infd[i]);
  if (errfd >= 0)
    close (errfd);
  if (framefd >= 0)
    close (framefd);
  if (dirbuf[0] && dirfd >= 0)
    {
      varlb__remove_tree (dirbuf);
      close (dirfd);
    }
  half_dir[0] = '\0';
  varlb__strv_free (&inner);
  varlb__strv_free (&argv);
  varlb__strv_free (&env);
  r->seconds = varlb__now_s () - t0;
  if (st != VARLB_OK && r->status == VARLB_OK)
    r->status = st;
  return st;
}

int
varlb__host_dir (char *buf, size_t len, const char *what, int *lock)
{
  remove_stale_dirs ();
  snprintf (buf, len, "%s/varlb-%s.XXXXXX", varlb__tmp_root (), what);
  if (mkdtemp (buf) == NULL)
    {
      buf[0] = '\0';
      return VARLB_EIO;
    }
  if ((*lock = open (buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
    flock (*lock, LOCK_EX);
  return VARLB_OK;
}

int
varlb__private_dir (char *buf, size_t len, const char *what, int *lock)
{
  int st = varlb__host_dir (buf, len, what, lock);
  if (st == VARLB_OK)
    chmod (buf, 0755); /* a sandbox sees it read-only */
  return st;
}

void
varlb__private_dir_remove (const char *dir, int lock)
{
  if (dir[0])
    varlb__remove_tree (dir);
  if (lock >= 0)
    close (lock);
}
