/* view.c -- what a half sees (src/sandbox/view.h): bubblewrap's command
 * line -- the system's runtime read-only (runtime.c), private empty /tmp,
 * /var/tmp, /dev/shm, /run and $HOME, its own /proc with the kernel's
 * settings read-only and its counters masked, varlb's binary and library,
 * the paths its command names and --expose adds, the calibration, its input
 * files -- and the environment it gets.  README, "Threat model".  It builds argument lists and starts nothing: spawning,
 * limits and the uid a half runs under are the host's (host.c).
 *
 * What of the host is shown is runtime.c's: the system's runtime and the
 * paths named, nothing else.  Every half runs under the system-call filter
 * (filter.c), handed to bwrap as --seccomp FD: a serve: worker's refuses
 * locks as well. */
#define _GNU_SOURCE 1 /* dladdr, strndup */
#include <config.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "filter.h"
#include "io.h"
#include "limit.h"
#include "runtime.h"
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
     through it (python/varlb_compressor/library.py). */
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

/* The shared object holding this code (libvarlb) as the loader named it,
   or NULL. */
static const char *
library_path (void)
{
  Dl_info info;
  return dladdr ((void *) &varlb_strerror, &info) ? info.dli_fname : NULL;
}

/* ----------------------------------------------- what a half is shown */

const char *
varlb__half_exe (const varlb_channel_opts_t *o)
{
  return o->half_exe ? o->half_exe : VARLB_BINDIR "/varlb";
}

size_t
varlb__named_paths (char **out, size_t cap, const char *command)
{
  /* The paths themselves, not their folders: a folder may hold what a half
     must not see (a varlb decode --dump beside the compressor). */
  size_t n = 0;
  for (const char *p = command; *p && n < cap;)
    {
      p += strspn (p, " \t'\"");
      size_t len = strcspn (p, " \t'\"");
      if (len > 1 && p[0] == '/')
        {
          char *w = strndup (p, len);
          struct stat sb;
          int seen = 0;
          for (size_t i = 0; w && i < n; i++)
            seen |= strcmp (out[i], w) == 0;
          if (w && !seen && stat (w, &sb) == 0)
            out[n++] = w;
          else
            free (w);
        }
      p += len;
    }
  return n;
}

void
varlb__view_describe (char *out, size_t len, const char *command,
                      const varlb_channel_opts_t *o)
{
  size_t k = (size_t) snprintf (out, len, "the system's runtime");
  char *named[16];
  size_t n = command ? varlb__named_paths (named, 16, command) : 0;
  static const char *const vars[] = { "PYTHONPATH", "LD_LIBRARY_PATH" };
  for (size_t part = 0; part < 4; part++)
    {
      const char *label = part == 0 ? "named" : part == 1 ? "--expose" : vars[part - 2];
      const char *v = part >= 2 ? getenv (vars[part - 2]) : NULL;
      size_t count = part == 0 ? n : 0;
      for (size_t i = 0; part == 1 && o->expose && o->expose[i]; i++)
        count++;
      if (part >= 2 && (v == NULL || v[0] != '/'))
        continue;
      if ((part < 2 && count == 0) || k >= len)
        continue;
      k += (size_t) snprintf (out + k, len - k, "; %s ", label);
      for (size_t i = 0; part < 2 && i < count && k < len; i++)
        k += (size_t) snprintf (out + k, len - k, "%s%s", i ? ", " : "",
                                part == 0 ? named[i] : o->expose[i]);
      if (part >= 2 && k < len)
        k += (size_t) snprintf (out + k, len - k, "%s", v);
    }
  for (size_t i = 0; i < n; i++)
    free (named[i]);
  if (k < len)
    snprintf (out + k, len - k, "; nothing else of the host");
}

int
varlb__named_near_outputs (const char *command, char *why, size_t len)
{
  char *named[16], what[4096];
  size_t n = varlb__named_paths (named, 16, command);
  int found = 0;
  for (size_t i = 0; i < n; i++)
    {
      struct stat sb;
      char *dir = strdup (named[i]);
      if (!found && dir && stat (named[i], &sb) == 0 && !S_ISDIR (sb.st_mode))
        {
          char *slash = strrchr (dir, '/');
          if (slash)
            slash[slash == dir] = '\0';
        }
      if (!found && !varlb__halves_reach (named[i], why, len))
        found = 1;
      if (!found && dir && varlb__holds_outputs (dir, what, sizeof what))
        {
          snprintf (why, len, "%s lies in %s, which holds varlb outputs (%s): a half must "
                    "not see them; move the program, or the outputs", named[i], dir, what);
          found = 1;
        }
      free (dir);
      free (named[i]);
    }
  return found;
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

/* Whether PATH lies in (or is) one of the host paths shown. */
static int
under (const char *path, const char *const *shown, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      size_t l = strlen (shown[i]);
      if (strncmp (path, shown[i], l) == 0 && (path[l] == '/' || path[l] == '\0'))
        return 1;
    }
  return 0;
}

/* The host paths a half is shown beyond the runtime, into A (through
   descriptors in FDS): varlb's binary and library as files, the folders of
   PYTHONPATH and LD_LIBRARY_PATH, --expose and the paths the command
   names, the calibration; SHOWN receives them (at most CAP) for the masks.
   0, or -1 with WHY. */
