/* view.c -- what a half sees (src/sandbox/view.h): bubblewrap's command
 * line -- the host read-only, private empty /tmp, /var/tmp, /dev/shm, /run
 * and $HOME, its own /proc with the kernel's settings read-only and its
 * counters masked, varlb's binary and library, the paths its command names
 * and --expose adds, the calibration, its input files -- and the
 * environment it gets.  DESIGN.md "contracts that must not drift"; README
 * "Threat model".  It builds argument lists and starts nothing: spawning,
 * limits and the uid a half runs under are the host's (host.c).
 *
 * Seams for the kernel-isolation issue (18): the system-call filter goes
 * into filter.c (libseccomp, exported as BPF into a descriptor) and joins
 * the arguments here as --seccomp FD; the view of a half under its own uid
 * (its own parent folders, every named file readable) grows here, the uid
 * drop itself in uid.c, called by the host before it execs bwrap. */
#define _GNU_SOURCE 1 /* dladdr, strndup */
#include <config.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "io.h"
#include "limit.h"
#include "view.h"

#ifndef VARLB_BINDIR
#define VARLB_BINDIR "/usr/local/bin"
#endif

/* ----------------------------------------------------- the environment */

/* The judge's environment variables a half may see; everything else
   (including VARLB_JUDGE_KEY) is dropped. */
static const char *const env_pass[] = {
  "PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
  "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", NULL
};

