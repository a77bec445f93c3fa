/* mac.c -- the MAC of a result row: keyed BLAKE2b (libsodium) of the CSV
 * header and the row's CSV text under a subkey of the judge key, so no one
 * without the key can edit a row unseen (README "How to read verdicts"). */
#include <config.h>
#include <stdint.h>
#include <string.h>
#include <sodium.h>
#include "varlb.h"

/* The MAC subkey: BLAKE2b keyed by the judge key, of a label no other use
   of the key shares (seed.c's streams hash other labels), so the judge key
   itself never keys a MAC an attacker can see. */
static void
mac_subkey (unsigned char sub[crypto_generichash_KEYBYTES], const unsigned char *judge_key)
{
  static const char label[] = "varlb/v1/row-mac-key";
  crypto_generichash (sub, crypto_generichash_KEYBYTES, (const unsigned char *) label,
                      sizeof label - 1, judge_key, VARLB_JUDGE_KEY_BYTES);
}

void
varlb_row_mac (char out[VARLB_ROW_MAC_HEX + 1], const unsigned char *judge_key,
               const char *header, size_t header_len, const char *row, size_t row_len)
{
  static const char label[] = "varlb/v1/row-mac";
  unsigned char sub[crypto_generichash_KEYBYTES], mac[VARLB_ROW_MAC_HEX / 2], len[8];
  crypto_generichash_state st;
  mac_subkey (sub, judge_key);
  crypto_generichash_init (&st, sub, sizeof sub, sizeof mac);
  crypto_generichash_update (&st, (const unsigned char *) label, sizeof label);
  /* The header's length first: no split of header + row into two other
     strings hashes alike. */
  for (int i = 0; i < 8; i++)
    len[i] = (unsigned char) ((uint64_t) header_len >> (8 * i));
  crypto_generichash_update (&st, len, sizeof len);
  crypto_generichash_update (&st, (const unsigned char *) header, header_len);
  crypto_generichash_update (&st, (const unsigned char *) row, row_len);
  crypto_generichash_final (&st, mac, sizeof mac);
  sodium_memzero (sub, sizeof sub);
  sodium_memzero (&st, sizeof st);
  for (size_t i = 0; i < sizeof mac; i++)
    {
      static const char hex[] = "0123456789abcdef";
      out[2 * i] = hex[mac[i] >> 4];
      out[2 * i + 1] = hex[mac[i] & 15];
    }
  out[VARLB_ROW_MAC_HEX] = '\0';
}

void
varlb_row_write_signed (FILE *f, const unsigned char *judge_key, const char *header,
                        size_t header_len, const char *csv, size_t csv_len, const char *json,
                        size_t json_len)
{
  char mac[VARLB_ROW_MAC_HEX + 1];
  varlb_row_mac (mac, judge_key, header, header_len, csv, csv_len);
  if (json)
    {
      fwrite (json, 1, json_len, f);
      fprintf (f, ",\"mac\":\"%s\"}\n", mac);
    }
  else
    {
      fwrite (csv, 1, csv_len, f);
      fprintf (f, ",\"%s\"\n", mac);
    }
}
