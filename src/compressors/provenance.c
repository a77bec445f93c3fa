/* provenance.c -- which third-party library (and version) a built-in
 * compressor runs, for result rows and manifests: the version macros of
 * the library varlb was built against.  The compressor struct itself stays
 * as plug-ins export it (ABI 1), so this is a lookup by address. */
#include <config.h>
#include <stddef.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HAVE_XZ
#include <lzma.h>
#endif
#ifdef HAVE_ZFP
#include <zfp.h>
#endif
#ifdef HAVE_FPZIP
#include <fpzip.h>
#endif
#ifdef HAVE_FAISS
#include "faiss_shim.h"
#endif
#include "varlb.h"

#define VARLB_BUILTIN(sym) extern const varlb_compressor_t sym;
#include "core.def"
#include "zoo.def"
#undef VARLB_BUILTIN

const char *
varlb_compressor_provenance (const varlb_compressor_t *c)
{
#ifdef HAVE_ZSTD
  if (c == &varlb_compressor_zstd)
    return "zstd " ZSTD_VERSION_STRING;
#endif
#ifdef HAVE_XZ
  if (c == &varlb_compressor_xz)
    return "xz " LZMA_VERSION_STRING;
#endif
#ifdef HAVE_ZFP
  if (c == &varlb_compressor_zfp)
    return "zfp " ZFP_VERSION_STRING;
#endif
#ifdef HAVE_FPZIP
  if (c == &varlb_compressor_fpzip)
    return "fpzip " FPZIP_VERSION_STRING;
#endif
#ifdef HAVE_FAISS
  if (c == &varlb_compressor_faiss_pq || c == &varlb_compressor_faiss_sq)
    return varlb_faiss_version ();
#endif
  (void) c;
  return NULL;
}
