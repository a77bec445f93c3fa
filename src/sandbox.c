/* sandbox.c -- one compressor half in isolation (sandbox.h): bubblewrap
 * namespaces around varlb's own wrapper (`varlb __half`), inputs copied in
 * from memory, outputs collected into a descriptor, resource limits, and a
 * host-directory fallback for --no-sandbox (with the removal of directories
 * left by killed runs).  DESIGN.md, "contracts that must not drift". */
#define _GNU_SOURCE 1
#include <config.h>
#include <dirent.h>
#include <dlfcn.h>
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
#include "sandbox.h"

#ifndef BWRAP_PATH
#define BWRAP_PATH "/usr/bin/bwrap"
#endif
#ifndef VARLB_BINDIR
#define VARLB_BINDIR "/usr/local/bin"
#endif

extern char **environ;

/* ------------------------------------------------------------- text */

void
varlb__utf8_sanitize (char *s)
{
  unsigned char *p = (unsigned char *) s;
  while (*p)
    {
      int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
              : (*p & 0xf8) == 0xf0 ? 4 : 0;
      int ok = n > 0;
      for (int i = 1; ok && i < n; i++)
        ok = (p[i] & 0xc0) == 0x80; /* also stops at the NUL */
      if (ok && n == 2 && *p < 0xc2)
        ok = 0; /* overlong */
      if (ok && n == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0)))
        ok = 0; /* overlong or a UTF-16 surrogate */
      if (ok && n == 4 && ((*p == 0xf0 && p[1] < 0x90) || *p > 0xf4 || (*p == 0xf4 && p[1] >= 0x90)))
        ok = 0;
      if (!ok)
        {
          *p++ = '?';
          continue;
        }
      p += n;
    }
}

void
varlb__tail_line (char *out, size_t len, const unsigned char *data, size_t n)
{
  out[0] = '\0';
  if (len < 2)
    return;
  size_t start = n > len - 1 ? n - (len - 1) : 0, k = 0;
  /* Do not start in the middle of a UTF-8 character. */
  while (start < n && start > 0 && (data[start] & 0xc0) == 0x80)
    start++;
  for (size_t i = start; i < n && k + 1 < len; i++)
    {
      unsigned char c = data[i];
      out[k++] = c == '\n' || c == '\r' || c == '\t' ? ' ' : c < 32 || c == 127 ? '?' : (char) c;
    }
  while (k > 0 && out[k - 1] == ' ')
    k--;
  out[k] = '\0';
  varlb__utf8_sanitize (out);
}

