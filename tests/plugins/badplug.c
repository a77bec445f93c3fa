/* badplug.c -- a deliberately bad C plug-in for tests/cli_attack.sh: knob
 * mode picks how it misbehaves (segv or abort in compress, segv, hang, nan
 * or error in answer, or honest zeros), so the channel's failure reports
 * are tested through the dlopen interface as well as the external one;
 * mode inspect-answer fails unless answer runs as a fresh `varlb __answer`
 * process in a directory holding exactly BLOB and Q.npy. */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <varlb.h>

static const varlb_knob_t knobs[] = {
  { "mode", VARLB_KNOB_STRING, "zeros", 0, 0,
    "zeros, segv-compress, abort-compress, segv-answer, hang-answer, nan-answer, error-answer, "
    "inspect-answer, calib (a calibration hook; answer reports it)" },
};

/* Is this a fresh `varlb __answer` process in a directory with exactly
   BLOB and Q.npy? */
static int
fresh_and_private (void)
{
  char cmd[4096] = "";
  FILE *f = fopen ("/proc/self/cmdline", "rb");
  size_t n = f ? fread (cmd, 1, sizeof cmd - 1, f) : 0;
  if (f)
    fclose (f);
  int fresh = 0;
  for (size_t i = 0; i < n; i += strlen (cmd + i) + 1)
    fresh |= strcmp (cmd + i, "__answer") == 0;
  DIR *d = opendir (".");
  int files = 0, ok = d != NULL;
  struct dirent *e;
  while (d && (e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
      {
        files++;
        ok &= strcmp (e->d_name, "BLOB") == 0 || strcmp (e->d_name, "Q.npy") == 0;
      }
  if (d)
    closedir (d);
  if (!(fresh && ok && files == 2))
    fprintf (stderr, "badplug: fresh process %d, directory holds %d files%s\n", fresh, files,
             ok ? "" : " (not only BLOB and Q.npy)");
  return fresh && ok && files == 2;
}

static int
is (const varlb_knobs_t *k, const char *mode)
{
  const char *m = varlb_knobs_get (k, "mode");
  return strcmp (m ? m : "zeros", mode) == 0;
}

static int
bad_compress (varlb_blob_t *blob, const double *K, const double *V, size_t T,
              size_t d, size_t dv, double budget_bits, uint64_t seed,
              const varlb_knobs_t *k, const varlb_pyramid_t *pyramid)
{
  (void) K, (void) V, (void) T, (void) d, (void) dv, (void) budget_bits;
  (void) seed, (void) pyramid;
  if (is (k, "segv-compress"))
    raise (SIGSEGV);
  if (is (k, "abort-compress"))
    raise (SIGABRT);
  return varlb_blob_append (blob, "bad", 3);
}

static int
bad_answer (double *O, const unsigned char *blob, size_t len, uint64_t seed,
            const double *Q, size_t m, size_t d, size_t dv,
            const varlb_knobs_t *k, const varlb_pyramid_t *pyramid)
{
  (void) blob, (void) len, (void) seed, (void) Q, (void) d, (void) pyramid;
  if (is (k, "segv-answer"))
    raise (SIGSEGV);
  if (is (k, "hang-answer"))
    for (;;)
      pause ();
  if (is (k, "error-answer"))
    return VARLB_EFORMAT;
  if (is (k, "inspect-answer") && !fresh_and_private ())
    return VARLB_EINVAL;
  if (is (k, "calib"))
    {
      /* Report what the calibration holds, and that it cannot be written. */
      const char *dir = getenv ("VARLB_CALIBRATION");
      char path[512], line[128] = "";
      snprintf (path, sizeof path, "%s/table", dir ? dir : "");
      FILE *f = fopen (path, "r");
      if (f && fgets (line, sizeof line, f))
        line[strcspn (line, "\n")] = '\0';
      if (f)
        fclose (f);
      snprintf (path, sizeof path, "%s/mine", dir ? dir : "");
      FILE *w = fopen (path, "w");
      fprintf (stderr, "badplug: calibration '%s', %s\n", line, w ? "WRITABLE" : "read-only");
      if (w)
        fclose (w);
    }
  memset (O, 0, m * dv * sizeof *O);
  if (is (k, "nan-answer") && m * dv > 0)
    O[0] = NAN;
  return 0;
}

/* The calibration hook (mode calib): one file, from the public seed. */
int
varlb_compressor_calibrate (const char *dir, uint64_t seed, const varlb_knobs_t *k)
{
  if (!is (k, "calib"))
    return 0;
  char path[512];
  snprintf (path, sizeof path, "%s/table", dir);
  FILE *f = fopen (path, "w");
  if (f == NULL)
    return VARLB_EIO;
  fprintf (f, "fitted on seed %llu\n", (unsigned long long) seed);
  return fclose (f) == 0 ? 0 : VARLB_EIO;
}

const varlb_compressor_t varlb_compressor_v1 = {
  VARLB_COMPRESSOR_ABI, "badplug", "test plug-in that misbehaves on request",
  knobs, 1, NULL, bad_compress, bad_answer, NULL
};
