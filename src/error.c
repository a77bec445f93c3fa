/* error.c -- error codes to text.  Static strings, hence thread-safe. */
#include <config.h>
#include "varlb.h"

const char *
varlb_strerror (int code)
{
  switch (code)
    {
    case VARLB_OK: return "success";
    case VARLB_EINVAL: return "parameter out of range";
    case VARLB_ENOMEM: return "out of memory";
    case VARLB_EIO: return "input/output error";
    case VARLB_EFORMAT: return "malformed file";
    case VARLB_ECOMPRESSOR: return "compressor failed";
    case VARLB_ETIMEOUT: return "compressor timed out";
    case VARLB_ENUMERIC: return "numeric failure (NaN, Inf or no convergence)";
    case VARLB_EUNSUPPORTED: return "feature not built in";
    default: return "unknown error";
    }
}
