/* text.c -- text a half hands back, made safe to print and to store in a
 * row: invalid UTF-8 replaced, the last line(s) of an output squeezed onto
 * one line, a failed half's error line put first.  The lowest module of libvarlb beside error.c: it imports only
 * its own header and must not import the channel, the trial or the
 * sandbox, which all use it. */
#include <config.h>
#include <stdio.h>
#include <string.h>
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

void
varlb__error_tail (char *out, size_t len, const unsigned char *data, size_t n)
{
  /* Trailing blank lines are not the error. */
  size_t end = n;
  while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r' || data[end - 1] == ' '
                     || data[end - 1] == '\t'))
    end--;
  size_t start = end;
  while (start > 0 && data[start - 1] != '\n')
    start--;
  if (start == 0 || len < 8)
    {
      varlb__tail_line (out, len, data, n);
      return;
    }
  /* The last line (the exception, the compiler's error, ...) first, then as
     much of what came before it as fits. */
  /* Its beginning names the error (KeyError: ...), so a long one loses
     its end. */
  char last[512];
  size_t cap = sizeof last < len / 2 ? sizeof last : len / 2, keep = end - start;
  int cut = keep > cap - 1;
  varlb__tail_line (last, cap - (cut ? 3 : 0), data + start, cut ? cap - 4 : keep);
  if (cut)
    strcat (last, "...");
  static const char sep[] = " -- before it: ";
  size_t k = strlen (last);
  if (k + sizeof sep >= len)
    {
      snprintf (out, len, "%s", last);
      return;
    }
  memcpy (out, last, k);
  memcpy (out + k, sep, sizeof sep);
  varlb__tail_line (out + k + sizeof sep - 1, len - k - (sizeof sep - 1), data, start);
  if (out[k + sizeof sep - 1] == '\0')
    out[k] = '\0'; /* nothing but blanks before it */
}

size_t
varlb__error_last_line (char *out, size_t len, const char *tail)
{
  const char *sep = strstr (tail, " -- before it: ");
  size_t n = sep ? (size_t) (sep - tail) : strlen (tail);
  snprintf (out, len, "%.*s", (int) n, tail);
  return n;
}
