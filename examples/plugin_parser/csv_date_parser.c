/* Example secor plug-in: partitions CSV lines by the date in their first
 * column ("2024-06-15T18:30:05,click,42" -> "dt=2024-06-15"). The setting
 * secor.plugin.csv.prefix changes the "dt=" prefix. It also offers a
 * transformer that upper-cases the payload and drops empty lines, to show the
 * transformer half of the interface. Build: see CMakeLists.txt. */
#include <stdlib.h>
#include <string.h>

#include "parse/plugin_api.h"

typedef struct {
  char prefix[64];
} csv_parser;

uint32_t secor_plugin_abi_version(void) { return SECOR_PLUGIN_ABI_VERSION; }

static int fail(char* out, size_t cap, size_t* len, const char* why) {
  size_t n = strlen(why);
  if (n > cap) n = cap;
  memcpy(out, why, n);
  *len = n;
  return SECOR_PLUGIN_ERROR;
}

void* secor_parser_create(const secor_plugin_config* config, char* error, size_t error_cap) {
  csv_parser* p = calloc(1, sizeof(csv_parser));
  if (!p) return NULL;
  strcpy(p->prefix, "dt=");
  for (size_t i = 0; i < config->count; ++i) {
    if (strcmp(config->names[i], "csv.prefix") == 0) {
      if (strlen(config->values[i]) >= sizeof(p->prefix)) {
        strncpy(error, "csv.prefix is longer than 63 bytes", error_cap);
        free(p);
        return NULL;
      }
      strcpy(p->prefix, config->values[i]);
    }
  }
  return p;
}

void secor_parser_destroy(void* parser) { free(parser); }

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int secor_parser_partition(void* parser, const secor_record* record, char* out, size_t out_cap,
                           size_t* out_len) {
  const csv_parser* p = parser;
  const char* s = record->payload;
  /* The first column must start with YYYY-MM-DD. */
  if (record->payload_len < 10)
    return fail(out, out_cap, out_len, "first CSV column holds no date");
  for (int i = 0; i < 10; ++i) {
    const int dash = i == 4 || i == 7;
    if (dash ? s[i] != '-' : !is_digit(s[i]))
      return fail(out, out_cap, out_len, "first CSV column holds no date");
  }
  const size_t prefix_len = strlen(p->prefix);
  *out_len = prefix_len + 10;
  if (*out_len > out_cap) return SECOR_PLUGIN_TOO_SMALL;
  memcpy(out, p->prefix, prefix_len);
  memcpy(out + prefix_len, s, 10);
  return SECOR_PLUGIN_OK;
}

void* secor_transformer_create(const secor_plugin_config* config, char* error, size_t error_cap) {
  (void)config;
  (void)error;
  (void)error_cap;
  static int instance;
  return &instance;
}

void secor_transformer_destroy(void* transformer) { (void)transformer; }

int secor_transformer_transform(void* transformer, const secor_record* record, char* out,
                                size_t out_cap, size_t* out_len) {
  (void)transformer;
  if (record->payload_len == 0) return SECOR_PLUGIN_DROP;
  *out_len = record->payload_len;
  if (out_cap < record->payload_len) return SECOR_PLUGIN_TOO_SMALL;
  for (size_t i = 0; i < record->payload_len; ++i) {
    char c = record->payload[i];
    out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
  }
  return SECOR_PLUGIN_OK;
}
