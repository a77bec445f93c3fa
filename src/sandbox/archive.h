/* archive.h -- a directory as one byte string (src/sandbox/archive.c).
 * Private to src/sandbox/ (varlb__unpack_dir, the judge's side, is in the
 * front door, sandbox.h); it imports io only. */
#ifndef VARLB_SANDBOX_ARCHIVE_H
#define VARLB_SANDBOX_ARCHIVE_H

#include <stdio.h>
#include "sandbox.h"

/* Append "REL/NAME\nSIZE\n<bytes>" for every regular file under DIR
   (sorted, recursively; REL "" at the top) to M, counting the bytes in
   *TOTAL; -1 past LIMIT bytes in all or on an unreadable file. */
int varlb__archive_dir (FILE *m, const char *dir, const char *rel, unsigned long long limit,
                        unsigned long long *total);

#endif