int
varlb__view_env (varlb__strv_t *env, const varlb_half_spec_t *h, const char *home, int sandbox)
{
  for (size_t i = 0; env_pass[i]; i++)
    {
      const char *v = getenv (env_pass[i]);
      if (v && varlb__strv_addf (env, "%s=%s", env_pass[i], v) != 0)
        return -1;
    }
  if (getenv ("PATH") == NULL
      && varlb__strv_add (env, "PATH=/usr/local/bin:/usr/bin:/bin") != 0)
    return -1;
  if (home && varlb__strv_addf (env, "HOME=%s", home) != 0)
    return -1;
  if (varlb__strv_addf (env, "TMPDIR=%s", sandbox ? "/tmp" : varlb__tmp_root ()) != 0
      || varlb__strv_addf (env, "VARLB_HALF=%s", h->label) != 0)
    return -1;
  if (h->calibration
      && varlb__strv_addf (env, "VARLB_CALIBRATION=%s",
                           sandbox ? VARLB_CALIBRATION_DIR : h->calibration) != 0)
    return -1;
  /* The libvarlb this judge runs, for helpers that rebuild the public keys
     through it (python/varlb_compressor.py). */
  Dl_info info;
  char *lib = dladdr ((void *) &varlb_strerror, &info) && info.dli_fname
              ? realpath (info.dli_fname, NULL) : NULL;
  int bad = lib && varlb__strv_addf (env, "VARLB_LIBRARY=%s", lib) != 0;
  free (lib);
  if (bad)
    return -1;
  for (size_t i = 0; h->env && h->env[i]; i++)
    if (varlb__strv_add (env, h->env[i]) != 0)
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

/* ----------------------------------------------- what a half is shown */

const char *
varlb__half_exe (const varlb_channel_opts_t *o)
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
proc_view_args (varlb__strv_t *a)
{
  struct stat sb;
  for (size_t i = 0; proc_readonly[i]; i++)
    if (lstat (proc_readonly[i], &sb) == 0
        && varlb__strv_push (a, "--ro-bind", proc_readonly[i], proc_readonly[i], NULL))
      return -1;
  for (size_t i = 0; proc_hidden[i]; i++)
    if (lstat (proc_hidden[i], &sb) == 0 && !S_ISDIR (sb.st_mode)
        && varlb__strv_push (a, "--ro-bind", "/dev/null", proc_hidden[i], NULL))
      return -1;
  for (size_t i = 0; dirs_hidden[i]; i++)
    if (stat (dirs_hidden[i], &sb) == 0 && S_ISDIR (sb.st_mode)
        && varlb__strv_push (a, "--tmpfs", dirs_hidden[i], "--remount-ro", dirs_hidden[i], NULL))
      return -1;
  return 0;
}

int
varlb__view_args (varlb__strv_t *a, const varlb_half_spec_t *h, const varlb_channel_opts_t *o,
                  const char *home, int fd_first_in, varlb__strv_t *env, varlb__strv_t *inner)
{
  char size[32];
  snprintf (size, sizeof size, "%llu", varlb__file_limit (o) * (h->n_out + 2) + (16ULL << 20)
            + 2ULL * (h->n_in ? h->in[0].len : 0) + (h->n_in > 1 ? 2ULL * h->in[1].len : 0));
  const char *fixed[] = {
    BWRAP_PATH, "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
    "--die-with-parent", "--new-session", "--hostname", "varlb-half",
    "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", NULL
  };
  for (size_t i = 0; fixed[i]; i++)
    if (varlb__strv_add (a, fixed[i]) != 0)
      return -1;
  /* Private, empty, bounded: every writable place a half has. */
  const char *tmpfs[] = { "/tmp", "/var/tmp", "/dev/shm", "/run", home, NULL };
  for (size_t i = 0; i < sizeof tmpfs / sizeof *tmpfs - 1; i++)
    {
      struct stat sb;
      if (tmpfs[i] == NULL || strcmp (tmpfs[i], "/") == 0 || stat (tmpfs[i], &sb) != 0
          || !S_ISDIR (sb.st_mode))
        continue;
      if (varlb__strv_push (a, "--size", size, "--tmpfs", tmpfs[i], NULL))
        return -1;
    }
  struct stat sb;
  if (stat ("/sys/fs/cgroup", &sb) == 0 && S_ISDIR (sb.st_mode)
      && varlb__strv_push (a, "--tmpfs", "/sys/fs/cgroup", NULL))
    return -1;
  if (proc_view_args (a) != 0)
    return -1;
  /* Seen again read-only: the varlb binary and library, and what the
     compressor names (under a hidden directory they would vanish). */
  char *dirs[3] = { dir_of (varlb__half_exe (o)), library_dir (), NULL };
  int st = 0;
  for (size_t i = 0; i < 2 && st == 0; i++)
    if (dirs[i] && varlb__strv_push (a, "--ro-bind", dirs[i], dirs[i], NULL))
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
                  && varlb__strv_push (a, "--ro-bind", dir, dir, NULL))
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
            && varlb__strv_push (a, "--ro-bind", list[i], list[i], NULL))
          return -1;
    }
  /* The compressor's calibration, fitted before any instance: read-only. */
  if (h->calibration
      && varlb__strv_push (a, "--ro-bind", h->calibration, VARLB_CALIBRATION_DIR, NULL))
    return -1;
  /* Hidden even where exposed: the judge key, the results. */
  for (size_t i = 0; o->hide && o->hide[i]; i++)
    {
      if (stat (o->hide[i], &sb) != 0)
        continue;
      if (S_ISDIR (sb.st_mode) ? varlb__strv_push (a, "--tmpfs", o->hide[i], NULL)
          : varlb__strv_push (a, "--ro-bind", "/dev/null", o->hide[i], NULL))
        return -1;
    }
  if (varlb__strv_push (a, "--dir", VARLB_HALF_DIR, NULL))
    return -1;
  for (size_t i = 0; i < h->n_in; i++)
    if (varlb__strv_push (a, "--perms", "0644", "--file", NULL)
        || varlb__strv_addf (a, "%d", fd_first_in + (int) i)
        || varlb__strv_addf (a, "%s/%s", VARLB_HALF_DIR, h->in[i].name))
      return -1;
  /* (Seam, issue 18: the system-call filter, built by filter.c into a
     descriptor the host passes down, joins here as --seccomp FD.) */
  if (varlb__strv_push (a, "--chdir", VARLB_HALF_DIR, "--clearenv", NULL))
    return -1;
  for (size_t i = 0; i < env->n; i++)
    {
      char *eq = strchr (env->v[i], '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      int r = varlb__strv_push (a, "--setenv", env->v[i], eq + 1, NULL);
      *eq = '=';
      if (r)
        return -1;
    }
  if (varlb__strv_add (a, "--") || varlb__strv_extend (a, inner))
    return -1;
  return 0;
}

