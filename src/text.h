/* text.h -- safe one-line text from what a half wrote (src/text.c).
 * Internal to libvarlb and the varlb binary; not installed.  Declares only
 * text functions: nothing here may depend on the channel or the sandbox. */
#ifndef VARLB_TEXT_H
#define VARLB_TEXT_H

#include <stddef.h>

/* Replace invalid UTF-8 in S (in place, NUL-terminated) by '?', never
   leaving a split character at the end. */
void varlb__utf8_sanitize (char *s);

/* The last line(s) of DATA squeezed onto one line of at most LEN-1 bytes,
   control characters replaced, valid UTF-8. */
void varlb__tail_line (char *out, size_t len, const unsigned char *data, size_t n);

#endif
