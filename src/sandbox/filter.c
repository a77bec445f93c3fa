/* filter.c -- the system-call filter of every half (filter.h): what the
 * kernel shares between processes that namespaces do not separate, and the
 * calls that reach it, refused with EPERM; numbers past the table, ENOSYS.
 * README, "Threat model", carries this table.  Built with libseccomp. */
#define _GNU_SOURCE 1
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <seccomp.h>
#include "sandbox/filter.h"
#include "sandbox/io.h"

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

#define ANY VARLB_FILTER_ANY, 0, 0, NULL
#define EQ(i, v) VARLB_FILTER_ARG_EQ, (i), (unsigned long long) (v), #v
#define HAS(i, v) VARLB_FILTER_ARG_HAS, (i), (unsigned long long) (v), #v
#define EVERY VARLB_FILTER_EVERY
#define WORKER VARLB_FILTER_WORKER

/* The table.  Keep it to one screen per group; the README's copy is
   checked against it by tests/test_filter.c. */
static const varlb_filter_rule_t rules[] = {
  /* Keys are not namespaced: a key one half adds to its uid's keyrings,
     with read granted to others, the next half finds in its keyrings and
     reads, seconds after the first is gone (Flatpak refuses these too). */
  { "add_key", ANY, EVERY, "keys", "a key outlives its half and every half can find it" },
  { "keyctl", ANY, EVERY, "keys", "reads, links and searches the shared keyrings" },
  { "request_key", ANY, EVERY, "keys", "finds a key another half left" },
  /* The page cache is one for the host and outlives every half: evicting
     a page of a host file and probing residency make a channel of it. */
  { "mincore", ANY, EVERY, "page cache", "tells which pages of a mapped host file are cached" },
  { "preadv2", HAS (5, RWF_NOWAIT), EVERY, "page cache",
    "fails with EAGAIN exactly where a page is not cached: a residency probe" },
  { "pwritev2", HAS (5, RWF_NOWAIT), EVERY, "page cache", "the same probe on the write side" },
  { "fadvise64", ANY, EVERY, "page cache",
    "DONTNEED evicts a host file's clean pages, even through a read-only descriptor" },
  { "fadvise64_64", ANY, EVERY, "page cache", "the same, on 32-bit ABIs" },
  { "madvise", EQ (2, MADV_PAGEOUT), EVERY, "page cache", "evicts the mapped pages of a host file" },
  { "madvise", EQ (2, MADV_COLD), EVERY, "page cache", "puts them first in line for eviction" },
  { "process_madvise", ANY, EVERY, "page cache", "MADV_PAGEOUT and MADV_COLD through a pidfd" },
  { "readahead", ANY, EVERY, "page cache", "loads a whole range of a host file at no cost to the caller" },
  { "cachestat", ANY, EVERY, "page cache", "counts the cached pages of any file range" },
  { "mlock", ANY, EVERY, "page cache", "pins pages that dropping the caches would evict (--cold-cache)" },
  { "mlock2", ANY, EVERY, "page cache", "the same" },
  { "mlockall", ANY, EVERY, "page cache", "the same, for every mapping" },
  { "move_pages", ANY, EVERY, "page cache", "reports which pages of a mapping are in memory" },
  { "migrate_pages", ANY, EVERY, "page cache", "moves them, a cost another process can time" },
  /* Asynchronous I/O carries its flags (RWF_NOWAIT) inside structures the
     filter cannot read. */
  { "io_uring_setup", ANY, EVERY, "async I/O", "its requests carry RWF_NOWAIT where no filter sees" },
  { "io_uring_enter", ANY, EVERY, "async I/O", "the same" },
  { "io_uring_register", ANY, EVERY, "async I/O", "the same" },
  { "io_setup", ANY, EVERY, "async I/O", "Linux AIO: RWF_NOWAIT rides inside the iocb" },
  { "io_submit", ANY, EVERY, "async I/O", "the same" },
  { "io_destroy", ANY, EVERY, "async I/O", "the same" },
  { "io_cancel", ANY, EVERY, "async I/O", "the same" },
  { "io_getevents", ANY, EVERY, "async I/O", "the same" },
  { "io_pgetevents", ANY, EVERY, "async I/O", "the same" },
  /* Other processes, the kernel's instruments and its log. */
  { "ptrace", ANY, EVERY, "processes", "reads and drives another process" },
  { "process_vm_readv", ANY, EVERY, "processes", "reads another process's memory" },
  { "process_vm_writev", ANY, EVERY, "processes", "writes another process's memory" },
  { "kcmp", ANY, EVERY, "processes", "compares kernel objects of two processes" },
  { "pidfd_getfd", ANY, EVERY, "processes", "takes a descriptor out of another process" },
  { "perf_event_open", ANY, EVERY, "instruments", "cache-miss and cycle counters: probes of shared state" },
  { "bpf", ANY, EVERY, "instruments", "kernel programs and maps" },
  { "userfaultfd", ANY, EVERY, "instruments", "stalls page faults at will: a race amplifier" },
  { "syslog", ANY, EVERY, "instruments", "the host's kernel log" },
  { "quotactl", ANY, EVERY, "instruments", "the host's disk usage per user" },
  { "sysinfo", ANY, EVERY, "instruments",
    "the host's load, free memory (the page cache) and thread count, which /proc's masked files show; "
    "glibc's sysconf(_SC_PHYS_PAGES) then reads 0" },
  { "quotactl_fd", ANY, EVERY, "instruments", "the same" },
  /* File notifications queue events even while their owner is frozen, and
     a lease breaks when another process opens the file. */
  { "inotify_init", ANY, EVERY, "notifications", "a watch on a shared file sees the other half's opens" },
  { "inotify_init1", ANY, EVERY, "notifications", "the same" },
  { "inotify_add_watch", ANY, EVERY, "notifications", "the same" },
  { "fanotify_init", ANY, EVERY, "notifications", "the same, for a whole mount" },
  { "fanotify_mark", ANY, EVERY, "notifications", "the same" },
  { "fcntl", EQ (1, F_NOTIFY), EVERY, "notifications", "dnotify: the same, for a folder" },
  { "fcntl", EQ (1, F_SETLEASE), EVERY, "notifications", "a lease breaks when another process opens the file" },
  { "fcntl64", EQ (1, F_NOTIFY), EVERY, "notifications", "the same, on 32-bit ABIs" },
  { "fcntl64", EQ (1, F_SETLEASE), EVERY, "notifications", "the same, on 32-bit ABIs" },
  /* Locks on any file both can open (/dev/null will do) are seen by the
     other holder while the first lives: only serve: workers live beside
     their partner, so only they are refused locks (a one-shot half keeps
     SQLite, h5py and filelock working; its locks die with it). */
  { "flock", ANY, WORKER, "locks", "a lock held by one worker is seen by the other" },
  { "fcntl", EQ (1, F_SETLK), WORKER, "locks", "POSIX record locks: the same" },
  { "fcntl", EQ (1, F_SETLKW), WORKER, "locks", "the same" },
  { "fcntl", EQ (1, F_GETLK), WORKER, "locks", "reads the other worker's locks" },
  { "fcntl", EQ (1, F_OFD_SETLK), WORKER, "locks", "open-file-description locks: the same" },
  { "fcntl", EQ (1, F_OFD_SETLKW), WORKER, "locks", "the same" },
  { "fcntl", EQ (1, F_OFD_GETLK), WORKER, "locks", "reads the other worker's locks" },
  { "fcntl64", EQ (1, F_SETLK), WORKER, "locks", "the same, on 32-bit ABIs" },
  { "fcntl64", EQ (1, F_SETLKW), WORKER, "locks", "the same, on 32-bit ABIs" },
  { "fcntl64", EQ (1, F_GETLK), WORKER, "locks", "the same, on 32-bit ABIs" },
};

