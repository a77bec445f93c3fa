/* test_filter.c -- the system-call filter of every half (src/sandbox/filter.c):
 * each refused call fails with EPERM under it and not without it; the
 * argument rules refuse only their value (a high bit set above the kernel's
 * int does not slip past); locks are refused to serve: workers alone; a
 * number past the table's horizon fails with ENOSYS; a call of another ABI
 * (x32) kills; real work (files, pipes, threads of a libc) goes on; and the
 * README's table names every refused call. */
#define _GNU_SOURCE 1
#include "testutil.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <seccomp.h>
#include "sandbox/filter.h"

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

/* Run FN in a child, with the filter for HALVES installed first (0: none);
   the child's exit status, or 1000 + signal. */
static int
in_child (int halves, int (*fn) (void *), void *arg)
{
  fflush (NULL);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      char why[256];
      if (halves && varlb__filter_load (halves, why, sizeof why) != 0)
        {
          fprintf (stderr, "%s\n", why);
          _exit (99);
        }
      _exit (fn (arg));
    }
  int ws;
  ck_assert_int_eq (waitpid (pid, &ws, 0), pid);
  return WIFEXITED (ws) ? WEXITSTATUS (ws) : 1000 + WTERMSIG (ws);
}

/* The call of rule R with the value it refuses in its argument and -1
   (no such descriptor, address or process) everywhere else; with OTHER, a
   value the rule lets through.  Returns errno (0 on success). */
