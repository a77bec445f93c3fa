/* text.c -- text a half hands back, made safe to print and to store in a
 * row: invalid UTF-8 replaced, the last line(s) of an output squeezed onto
 * one line.  The lowest module of libvarlb beside error.c: it imports only
 * its own header and must not import the channel, the trial or the
 * sandbox, which all use it. */
#include <config.h>
#include "text.h"

void
varlb__utf8_sanitize (char *s)
{
  unsigned char *p = (unsigned char *) s;
  while (*p)
    {
      int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
              : (*p & 0xf8) == 0xf0 ? 4 : 0;
      int ok = n > 0;
      for (int i = 1; ok && i < n; i++)
        ok = (p[i] & 0xc0) == 0x80; /* also stops at the NUL */
      if (ok && n == 2 && *p < 0xc2)
        ok = 0; /* overlong */
      if (ok && n == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0)))
        ok = 0; /* overlong or a UTF-16 surrogate */
      if (ok && n == 4 && ((*p == 0xf0 && p[1] < 0x90) || *p > 0xf4 || (*p == 0xf4 && p[1] >= 0x90)))
        ok = 0;
      if (!ok)
        {
          *p++ = '?';
          continue;
        }
      p += n;
    }
}

void
varlb__tail_line (char *out, size_t len, const unsigned char *data, size_t n)
{
  out[0] = '\0';
  if (len < 2)
    return;
  size_t start = n > len - 1 ? n - (len - 1) : 0, k = 0;
  /* Do not start in the middle of a UTF-8 character. */
  while (start < n && start > 0 && (data[start] & 0xc0) == 0x80)
    start++;
  for (size_t i = start; i < n && k + 1 < len; i++)
    {
      unsigned char c = data[i];
      out[k++] = c == '\n' || c == '\r' || c == '\t' ? ' ' : c < 32 || c == 127 ? '?' : (char) c;
    }
  while (k > 0 && out[k - 1] == ' ')
    k--;
  out[k] = '\0';
  varlb__utf8_sanitize (out);
}
