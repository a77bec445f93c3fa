/* firstk.c -- an example C plug-in compressor for varlb (the dlopen
 * interface of varlb.h, section @@CHANNEL@@): keep the first k cached
 * tokens' keys and values at fp32, drop the rest, and answer with exact
 * softmax attention over what was kept.  Floating point throughout.
 *
 * Build: make (uses pkg-config varlb: an installed varlb), then
 *   varlb attack --compressor plugin:./firstk.so:tokens=100 --ratio 0.5
 * (varlb is on PATH after make install; in a build directory, ./varlb). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <varlb.h>

static const varlb_knob_t knobs[] = {
  { "tokens", VARLB_KNOB_INT, "0", 0, 1e9,
    "tokens kept from the start (0: as many as the budget allows)" },
};

/* Blob: three uint32 (k, d, dv), then k rows of d key and dv value floats. */
enum { HEADER = 3 * sizeof (uint32_t) };

static int
firstk_compress (varlb_blob_t *blob, const double *K, const double *V,
                 size_t T, size_t d, size_t dv, double budget_bits,
                 uint64_t seed, const varlb_knobs_t *kn,
                 const varlb_pyramid_t *pyramid)
{
  (void) seed;
  (void) pyramid;
  const char *given = varlb_knobs_get (kn, "tokens");
  size_t k = given ? strtoul (given, NULL, 10) : 0;
  if (k == 0)
    {
      /* The most tokens whose header + rows fit in the budget. */
      double row_bits = 8.0 * sizeof (float) * (double) (d + dv);
      double fit = floor ((budget_bits - 8.0 * HEADER) / row_bits);
      k = fit > 0 ? (size_t) fit : 0;
    }
  if (k > T)
    k = T;
  uint32_t h[3] = { (uint32_t) k, (uint32_t) d, (uint32_t) dv };
  int st = varlb_blob_append (blob, h, sizeof h);
  for (size_t t = 0; st == 0 && t < k; t++)
    {
      for (size_t j = 0; st == 0 && j < d; j++)
        {
          float x = (float) K[t * d + j];
          st = varlb_blob_append (blob, &x, sizeof x);
        }
      for (size_t j = 0; st == 0 && j < dv; j++)
        {
          float x = (float) V[t * dv + j];
          st = varlb_blob_append (blob, &x, sizeof x);
        }
    }
  return st;
}

static int
firstk_answer (double *O, const unsigned char *blob, size_t len,
               uint64_t seed, const double *Q, size_t m, size_t d,
               size_t dv, const varlb_knobs_t *kn,
               const varlb_pyramid_t *pyramid)
{
  (void) seed;
  (void) kn;
  (void) pyramid;
  uint32_t h[3];
  if (len < HEADER)
    return VARLB_EFORMAT;
  memcpy (h, blob, sizeof h);
  size_t k = h[0], rowlen = (size_t) (d + dv) * sizeof (float);
  /* Never read past the blob: its length must match its header exactly. */
  if (h[1] != d || h[2] != dv || (len - HEADER) / rowlen != k || (len - HEADER) % rowlen)
    return VARLB_EFORMAT;
  if (k == 0)
    {
      memset (O, 0, m * dv * sizeof *O); /* nothing kept: the output is 0 */
      return 0;
    }
  float *rows = malloc (k * rowlen);
  double *w = malloc (k * sizeof *w);
  if (rows == NULL || w == NULL)
    {
      free (rows);
      free (w);
      return VARLB_ENOMEM;
    }
  memcpy (rows, blob + HEADER, k * rowlen);
  for (size_t i = 0; i < m; i++)
    {
      const double *q = Q + i * d;
      double mx = -INFINITY, z = 0;
      for (size_t t = 0; t < k; t++)
        {
          double s = 0;
          for (size_t j = 0; j < d; j++)
            s += q[j] * rows[t * (d + dv) + j];
          w[t] = s;
          mx = s > mx ? s : mx;
        }
      for (size_t t = 0; t < k; t++)
        z += w[t] = exp (w[t] - mx); /* running max: no overflow */
      for (size_t j = 0; j < dv; j++)
        {
          double o = 0;
          for (size_t t = 0; t < k; t++)
            o += w[t] * rows[t * (d + dv) + d + j];
          O[i * dv + j] = o / z;
        }
    }
  free (rows);
  free (w);
  return 0;
}

/* The one symbol varlb looks for (VARLB_COMPRESSOR_SYMBOL). */
const varlb_compressor_t varlb_compressor_v1 = {
  VARLB_COMPRESSOR_ABI, "firstk",
  "example plug-in: the first k tokens at fp32, the rest dropped",
  knobs, sizeof knobs / sizeof *knobs, NULL, firstk_compress, firstk_answer, NULL
};
