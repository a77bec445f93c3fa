/* modelplug.c -- the smallest version-2 (whole-model) plug-in, for
 * tests/cli_golden.sh: both halves are the built-in adakv allocator's,
 * reached through the library, so the test exercises the v2 path (dlopen,
 * the sandboxed probe, the 4-D halves) with known numbers.  It must not
 * grow a method of its own: a real v2 compressor belongs in examples/. */
#include <varlb.h>

static int
compress (varlb_blob_t *blob, const double *K, const double *V, size_t layers, size_t heads,
          size_t T, size_t d, size_t dv, double budget_bits, uint64_t seed,
          const varlb_knobs_t *knobs, const varlb_pyramid_t *pyramid)
{
  const varlb_model_compressor_t *a = varlb_model_compressor_find ("adakv");
  return a ? a->compress (blob, K, V, layers, heads, T, d, dv, budget_bits, seed, knobs, pyramid)
           : VARLB_EUNSUPPORTED;
}

static int
answer (double *O, const unsigned char *blob, size_t len, uint64_t seed, const double *Q,
        size_t layers, size_t heads, size_t m, size_t d, size_t dv, const varlb_knobs_t *knobs,
        const varlb_pyramid_t *pyramid)
{
  const varlb_model_compressor_t *a = varlb_model_compressor_find ("adakv");
  return a ? a->answer (O, blob, len, seed, Q, layers, heads, m, d, dv, knobs, pyramid)
           : VARLB_EUNSUPPORTED;
}

const varlb_model_compressor_t varlb_compressor_v2 = {
  { VARLB_COMPRESSOR_ABI_MODEL, "modelplug", "test plug-in (v2): the adakv allocator's halves",
    NULL, 0, NULL, NULL, NULL, NULL },
  compress, answer
};