/* ---------------------------------------------------------- helpers */

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static int
write_all (int fd, const void *p, size_t n)
{
  const unsigned char *c = p;
  while (n > 0)
    {
      ssize_t w = write (fd, c, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      c += w;
      n -= (size_t) w;
    }
  return 0;
}

/* The whole content of descriptor FD from offset 0, at most MAX bytes. */
static unsigned char *
read_fd (int fd, size_t *n, size_t max)
{
  struct stat sb;
  *n = 0;
  if (fstat (fd, &sb) != 0 || sb.st_size < 0)
    return NULL;
  size_t size = (size_t) sb.st_size > max ? max : (size_t) sb.st_size;
  unsigned char *d = malloc (size + 1);
  if (d == NULL)
    return NULL;
  size_t got = 0;
  while (got < size)
    {
      ssize_t r = pread (fd, d + got, size - got, (off_t) got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      got += (size_t) r;
    }
  d[got] = '\0';
  *n = got;
  return d;
}

static int
memfd_with (const char *name, const unsigned char *data, size_t len)
{
  int fd = memfd_create (name, MFD_CLOEXEC);
  if (fd < 0)
    return -1;
  if (len && write_all (fd, data, len) != 0)
    {
      close (fd);
      return -1;
    }
  lseek (fd, 0, SEEK_SET);
  return fd;
}

/* ------------------------------------------------------------- limits */

static unsigned long long
file_limit (const varlb_channel_opts_t *o)
{
  return o->max_file_bytes ? o->max_file_bytes : 64ULL << 20;
}

static unsigned long long
mem_limit (const varlb_channel_opts_t *o)
{
  if (o->mem_bytes)
    return o->mem_bytes;
  /* Half the machine's memory, at most 16 GiB: a half cannot starve the
     judge or its neighbours. */
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);
  unsigned long long half = pages > 0 && page > 0 ? (unsigned long long) pages * (unsigned long long) page / 2 : 4ULL << 30;
  return half < (16ULL << 30) ? half : 16ULL << 30;
}

/* Processes of this real user now (for RLIMIT_NPROC, which counts them all). */
static unsigned long
user_processes (void)
{
  unsigned long n = 0;
  DIR *d = opendir ("/proc");
  if (d == NULL)
    return 0;
  struct dirent *e;
  char p[300];
  struct stat sb;
  while ((e = readdir (d)) != NULL)
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
      {
        snprintf (p, sizeof p, "/proc/%s", e->d_name);
        if (stat (p, &sb) == 0 && sb.st_uid == getuid ())
          n++;
      }
  closedir (d);
  return n;
}

typedef struct limits {
  struct rlimit as, cpu, fsize, nofile, nproc, core;
  int set_nproc;
} limits_t;

static void
limits_for (limits_t *l, const varlb_channel_opts_t *o, size_t n_out)
{
  unsigned long long mem = mem_limit (o), fl = file_limit (o);
  double cpu = o->cpu_s > 0 ? o->cpu_s : 2.0 * o->timeout_s + 1.0;
  l->as.rlim_cur = l->as.rlim_max = (rlim_t) mem;
  l->cpu.rlim_cur = (rlim_t) cpu;
  l->cpu.rlim_max = (rlim_t) cpu + 1;
  /* The wrapper writes every collected file into its frames; the command
     itself is held to FL by the wrapper. */
  l->fsize.rlim_cur = l->fsize.rlim_max = (rlim_t) (fl * (n_out + 2) + (1 << 20));
  l->nofile.rlim_cur = l->nofile.rlim_max = (rlim_t) (o->files ? o->files : 1024);
  l->core.rlim_cur = l->core.rlim_max = 0;
  /* RLIMIT_NPROC counts every process of the real user and is not enforced
     for root: only a non-root judge can cap a half's processes this way. */
  l->set_nproc = getuid () != 0;
  unsigned long procs = o->procs ? o->procs : 256;
  if (l->set_nproc)
    l->nproc.rlim_cur = l->nproc.rlim_max = (rlim_t) (user_processes () + procs);
}

/* ----------------------------------------------------- argument lists */

typedef struct strv {
  char **v;
  size_t n, cap;
} strv_t;

static int
sv_add (strv_t *s, const char *a)
{
  if (s->n + 2 > s->cap)
    {
      size_t cap = s->cap ? 2 * s->cap : 64;
      char **v = realloc (s->v, cap * sizeof *v);
      if (v == NULL)
        return -1;
      s->v = v;
      s->cap = cap;
    }
  if ((s->v[s->n] = strdup (a)) == NULL)
    return -1;
  s->n++;
  s->v[s->n] = NULL;
  return 0;
}

static int
sv_addf (strv_t *s, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
sv_addf (strv_t *s, const char *fmt, ...)
{
  char *t;
  va_list ap;
  va_start (ap, fmt);
  int n = vasprintf (&t, fmt, ap);
  va_end (ap);
  if (n < 0)
    return -1;
  int r = sv_add (s, t);
  free (t);
  return r;
}

static void
sv_free (strv_t *s)
{
  for (size_t i = 0; i < s->n; i++)
    free (s->v[i]);
  free (s->v);
  memset (s, 0, sizeof *s);
}

/* The judge's environment variables a half may see; everything else
   (including VARLB_JUDGE_KEY) is dropped. */
static const char *const env_pass[] = {
  "PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
  "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", NULL
};

static const char *tmp_root (void);

/* The half's environment; SANDBOX says whether it sees its own /tmp and the
   calibration at VARLB_CALIBRATION_DIR, or the host's paths. */
static int
build_env (strv_t *env, const varlb_half_spec_t *h, const char *home, int sandbox)
{
  for (size_t i = 0; env_pass[i]; i++)
    {
      const char *v = getenv (env_pass[i]);
      if (v && sv_addf (env, "%s=%s", env_pass[i], v) != 0)
        return -1;
    }
  if (getenv ("PATH") == NULL && sv_add (env, "PATH=/usr/local/bin:/usr/bin:/bin") != 0)
    return -1;
  if (home && sv_addf (env, "HOME=%s", home) != 0)
    return -1;
  if (sv_addf (env, "TMPDIR=%s", sandbox ? "/tmp" : tmp_root ()) != 0 || sv_addf (env, "VARLB_HALF=%s", h->label) != 0)
    return -1;
  if (h->calibration
      && sv_addf (env, "VARLB_CALIBRATION=%s",
                  sandbox ? VARLB_CALIBRATION_DIR : h->calibration) != 0)
    return -1;
  /* The libvarlb this judge runs, for helpers that rebuild the public keys
     through it (python/varlb_compressor.py). */
  Dl_info info;
  char *lib = dladdr ((void *) &varlb_strerror, &info) && info.dli_fname
              ? realpath (info.dli_fname, NULL) : NULL;
  int bad = lib && sv_addf (env, "VARLB_LIBRARY=%s", lib) != 0;
  free (lib);
  if (bad)
    return -1;
  for (size_t i = 0; h->env && h->env[i]; i++)
    if (sv_add (env, h->env[i]) != 0)
      return -1;
  return 0;
}

/* The directory of the shared object holding this code (libvarlb), so a
   half can load it even from a build tree under a hidden directory. */
static char *
library_dir (void)
{
  Dl_info info;
  if (dladdr ((void *) &varlb_strerror, &info) == 0 || info.dli_fname == NULL)
    return NULL;
  char *real = realpath (info.dli_fname, NULL);
  if (real == NULL)
    return NULL;
  char *slash = strrchr (real, '/');
  if (slash && slash != real)
    *slash = '\0';
  return real;
}

static const char *
half_exe (const varlb_channel_opts_t *o)
{
  return o->half_exe ? o->half_exe : VARLB_BINDIR "/varlb";
}

static char *
dir_of (const char *path)
{
  char *real = realpath (path, NULL);
  if (real == NULL)
    return NULL;
  char *slash = strrchr (real, '/');
  if (slash && slash != real)
    *slash = '\0';
  return real;
}

/* The directories a sandbox hides whole (besides the judge's own files). */
static int
hidden_top (const char *path, char *top, size_t len)
{
  const char *home = getenv ("HOME"), *tmpd = getenv ("TMPDIR");
  const char *hidden[] = { "/tmp", "/var/tmp", "/dev/shm", "/run", home, tmpd };
  for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++)
    {
      const char *h = hidden[i];
      size_t n = h ? strlen (h) : 0;
      if (n > 1 && strncmp (path, h, n) == 0 && path[n] == '/')
        {
          /* The first directory below it on the path, if any. */
          const char *next = strchr (path + n + 1, '/');
          if (next == NULL)
            return 0;
          snprintf (top, len, "%.*s", (int) (next - path), path);
          return 1;
        }
    }
  return 0;
}

size_t
varlb__named_paths (char **out, size_t cap, const char *command)
{
  size_t n = 0;
  for (const char *p = command; *p && n < cap;)
    {
      p += strspn (p, " \t'\"");
      size_t len = strcspn (p, " \t'\"");
      if (len > 1 && p[0] == '/')
        {
          char *w = strndup (p, len), top[4096];
          struct stat sb;
          if (w && stat (w, &sb) == 0)
            {
              if (hidden_top (w, top, sizeof top))
                {
                  /* The project the file lives in, under a hidden
                     directory: its modules and data come along. */
                  free (w);
                  w = strdup (top);
                }
              else if (!S_ISDIR (sb.st_mode))
                {
                  char *slash = strrchr (w, '/');
                  if (slash && slash != w)
                    *slash = '\0';
                }
              if (w)
                out[n++] = w;
              w = NULL;
            }
          free (w);
        }
      p += len;
    }
  return n;
}

/* The /proc a half sees (README, "Threat model").  bwrap mounts a fresh
   /proc for the half's PID namespace, but the kernel's settings under it
   are the host's: /proc/sys (core_pattern runs a program as real root
   outside every sandbox) and /proc/sysrq-trigger would be writable by a
   half that is uid 0 of the host, even without capabilities.  These are
   bound read-only, as Docker and runc do (bwrap covers /proc/irq and
   /proc/bus itself, but only where the kernel says they are writable).
   Each sysctl shows the reader's own namespaces, so the half still sees
   its own hostname and network settings. */
static const char *const proc_readonly[] = {
  "/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs", NULL
};

/* Counters of the kernel a half could drive and the next half read
   (processes forked, CPU and idle time, interrupts, I/O, page faults,
   memory, dentries and inodes, open files, AIO contexts, ptys, slabs, keys
   and locks of every process), and what Docker's default masks besides:
   hidden behind /dev/null (a read fails).  Only entries the running kernel
   has: bwrap fails on a missing one. */
static const char *const proc_hidden[] = {
  "/proc/stat", "/proc/vmstat", "/proc/interrupts", "/proc/softirqs", "/proc/diskstats",
  "/proc/schedstat", "/proc/uptime", "/proc/loadavg", "/proc/meminfo", "/proc/zoneinfo",
  "/proc/buddyinfo", "/proc/pagetypeinfo", "/proc/slabinfo", "/proc/vmallocinfo",
  "/proc/locks", "/proc/keys", "/proc/key-users", "/proc/timer_list", "/proc/timer_stats",
  "/proc/sched_debug", "/proc/latency_stats", "/proc/kcore",
  "/proc/sys/fs/dentry-state", "/proc/sys/fs/inode-state", "/proc/sys/fs/inode-nr",
  "/proc/sys/fs/file-nr", "/proc/sys/fs/aio-nr", "/proc/sys/kernel/pty/nr", NULL
};

/* Folders hidden under an empty read-only tmpfs: pressure stall counters,
   and Docker's masked folders (ACPI, sound and SCSI state, firmware
   tables, RAPL energy counters: a power side channel). */
static const char *const dirs_hidden[] = {
  "/proc/pressure", "/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware",
  "/sys/devices/virtual/powercap", NULL
};

/* The /proc and /sys masks above, for what exists on this kernel. */
static int
proc_view_args (strv_t *a)
{
  struct stat sb;
  for (size_t i = 0; proc_readonly[i]; i++)
    if (lstat (proc_readonly[i], &sb) == 0
        && (sv_add (a, "--ro-bind") || sv_add (a, proc_readonly[i]) || sv_add (a, proc_readonly[i])))
      return -1;
  for (size_t i = 0; proc_hidden[i]; i++)
    if (lstat (proc_hidden[i], &sb) == 0 && !S_ISDIR (sb.st_mode)
        && (sv_add (a, "--ro-bind") || sv_add (a, "/dev/null") || sv_add (a, proc_hidden[i])))
      return -1;
  for (size_t i = 0; dirs_hidden[i]; i++)
    if (stat (dirs_hidden[i], &sb) == 0 && S_ISDIR (sb.st_mode)
        && (sv_add (a, "--tmpfs") || sv_add (a, dirs_hidden[i])
            || sv_add (a, "--remount-ro") || sv_add (a, dirs_hidden[i])))
      return -1;
  return 0;
}

/* bwrap's command line for H. */
static int
bwrap_args (strv_t *a, const varlb_half_spec_t *h, const varlb_channel_opts_t *o,
            const char *home, int fd_first_in, strv_t *env, strv_t *inner)
{
  char size[32];
  snprintf (size, sizeof size, "%llu", file_limit (o) * (h->n_out + 2) + (16ULL << 20)
            + 2ULL * (h->n_in ? h->in[0].len : 0) + (h->n_in > 1 ? 2ULL * h->in[1].len : 0));
  const char *fixed[] = {
    BWRAP_PATH, "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
    "--die-with-parent", "--new-session", "--hostname", "varlb-half",
    "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", NULL
  };
  for (size_t i = 0; fixed[i]; i++)
    if (sv_add (a, fixed[i]) != 0)
      return -1;
  /* Private, empty, bounded: every writable place a half has. */
  const char *tmpfs[] = { "/tmp", "/var/tmp", "/dev/shm", "/run", home, NULL };
  for (size_t i = 0; i < sizeof tmpfs / sizeof *tmpfs - 1; i++)
    {
      struct stat sb;
      if (tmpfs[i] == NULL || strcmp (tmpfs[i], "/") == 0 || stat (tmpfs[i], &sb) != 0
          || !S_ISDIR (sb.st_mode))
        continue;
      if (sv_add (a, "--size") || sv_add (a, size) || sv_add (a, "--tmpfs") || sv_add (a, tmpfs[i]))
        return -1;
    }
  struct stat sb;
  if (stat ("/sys/fs/cgroup", &sb) == 0 && S_ISDIR (sb.st_mode)
      && (sv_add (a, "--tmpfs") || sv_add (a, "/sys/fs/cgroup")))
    return -1;
  if (proc_view_args (a) != 0)
    return -1;
  /* Seen again read-only: the varlb binary and library, and what the
     compressor names (under a hidden directory they would vanish). */
  char *dirs[3] = { dir_of (half_exe (o)), library_dir (), NULL };
  int st = 0;
  for (size_t i = 0; i < 2 && st == 0; i++)
    if (dirs[i] && (sv_add (a, "--ro-bind") || sv_add (a, dirs[i]) || sv_add (a, dirs[i])))
      st = -1;
  free (dirs[0]);
  free (dirs[1]);
  if (st)
    return -1;
  /* Module and library search paths the half inherits (PYTHONPATH,
     LD_LIBRARY_PATH) would lead nowhere under a hidden directory. */
  static const char *const path_vars[] = { "PYTHONPATH", "LD_LIBRARY_PATH" };
  for (size_t k = 0; k < 2; k++)
    {
      const char *v = getenv (path_vars[k]);
      for (const char *p = v; p && *p;)
        {
          size_t n = strcspn (p, ":");
          char dir[4096];
          struct stat ds;
          if (n > 1 && n < sizeof dir && p[0] == '/')
            {
              memcpy (dir, p, n);
              dir[n] = '\0';
              if (stat (dir, &ds) == 0 && S_ISDIR (ds.st_mode)
                  && (sv_add (a, "--ro-bind") || sv_add (a, dir) || sv_add (a, dir)))
                return -1;
            }
          p += n + (p[n] == ':');
        }
    }
  for (size_t k = 0; k < 2; k++)
    {
      const char *const *list = k ? h->expose : o->expose;
      for (size_t i = 0; list && list[i]; i++)
        if (access (list[i], F_OK) == 0
            && (sv_add (a, "--ro-bind") || sv_add (a, list[i]) || sv_add (a, list[i])))
          return -1;
    }
  /* The compressor's calibration, fitted before any instance: read-only. */
  if (h->calibration
      && (sv_add (a, "--ro-bind") || sv_add (a, h->calibration) || sv_add (a, VARLB_CALIBRATION_DIR)))
    return -1;
  /* Hidden even where exposed: the judge key, the results. */
  for (size_t i = 0; o->hide && o->hide[i]; i++)
    {
      if (stat (o->hide[i], &sb) != 0)
        continue;
      if (S_ISDIR (sb.st_mode) ? (sv_add (a, "--tmpfs") || sv_add (a, o->hide[i]))
          : (sv_add (a, "--ro-bind") || sv_add (a, "/dev/null") || sv_add (a, o->hide[i])))
        return -1;
    }
  if (sv_add (a, "--dir") || sv_add (a, VARLB_HALF_DIR))
    return -1;
  for (size_t i = 0; i < h->n_in; i++)
    if (sv_add (a, "--perms") || sv_add (a, "0644") || sv_add (a, "--file")
        || sv_addf (a, "%d", fd_first_in + (int) i)
        || sv_addf (a, "%s/%s", VARLB_HALF_DIR, h->in[i].name))
      return -1;
  if (sv_add (a, "--chdir") || sv_add (a, VARLB_HALF_DIR) || sv_add (a, "--clearenv"))
    return -1;
  for (size_t i = 0; i < env->n; i++)
    {
      char *eq = strchr (env->v[i], '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      int r = sv_add (a, "--setenv") || sv_add (a, env->v[i]) || sv_add (a, eq + 1);
      *eq = '=';
      if (r)
        return -1;
    }
  if (sv_add (a, "--"))
    return -1;
  for (size_t i = 0; i < inner->n; i++)
    if (sv_add (a, inner->v[i]))
      return -1;
  return 0;
}

/* The wrapper's command line: varlb __half ... -- COMMAND. */
static int
wrapper_args (strv_t *w, const varlb_half_spec_t *h, const varlb_channel_opts_t *o)
{
  if (sv_add (w, half_exe (o)) || sv_add (w, "__half") || sv_add (w, "--frames")
      || sv_add (w, "3") || sv_add (w, "--limit") || sv_addf (w, "%llu", file_limit (o)))
    return -1;
  for (size_t i = 0; i < h->n_out; i++)
    if (sv_add (w, "--collect") || sv_add (w, h->out[i]))
      return -1;
  if (sv_add (w, "--"))
    return -1;
  for (size_t i = 0; h->argv[i]; i++)
    if (sv_add (w, h->argv[i]))
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

static void remove_tree (const char *dir);

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
    remove_tree (half_dir); /* not async-signal-safe in theory; we die next */
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
       const int *infd, size_t n_in, int fd_first_in, const limits_t *l)
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
  double end = now_s () + timeout;
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
      if (now_s () > end)
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

/* ------------------------------------------------------------- frames */

/* The wrapper's report, written to descriptor 3 after its command ends:
     VARLBH1\n
     status exit CODE\n | status signal SIG\n | status noexec ERRNO\n
     file NAME STATE SIZE\n [SIZE bytes when STATE is 0]      (per name)
     end\n
   Only the wrapper (varlb's own code) writes it; the half's processes
   cannot reach the descriptor (closed in the command, and the wrapper is
   not dumpable, so /proc/PID/fd is closed to them). */

static const char *
line (const unsigned char *d, size_t n, size_t *pos, char *buf, size_t len)
{
  size_t k = 0;
  while (*pos < n && d[*pos] != '\n')
    {
      if (k + 1 < len)
        buf[k++] = (char) d[*pos];
      (*pos)++;
    }
  if (*pos >= n)
    return NULL;
  (*pos)++;
  buf[k] = '\0';
  return buf;
}

static void
signal_text (char *why, size_t len, const char *label, int sig)
{
  snprintf (why, len, "%s: crashed (signal %d, %s)", label, sig, strsignal (sig));
}

static void
exit_text (char *why, size_t len, const char *label, int code, int shell)
{
  /* An external program runs under /bin/sh, which reports a child killed
     by signal S as status 128 + S, and 127/126 for a command it could not
     find or run. */
  if (shell && code > 128 && code < 128 + NSIG)
    snprintf (why, len, "%s: exited with status %d (crashed: signal %d, %s)", label, code,
              code - 128, strsignal (code - 128));
  else if (shell && (code == 127 || code == 126))
    snprintf (why, len, "%s: exited with status %d (the shell %s)", label, code,
              code == 127 ? "found no such command" : "could not execute the command");
  else
    snprintf (why, len, "%s: exited with status %d", label, code);
}

static void
parse_frames (varlb_half_result_t *r, const varlb_half_spec_t *h, const unsigned char *d,
              size_t n, unsigned long long limit)
{
  char buf[512], name[256];
  size_t pos = 0;
  int shell = h->argv[0] && strcmp (h->argv[0], "/bin/sh") == 0;
  if (line (d, n, &pos, buf, sizeof buf) == NULL || strcmp (buf, "VARLBH1") != 0)
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: the half ended without a report (killed from "
                "inside, or out of memory)", h->label);
      return;
    }
  int code;
  if (line (d, n, &pos, buf, sizeof buf) == NULL)
    code = -1, buf[0] = '\0';
  if (sscanf (buf, "status exit %d", &code) == 1)
    {
      if (code != 0)
        {
          r->status = VARLB_ECOMPRESSOR;
          exit_text (r->why, sizeof r->why, h->label, code, shell);
        }
    }
  else if (sscanf (buf, "status signal %d", &code) == 1)
    {
      r->status = VARLB_ECOMPRESSOR;
      if (code == SIGXFSZ)
        snprintf (r->why, sizeof r->why, "%s: wrote a file past the limit of %llu bytes "
                  "(signal %d, %s)", h->label, limit, code, strsignal (code));
      else if (code == SIGXCPU)
        snprintf (r->why, sizeof r->why, "%s: used up its CPU time (signal %d, %s)", h->label,
                  code, strsignal (code));
      else
        signal_text (r->why, sizeof r->why, h->label, code);
    }
  else if (sscanf (buf, "status noexec %d", &code) == 1)
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: cannot run %s: %s", h->label, h->argv[0],
                strerror (code));
    }
  else
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: malformed report from the half", h->label);
      return;
    }
  /* A persistent worker's reply line, when it gave one. */
  size_t save = pos;
  unsigned long long rl;
  if (line (d, n, &pos, buf, sizeof buf) && sscanf (buf, "reply %llu", &rl) == 1 && rl <= n - pos)
    {
      r->reply = malloc (rl + 1);
      if (r->reply == NULL)
        {
          r->status = VARLB_ENOMEM;
          return;
        }
      memcpy (r->reply, d + pos, rl);
      r->reply[rl] = '\0';
      r->reply_len = (size_t) rl;
      pos += rl;
      if (pos < n && d[pos] == '\n')
        pos++;
    }
  else
    pos = save;
  for (size_t i = 0; i < h->n_out; i++)
    {
      unsigned long long size;
      int state;
      if (line (d, n, &pos, buf, sizeof buf) == NULL
          || sscanf (buf, "file %255s %d %llu", name, &state, &size) != 3
          || strncmp (name, h->out[i], strlen (name)) != 0
          || (h->out[i][strlen (name)] != '\0' && strcmp (h->out[i] + strlen (name), "/") != 0)
          || state < 0 || state > VARLB_HALF_FILE_NPZ)
        {
          if (r->status == VARLB_OK)
            {
              r->status = VARLB_ECOMPRESSOR;
              snprintf (r->why, sizeof r->why, "%s: malformed report from the half", h->label);
            }
          return;
        }
      r->out_state[i] = state;
      if (state != VARLB_HALF_FILE_OK)
        continue;
      if (size > limit || size > n - pos)
        {
          r->out_state[i] = VARLB_HALF_FILE_TOOBIG;
          return;
        }
      r->out[i] = malloc (size ? size : 1);
      if (r->out[i] == NULL)
        {
          r->status = VARLB_ENOMEM;
          return;
        }
      memcpy (r->out[i], d + pos, size);
      r->out_len[i] = size;
      pos += size;
    }
}