const varlb_filter_rule_t *
varlb__filter_rules (size_t *n)
{
  *n = sizeof rules / sizeof *rules;
  return rules;
}

long
varlb__filter_horizon (void)
{
#if defined(__NR_io_uring_setup) && __NR_io_uring_setup == 425
  /* The common numbering (x86-64, arm64, riscv, i386, ...), where 469 is
     file_setattr (Linux 6.17; 6.18 added none).  Reviewed past libseccomp
     2.5.4's own list: statmount and listmount (mounts of the half's own
     namespace), lsm_*, mseal, the *xattrat calls, open_tree_attr,
     file_getattr and file_setattr (governed by the read-only view). */
  return 469;
#else
  return 0;
#endif
}

/* Numbers past the horizon that a kernel could add, all refused with
   ENOSYS (x32's bit and other ABIs stay with libseccomp's default: the
   thread is killed). */
#define FILTER_LAST_NUMBER 1023

static int
add_rule (scmp_filter_ctx c, const varlb_filter_rule_t *r, char *why, size_t len)
{
  int nr = seccomp_syscall_resolve_name (r->call);
  if (nr == __NR_SCMP_ERROR || nr < 0)
    return 0; /* not a call of this architecture (fcntl64 on x86-64) */
  struct scmp_arg_cmp cmp;
  int rc;
  if (r->test == VARLB_FILTER_ANY)
    rc = seccomp_rule_add (c, SCMP_ACT_ERRNO (EPERM), nr, 0);
  else
    {
      /* The kernel reads these arguments as 32-bit ints: compare the low
         half only, or a caller could set a high bit to slip past. */
      scmp_datum_t mask = r->test == VARLB_FILTER_ARG_EQ ? 0xffffffffULL : r->value;
      cmp = (struct scmp_arg_cmp) { r->arg, SCMP_CMP_MASKED_EQ, mask, r->value };
      rc = seccomp_rule_add_array (c, SCMP_ACT_ERRNO (EPERM), nr, 1, &cmp);
    }
  if (rc != 0)
    snprintf (why, len, "cannot add %s to the system-call filter: %s", r->call, strerror (-rc));
  return rc;
}

