/* badabi.c -- a plug-in built for a future interface version: varlb must
 * refuse to load it with a clear message (tests/cli_attack.sh). */
#include <varlb.h>

const varlb_compressor_t varlb_compressor_v1 = {
  VARLB_COMPRESSOR_ABI + 1000, "badabi", "wrong interface version", NULL, 0, NULL, NULL, NULL, NULL
};
