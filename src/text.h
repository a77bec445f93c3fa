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

/* A half's output DATA as its row keeps it: the last non-blank line (the
   exception, the error) first, then " -- before it: " and as much of the
   rest's end as fits, on one line as varlb__tail_line. */
void varlb__error_tail (char *out, size_t len, const unsigned char *data, size_t n);

/* The first part of a varlb__error_tail line TAIL: the last line the half
   wrote.  Its length. */
size_t varlb__error_last_line (char *out, size_t len, const char *tail);

#endif