/* ------------------------------------------------------ host directory */

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
            {
              chmod (p, 0700);
              remove_tree (p);
            }
          else
            unlink (p);
        }
      closedir (d);
    }
  rmdir (dir);
}

static const char *
tmp_root (void)
{
  const char *t = getenv ("TMPDIR");
  return t && t[0] == '/' ? t : "/tmp";
}

/* Directories of --no-sandbox halves (and of varlb 0.1's trials) whose
   owner is gone: each live one is held locked by its judge (flock on the
   directory), so one we can lock, older than a minute, is stale. */
static void
remove_stale_dirs (void)
{
  const char *root = tmp_root ();
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
        remove_tree (p);
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
  int st = write_all (fd, data, len) == 0 ? VARLB_OK : VARLB_EIO;
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
          limits_t l;
          varlb_channel_opts_t o;
          varlb_channel_opts_init (&o);
          limits_for (&l, &o, 0);
          pid_t pid = err >= 0 && fr >= 0 ? spawn (argv, envp, NULL, err, fr, NULL, 0, 4, &l) : -1;
          int ws = 0;
          if (pid > 0 && waitpid (pid, &ws, 0) == pid && WIFEXITED (ws) && WEXITSTATUS (ws) == 0)
            known = 1;
          else
            {
              size_t n;
              unsigned char *d = err >= 0 ? read_fd (err, &n, 4096) : NULL;
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
  double t0 = now_s ();
  int sandbox = o->isolation == VARLB_ISOLATION_SANDBOX;
  if (h->n_in > VARLB_HALF_MAX_FILES || h->n_out > VARLB_HALF_MAX_FILES)
    return VARLB_EINVAL;
  if (sandbox && !varlb_sandbox_available (r->why, sizeof r->why))
    {
      r->status = VARLB_EUNSUPPORTED;
      return VARLB_EUNSUPPORTED;
    }
  const int fd_first_in = 10;
  strv_t inner = { 0 }, argv = { 0 }, env = { 0 };
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
                         || build_env (&env, h, home, sandbox) != 0))
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && sandbox)
    {
      for (; opened < h->n_in; opened++)
        if ((infd[opened] = memfd_with (h->in[opened].name, h->in[opened].data,
                                        h->in[opened].len)) < 0)
          {
            st = VARLB_EIO;
            break;
          }
      if (st == VARLB_OK && bwrap_args (&argv, h, o, home, fd_first_in, &env, &inner) != 0)
        st = VARLB_ENOMEM;
    }
  else if (st == VARLB_OK)
    {
      /* No isolation: a private host directory, locked while in use. */
      remove_stale_dirs ();
      snprintf (dirbuf, sizeof dirbuf, "%s/varlb-half.XXXXXX", tmp_root ());
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
        if (sv_add (&argv, inner.v[i]) != 0)
          st = VARLB_ENOMEM;
    }
  if (st == VARLB_OK)
    {
      limits_t l;
      limits_for (&l, o, h->n_out);
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
              unsigned char *d = read_fd (framefd, &n, (size_t) cap);
              if (d == NULL)
                st = VARLB_ENOMEM;
              else if (WIFEXITED (ws) && WEXITSTATUS (ws) >= 125 && n == 0)
                {
                  r->status = VARLB_ECOMPRESSOR;
                  snprintf (r->why, sizeof r->why, "%s: the %s could not start (status %d)",
                            h->label, sandbox ? "sandbox" : "half", WEXITSTATUS (ws));
                }
              else
                parse_frames (r, h, d, n, file_limit (o));
              free (d);
            }
        }
      signals_release ();
    }
  size_t en;
  unsigned char *ed = errfd >= 0 ? read_fd (errfd, &en, 1 << 20) : NULL;
  if (ed)
    {
      /* bwrap's own complaints come first; a half's last words last. */
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
      remove_tree (dirbuf);
      close (dirfd);
    }
  half_dir[0] = '\0';
  sv_free (&inner);
  sv_free (&argv);
  sv_free (&env);
  r->seconds = now_s () - t0;
  if (st != VARLB_OK && r->status == VARLB_OK)
    r->status = st;
  return st;
}

