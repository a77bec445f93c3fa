/* frames.h -- reading the report a half's wrapper sends back
 * (src/sandbox/frames.c).  Private to src/sandbox/: the host and the
 * workers read frames; inside.c writes them.  It imports io only. */
#ifndef VARLB_SANDBOX_FRAMES_H
#define VARLB_SANDBOX_FRAMES_H

#include "sandbox.h"

/* The frames D (N bytes) of half H into R: its status (R->status, R->why),
   a worker's reply line (R->reply) and the collected files (R->out, each
   at most LIMIT bytes, else VARLB_HALF_FILE_TOOBIG). */
void varlb__frames_parse (varlb_half_result_t *r, const varlb_half_spec_t *h,
                          const unsigned char *d, size_t n, unsigned long long limit);

#endif
