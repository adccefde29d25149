// ObjectStore: where finished files and round markers go. Keys are relative to
// the store's root (the output URI) and use '/' separators. Implementations:
// the local filesystem ("file://" or a plain path) and S3 ("s3://").
//
// The exactly-once protocol needs one thing beyond plain writes: a create-only
// put that fails with AlreadyExists when the key exists, atomically, even
// against concurrent creators (see docs/design.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/registry.h"
#include "common/status.h"

namespace secor {

class Config;

struct ObjectInfo {
  std::string key;  // relative to the root
  int64_t size = 0;
  std::map<std::string, std::string> metadata;  // user metadata (x-amz-meta-*)
};

struct PutOptions {
  // Fail with kAlreadyExists when the key exists, instead of overwriting.
  bool create_only = false;
  std::map<std::string, std::string> metadata;
  std::string content_type = "application/octet-stream";
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The full URI of key, for messages and tools ("s3://b/p/key", "/data/key").
  virtual std::string Uri(const std::string& key) const = 0;

  // Uploads a local file. Readers never see a partial object.
  virtual Status PutFile(const std::string& key, const std::string& local_path,
                         const PutOptions& options) = 0;
  virtual Status PutBytes(const std::string& key, std::string_view data,
                          const PutOptions& options) = 0;
  // NotFound when absent.
  virtual Result<std::string> Get(const std::string& key) = 0;
  virtual Status GetToFile(const std::string& key, const std::string& local_path) = 0;
  virtual Result<ObjectInfo> Head(const std::string& key) = 0;
  // Every object whose key starts with prefix, sorted by key.
  virtual Status List(const std::string& prefix, std::vector<ObjectInfo>* out) = 0;
  // Deleting a missing key is OK.
  virtual Status Delete(const std::string& key) = 0;
};

using ObjectStoreFactory =
    std::function<Result<std::unique_ptr<ObjectStore>>(const std::string& uri, const Config&)>;

// Stores by URI scheme ("file", "s3").
Registry<ObjectStoreFactory>& ObjectStoreRegistry();

// Opens the store for uri: "s3://bucket/prefix", "file:///dir" or "/dir".
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& uri, const Config& config);

// The output root of a configuration: secor.output.uri, else from cloud.service
// (S3: s3://<secor.s3.bucket>/<secor.s3.path>).
Result<std::string> OutputUri(const Config& config);

// Splits "s3://bucket/a/b" into scheme "s3" and rest "bucket/a/b"; a plain path
// has scheme "file".
void SplitUri(const std::string& uri, std::string* scheme, std::string* rest);

// Proves that the store refuses a second create-only write of one key. Writes
// a probe under probe_key (a unique name): OK, or an error saying why not.
Status ProbeCreateOnly(ObjectStore& store, const std::string& probe_key);

}  // namespace secor
