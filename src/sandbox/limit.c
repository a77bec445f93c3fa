/* limit.c -- what a half may use: the defaults of the options every half
 * runs under, the largest file it may write, and the resource limits
 * (address space, CPU, file size, descriptors, processes, no core) its
 * processes get (src/sandbox/limit.h).  It computes limits and sets
 * none: the host applies them to the processes it starts (host.c). */
#include <config.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "limit.h"

/* The defaults of the options every half runs under (varlb.h): here, in
   the lowest module that reads them, so the sandbox never calls up into
   the channel. */
void
varlb_channel_opts_init (varlb_channel_opts_t *o)
{
  memset (o, 0, sizeof *o);
  o->timeout_s = 60.0;
  o->isolation = VARLB_ISOLATION_SANDBOX;
}

unsigned long long
varlb__file_limit (const varlb_channel_opts_t *o)
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
  unsigned long long half = pages > 0 && page > 0
                            ? (unsigned long long) pages * (unsigned long long) page / 2
                            : 4ULL << 30;
  return half < (16ULL << 30) ? half : 16ULL << 30;
}

/* Processes of user UID now (for RLIMIT_NPROC, which counts them all). */
static unsigned long
user_processes (uid_t uid)
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
        if (stat (p, &sb) == 0 && sb.st_uid == uid)
          n++;
      }
  closedir (d);
  return n;
}

void
varlb__limits_for (varlb__limits_t *l, const varlb_channel_opts_t *o, size_t n_out)
{
  unsigned long long mem = mem_limit (o), fl = varlb__file_limit (o);
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
    l->nproc.rlim_cur = l->nproc.rlim_max = (rlim_t) (user_processes (getuid ()) + procs);
}

void
varlb__limits_as (varlb__limits_t *l, const varlb_channel_opts_t *o, long uid)
{
  if (uid <= 0)
    return;
  /* A half under a reserved uid of its own (uid.c): the kernel enforces
     RLIMIT_NPROC for it, root or not. */
  unsigned long procs = o->procs ? o->procs : 256;
  l->set_nproc = 1;
  l->nproc.rlim_cur = l->nproc.rlim_max = (rlim_t) (user_processes ((uid_t) uid) + procs);
}
