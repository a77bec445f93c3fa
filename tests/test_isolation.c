/* test_isolation.c -- the host-side pieces that keep halves apart beyond
 * namespaces (src/sandbox/uid.c, freezer.c, coldcache.c): each varlb takes a
 * pair of reserved uids no other varlb holds, and a half dropped to one
 * cannot come back; a frozen group runs nothing until thawed, and removing
 * it kills what is left; --cold-cache is possible for the host's root only
 * (probed without writing: the caches are never dropped here).  Needs root
 * (the uids and the cgroups are root's): a skip otherwise. */
#define _GNU_SOURCE 1
#include <config.h> /* the reserved uids, as configured */
#include "testutil.h"
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "sandbox/coldcache.h"
#include "sandbox/freezer.h"
#include "sandbox/uid.h"

/* A child that reserves its pair and reports it through PIPE, then waits
   for HOLD to close (so both hold their pairs at once). */
static pid_t
reserver (int report, int hold, int hold_w)
{
  pid_t p = fork ();
  if (p != 0)
    return p;
  close (hold_w);
  char why[256];
  long u[2] = { varlb__half_uid (0, why, sizeof why), varlb__half_uid (1, why, sizeof why) };
  if (write (report, u, sizeof u) != (ssize_t) sizeof u)
    _exit (1);
  char c;
  while (read (hold, &c, 1) > 0)
    ;
  _exit (0);
}

START_TEST (each_varlb_holds_a_pair_of_its_own)
{
  int rep[2], hold[2];
  ck_assert_int_eq (pipe (rep), 0);
  ck_assert_int_eq (pipe (hold), 0);
  pid_t a = reserver (rep[1], hold[0], hold[1]), b = reserver (rep[1], hold[0], hold[1]);
  long ua[2], ub[2];
  ck_assert_int_eq (read (rep[0], ua, sizeof ua), sizeof ua);
  ck_assert_int_eq (read (rep[0], ub, sizeof ub), sizeof ub);
  close (hold[1]);
  waitpid (a, NULL, 0);
  waitpid (b, NULL, 0);
  long all[4] = { ua[0], ua[1], ub[0], ub[1] };
  for (int i = 0; i < 4; i++)
    {
      ck_assert_int_ge (all[i], VARLB_HALF_UID_FIRST);
      ck_assert_int_lt (all[i], (long) VARLB_HALF_UID_FIRST + VARLB_HALF_UID_COUNT);
      for (int j = 0; j < i; j++)
        ck_assert_msg (all[i] != all[j], "uid %ld given twice", all[i]);
    }
  /* Once both are gone, their pairs are free again: the lowest comes back. */
  int rep2[2], hold2[2];
  ck_assert_int_eq (pipe (rep2), 0);
  ck_assert_int_eq (pipe (hold2), 0);
  pid_t c = reserver (rep2[1], hold2[0], hold2[1]);
  long uc[2];
  ck_assert_int_eq (read (rep2[0], uc, sizeof uc), sizeof uc);
  close (hold2[1]);
  waitpid (c, NULL, 0);
  ck_assert_int_eq (uc[0], ua[0] < ub[0] ? ua[0] : ub[0]);
}
END_TEST

START_TEST (a_dropped_half_cannot_come_back)
{
  char why[256];
  long uid = varlb__half_uid (1, why, sizeof why);
  ck_assert_msg (uid > 0, "%s", why);
  pid_t p = fork ();
  if (p == 0)
    {
      if (varlb__uid_become ((uid_t) uid) != 0)
        _exit (1);
      gid_t groups[4];
      int ng = getgroups (4, groups);
      uid_t r, e, s;
      getresuid (&r, &e, &s);
      int ok = r == (uid_t) uid && e == r && s == r && getgid () == (gid_t) uid && ng == 0
               && setuid (0) != 0 && seteuid (0) != 0 && access ("/root", R_OK) != 0;
      _exit (ok ? 0 : 2);
    }
  int ws;
  ck_assert_int_eq (waitpid (p, &ws, 0), p);
  ck_assert_int_eq (WEXITSTATUS (ws), 0);
}
END_TEST

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