static int
shown_args (varlb__strv_t *a, varlb__fds_t *fds, const varlb_half_spec_t *h,
            const varlb_channel_opts_t *o, long uid, char **shown, size_t cap, size_t *n_shown,
            char *why, size_t len)
{
  const char *given[2] = { varlb__half_exe (o), library_path () };
  for (size_t i = 0; i < 2; i++)
    {
      /* At the path the loader asks for, and at its target (a library's
         soname is a symbolic link). */
      char *real = given[i] ? realpath (given[i], NULL) : NULL;
      int st = real ? varlb__show_path (a, fds, real, given[i], uid, why, len) : 0;
      if (st >= 0 && real && strcmp (real, given[i]) != 0)
        st = varlb__show_path (a, fds, real, NULL, uid, why, len);
      free (real);
      if (st < 0)
        return -1;
    }
  *n_shown = 0;
  static const char *const path_vars[] = { "PYTHONPATH", "LD_LIBRARY_PATH" };
  for (size_t k = 0; k < 4; k++)
    {
      const char *v = k < 2 ? getenv (path_vars[k]) : NULL;
      const char *const *list = k == 2 ? o->expose : k == 3 ? h->expose : NULL;
      for (size_t i = 0; (v && *v) || (list && list[i]); i++)
        {
          char path[4096];
          if (v)
            {
              size_t l = strcspn (v, ":");
              snprintf (path, sizeof path, "%.*s", (int) (l < sizeof path ? l : 0), v);
              v += l + (v[l] == ':');
              if (path[0] != '/')
                continue;
            }
          else
            snprintf (path, sizeof path, "%s", list[i]);
          int st = varlb__show_path (a, fds, path, NULL, uid, why, len);
          if (st < 0)
            return -1;
          if (st == 0 && *n_shown < cap && (shown[*n_shown] = strdup (path)) != NULL)
            (*n_shown)++;
        }
    }
  /* The compressor's calibration, fitted before any instance: read-only. */
  if (h->calibration
      && varlb__show_path (a, fds, h->calibration, VARLB_CALIBRATION_DIR, uid, why, len) < 0)
    return -1;
  return 0;
}

int
varlb__view_args (varlb__strv_t *a, const varlb_half_spec_t *h, const varlb_channel_opts_t *o,
                  const char *home, int fd_first_in, varlb__strv_t *env, varlb__strv_t *inner,
                  int worker, long uid, varlb__fds_t *fds, char *why, size_t len)
{
  char size[32];
  snprintf (size, sizeof size, "%llu", varlb__file_limit (o) * (h->n_out + 2) + (16ULL << 20)
            + 2ULL * (h->n_in ? h->in[0].len : 0) + (h->n_in > 1 ? 2ULL * h->in[1].len : 0));
  varlb__fds_init (fds, fd_first_in + (int) h->n_in);
  why[0] = '\0';
  if (varlb__strv_push (a, BWRAP_PATH, "--unshare-all", "--unshare-user", "--disable-userns",
                        "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--hostname",
                        "varlb-half", NULL)
      || varlb__runtime_args (a) != 0
      || varlb__strv_push (a, "--dev", "/dev", "--proc", "/proc", NULL))
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
  if (proc_view_args (a) != 0)
    return -1;
  char *shown[64];
  size_t n_shown = 0;
  int st = shown_args (a, fds, h, o, uid, shown, 64, &n_shown, why, len);
  /* Hidden even where a shown folder holds them: the judge key, the
     results. */
  for (size_t i = 0; st == 0 && o->hide && o->hide[i]; i++)
    {
      struct stat sb;
      if (stat (o->hide[i], &sb) != 0 || !under (o->hide[i], (const char *const *) shown, n_shown))
        continue;
      if (S_ISDIR (sb.st_mode) ? varlb__strv_push (a, "--tmpfs", o->hide[i], NULL)
          : varlb__strv_push (a, "--ro-bind", "/dev/null", o->hide[i], NULL))
        st = -1;
    }
  for (size_t i = 0; i < n_shown; i++)
    free (shown[i]);
  if (st != 0 || varlb__strv_push (a, "--dir", VARLB_HALF_DIR, NULL))
    return -1;
  for (size_t i = 0; i < h->n_in; i++)
    if (varlb__strv_push (a, "--perms", "0644", "--file", NULL)
        || varlb__strv_addf (a, "%d", fd_first_in + (int) i)
        || varlb__strv_addf (a, "%s/%s", VARLB_HALF_DIR, h->in[i].name))
      return -1;
  /* The system-call filter, last of the sandbox's own steps. */
  int filter = varlb__filter_fd (worker ? VARLB_FILTER_WORKER : VARLB_FILTER_ONESHOT, why, len);
  int num = filter >= 0 ? varlb__fds_take (fds, filter) : -1;
  if (num < 0)
    {
      if (!why[0])
        snprintf (why, len, "too many paths shown to a half");
      return -1;
    }
  if (varlb__strv_push (a, "--seccomp", NULL) || varlb__strv_addf (a, "%d", num)
      || varlb__strv_push (a, "--chdir", VARLB_HALF_DIR, "--clearenv", NULL))
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
