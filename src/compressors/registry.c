/* registry.c -- the built-in compressors by name: the single heads' (core.def,
 * zoo.def) and the whole models' allocators (model.def), one table.  It
 * holds no compressor and knows nothing of specs or trials (channel.c). */
#include <config.h>
#include <string.h>
#include "varlb.h"

#define VARLB_BUILTIN(sym) extern const varlb_compressor_t sym;
#include "compressors/core.def"
#include "compressors/zoo.def"
#undef VARLB_BUILTIN

/* One table: the single-head built-ins (v1), then the whole-model ones (v2,
   whose varlb_compressor_t base comes first): the whole-model registry
   is its second part. */
#define VARLB_MODEL_BUILTIN(sym) extern const varlb_model_compressor_t sym;
#include "compressors/model.def"
#undef VARLB_MODEL_BUILTIN

static const varlb_compressor_t *const builtins[] = {
#define VARLB_BUILTIN(sym) &sym,
#include "compressors/core.def"
#include "compressors/zoo.def"
#undef VARLB_BUILTIN
#define VARLB_MODEL_BUILTIN(sym) &sym.base,
#include "compressors/model.def"
#undef VARLB_MODEL_BUILTIN
};

static const size_t n_v1 = 0
#define VARLB_BUILTIN(sym) + 1
#include "compressors/core.def"
#include "compressors/zoo.def"
#undef VARLB_BUILTIN
  ;

/* Entry I of the table from FIRST to LAST, or the one named NAME. */
static const varlb_compressor_t *
registry (size_t first, size_t last, size_t i, const char *name)
{
  for (size_t k = first; k < last; k++)
    if (name ? strcmp (builtins[k]->name, name) == 0 : k - first == i)
      return builtins[k];
  return NULL;
}

size_t
varlb_compressor_count (void)
{
  return n_v1;
}

const varlb_compressor_t *
varlb_compressor_at (size_t i)
{
  return registry (0, n_v1, i, NULL);
}

const varlb_compressor_t *
varlb_compressor_find (const char *name)
{
  return registry (0, n_v1, 0, name);
}

size_t
varlb_model_compressor_count (void)
{
  return sizeof builtins / sizeof *builtins - n_v1;
}

const varlb_model_compressor_t *
varlb_model_compressor_at (size_t i)
{
  return (const varlb_model_compressor_t *) registry (n_v1, n_v1 + varlb_model_compressor_count (),
                                                      i, NULL);
}

const varlb_model_compressor_t *
varlb_model_compressor_find (const char *name)
{
  return (const varlb_model_compressor_t *) registry (n_v1, n_v1 + varlb_model_compressor_count (),
                                                      0, name);
}
