/* decode.h -- the decode run shared by `varlb decode` and `varlb demo`. */
#ifndef VARLB_CLI_DECODE_H
#define VARLB_CLI_DECODE_H
#include "cli.h"
/* Below this fraction N / (n^2 d), decode and prove say that the schedule
   is far from a geometric pyramid (the Omega(n^2 d) form needs P_{K-1} =
   Theta(n^2)); a halving pyramid gives about 1/3, VAR's presets more. */
#define VARLB_N2D_FRACTION_NOTE 0.1
/* Build O's instance (refused with one line when its estimated memory
   exceeds O's --max-memory), decode every bit, print the report (text, or
   JSON with --json), optionally dump K, V, Q and the decoded bits as .npy
   into DUMP_DIR.  REPEAT > 1 decodes again and reports the fastest time
   (benchmarks).  Returns an exit status; *ALL_CORRECT (optional) says
   whether N/N. */
int cli_decode_run (const cli_options_t *o, const char *dump_dir, size_t repeat,
                    int *all_correct);
#endif
