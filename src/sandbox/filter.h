/* filter.h -- the system calls no half may make (internal): a table of
 * refusals, each with its reason (README, "Threat model"), compiled by
 * libseccomp into the BPF program bubblewrap installs in every half. */
#ifndef VARLB_SANDBOX_FILTER_H
#define VARLB_SANDBOX_FILTER_H

#include <stddef.h>

/* Which halves a rule binds.  A one-shot half (exec:, a plug-in, the
   calibration, the probe) is gone before its partner starts; a serve:
   worker lives beside its partner for the whole run, so what lasts only
   while its holder lives (locks) is refused to workers alone. */
enum {
  VARLB_FILTER_ONESHOT = 1,
  VARLB_FILTER_WORKER = 2,
  VARLB_FILTER_EVERY = 3
};

/* How a rule looks at one argument: every call, the argument equal to a
   value (its low 32 bits: the kernel reads an int), or with a flag set. */
enum { VARLB_FILTER_ANY = 0, VARLB_FILTER_ARG_EQ = 1, VARLB_FILTER_ARG_HAS = 2 };

typedef struct varlb_filter_rule {
  const char *call;         /* the system call, as libseccomp names it */
  int test;                 /* VARLB_FILTER_ANY, _ARG_EQ, _ARG_HAS */
  unsigned arg;             /* which argument (from 0) the test reads */
  unsigned long long value; /* the value, or the flag */
  const char *value_name;   /* "RWF_NOWAIT", "F_SETLEASE", ... */
  int halves;               /* VARLB_FILTER_* */
  const char *group;        /* "keys", "page cache", ... */
  const char *why;          /* one line */
} varlb_filter_rule_t;

/* The table, N entries.  Every refused call fails with EPERM (a program
   falls back, as it does for a call its kernel lacks: nothing is killed). */
const varlb_filter_rule_t *varlb__filter_rules (size_t *n);

/* The last system call number the table was written against (Linux 6.17's
   file_setattr, 469, on architectures with the common numbering; 0 where
   the numbering differs): every larger number fails with ENOSYS, so a
   call added to the kernel later is refused until the table has weighed it. */
long varlb__filter_horizon (void);

/* The filter for HALVES (VARLB_FILTER_ONESHOT or _WORKER) as a BPF program
   in a new memory file, at offset 0, close-on-exec (what bwrap's
   `--seccomp FD` reads).  Returns the descriptor, or -1 with a one-line
   reason in WHY. */
int varlb__filter_fd (int halves, char *why, size_t len);

/* Install the same filter in the calling process (tests; a half is
   filtered by bwrap).  0, or -1 with WHY. */
int varlb__filter_load (int halves, char *why, size_t len);

#endif
