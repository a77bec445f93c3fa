/* sweep_mpi.c -- the ranks of a distributed sweep (`mpirun -np P varlb
 * sweep ...`, single heads and whole models alike): rank 0 alone decides
 * on the files and shares its verdict and the pending trials, the trials
 * are dealt out, and rank 0 collects every trial's rows to write them in
 * grid order.  Without MPI, or without a launcher, there is one rank. */
#define _GNU_SOURCE 1 /* strndup */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_MPI
#include <mpi.h>
#endif
#include "sweep.h"

void
cli_trial_out_clear (cli_trial_out_t *o)
{
  free (o->side), free (o->json), free (o->csv);
  memset (o, 0, sizeof *o);
}

int
cli_trial_out_append (const char *cmd, const cli_trial_out_t *o, const int fd[3],
                      const char *const path[3])
{
  return (o->side && fd[0] >= 0 && cli_append_row (cmd, fd[0], path[0], o->side, o->nside) != 0)
         || cli_append_row (cmd, fd[1], path[1], o->json, o->njson) != 0
         || cli_append_row (cmd, fd[2], path[2], o->csv, o->ncsv) != 0 ? -1 : 0;
}

void
cli_ranks_init (cli_ranks_t *r, int *argc, char ***argv)
{
  r->rank = 0, r->size = 1, r->mpi = 0;
#ifdef HAVE_MPI
  /* Only under a launcher: a plain run never touches MPI. */
  r->mpi = getenv ("OMPI_COMM_WORLD_SIZE") || getenv ("PMI_SIZE") || getenv ("PMIX_RANK");
  if (r->mpi)
    {
      MPI_Init (argc, argv);
      MPI_Comm_rank (MPI_COMM_WORLD, &r->rank);
      MPI_Comm_size (MPI_COMM_WORLD, &r->size);
    }
#else
  (void) argc, (void) argv;
#endif
}

void
cli_ranks_clear (cli_ranks_t *r, int rc, int agreed)
{
#ifdef HAVE_MPI
  if (r->mpi)
    {
      /* A rank that failed alone leaves the others waiting on it. */
      if (rc != 0 && r->size > 1 && !agreed)
        MPI_Abort (MPI_COMM_WORLD, rc);
      MPI_Finalize ();
    }
#else
  (void) rc, (void) agreed;
#endif
  r->mpi = 0;
}

int
cli_ranks_share (const cli_ranks_t *r, int status, size_t *n, size_t *list)
{
#ifdef HAVE_MPI
  if (r->size > 1)
    {
      int worst = status;
      MPI_Allreduce (&worst, &status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
      if (n == NULL)
        return status;
      unsigned long long count = *n;
      MPI_Bcast (&count, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
      *n = (size_t) count;
      /* In pieces: a count of bytes is an int. */
      if (status == 0 && list)
        for (size_t at = 0; at < *n; at += 1u << 20)
          MPI_Bcast (list + at, (int) ((*n - at < 1u << 20 ? *n - at : 1u << 20) * sizeof *list),
                     MPI_BYTE, 0, MPI_COMM_WORLD);
    }
#else
  (void) r, (void) n, (void) list;
#endif
  return status;
}

#ifdef HAVE_MPI
/* The three texts and the flags travel as one message. */
static void
send_out (const cli_trial_out_t *o)
{
  size_t len = 3 * sizeof (int) + 3 * sizeof (size_t) + o->nside + o->njson + o->ncsv;
  char *buf = malloc (len), *p = buf;
  int flags[3] = { o->failed, o->impossible, o->above };
  size_t lens[3] = { o->nside, o->njson, o->ncsv };
  memcpy (p, flags, sizeof flags), p += sizeof flags;
  memcpy (p, lens, sizeof lens), p += sizeof lens;
  memcpy (p, o->side, o->nside), p += o->nside;
  memcpy (p, o->json, o->njson), p += o->njson;
  memcpy (p, o->csv, o->ncsv);
  MPI_Send (buf, (int) len, MPI_BYTE, 0, 7, MPI_COMM_WORLD);
  free (buf);
}

static void
recv_out (cli_trial_out_t *o, int from)
{
  MPI_Status st;
  int len;
  MPI_Probe (from, 7, MPI_COMM_WORLD, &st);
  MPI_Get_count (&st, MPI_BYTE, &len);
  char *buf = malloc ((size_t) len), *p = buf;
  MPI_Recv (buf, len, MPI_BYTE, from, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  int flags[3];
  size_t lens[3];
  memcpy (flags, p, sizeof flags), p += sizeof flags;
  memcpy (lens, p, sizeof lens), p += sizeof lens;
  o->failed = flags[0], o->impossible = flags[1], o->above = flags[2];
  o->nside = lens[0], o->njson = lens[1], o->ncsv = lens[2];
  /* No side rows (none asked for, or a failed trial) stay NULL. */
  o->side = lens[0] ? strndup (p, lens[0]) : NULL, p += lens[0];
  o->json = strndup (p, lens[1]), p += lens[1];
  o->csv = strndup (p, lens[2]);
  free (buf);
}
#endif

int
cli_ranks_collect (const cli_ranks_t *r, cli_trial_out_t *o, int owner)
{
#ifdef HAVE_MPI
  if (owner == r->rank && r->rank != 0)
    {
      send_out (o);
      cli_trial_out_clear (o);
      return 0;
    }
  if (owner != r->rank && r->rank == 0)
    recv_out (o, owner);
#else
  (void) o, (void) owner;
#endif
  return r->rank == 0;
}
