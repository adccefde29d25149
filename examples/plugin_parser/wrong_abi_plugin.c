/* A plug-in built for a future ABI version: secor must refuse to load it
 * (tested in src/parse/plugin_test.cc). */
#include "parse/plugin_api.h"

uint32_t secor_plugin_abi_version(void) { return SECOR_PLUGIN_ABI_VERSION + 98; }