/* -------------------------------------------------------- the wrapper */

/* Append "REL\nSIZE\n<bytes>" for every regular file under DIR (sorted,
   recursively) to M; -1 past LIMIT bytes in all or on an unreadable file. */
static int
archive_dir (FILE *m, const char *dir, const char *rel, unsigned long long limit,
             unsigned long long *total)
{
  struct dirent **e;
  int n = scandir (dir, &e, NULL, alphasort), rc = 0;
  if (n < 0)
    return -1;
  for (int i = 0; i < n; i++)
    {
      const char *nm = e[i]->d_name;
      char path[4096], r[4096];
      if (rc || strcmp (nm, ".") == 0 || strcmp (nm, "..") == 0)
        {
          free (e[i]);
          continue;
        }
      snprintf (path, sizeof path, "%s/%s", dir, nm);
      snprintf (r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", nm);
      struct stat sb;
      if (lstat (path, &sb) != 0)
        rc = -1;
      else if (S_ISDIR (sb.st_mode))
        rc = archive_dir (m, path, r, limit, total);
      else if (S_ISREG (sb.st_mode))
        {
          size_t len = 0;
          int f = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          unsigned char *d = f >= 0 ? read_fd (f, &len, (size_t) limit) : NULL;
          if (f >= 0)
            close (f);
          *total += len + strlen (r) + 32;
          if (d == NULL || *total > limit)
            rc = -1;
          else
            {
              fprintf (m, "%s\n%zu\n", r, len);
              fwrite (d, 1, len, m);
            }
          free (d);
        }
      free (e[i]);
    }
  free (e);
  return rc;
}

/* A collected directory travels as one archive (varlb__unpack_dir). */
static int
collect_dir (int fd, const char *name, unsigned long long limit)
{
  char head[512], *a = NULL;
  size_t n = 0;
  unsigned long long total = 0;
  FILE *m = open_memstream (&a, &n);
  int rc = m ? archive_dir (m, name, "", limit, &total) : -1;
  if (m)
    fclose (m);
  if (rc != 0)
    snprintf (head, sizeof head, "file %s %d %llu\n", name, VARLB_HALF_FILE_TOOBIG, total);
  else
    snprintf (head, sizeof head, "file %s %d %zu\n", name, VARLB_HALF_FILE_OK, n);
  int ok = rc == 0;
  rc = write_all (fd, head, strlen (head));
  if (rc == 0 && ok && n)
    rc = write_all (fd, a, n);
  free (a);
  return rc;
}

int
varlb__unpack_dir (const char *dest, const unsigned char *a, size_t n)
{
  size_t pos = 0;
  while (pos < n)
    {
      char rel[4096], num[32];
      if (line (a, n, &pos, rel, sizeof rel) == NULL || line (a, n, &pos, num, sizeof num) == NULL)
        return VARLB_EFORMAT;
      char *end;
      unsigned long long size = strtoull (num, &end, 10);
      if (*end || size > n - pos || rel[0] == '/' || strstr (rel, "..") || rel[0] == '\0')
        return VARLB_EFORMAT;
      char path[8192];
      snprintf (path, sizeof path, "%s/%s", dest, rel);
      /* Parent directories first. */
      for (char *s = strchr (path + strlen (dest) + 1, '/'); s; s = strchr (s + 1, '/'))
        {
          *s = '\0';
          mkdir (path, 0755);
          *s = '/';
        }
      int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0 || write_all (fd, a + pos, (size_t) size) != 0)
        {
          if (fd >= 0)
            close (fd);
          return VARLB_EFORMAT;
        }
      close (fd);
      pos += (size_t) size;
    }
  return VARLB_OK;
}

