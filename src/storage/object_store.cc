#include "storage/object_store.h"

#include "common/strings.h"
#include "config/config.h"

namespace secor {

Registry<ObjectStoreFactory>& ObjectStoreRegistry() {
  static Registry<ObjectStoreFactory> registry;
  return registry;
}

void SplitUri(const std::string& uri, std::string* scheme, std::string* rest) {
  size_t pos = uri.find("://");
  if (pos == std::string::npos) {
    *scheme = "file";
    *rest = uri;
    return;
  }
  *scheme = ToLower(uri.substr(0, pos));
  *rest = uri.substr(pos + 3);
}

void RegisterBuiltinStores();  // store_registration.cc

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& uri, const Config& config) {
  RegisterBuiltinStores();
  std::string scheme, rest;
  SplitUri(uri, &scheme, &rest);
  const ObjectStoreFactory* factory = ObjectStoreRegistry().Find(scheme);
  if (!factory) {
    return Status::InvalidArgument("{}: no object store for scheme '{}' (known: {})", uri, scheme,
                                   Join(ObjectStoreRegistry().Names(), ", "));
  }
  return (*factory)(uri, config);
}

Result<std::string> OutputUri(const Config& config) {
  ASSIGN_OR_RETURN(std::string uri, config.String("secor.output.uri"));
  if (!uri.empty()) return uri;
  ASSIGN_OR_RETURN(std::string service, config.String("cloud.service"));
  std::string s = ToLower(service);
  if (s == "s3") {
    ASSIGN_OR_RETURN(std::string bucket, config.Required("secor.s3.bucket"));
    ASSIGN_OR_RETURN(std::string path, config.String("secor.s3.path"));
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    while (!path.empty() && path.back() == '/') path.pop_back();
    return "s3://" + bucket + (path.empty() ? "" : "/" + path);
  }
  if (s == "local") return config.Required("secor.output.uri");
  return config.BadValue("cloud.service",
                         "unsupported cloud service (S3 or Local; or set secor.output.uri)");
}

Status ProbeCreateOnly(ObjectStore& store, const std::string& probe_key) {
  PutOptions opts;
  opts.create_only = true;
  Status first = store.PutBytes(probe_key, "probe 1", opts);
  if (!first.ok())
    return first.WithContext("create-only probe, first write of " + store.Uri(probe_key));
  Status second = store.PutBytes(probe_key, "probe 2", opts);
  Status cleanup = store.Delete(probe_key);
  (void)cleanup;
  if (second.IsAlreadyExists()) return Status::OK();
  if (second.ok()) {
    return Status::InvalidArgument(
        "the store at {} accepted a second create-only write of {}: it ignores If-None-Match, so "
        "exactly-once output cannot be guaranteed. Use a store that honours create-only writes, "
        "or set secor.delivery=at-least-once to accept possible duplicates after crashes",
        store.Uri(""), probe_key);
  }
  return second.WithContext("create-only probe, second write of " + store.Uri(probe_key));
}

}  // namespace secor
