// faiss_shim.cc -- C linkage for the faiss product and scalar quantizers
// (faiss_shim.h says why this is C++).  faiss runs on one OpenMP thread
// here: a compress half is a forked child of a process that may have used
// OpenMP already (GNU libgomp's thread pool does not survive fork), and one
// thread keeps k-means' sums in a fixed order, so both halves of a public
// calibration train identical codebooks.
#include <config.h>
#include <cstring>
#include <exception>
#include <omp.h>
#include <faiss/Index.h>
#include <faiss/impl/ProductQuantizer.h>
#include <faiss/impl/ScalarQuantizer.h>
#include "varlb.h"
#include "faiss_shim.h"

#define VARLB_STR_(x) #x
#define VARLB_STR(x) VARLB_STR_ (x)

namespace
{
// Run F on one OpenMP thread; faiss's exceptions become VARLB_E* codes.
template <typename F>
int
guarded (F f)
{
  int threads = omp_get_max_threads ();
  omp_set_num_threads (1);
  int st = VARLB_OK;
  try
    {
      f ();
    }
  catch (const std::bad_alloc &)
    {
      st = VARLB_ENOMEM;
    }
  catch (...)
    {
      st = VARLB_ECOMPRESSOR;
    }
  omp_set_num_threads (threads);
  return st;
}

// A knob's text and the faiss enum value it names.
template <typename T> struct named
{
  const char *name;
  T value;
};

// The value TABLE names NAME into *OUT; false when it names none.
template <typename T, size_t N>
bool
by_name (T *out, const named<T> (&table)[N], const char *name)
{
  for (const auto &e : table)
    if (std::strcmp (e.name, name) == 0)
      {
        *out = e.value;
        return true;
      }
  return false;
}

bool
sq_type (faiss::ScalarQuantizer::QuantizerType *t, const char *name)
{
  static const named<faiss::ScalarQuantizer::QuantizerType> types[] = {
    { "fp16", faiss::ScalarQuantizer::QT_fp16 },
    { "8bit", faiss::ScalarQuantizer::QT_8bit },
    { "6bit", faiss::ScalarQuantizer::QT_6bit },
    { "4bit", faiss::ScalarQuantizer::QT_4bit },
    { "8bit_uniform", faiss::ScalarQuantizer::QT_8bit_uniform },
    { "4bit_uniform", faiss::ScalarQuantizer::QT_4bit_uniform },
  };
  return by_name (t, types, name);
}

bool
range_stat (faiss::ScalarQuantizer::RangeStat *r, const char *name)
{
  static const named<faiss::ScalarQuantizer::RangeStat> stats[] = {
    { "minmax", faiss::ScalarQuantizer::RS_minmax },
    { "meanstd", faiss::ScalarQuantizer::RS_meanstd },
    { "quantiles", faiss::ScalarQuantizer::RS_quantiles },
    { "optim", faiss::ScalarQuantizer::RS_optim },
  };
  return by_name (r, stats, name);
}

// A quantizer of type QTYPE with the ranges TRAINED (sizes from sq_sizes).
int
sq_with (faiss::ScalarQuantizer *sq, const float *trained, const char *qtype, size_t d)
{
  faiss::ScalarQuantizer::QuantizerType t;
  size_t count, code;
  if (!sq_type (&t, qtype) || varlb_faiss_sq_sizes (&count, &code, qtype, d) != VARLB_OK)
    return VARLB_EINVAL;
  *sq = faiss::ScalarQuantizer (d, t);
  sq->trained.assign (trained, trained + count);
  return VARLB_OK;
}

int
pq_with (faiss::ProductQuantizer *pq, const float *centroids, size_t d, size_t M,
         size_t nbits)
{
  if (M == 0 || d % M != 0 || nbits < 1 || nbits > 16)
    return VARLB_EINVAL;
  *pq = faiss::ProductQuantizer (d, M, nbits);
  pq->centroids.assign (centroids, centroids + d * pq->ksub);
  return VARLB_OK;
}
} // namespace

extern "C" const char *
varlb_faiss_version (void)
{
  return "faiss " VARLB_STR (FAISS_VERSION_MAJOR) "." VARLB_STR (FAISS_VERSION_MINOR) "."
      VARLB_STR (FAISS_VERSION_PATCH);
}