/* Collect NAME: a regular file, or with DIR a whole directory. */
static int
collect_file (int fd, const char *name, unsigned long long limit, int dir)
{
  char head[512];
  int f = open (name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat sb;
  if (f < 0)
    {
      char npz[300];
      snprintf (npz, sizeof npz, "%s.npz", name);
      snprintf (head, sizeof head, "file %s %d 0\n", name,
                errno != ENOENT ? VARLB_HALF_FILE_NOTPLAIN
                : access (npz, F_OK) == 0 ? VARLB_HALF_FILE_NPZ : VARLB_HALF_FILE_MISSING);
      return write_all (fd, head, strlen (head));
    }
  if (dir && fstat (f, &sb) == 0 && S_ISDIR (sb.st_mode))
    {
      close (f);
      return collect_dir (fd, name, limit);
    }
  if (fstat (f, &sb) != 0 || !S_ISREG (sb.st_mode))
    {
      close (f);
      snprintf (head, sizeof head, "file %s %d 0\n", name, VARLB_HALF_FILE_NOTPLAIN);
      return write_all (fd, head, strlen (head));
    }
  if ((unsigned long long) sb.st_size > limit)
    {
      close (f);
      snprintf (head, sizeof head, "file %s %d %llu\n", name, VARLB_HALF_FILE_TOOBIG,
                (unsigned long long) sb.st_size);
      return write_all (fd, head, strlen (head));
    }
  /* Read it whole first: a process of the half could still be changing it,
     and the header must state what follows. */
  size_t n = 0, cap = (size_t) sb.st_size + 1;
  unsigned char *d = malloc (cap);
  if (d == NULL)
    {
      close (f);
      return -1;
    }
  for (;;)
    {
      if (n == cap)
        break;
      ssize_t r = read (f, d + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      n += (size_t) r;
    }
  close (f);
  int state = n > limit ? VARLB_HALF_FILE_TOOBIG : VARLB_HALF_FILE_OK;
  snprintf (head, sizeof head, "file %s %d %zu\n", name, state, state == VARLB_HALF_FILE_OK ? n : 0);
  int rc = write_all (fd, head, strlen (head));
  if (rc == 0 && state == VARLB_HALF_FILE_OK)
    rc = write_all (fd, d, n);
  free (d);
  return rc;
}

int
varlb__half_wrapper (int fd, unsigned long long limit, unsigned long long child_fsize,
                     const char *const *collect, size_t n_collect, char *const *argv,
                     int (*inproc) (int argc, char **argv))
{
  /* Not dumpable: the half's processes (same user) can neither trace this
     process nor open its descriptors through /proc. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (fcntl (fd, F_SETFD, FD_CLOEXEC) != 0)
    return 125;
  int pipefd[2];
  if (pipe2 (pipefd, O_CLOEXEC) != 0)
    return 125;
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    return 125;
  if (pid == 0)
    {
      struct rlimit rl = { (rlim_t) child_fsize, (rlim_t) child_fsize };
      setrlimit (RLIMIT_FSIZE, &rl);
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      if (inproc)
        {
          /* varlb's own half: this process is already a fresh varlb, with
             nothing of the judge's in it; only the frames must go. */
          close (fd);
          close (pipefd[1]);
          int argc = 0;
          while (argv[argc])
            argc++;
          int rc = inproc (argc - 1, (char **) argv + 1);
          fflush (NULL);
          _exit (rc);
        }
      execvp (argv[0], argv);
      int e = errno;
      if (write (pipefd[1], &e, sizeof e) < 0)
        _exit (127);
      _exit (127);
    }
  close (pipefd[1]);
  int exec_errno = 0;
  ssize_t got = read (pipefd[0], &exec_errno, sizeof exec_errno);
  close (pipefd[0]);
  int ws = 0;
  while (waitpid (pid, &ws, 0) < 0 && errno == EINTR)
    ;
  char head[128];
  if (got == (ssize_t) sizeof exec_errno)
    snprintf (head, sizeof head, "VARLBH1\nstatus noexec %d\n", exec_errno);
  else if (WIFSIGNALED (ws))
    snprintf (head, sizeof head, "VARLBH1\nstatus signal %d\n", WTERMSIG (ws));
  else
    snprintf (head, sizeof head, "VARLBH1\nstatus exit %d\n", WEXITSTATUS (ws));
  if (write_all (fd, head, strlen (head)) != 0)
    return 125;
  for (size_t i = 0; i < n_collect; i++)
    {
      /* "NAME/" asks for a directory, sent as one archive. */
      char name[256];
      size_t l = strlen (collect[i]);
      int dir = l > 1 && collect[i][l - 1] == '/';
      snprintf (name, sizeof name, "%.*s", (int) (dir ? l - 1 : l), collect[i]);
      if (collect_file (fd, name, limit, dir) != 0)
        return 125;
    }
  if (write_all (fd, "end\n", 4) != 0)
    return 125;
  return 0;
}

