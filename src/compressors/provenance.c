/* provenance.c -- which third-party library (and version) a built-in
 * compressor runs, for result rows and manifests: the version macros of
 * the library varlb was built against; and the exact calls, layout and
 * rate choice it makes (varlb list), so they can be reproduced.  The compressor struct itself stays
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
#include "common.h"

#define VARLB_BUILTIN(sym) extern const varlb_compressor_t sym;
#include "core.def"
#include "zoo.def"
#undef VARLB_BUILTIN

/* The library built-ins: version (NULL: asked of the library) and settings. */
static const struct {
  const varlb_compressor_t *c;
  const char *version, *settings;
} libs[] = {
#ifdef HAVE_ZSTD
  { &varlb_compressor_zstd, "zstd " ZSTD_VERSION_STRING, varlb__settings_zstd },
#endif
#ifdef HAVE_XZ
  { &varlb_compressor_xz, "xz " LZMA_VERSION_STRING, varlb__settings_xz },
#endif
#ifdef HAVE_ZFP
  { &varlb_compressor_zfp, "zfp " ZFP_VERSION_STRING, varlb__settings_zfp },
#endif
#ifdef HAVE_FPZIP
  { &varlb_compressor_fpzip, "fpzip " FPZIP_VERSION_STRING, varlb__settings_fpzip },
#endif
#ifdef HAVE_FAISS
  { &varlb_compressor_faiss_pq, NULL, varlb__settings_faiss_pq },
  { &varlb_compressor_faiss_sq, NULL, varlb__settings_faiss_sq },
#endif
  { NULL, NULL, NULL }
};

const char *
varlb_compressor_provenance (const varlb_compressor_t *c)
{
  for (size_t i = 0; c && libs[i].c; i++)
    if (libs[i].c == c)
#ifdef HAVE_FAISS
      return libs[i].version ? libs[i].version : varlb_faiss_version ();
#else
      return libs[i].version;
#endif
  return NULL;
}

const char *
varlb_compressor_settings (const varlb_compressor_t *c)
{
  for (size_t i = 0; c && libs[i].c; i++)
    if (libs[i].c == c)
      return libs[i].settings;
  return NULL;
}
