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

namespace {

// The store a value of cloud.service or secor.upload.manager.class selects
// when it is one this version cannot write yet; "" otherwise.
std::string UnsupportedStore(const std::string& key, const std::string& value) {
  std::string v = ToLower(value);
  if (key == "secor.upload.manager.class") {
    size_t dot = v.rfind('.');
    if (dot != std::string::npos) v = v.substr(dot + 1);
    if (v == "gsuploadmanager") return "Google Cloud Storage";
    if (v == "azureuploadmanager") return "Azure Blob Storage";
    if (v == "swiftuploadmanager") return "OpenStack Swift";
    return "";
  }
  if (v == "gs" || v == "gcs") return "Google Cloud Storage";
  if (v == "azure") return "Azure Blob Storage";
  if (v == "swift") return "OpenStack Swift";
  return "";
}

}  // namespace

Result<std::string> OutputUri(const Config& config) {
  ASSIGN_OR_RETURN(std::string uri, config.String("secor.output.uri"));
  if (!uri.empty()) return uri;
  // Any value in any loaded file that selects a store not supported yet
  // stops start-up, even one that a value loaded first hides: output must
  // never go to S3 when the files ask for another store.
  for (const char* key : {"cloud.service", "secor.upload.manager.class"}) {
    for (const Config::Value& v : config.Values(key)) {
      std::string value = UnescapeListValue(v.raw);
      if (std::string store = UnsupportedStore(key, value); !store.empty()) {
        return Status::InvalidArgument(
            "{}={} ({}): {} is not supported yet; secor writes to S3 (and S3-compatible stores) "
            "or a local path (secor.output.uri)",
            key, value, v.origin, store);
      }
    }
  }
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
