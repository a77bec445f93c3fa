/* decode.h -- the decode run shared by `varlb decode` and `varlb demo`. */
#ifndef VARLB_CLI_DECODE_H
#define VARLB_CLI_DECODE_H
#include "varlb.h"
/* Build the instance, decode every bit, print the report (text or JSON),
   optionally dump K, V, Q and the decoded bits as .npy into DUMP_DIR.
   REPEAT > 1 decodes again and reports the fastest time (benchmarks).
   Returns an exit status; *ALL_CORRECT (optional) says whether N/N. */
int cli_decode_run (const char *cmd, const varlb_params_t *p, int json,
                    const char *dump_dir, size_t repeat, int *all_correct);
#endif
