/* sandbox.c -- one compressor half in isolation (sandbox.h): bubblewrap
 * namespaces around varlb's own wrapper (`varlb __half`), inputs copied in
 * from memory, outputs collected into a descriptor, resource limits, and a
 * host-directory fallback for --no-sandbox (with the removal of directories
 * left by killed runs).  DESIGN.md, "contracts that must not drift". */
#define _GNU_SOURCE 1
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "sandbox/sandbox.h"
#include "sandbox/io.h"
#include "sandbox/limit.h"
#include "sandbox/view.h"
#include "sandbox/frames.h"
#include "text.h"


extern char **environ;

/* ---------------------------------------------------------- helpers */

/* The wrapper's command line: varlb __half ... -- COMMAND. */
static int
wrapper_args (varlb__strv_t *w, const varlb_half_spec_t *h, const varlb_channel_opts_t *o)
{
  if (varlb__strv_add (w, varlb__half_exe (o)) || varlb__strv_add (w, "__half") || varlb__strv_add (w, "--frames")
      || varlb__strv_add (w, "3") || varlb__strv_add (w, "--limit") || varlb__strv_addf (w, "%llu", varlb__file_limit (o)))
    return -1;
  for (size_t i = 0; i < h->n_out; i++)
    if (varlb__strv_add (w, "--collect") || varlb__strv_add (w, h->out[i]))
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

/* Fork and exec ARGV with the descriptors and limits of a half: 0 from
   /dev/null, 1 and 2 to ERRFD, 3 the frames, FD_FIRST_IN.. the inputs; no
   other descriptor; own process group; working directory DIR (or none). */
static pid_t
spawn (char *const *argv, char *const *envp, const char *dir, int errfd, int framefd,
       const int *infd, size_t n_in, int fd_first_in, const varlb__limits_t *l)
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
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  for (size_t i = 0; i < N_HALF_SIGNALS; i++)
    signal (half_signals[i], SIG_DFL);
  /* Move every descriptor we keep above the target numbers first. */
  int hi = fd_first_in + (int) n_in + 16;
  int e = fcntl (errfd, F_DUPFD, hi), f = fcntl (framefd, F_DUPFD, hi), n0 = fcntl (nul, F_DUPFD, hi);
  int moved[VARLB_HALF_MAX_FILES];
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
      if (strncmp (e->d_name, "varlb-half.", 11) != 0 && strncmp (e->d_name, "varlb-trial.", 12) != 0
          && strncmp (e->d_name, "varlb-calibration.", 18) != 0)
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
          pid_t pid = err >= 0 && fr >= 0 ? spawn (argv, envp, NULL, err, fr, NULL, 0, 4, &l) : -1;
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
  int infd[VARLB_HALF_MAX_FILES];
  size_t opened = 0;
  char dirbuf[4096] = "";
  int dirfd = -1, st = VARLB_OK;
  const char *home = getenv ("HOME");
  if (errfd < 0 || framefd < 0)
    st = VARLB_EIO;
  if (st == VARLB_OK && (wrapper_args (&inner, h, o) != 0
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
      if (st == VARLB_OK && varlb__view_args (&argv, h, o, home, fd_first_in, &env, &inner) != 0)
        st = VARLB_ENOMEM;
    }
  else if (st == VARLB_OK)
    {
      /* No isolation: a private host directory, locked while in use. */
      remove_stale_dirs ();
      snprintf (dirbuf, sizeof dirbuf, "%s/varlb-half.XXXXXX", varlb__tmp_root ());
      if (mkdtemp (dirbuf) == NULL)
        st = VARLB_EIO;
      else
        {
          dirfd = open (dirbuf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (dirfd >= 0)
            flock (dirfd, LOCK_EX);
          snprintf (half_dir, sizeof half_dir, "%s", dirbuf);
          for (size_t i = 0; st == VARLB_OK && i < h->n_in; i++)
            st = write_file_at (dirbuf, h->in[i].name, h->in[i].data, h->in[i].len);
        }
      for (size_t i = 0; st == VARLB_OK && i < inner.n; i++)
        if (varlb__strv_add (&argv, inner.v[i]) != 0)
          st = VARLB_ENOMEM;
    }
  if (st == VARLB_OK)
    {
      varlb__limits_t l;
      varlb__limits_for (&l, o, h->n_out);
      signals_catch ();
      pid_t pid = spawn (argv.v, env.v, sandbox ? NULL : dirbuf, errfd, framefd, infd,
                         sandbox ? opened : 0, fd_first_in, &l);
      if (pid < 0)
        {
          st = VARLB_EIO;
          snprintf (r->why, sizeof r->why, "%s: cannot start: %s", h->label, strerror (errno));
        }
      else
        {
          int ws = 0;
          r->status = wait_half (pid, o->timeout_s, &ws, r->why, sizeof r->why, h->label);
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
  size_t en;
  unsigned char *ed = errfd >= 0 ? varlb__read_fd (errfd, &en, 1 << 20) : NULL;
  if (ed)
    {
      /* bwrap's own complaints come first; a half's last words last. */
      varlb__tail_line (r->stderr_tail, sizeof r->stderr_tail, ed, en);
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

/* ---------------------------------------------- persistent workers (serve) */

void
varlb__worker_init (varlb_worker_t *w)
{
  memset (w, 0, sizeof *w);
  w->sock = w->err = w->dirfd = -1;
}

void
varlb__worker_stop (varlb_worker_t *w)
{
  if (w->pid > 0)
    {
      kill (-w->pid, SIGKILL);
      kill (w->pid, SIGKILL);
      waitpid (w->pid, NULL, 0);
    }
  if (w->sock >= 0)
    close (w->sock);
  if (w->err >= 0)
    close (w->err);
  if (w->dir[0])
    varlb__remove_tree (w->dir);
  if (w->dirfd >= 0)
    close (w->dirfd);
  int restarts = w->starts;
  varlb__worker_init (w);
  w->starts = restarts;
}

/* Start W's sandbox with the agent around H's command. */
static int
worker_start (varlb_worker_t *w, const varlb_half_spec_t *h, const varlb_channel_opts_t *o,
              char *why, size_t len)
{
  int sandbox = o->isolation == VARLB_ISOLATION_SANDBOX;
  if (sandbox && !varlb_sandbox_available (why, len))
    return VARLB_EUNSUPPORTED;
  varlb__strv_t inner = { 0 }, argv = { 0 }, env = { 0 };
  int sv[2] = { -1, -1 }, st = VARLB_OK;
  const char *home = getenv ("HOME");
  w->err = memfd_create ("varlb-worker-stderr", MFD_CLOEXEC);
  if (w->err < 0 || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    st = VARLB_EIO;
  if (st == VARLB_OK
      && (varlb__strv_add (&inner, varlb__half_exe (o)) || varlb__strv_add (&inner, "__half") || varlb__strv_add (&inner, "--serve")
          || varlb__strv_add (&inner, "--frames") || varlb__strv_add (&inner, "3") || varlb__strv_add (&inner, "--limit")
          || varlb__strv_addf (&inner, "%llu", varlb__file_limit (o)) || varlb__strv_add (&inner, "--")))
    st = VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && h->argv[i]; i++)
    if (varlb__strv_add (&inner, h->argv[i]))
      st = VARLB_ENOMEM;
  if (st == VARLB_OK && varlb__view_env (&env, h, home, sandbox) != 0)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && sandbox)
    {
      varlb_half_spec_t bare = *h;
      bare.n_in = 0;
      if (varlb__view_args (&argv, &bare, o, home, 10, &env, &inner) != 0)
        st = VARLB_ENOMEM;
    }
  else if (st == VARLB_OK)
    {
      remove_stale_dirs ();
      snprintf (w->dir, sizeof w->dir, "%s/varlb-half.XXXXXX", varlb__tmp_root ());
      if (mkdtemp (w->dir) == NULL)
        {
          w->dir[0] = '\0';
          st = VARLB_EIO;
        }
      else if ((w->dirfd = open (w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
        flock (w->dirfd, LOCK_EX);
      for (size_t i = 0; st == VARLB_OK && i < inner.n; i++)
        if (varlb__strv_add (&argv, inner.v[i]) != 0)
          st = VARLB_ENOMEM;
    }
  if (st == VARLB_OK)
    {
      varlb__limits_t l;
      varlb__limits_for (&l, o, h->n_out);
      /* A worker serves a whole sweep: its CPU limit is not one trial's. */
      l.cpu.rlim_cur = l.cpu.rlim_max = RLIM_INFINITY;
      pid_t pid = spawn (argv.v, env.v, sandbox ? NULL : w->dir, w->err, sv[1], NULL, 0, 10, &l);
      if (pid < 0)
        {
          st = VARLB_EIO;
          snprintf (why, len, "%s: cannot start the worker: %s", h->label, strerror (errno));
        }
      else
        {
          w->pid = pid;
          w->sock = sv[0];
          sv[0] = -1;
          w->starts++;
        }
    }
  if (sv[0] >= 0)
    close (sv[0]);
  if (sv[1] >= 0)
    close (sv[1]);
  varlb__strv_free (&inner);
  varlb__strv_free (&argv);
  varlb__strv_free (&env);
  return st;
}

/* Wait until FD is readable, at most until END (monotonic seconds). */
static int
readable_by (int fd, double end)
{
  for (;;)
    {
      double left = end - varlb__now_s ();
      if (left <= 0)
        return 0;
      struct pollfd p = { fd, POLLIN, 0 };
      int r = poll (&p, 1, (int) (left * 1000) + 1);
      if (r > 0)
        return 1;
      if (r < 0 && errno != EINTR)
        return -1;
    }
}

static int
read_by (int fd, void *buf, size_t n, double end)
{
  unsigned char *c = buf;
  while (n > 0)
    {
      int ok = readable_by (fd, end);
      if (ok <= 0)
        return ok == 0 ? 1 : -1;
      ssize_t r = read (fd, c, n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return -1;
      c += r;
      n -= (size_t) r;
    }
  return 0;
}

int
varlb__worker_request (varlb_worker_t *w, varlb_half_result_t *r, const varlb_half_spec_t *h,
                       const char *json, const varlb_channel_opts_t *o)
{
  memset (r, 0, sizeof *r);
  double t0 = varlb__now_s ();
  int st = VARLB_OK;
  if (w->pid <= 0 && (st = worker_start (w, h, o, r->why, sizeof r->why)) != VARLB_OK)
    {
      r->status = st;
      return st;
    }
  struct stat es;
  w->err_seen = fstat (w->err, &es) == 0 ? (size_t) es.st_size : 0;
  /* The request, in one buffer. */
  char *req = NULL;
  size_t rl = 0;
  FILE *m = open_memstream (&req, &rl);
  if (m == NULL)
    return VARLB_ENOMEM;
  fprintf (m, "REQ %zu %zu %zu\n", strlen (json), h->n_in, h->n_out);
  for (size_t i = 0; i < h->n_in; i++)
    {
      fprintf (m, "FILE %s %zu\n", h->in[i].name, h->in[i].len);
      fwrite (h->in[i].data, 1, h->in[i].len, m);
    }
  for (size_t i = 0; i < h->n_out; i++)
    fprintf (m, "COLLECT %s\n", h->out[i]);
  fputs (json, m);
  if (fclose (m) != 0)
    {
      free (req);
      return VARLB_ENOMEM;
    }
  double end = t0 + o->timeout_s;
  int bad = 0;
  half_pid = w->pid;
  for (size_t done = 0; !bad && done < rl;)
    {
      ssize_t k = send (w->sock, req + done, rl - done, MSG_NOSIGNAL);
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        bad = 1;
      else
        done += (size_t) k;
    }
  free (req);
  char head[64];
  size_t hk = 0;
  int rc = bad ? -1 : 0;
  /* "VARLBS <n>\n", then n bytes of frames. */
  while (rc == 0 && hk + 1 < sizeof head)
    {
      rc = read_by (w->sock, head + hk, 1, end);
      if (rc == 0 && head[hk++] == '\n')
        break;
    }
  head[hk] = '\0';
  unsigned long long n = 0;
  unsigned char *frames = NULL;
  if (rc == 0 && (sscanf (head, "VARLBS %llu", &n) != 1 || n > (1ULL << 40)))
    rc = -1;
  if (rc == 0 && (frames = malloc (n + 1)) == NULL)
    rc = -1;
  if (rc == 0)
    rc = read_by (w->sock, frames, n, end);
  half_pid = 0;
  if (rc == 1)
    {
      r->status = VARLB_ETIMEOUT;
      snprintf (r->why, sizeof r->why, "%s: timed out after %g s (the worker is killed and "
                "restarted for the next trial)", h->label, o->timeout_s);
    }
  else if (rc != 0)
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: the worker's sandbox ended (it is restarted for "
                "the next trial)", h->label);
    }
  else
    varlb__frames_parse (r, h, frames, n, varlb__file_limit (o));
  free (frames);
  size_t en;
  unsigned char *ed = varlb__read_fd (w->err, &en, (size_t) -1);
  if (ed)
    {
      size_t from = w->err_seen < en ? w->err_seen : en;
      varlb__tail_line (r->stderr_tail, sizeof r->stderr_tail, ed + from, en - from);
      free (ed);
    }
  /* A worker that died, hung or was cut off starts afresh next time. */
  if (rc != 0 || r->reply == NULL)
    varlb__worker_stop (w);
  r->seconds = varlb__now_s () - t0;
  return VARLB_OK;
}

int
varlb__private_dir (char *buf, size_t len, const char *what, int *lock)
{
  remove_stale_dirs ();
  snprintf (buf, len, "%s/varlb-%s.XXXXXX", varlb__tmp_root (), what);
  if (mkdtemp (buf) == NULL)
    {
      buf[0] = '\0';
      return VARLB_EIO;
    }
  chmod (buf, 0755); /* a sandbox sees it read-only */
  if ((*lock = open (buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
    flock (*lock, LOCK_EX);
  return VARLB_OK;
}

void
varlb__private_dir_remove (const char *dir, int lock)
{
  if (dir[0])
    varlb__remove_tree (dir);
  if (lock >= 0)
    close (lock);
}
