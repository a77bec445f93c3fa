/* firstk.c -- builds examples/plugin/firstk.c, the example C plug-in, with
 * this tree's compiler and flags for tests/cli_attack.sh.  Included rather
 * than listed as a source so that no build output lands in examples/,
 * which is distributed whole. */
#include "../../examples/plugin/firstk.c"