static int
call_rule (const varlb_filter_rule_t *r, int other)
{
  int nr = seccomp_syscall_resolve_name (r->call);
  long a[6] = { -1, -1, -1, -1, -1, -1 };
  if (r->test != VARLB_FILTER_ANY)
    a[r->arg] = other ? (r->test == VARLB_FILTER_ARG_HAS ? 0 : 0x7fff) : (long) r->value;
  if (strcmp (r->call, "mlockall") == 0 || strcmp (r->call, "inotify_init") == 0)
    a[0] = 0x7fff; /* no flags a kernel knows: nothing is locked */
  errno = 0;
  long rc = syscall (nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  return rc < 0 ? errno : 0;
}

typedef struct probe {
  int halves, other;
  int errs[128];
} probe_t;

static int
errs_of_rules (void *p)
{
  probe_t *pr = p;
  size_t n;
  const varlb_filter_rule_t *r = varlb__filter_rules (&n);
  /* The answers go back through a shared mapping. */
  for (size_t i = 0; i < n && i < 128; i++)
    pr->errs[i] = seccomp_syscall_resolve_name (r[i].call) < 0 ? -1 : call_rule (&r[i], pr->other);
  return 0;
}

static probe_t *
shared_probe (void)
{
  probe_t *p = mmap (NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne (p, MAP_FAILED);
  return p;
}

START_TEST (every_refused_call_fails_with_eperm_and_not_without_the_filter)
{
  size_t n;
  const varlb_filter_rule_t *r = varlb__filter_rules (&n);
  ck_assert_int_le (n, 128);
  probe_t *with = shared_probe (), *without = shared_probe ();
  ck_assert_int_eq (in_child (VARLB_FILTER_WORKER | VARLB_FILTER_ONESHOT, errs_of_rules, with), 0);
  ck_assert_int_eq (in_child (0, errs_of_rules, without), 0);
  size_t seen = 0, distinct = 0;
  for (size_t i = 0; i < n; i++)
    {
      ck_assert_msg (r[i].why && *r[i].why && r[i].group && *r[i].group, "rule %zu has no reason", i);
      if (with->errs[i] < 0)
        continue; /* not a call of this architecture */
      seen++;
      ck_assert_msg (with->errs[i] == EPERM, "%s (%s): errno %d under the filter", r[i].call,
                     r[i].value_name ? r[i].value_name : "any", with->errs[i]);
      /* As root nothing here fails with EPERM by itself; as another user a
         few (bpf, perf_event_open, syslog) may, and prove nothing. */
      distinct += without->errs[i] != EPERM;
    }
  ck_assert_int_ge (seen, 50);
  if (geteuid () == 0)
    ck_assert_int_ge (distinct, seen - 2);
  munmap (with, sizeof *with);
  munmap (without, sizeof *without);
}
END_TEST

START_TEST (argument_rules_refuse_only_their_value)
{
  size_t n;
  const varlb_filter_rule_t *r = varlb__filter_rules (&n);
  probe_t *p = shared_probe ();
  p->other = 1;
  ck_assert_int_eq (in_child (VARLB_FILTER_EVERY, errs_of_rules, p), 0);
  size_t args = 0;
  for (size_t i = 0; i < n; i++)
    if (r[i].test != VARLB_FILTER_ANY && p->errs[i] >= 0)
      {
        args++;
        ck_assert_msg (p->errs[i] != EPERM, "%s with another value refused", r[i].call);
      }
  ck_assert_int_ge (args, 10);
  munmap (p, sizeof *p);
}
END_TEST

static int
high_bits (void *unused)
{
  (void) unused;
  int fd = open ("/dev/null", O_RDONLY);
  /* The kernel reads fcntl's command as an int: bit 32 is dropped. */
  errno = 0;
  long rc = syscall (SYS_fcntl, fd, (1L << 32) | F_SETLEASE, F_RDLCK);
  int e1 = rc < 0 ? errno : 0;
  rc = syscall (SYS_madvise, 0, 4096, (1L << 40) | MADV_PAGEOUT);
  int e2 = rc < 0 ? errno : 0;
  return (e1 == EPERM) + 2 * (e2 == EPERM);
}

START_TEST (a_high_bit_above_the_int_does_not_slip_past)
{
  ck_assert_int_eq (in_child (VARLB_FILTER_ONESHOT, high_bits, NULL), 3);
}
END_TEST

static int
locks (void *unused)
{
  (void) unused;
  char path[] = "/tmp/varlb-filter-lock.XXXXXX";
  int fd = mkstemp (path);
  if (fd < 0)
    return 90;
  unlink (path);
  struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
  int ok = 0;
  ok += flock (fd, LOCK_SH) == 0;
  ok += fcntl (fd, F_SETLK, &fl) == 0;
  fl.l_pid = 0;
  ok += fcntl (fd, F_OFD_SETLK, &fl) == 0;
  ok += fcntl (fd, F_OFD_GETLK, &fl) == 0;
  errno = 0;
  ok += lockf (fd, F_TEST, 0) == 0;
  int refused = errno == EPERM;
  return ok * 2 + refused;
}

START_TEST (locks_are_refused_to_workers_only)
{
  ck_assert_int_eq (in_child (VARLB_FILTER_ONESHOT, locks, NULL), 10);
  ck_assert_int_eq (in_child (VARLB_FILTER_WORKER, locks, NULL), 1);
}
END_TEST

static int
past_horizon (void *unused)
{
  (void) unused;
  long h = varlb__filter_horizon ();
  errno = 0;
  long a = syscall (h + 1, 0, 0, 0, 0, 0, 0);
  int e1 = a < 0 ? errno : 0;
  errno = 0;
  long b = syscall (1023, 0, 0, 0, 0, 0, 0);
  int e2 = b < 0 ? errno : 0;
  /* The last reviewed call is still the kernel's to answer. */
  errno = 0;
  long c = syscall (h, -1, 0, 0, 0, 0, 0);
  int e3 = c < 0 ? errno : 0;
  return (e1 == ENOSYS) + 2 * (e2 == ENOSYS) + 4 * (e3 != ENOSYS && e3 != EPERM);
}

START_TEST (numbers_past_the_horizon_fail_with_enosys)
{
#if defined(__NR_io_uring_setup) && __NR_io_uring_setup == 425
  /* The common numbering: the table knows where it ends. */
  ck_assert_int_gt (varlb__filter_horizon (), 450);
  ck_assert_int_eq (in_child (VARLB_FILTER_ONESHOT, past_horizon, NULL), 7);
#else
  ck_assert_int_eq (varlb__filter_horizon (), 0); /* its own numbering: no horizon */
#endif
}
END_TEST

#if defined(__x86_64__)
static int
x32_call (void *unused)
{
  (void) unused;
  syscall (0x40000000L | SYS_getpid);
  return 0;
}
#endif

START_TEST (another_abi_is_killed)
{
#if defined(__x86_64__)
  ck_assert_int_eq (in_child (VARLB_FILTER_ONESHOT, x32_call, NULL), 1000 + SIGSYS);
#endif
}
END_TEST

static int
ordinary_work (void *unused)
{
  (void) unused;
  char path[] = "/tmp/varlb-filter-work.XXXXXX";
  int fd = mkstemp (path);
  if (fd < 0)
    return 1;
  unlink (path);
  char buf[4096] = "x";
  struct iovec iov = { buf, sizeof buf };
  if (write (fd, buf, sizeof buf) != (ssize_t) sizeof buf)
    return 2;
  if (preadv2 (fd, &iov, 1, 0, 0) != (ssize_t) sizeof buf)
    return 3;
  if (preadv2 (fd, &iov, 1, 0, RWF_NOWAIT) >= 0 || errno != EPERM)
    return 4;
  void *m = mmap (NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED || madvise (m, 4096, MADV_DONTNEED) != 0)
    return 5;
  if (madvise (m, 4096, MADV_PAGEOUT) == 0 || errno != EPERM)
    return 6;
  unsigned char vec;
  if (mincore (m, 4096, &vec) == 0 || errno != EPERM)
    return 7;
  if (posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED) != EPERM)
    return 8;
  pid_t p = fork ();
  if (p == 0)
    _exit (5);
  int ws;
  if (p < 0 || waitpid (p, &ws, 0) != p || WEXITSTATUS (ws) != 5)
    return 9;
  return 0;
}

START_TEST (ordinary_work_goes_on)
{
  ck_assert_int_eq (in_child (VARLB_FILTER_EVERY, ordinary_work, NULL), 0);
}
END_TEST

START_TEST (the_readme_table_names_every_refused_call)
{
  FILE *f = fopen (TOP_SRCDIR "/README.md", "r");
  ck_assert_ptr_nonnull (f);
  static char text[1 << 20];
  size_t got = fread (text, 1, sizeof text - 1, f);
  fclose (f);
  text[got] = '\0';
  const char *table = strstr (text, "<!-- filter table -->");
  ck_assert_msg (table != NULL, "README.md has no filter table");
  size_t n;
  const varlb_filter_rule_t *r = varlb__filter_rules (&n);
  for (size_t i = 0; i < n; i++)
    {
      char want[80];
      snprintf (want, sizeof want, "`%s`", r[i].call);
      ck_assert_msg (strstr (table, want) != NULL, "the README's table lacks %s", want);
      if (r[i].value_name)
        ck_assert_msg (strstr (table, r[i].value_name) != NULL, "the README's table lacks %s",
                       r[i].value_name);
    }
}
END_TEST

TEST_MAIN ("filter", s)
{
  TCase *tc = test_case (s, "table", 60);
  tcase_add_test (tc, every_refused_call_fails_with_eperm_and_not_without_the_filter);
  tcase_add_test (tc, argument_rules_refuse_only_their_value);
  tcase_add_test (tc, a_high_bit_above_the_int_does_not_slip_past);
  tcase_add_test (tc, locks_are_refused_to_workers_only);
  tcase_add_test (tc, numbers_past_the_horizon_fail_with_enosys);
  tcase_add_test (tc, another_abi_is_killed);
  tcase_add_test (tc, ordinary_work_goes_on);
  tcase_add_test (tc, the_readme_table_names_every_refused_call);
}
