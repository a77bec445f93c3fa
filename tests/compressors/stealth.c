/* stealth.c -- a careful cheat for tests/cli_verdicts.sh: an external
 * program (the file protocol) whose compress half stashes Alice's whole
 * cache in a directory Bob can read when there is no sandbox, and whose
 * answer half reads it back and answers exactly CORRECT of the bits right,
 * so its accuracy sits wherever the test dials it (just above the Fano
 * ceiling, where one row's test cannot see it).  The blob is one byte.
 *
 *   stealth STASH CORRECT compress --keys K --values V ... --seed S --out BLOB
 *   stealth STASH CORRECT answer --blob BLOB --queries Q --seed S --out O
 *
 * Bob's exact answer is attention over the stashed cache (varlb_attention),
 * which decodes every bit; he returns it rounded to the bit for the first
 * CORRECT coordinates and flipped (1 - bit) for the rest.  Values must be
 * the default {0, 1} at eta = 0 (threshold 1/2).
 *
 * With STASH "-" (and any CORRECT) it is instead an honest compressor whose blob's length
 * depends on the data: 1 + (the ones among the first 16 values of V) bytes
 * of zeros, Bob answering 0 everywhere (tests/cli_verdicts.sh: such a row
 * is judged at its budget, or over it at its length's bits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "varlb.h"

static const char *
opt (int argc, char **argv, const char *name)
{
  for (int i = 4; i + 1 < argc; i++)
    if (strcmp (argv[i], name) == 0)
      return argv[i + 1];
  return NULL;
}

/* Copy FROM to STASH/SEED.NAME. */
static int
stash (const char *dir, const char *seed, const char *name, const char *from)
{
  char to[4096];
  snprintf (to, sizeof to, "%s/%s.%s", dir, seed, name);
  double *a;
  size_t r, c;
  int st = varlb_npy_read (from, &a, &r, &c);
  if (st == VARLB_OK)
    st = varlb_npy_write (to, a, r, c);
  if (st == VARLB_OK)
    free (a);
  return st;
}

/* The variable-length mode (STASH "-"). */
static int
varlen (int argc, char **argv, const char *out)
{
  double *a;
  size_t r, c;
  if (strcmp (argv[3], "compress") == 0)
    {
      const char *v = opt (argc, argv, "--values");
      if (!v || varlb_npy_read (v, &a, &r, &c) != VARLB_OK)
        return 1;
      size_t len = 1;
      for (size_t i = 0; i < 16 && i < r * c; i++)
        len += a[i] > 0.5;
      FILE *f = fopen (out, "wb");
      for (size_t i = 0; f && i < len; i++)
        fputc (0, f);
      return f && fclose (f) == 0 ? 0 : 1;
    }
  const char *q = opt (argc, argv, "--queries");
  if (!q || varlb_npy_read (q, &a, &r, &c) != VARLB_OK)
    return 1;
  memset (a, 0, r * c * sizeof *a);
  return varlb_npy_write (out, a, r, c) == VARLB_OK ? 0 : 1;
}

int
main (int argc, char **argv)
{
  if (argc < 4)
    {
      fprintf (stderr, "usage: stealth STASH CORRECT compress|answer ...\n");
      return 2;
    }
  const char *dir = argv[1], *seed = opt (argc, argv, "--seed"), *out = opt (argc, argv, "--out");
  size_t want = strtoull (argv[2], NULL, 10);
  if (!seed || !out)
    {
      fprintf (stderr, "stealth: no --seed or --out\n");
      return 2;
    }
  if (strcmp (dir, "-") == 0)
    return varlen (argc, argv, out);
  if (strcmp (argv[3], "compress") == 0)
    {
      const char *k = opt (argc, argv, "--keys"), *v = opt (argc, argv, "--values");
      FILE *f = fopen (out, "wb");
      if (!k || !v || stash (dir, seed, "K.npy", k) != VARLB_OK
          || stash (dir, seed, "V.npy", v) != VARLB_OK || !f || fputc (0, f) == EOF
          || fclose (f) != 0)
        {
          fprintf (stderr, "stealth: cannot stash the cache in %s\n", dir);
          return 1;
        }
      return 0;
    }
  char kp[4096], vp[4096];
  snprintf (kp, sizeof kp, "%s/%s.K.npy", dir, seed);
  snprintf (vp, sizeof vp, "%s/%s.V.npy", dir, seed);
  double *K, *V, *Q, *O;
  size_t T, d, T2, dv, m, d2;
  const char *q = opt (argc, argv, "--queries");
  if (!q || varlb_npy_read (kp, &K, &T, &d) != VARLB_OK
      || varlb_npy_read (vp, &V, &T2, &dv) != VARLB_OK || varlb_npy_read (q, &Q, &m, &d2) != VARLB_OK
      || T != T2 || d != d2 || !(O = malloc (m * dv * sizeof *O))
      || varlb_attention (O, Q, m, K, V, T, d, dv, NULL, NULL, NULL) != VARLB_OK)
    {
      fprintf (stderr, "stealth: no stash in %s (a sandbox?)\n", dir);
      return 1;
    }
  for (size_t i = 0; i < m * dv; i++)
    {
      double bit = O[i] > 0.5 ? 1.0 : 0.0;
      O[i] = i < want ? bit : 1.0 - bit;
    }
  return varlb_npy_write (out, O, m, dv) == VARLB_OK ? 0 : 1;
}