START_TEST (a_frozen_worker_runs_nothing)
{
  varlb_freezer_t f;
  char why[512];
  if (varlb__freezer_make (&f, "test", why, sizeof why) != 0)
    {
      /* Root without a cgroup to write (a container): nothing to test. */
      printf ("skipped: %s\n", why);
      return;
    }
  int join = varlb__freezer_join_fd (&f, why, sizeof why);
  ck_assert_msg (join >= 0, "%s", why);
  volatile unsigned long *counter = mmap (NULL, 4096, PROT_READ | PROT_WRITE,
                                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t p = fork ();
  if (p == 0)
    {
      if (write (join, "0", 1) != 1)
        _exit (1);
      /* A grandchild in a session of its own: no escape from the group. */
      if (fork () == 0)
        setsid ();
      for (;;)
        __atomic_add_fetch (counter, 1, __ATOMIC_RELAXED);
    }
  close (join);
  struct timespec ts = { 0, 50000000 };
  nanosleep (&ts, NULL);
  ck_assert_int_eq (varlb__freezer_set (&f, 1, 5.0, why, sizeof why), 0);
  unsigned long before = *counter;
  nanosleep (&ts, NULL);
  ck_assert_msg (*counter == before, "a frozen group counted %lu", *counter - before);
  double t0 = now ();
  ck_assert_int_eq (varlb__freezer_set (&f, 0, 5.0, why, sizeof why), 0);
  nanosleep (&ts, NULL);
  ck_assert_msg (*counter > before, "a thawed group did not run");
  ck_assert (now () - t0 < 1.0);
  varlb__freezer_set (&f, 1, 5.0, why, sizeof why);
  varlb__freezer_remove (&f);
  int ws;
  ck_assert_int_eq (waitpid (p, &ws, 0), p);
  ck_assert (WIFSIGNALED (ws) && WTERMSIG (ws) == SIGKILL);
  before = *counter;
  nanosleep (&ts, NULL);
  ck_assert_msg (*counter == before, "the grandchild outlived the group's removal");
}
END_TEST

START_TEST (a_stopped_tree_runs_nothing)
{
  /* Where no cgroup can be made: every process of the tree, grandchildren
     in sessions of their own included, stopped and continued. */
  varlb_freezer_t f;
  char why[512];
  varlb__freezer_init (&f);
  volatile unsigned long *counter = mmap (NULL, 4096, PROT_READ | PROT_WRITE,
                                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t p = fork ();
  if (p == 0)
    {
      setpgid (0, 0);
      for (int k = 0; k < 3; k++)
        if (fork () == 0)
          {
            setsid ();
            if (fork () == 0)
              break;
          }
      for (;;)
        __atomic_add_fetch (counter, 1, __ATOMIC_RELAXED);
    }
  struct timespec ts = { 0, 50000000 };
  nanosleep (&ts, NULL);
  varlb__freezer_tree (&f, p);
  ck_assert_msg (varlb__freezer_set (&f, 1, 5.0, why, sizeof why) == 0, "%s", why);
  ck_assert_int_ge (f.n_stopped, 7);
  unsigned long before = *counter;
  nanosleep (&ts, NULL);
  ck_assert_msg (*counter == before, "a stopped tree counted %lu", *counter - before);
  ck_assert_int_eq (varlb__freezer_set (&f, 0, 5.0, why, sizeof why), 0);
  nanosleep (&ts, NULL);
  ck_assert_msg (*counter > before, "a continued tree did not run");
  for (size_t i = 0; i < f.n_stopped; i++)
    kill (f.stopped[i], SIGKILL);
  waitpid (p, NULL, 0);
  varlb__freezer_remove (&f);
}
END_TEST

START_TEST (cold_cache_is_the_hosts_roots_alone)
{
  char why[256];
  /* Root in a container whose /proc/sys is read-only is refused too. */
  if (!varlb__cold_cache_possible (why, sizeof why))
    ck_assert_msg (strstr (why, "drop_caches") != NULL, "%s", why);
  long uid = varlb__half_uid (0, why, sizeof why);
  pid_t p = fork ();
  if (p == 0)
    {
      if (varlb__uid_become ((uid_t) uid) != 0)
        _exit (1);
      _exit (varlb__cold_cache_possible (why, sizeof why) == 0 && strstr (why, "root") ? 0 : 2);
    }
  int ws;
  ck_assert_int_eq (waitpid (p, &ws, 0), p);
  ck_assert_int_eq (WEXITSTATUS (ws), 0);
}
END_TEST

int
main (void)
{
  if (geteuid () != 0)
    {
      printf ("not root: the reserved uids, the cgroups and the caches are root's: skipping\n");
      return 77;
    }
  Suite *s = suite_create ("isolation");
  TCase *tc = test_case (s, "host", 60);
  tcase_add_test (tc, each_varlb_holds_a_pair_of_its_own);
  tcase_add_test (tc, a_dropped_half_cannot_come_back);
  tcase_add_test (tc, a_frozen_worker_runs_nothing);
  tcase_add_test (tc, a_stopped_tree_runs_nothing);
  tcase_add_test (tc, cold_cache_is_the_hosts_roots_alone);
  return run_suite (s);
}