extern "C" int
varlb_faiss_pq_train (float *centroids, size_t d, size_t M, size_t nbits, unsigned niter,
                      int seed, const float *x, size_t n)
{
  if (M == 0 || d % M != 0 || nbits < 1 || nbits > 16 || n < ((size_t) 1 << nbits))
    return VARLB_EINVAL;
  return guarded ([&] {
    faiss::ProductQuantizer pq (d, M, nbits);
    pq.cp.niter = (int) niter;
    pq.cp.seed = seed;
    pq.cp.min_points_per_centroid = 1; // few tokens are all there is: no warning
    pq.cp.max_points_per_centroid = 1 << 30; // train on every vector given
    pq.train (n, x);
    std::memcpy (centroids, pq.centroids.data (), pq.centroids.size () * sizeof (float));
  });
}

extern "C" size_t
varlb_faiss_pq_code_size (size_t d, size_t M, size_t nbits)
{
  return (M * nbits + 7) / 8; // ProductQuantizer::set_derived_values
}

extern "C" int
varlb_faiss_pq_encode (uint8_t *codes, const float *centroids, size_t d, size_t M,
                       size_t nbits, const float *x, size_t n)
{
  return guarded ([&] {
    faiss::ProductQuantizer pq;
    if (pq_with (&pq, centroids, d, M, nbits) != VARLB_OK)
      throw std::exception ();
    pq.compute_codes (x, codes, n);
  });
}

extern "C" int
varlb_faiss_pq_decode (float *x, const float *centroids, size_t d, size_t M, size_t nbits,
                       const uint8_t *codes, size_t n)
{
  return guarded ([&] {
    faiss::ProductQuantizer pq;
    if (pq_with (&pq, centroids, d, M, nbits) != VARLB_OK)
      throw std::exception ();
    pq.decode (codes, x, n);
  });
}

extern "C" int
varlb_faiss_sq_sizes (size_t *trained, size_t *code_size, const char *qtype, size_t d)
{
  faiss::ScalarQuantizer::QuantizerType t;
  if (!sq_type (&t, qtype) || d == 0)
    return VARLB_EINVAL;
  // faiss 1.7.x: per-dimension types train (vmin, vdiff) per column, the
  // uniform ones one pair, fp16 nothing.
  *trained = t == faiss::ScalarQuantizer::QT_fp16 ? 0
             : (t == faiss::ScalarQuantizer::QT_8bit_uniform
                || t == faiss::ScalarQuantizer::QT_4bit_uniform)
                 ? 2
                 : 2 * d;
  return guarded ([&] { *code_size = faiss::ScalarQuantizer (d, t).code_size; });
}

extern "C" int
varlb_faiss_sq_train (float *trained, const char *qtype, const char *rangestat,
                      double rangestat_arg, size_t d, const float *x, size_t n)
{
  faiss::ScalarQuantizer::QuantizerType t;
  faiss::ScalarQuantizer::RangeStat rs;
  size_t count, code;
  if (!sq_type (&t, qtype) || !range_stat (&rs, rangestat) || n == 0
      || varlb_faiss_sq_sizes (&count, &code, qtype, d) != VARLB_OK)
    return VARLB_EINVAL;
  return guarded ([&] {
    faiss::ScalarQuantizer sq (d, t);
    sq.rangestat = rs;
    sq.rangestat_arg = (float) rangestat_arg;
    sq.train (n, x);
    if (sq.trained.size () != count)
      throw std::exception (); // not the layout this shim was written for
    std::memcpy (trained, sq.trained.data (), count * sizeof (float));
  });
}

extern "C" int
varlb_faiss_sq_encode (uint8_t *codes, const float *trained, const char *qtype, size_t d,
                       const float *x, size_t n)
{
  return guarded ([&] {
    faiss::ScalarQuantizer sq;
    if (sq_with (&sq, trained, qtype, d) != VARLB_OK)
      throw std::exception ();
    sq.compute_codes (x, codes, n);
  });
}

extern "C" int
varlb_faiss_sq_decode (float *x, const float *trained, const char *qtype, size_t d,
                       const uint8_t *codes, size_t n)
{
  return guarded ([&] {
    faiss::ScalarQuantizer sq;
    if (sq_with (&sq, trained, qtype, d) != VARLB_OK)
      throw std::exception ();
    sq.decode (codes, x, n);
  });
}