static scmp_filter_ctx
build (int halves, char *why, size_t len)
{
  scmp_filter_ctx c = seccomp_init (SCMP_ACT_ALLOW);
  if (c == NULL)
    {
      snprintf (why, len, "cannot make a system-call filter (libseccomp)");
      return NULL;
    }
  /* A binary tree of the numbers: each call pays a few comparisons, not
     one per rule. */
  seccomp_attr_set (c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < sizeof rules / sizeof *rules; i++)
    if (rules[i].halves & halves)
      rc = add_rule (c, &rules[i], why, len);
  long horizon = varlb__filter_horizon ();
  for (long nr = horizon + 1; rc == 0 && horizon > 0 && nr <= FILTER_LAST_NUMBER; nr++)
    if ((rc = seccomp_rule_add (c, SCMP_ACT_ERRNO (ENOSYS), (int) nr, 0)) != 0)
      snprintf (why, len, "cannot refuse system call %ld: %s", nr, strerror (-rc));
  if (rc != 0)
    {
      seccomp_release (c);
      return NULL;
    }
  return c;
}

/* The program for HALVES exported once (libseccomp takes a few
   milliseconds to build it) and kept for every later half. */
static unsigned char *
program (int halves, size_t *n, char *why, size_t len)
{
  static unsigned char *cache[VARLB_FILTER_EVERY + 1];
  static size_t cache_len[VARLB_FILTER_EVERY + 1];
  if (halves < 1 || halves > VARLB_FILTER_EVERY)
    return NULL;
  if (cache[halves] == NULL)
    {
      scmp_filter_ctx c = build (halves, why, len);
      if (c == NULL)
        return NULL;
      int fd = memfd_create ("varlb-filter", MFD_CLOEXEC);
      int rc = fd < 0 ? -errno : seccomp_export_bpf (c, fd);
      seccomp_release (c);
      size_t got = 0;
      unsigned char *d = rc == 0 ? varlb__read_fd (fd, &got, 1 << 20) : NULL;
      if (fd >= 0)
        close (fd);
      if (d == NULL || got == 0)
        {
          snprintf (why, len, "cannot export the system-call filter: %s",
                    strerror (rc ? -rc : ENOMEM));
          free (d);
          return NULL;
        }
      cache[halves] = d;
      cache_len[halves] = got;
    }
  *n = cache_len[halves];
  return cache[halves];
}

int
varlb__filter_fd (int halves, char *why, size_t len)
{
  size_t n;
  const unsigned char *bpf = program (halves, &n, why, len);
  int fd = bpf ? varlb__memfd_with ("varlb-filter", bpf, n) : -1;
  if (bpf && fd < 0)
    snprintf (why, len, "cannot hand the system-call filter over: %s", strerror (errno));
  return fd;
}

int
varlb__filter_load (int halves, char *why, size_t len)
{
  scmp_filter_ctx c = build (halves, why, len);
  if (c == NULL)
    return -1;
  seccomp_attr_set (c, SCMP_FLTATR_CTL_NNP, 1);
  int rc = seccomp_load (c);
  seccomp_release (c);
  if (rc != 0)
    snprintf (why, len, "cannot install the system-call filter: %s", strerror (-rc));
  return rc ? -1 : 0;
}
