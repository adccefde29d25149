/* secor plug-in interface: custom message parsers and transformers in a
 * shared library, loaded with dlopen when the configuration names it
 * (secor.message.parser.class=plugin + secor.message.parser.plugin.path, or
 * secor.message.transformer.class=plugin + secor.message.transformer.plugin.path).
 *
 * Pure C so that a plug-in can be written in C, C++, Rust or anything with a C
 * ABI, and built without secor's headers beyond this one. A plug-in exports
 * secor_plugin_abi_version() and the functions of the parts it implements:
 *
 *   parser:       secor_parser_create / secor_parser_destroy / secor_parser_partition
 *   transformer:  secor_transformer_create / secor_transformer_destroy /
 * secor_transformer_transform
 *
 * Rules:
 *  - secor_plugin_abi_version() must return SECOR_PLUGIN_ABI_VERSION as the
 *    plug-in was compiled; secor refuses any other version with a clear error.
 *  - One instance (from *_create) is used by one thread at a time; secor
 *    creates one per topic and consumer thread. Functions must not keep
 *    pointers into a secor_record after returning.
 *  - Output must be a pure function of the record (never the wall clock): the
 *    exactly-once protocol replays records and expects the same result.
 *  - Output goes into the caller's buffer. When it does not fit, return
 *    SECOR_PLUGIN_TOO_SMALL with *out_len set to the size needed; secor calls
 *    again with a buffer at least that big. On SECOR_PLUGIN_ERROR the buffer
 *    holds a one-line reason (truncated to the buffer), length in *out_len.
 *
 * Version history: 1 — first version.
 */
#ifndef SECOR_PARSE_PLUGIN_API_H_
#define SECOR_PARSE_PLUGIN_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SECOR_PLUGIN_ABI_VERSION 1

/* Return codes. */
#define SECOR_PLUGIN_OK 0        /* partition: path written; transform: keep the message */
#define SECOR_PLUGIN_DROP 1      /* transform only: filter the message out */
#define SECOR_PLUGIN_ERROR 2     /* the message goes to the error output; reason in the buffer */
#define SECOR_PLUGIN_TOO_SMALL 3 /* call again with a buffer of *out_len bytes */

typedef struct secor_header {
  const char* name;
  size_t name_len;
  const char* value;
  size_t value_len;
} secor_header;

/* One Kafka record. Byte strings are not NUL-terminated. */
typedef struct secor_record {
  const char* topic;
  size_t topic_len;
  int32_t partition;
  int64_t offset;
  const char* key;
  size_t key_len;
  int has_key;
  const char* payload;
  size_t payload_len;
  int64_t timestamp_ms; /* Kafka record timestamp, -1 when absent */
  const secor_header* headers;
  size_t header_count;
} secor_record;

/* Settings for a plug-in: every secor.plugin.<name>=<value> of the
 * configuration with the prefix stripped, NUL-terminated strings; a
 * secor.plugin.<name>.<topic> setting replaces <name> for that topic. */
typedef struct secor_plugin_config {
  const char* topic;
  size_t count;
  const char* const* names;
  const char* const* values;
} secor_plugin_config;

typedef uint32_t (*secor_plugin_abi_version_fn)(void);

/* Returns an instance, or NULL with a NUL-terminated reason in error[0..error_cap). */
typedef void* (*secor_parser_create_fn)(const secor_plugin_config* config, char* error,
                                        size_t error_cap);
typedef void (*secor_parser_destroy_fn)(void* parser);
/* Writes the partition directory ("dt=2024-06-15/hr=18", no leading or
 * trailing '/', no "." or ".." parts) into out. */
typedef int (*secor_parser_partition_fn)(void* parser, const secor_record* record, char* out,
                                         size_t out_cap, size_t* out_len);

typedef void* (*secor_transformer_create_fn)(const secor_plugin_config* config, char* error,
                                             size_t error_cap);
typedef void (*secor_transformer_destroy_fn)(void* transformer);
/* SECOR_PLUGIN_OK with the payload to store in out, or SECOR_PLUGIN_DROP. */
typedef int (*secor_transformer_transform_fn)(void* transformer, const secor_record* record,
                                              char* out, size_t out_cap, size_t* out_len);

#ifdef __cplusplus
}
#endif

#endif /* SECOR_PARSE_PLUGIN_API_H_ */