/* ---------------------------------------------- persistent workers (serve) */

/* A `serve:` compressor's half is started once and answers one request per
   trial.  Inside its sandbox varlb's agent (`varlb __half --serve`) owns
   descriptor 3, a socket to the judge, which the worker never sees (closed
   in it; the agent is not dumpable).  Per request the judge sends
     REQ <json bytes> <files> <collects>\n
     FILE <name> <size>\n<bytes>        (per file)
     COLLECT <name>\n                   (per name)
     <json>
   and the agent empties its directory, writes the files, passes the JSON
   line to the worker's stdin, reads one line of its stdout, collects the
   files, empties the directory again and answers
     VARLBS <size>\n<frames>
   with the frames of a one-shot half plus "reply <n>\n<line>\n" after the
   status.  A worker that dies gets its status and no reply. */

static int
read_exact (int fd, void *p, size_t n)
{
  unsigned char *c = p;
  while (n > 0)
    {
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

/* One line from FD into BUF (without the newline); -1 on EOF or overflow. */
static int
read_line_fd (int fd, char *buf, size_t len)
{
  size_t k = 0;
  for (;;)
    {
      char c;
      ssize_t r = read (fd, &c, 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return -1;
      if (c == '\n')
        break;
      if (k + 1 >= len)
        return -1;
      buf[k++] = c;
    }
  buf[k] = '\0';
  return (int) k;
}

/* Remove everything in the current directory. */
static void
empty_cwd (void)
{
  DIR *d = opendir (".");
  struct dirent *e;
  while (d && (e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      struct stat sb;
      if (lstat (e->d_name, &sb) == 0 && S_ISDIR (sb.st_mode))
        remove_tree (e->d_name);
      else
        unlink (e->d_name);
    }
  if (d)
    closedir (d);
}

static int
plain_name (const char *n)
{
  return n[0] && !strchr (n, '/') && strcmp (n, ".") && strcmp (n, "..");
}

int
varlb__half_agent (int sock, unsigned long long limit, unsigned long long child_fsize,
                   char *const *argv)
{
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (fcntl (sock, F_SETFD, FD_CLOEXEC) != 0)
    return 125;
  int in[2], out[2];
  if (pipe2 (in, O_CLOEXEC) != 0 || pipe2 (out, O_CLOEXEC) != 0)
    return 125;
  signal (SIGPIPE, SIG_IGN);
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    return 125;
  if (pid == 0)
    {
      signal (SIGPIPE, SIG_DFL);
      struct rlimit rl = { (rlim_t) child_fsize, (rlim_t) child_fsize };
      setrlimit (RLIMIT_FSIZE, &rl);
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      if (dup2 (in[0], 0) < 0 || dup2 (out[1], 1) < 0)
        _exit (125);
      execvp (argv[0], argv);
      _exit (127);
    }
  close (in[0]);
  close (out[1]);
  char head[512];
  for (;;)
    {
      unsigned long long nj, nf, nc;
      if (read_line_fd (sock, head, sizeof head) < 0)
        break; /* the judge is done with us */
      if (sscanf (head, "REQ %llu %llu %llu", &nj, &nf, &nc) != 3 || nj > (1 << 20)
          || nf > VARLB_HALF_MAX_FILES || nc > VARLB_HALF_MAX_FILES)
        return 125;
      empty_cwd ();
      for (unsigned long long i = 0; i < nf; i++)
        {
          char name[256];
          unsigned long long size;
          if (read_line_fd (sock, head, sizeof head) < 0
              || sscanf (head, "FILE %255s %llu", name, &size) != 2 || !plain_name (name))
            return 125;
          unsigned char *b = malloc (size ? size : 1);
          if (b == NULL || read_exact (sock, b, size) != 0)
            return 125;
          int fd = open (name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
          if (fd < 0 || write_all (fd, b, size) != 0)
            return 125;
          close (fd);
          free (b);
        }
      char collect[VARLB_HALF_MAX_FILES][256];
      for (unsigned long long i = 0; i < nc; i++)
        if (read_line_fd (sock, head, sizeof head) < 0
            || sscanf (head, "COLLECT %255s", collect[i]) != 1 || !plain_name (collect[i]))
          return 125;
      char *json = malloc (nj + 2);
      if (json == NULL || read_exact (sock, json, nj) != 0)
        return 125;
      json[nj] = '\n';
      /* The frames go to a memory file first: their size leads them. */
      int mf = memfd_create ("varlb-serve", MFD_CLOEXEC);
      if (mf < 0)
        return 125;
      char reply[65536];
      int got = -1;
      if (write_all (in[1], json, nj + 1) == 0)
        got = read_line_fd (out[0], reply, sizeof reply);
      free (json);
      int died = got < 0, ws = 0;
      if (died)
        {
          /* Dead, or a line past 64 KiB: either way the worker is done. */
          kill (pid, SIGKILL);
          while (waitpid (pid, &ws, 0) < 0 && errno == EINTR)
            ;
          snprintf (head, sizeof head, "VARLBH1\nstatus %s %d\n",
                    WIFSIGNALED (ws) ? "signal" : "exit",
                    WIFSIGNALED (ws) ? WTERMSIG (ws) : WEXITSTATUS (ws) ? WEXITSTATUS (ws) : 1);
          write_all (mf, head, strlen (head));
        }
      else
        {
          snprintf (head, sizeof head, "VARLBH1\nstatus exit 0\nreply %d\n", got);
          write_all (mf, head, strlen (head));
          write_all (mf, reply, (size_t) got);
          write_all (mf, "\n", 1);
        }
      for (unsigned long long i = 0; i < nc; i++)
        collect_file (mf, collect[i], limit, 0);
      write_all (mf, "end\n", 4);
      empty_cwd ();
      size_t n;
      unsigned char *frames = read_fd (mf, &n, (size_t) -1);
      close (mf);
      snprintf (head, sizeof head, "VARLBS %zu\n", n);
      if (frames == NULL || write_all (sock, head, strlen (head)) != 0
          || write_all (sock, frames, n) != 0)
        return 125;
      free (frames);
      if (died)
        return 0;
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  return 0;
}

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
    remove_tree (w->dir);
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
  strv_t inner = { 0 }, argv = { 0 }, env = { 0 };
  int sv[2] = { -1, -1 }, st = VARLB_OK;
  const char *home = getenv ("HOME");
  w->err = memfd_create ("varlb-worker-stderr", MFD_CLOEXEC);
  if (w->err < 0 || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    st = VARLB_EIO;
  if (st == VARLB_OK
      && (sv_add (&inner, half_exe (o)) || sv_add (&inner, "__half") || sv_add (&inner, "--serve")
          || sv_add (&inner, "--frames") || sv_add (&inner, "3") || sv_add (&inner, "--limit")
          || sv_addf (&inner, "%llu", file_limit (o)) || sv_add (&inner, "--")))
    st = VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && h->argv[i]; i++)
    if (sv_add (&inner, h->argv[i]))
      st = VARLB_ENOMEM;
  if (st == VARLB_OK && build_env (&env, h, home, sandbox) != 0)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && sandbox)
    {
      varlb_half_spec_t bare = *h;
      bare.n_in = 0;
      if (bwrap_args (&argv, &bare, o, home, 10, &env, &inner) != 0)
        st = VARLB_ENOMEM;
    }
  else if (st == VARLB_OK)
    {
      remove_stale_dirs ();
      snprintf (w->dir, sizeof w->dir, "%s/varlb-half.XXXXXX", tmp_root ());
      if (mkdtemp (w->dir) == NULL)
        {
          w->dir[0] = '\0';
          st = VARLB_EIO;
        }
      else if ((w->dirfd = open (w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
        flock (w->dirfd, LOCK_EX);
      for (size_t i = 0; st == VARLB_OK && i < inner.n; i++)
        if (sv_add (&argv, inner.v[i]) != 0)
          st = VARLB_ENOMEM;
    }
  if (st == VARLB_OK)
    {
      limits_t l;
      limits_for (&l, o, h->n_out);
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
  sv_free (&inner);
  sv_free (&argv);
  sv_free (&env);
  return st;
}

/* Wait until FD is readable, at most until END (monotonic seconds). */
static int
readable_by (int fd, double end)
{
  for (;;)
    {
      double left = end - now_s ();
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
  double t0 = now_s ();
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
    parse_frames (r, h, frames, n, file_limit (o));
  free (frames);
  size_t en;
  unsigned char *ed = read_fd (w->err, &en, (size_t) -1);
  if (ed)
    {
      size_t from = w->err_seen < en ? w->err_seen : en;
      varlb__error_tail (r->stderr_tail, sizeof r->stderr_tail, ed + from, en - from);
      free (ed);
    }
  /* A worker that died, hung or was cut off starts afresh next time. */
  if (rc != 0 || r->reply == NULL)
    varlb__worker_stop (w);
  r->seconds = now_s () - t0;
  return VARLB_OK;
}

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
  if (v->calibration_dir[0])
    remove_tree (v->calibration_dir);
  if (v->calibration_lock >= 0)
    close (v->calibration_lock);
  free (v);
}

int
varlb__private_dir (char *buf, size_t len, const char *what, int *lock)
{
  remove_stale_dirs ();
  snprintf (buf, len, "%s/varlb-%s.XXXXXX", tmp_root (), what);
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
