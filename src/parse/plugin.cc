#include "parse/plugin.h"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <vector>

#include "common/strings.h"
#include "config/config.h"
#include "parse/plugin_api.h"

namespace secor {
namespace {

// An opened library. Never closed: instances and their code may be in use
// until the process ends, and unloading buys nothing for a service.
struct Library {
  std::string path;
  secor_parser_create_fn parser_create = nullptr;
  secor_parser_destroy_fn parser_destroy = nullptr;
  secor_parser_partition_fn parser_partition = nullptr;
  secor_transformer_create_fn transformer_create = nullptr;
  secor_transformer_destroy_fn transformer_destroy = nullptr;
  secor_transformer_transform_fn transformer_transform = nullptr;
};

Result<const Library*> OpenLibrary(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Library>> libraries;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = libraries.find(path); it != libraries.end()) return it->second.get();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return Status::InvalidArgument("plug-in {}: {}", path, dlerror());
  auto version =
      reinterpret_cast<secor_plugin_abi_version_fn>(dlsym(handle, "secor_plugin_abi_version"));
  if (!version) {
    dlclose(handle);
    return Status::InvalidArgument("plug-in {}: no secor_plugin_abi_version(); not a secor plug-in",
                                   path);
  }
  const uint32_t v = version();
  if (v != SECOR_PLUGIN_ABI_VERSION) {
    dlclose(handle);
    return Status::InvalidArgument("plug-in {}: ABI version {}, but this secor supports version {}",
                                   path, v, SECOR_PLUGIN_ABI_VERSION);
  }
  auto lib = std::make_unique<Library>();
  lib->path = path;
  auto sym = [&](const char* name) { return dlsym(handle, name); };
  lib->parser_create = reinterpret_cast<secor_parser_create_fn>(sym("secor_parser_create"));
  lib->parser_destroy = reinterpret_cast<secor_parser_destroy_fn>(sym("secor_parser_destroy"));
  lib->parser_partition =
      reinterpret_cast<secor_parser_partition_fn>(sym("secor_parser_partition"));
  lib->transformer_create =
      reinterpret_cast<secor_transformer_create_fn>(sym("secor_transformer_create"));
  lib->transformer_destroy =
      reinterpret_cast<secor_transformer_destroy_fn>(sym("secor_transformer_destroy"));
  lib->transformer_transform =
      reinterpret_cast<secor_transformer_transform_fn>(sym("secor_transformer_transform"));
  const Library* out = lib.get();
  libraries.emplace(path, std::move(lib));
  return out;
}

// secor.plugin.* settings for one topic, kept alive for the create call.
struct PluginSettings {
  std::string topic;
  std::vector<std::string> names, values;
  std::vector<const char*> name_ptrs, value_ptrs;
  secor_plugin_config c{};
};

Result<std::unique_ptr<PluginSettings>> Settings(const Config& config, std::string_view topic) {
  ASSIGN_OR_RETURN(auto all, config.WithPrefix("secor.plugin."));
  const std::string suffix = "." + std::string(topic);
  std::map<std::string, std::string> resolved;
  for (const auto& [k, v] : all) {
    if (!EndsWith(k, suffix)) resolved.emplace(k, v);
  }
  for (const auto& [k, v] : all) {
    if (EndsWith(k, suffix)) resolved[k.substr(0, k.size() - suffix.size())] = v;
  }
  auto s = std::make_unique<PluginSettings>();
  s->topic = std::string(topic);
  for (const auto& [k, v] : resolved) {
    s->names.push_back(k);
    s->values.push_back(v);
  }
  for (size_t i = 0; i < s->names.size(); ++i) {
    s->name_ptrs.push_back(s->names[i].c_str());
    s->value_ptrs.push_back(s->values[i].c_str());
  }
  s->c = {s->topic.c_str(), s->names.size(), s->name_ptrs.data(), s->value_ptrs.data()};
  return s;
}

// The record view a plug-in sees; the header array is reused between calls.
class RecordView {
 public:
  const secor_record* Of(const Message& m) {
    headers_.clear();
    for (const auto& h : m.headers)
      headers_.push_back({h.name.data(), h.name.size(), h.value.data(), h.value.size()});
    record_ = {m.topic.data(),   m.topic.size(), m.partition,       m.offset,
               m.key.data(),     m.key.size(),   m.has_key ? 1 : 0, m.payload.data(),
               m.payload.size(), m.timestamp_ms, headers_.data(),   headers_.size()};
    return &record_;
  }

 private:
  std::vector<secor_header> headers_;
  secor_record record_{};
};

// Calls fn(out, cap, &len) and grows the buffer when the plug-in asks for more.
template <typename Fn>
int CallWithBuffer(std::string* buffer, Fn fn) {
  for (int attempt = 0;; ++attempt) {
    size_t len = 0;
    int rc = fn(buffer->data(), buffer->size(), &len);
    if (rc == SECOR_PLUGIN_TOO_SMALL && len > buffer->size() && attempt < 3) {
      buffer->resize(len);
      continue;
    }
    buffer->resize(std::min(len, buffer->size()));
    return rc;
  }
}

Result<const Library*> LibraryFor(const Config& config, std::string_view topic,
                                  const std::string& key) {
  ASSIGN_OR_RETURN(std::string path, config.StringForTopic(key, topic));
  if (path.empty()) return config.Required(key).status();
  auto lib = OpenLibrary(path);
  if (!lib.ok()) return config.BadValue(key, lib.status().message());
  return lib;
}

class PluginParser : public MessageParser {
 public:
  PluginParser(const Library* lib, void* self) : lib_(lib), self_(self) {}
  ~PluginParser() override { lib_->parser_destroy(self_); }

  Status Partition(const Message& message, std::string* path) override {
    const secor_record* r = view_.Of(message);
    path->resize(std::max<size_t>(path->capacity(), 128));
    int rc = CallWithBuffer(path, [&](char* out, size_t cap, size_t* len) {
      return lib_->parser_partition(self_, r, out, cap, len);
    });
    if (rc == SECOR_PLUGIN_OK) {
      if (path->empty() || path->front() == '/' || path->back() == '/' ||
          ("/" + *path + "/").find("/../") != std::string::npos ||
          ("/" + *path + "/").find("/./") != std::string::npos) {
        return Status::Internal("plug-in {} returned an unsafe partition '{}'", lib_->path, *path);
      }
      return Status::OK();
    }
    if (rc == SECOR_PLUGIN_ERROR) return Status::InvalidArgument("{}", *path);
    return Status::Internal("plug-in {} returned {} from secor_parser_partition", lib_->path, rc);
  }

 private:
  const Library* lib_;
  void* self_;
  RecordView view_;
};

class PluginTransformer : public MessageTransformer {
 public:
  PluginTransformer(const Library* lib, void* self) : lib_(lib), self_(self) {}
  ~PluginTransformer() override { lib_->transformer_destroy(self_); }

  Result<bool> Transform(const Message& message, std::string* payload) override {
    const secor_record* r = view_.Of(message);
    payload->resize(std::max(payload->capacity(), message.payload.size() + 64));
    int rc = CallWithBuffer(payload, [&](char* out, size_t cap, size_t* len) {
      return lib_->transformer_transform(self_, r, out, cap, len);
    });
    if (rc == SECOR_PLUGIN_OK) return true;
    if (rc == SECOR_PLUGIN_DROP) return false;
    if (rc == SECOR_PLUGIN_ERROR) return Status::InvalidArgument("{}", *payload);
    return Status::Internal("plug-in {} returned {} from secor_transformer_transform", lib_->path,
                            rc);
  }

 private:
  const Library* lib_;
  void* self_;
  RecordView view_;
};

}  // namespace

Result<std::unique_ptr<MessageParser>> NewPluginParser(const Config& config,
                                                       std::string_view topic) {
  const std::string key = "secor.message.parser.plugin.path";
  ASSIGN_OR_RETURN(const Library* lib, LibraryFor(config, topic, key));
  if (!lib->parser_create || !lib->parser_destroy || !lib->parser_partition) {
    return config.BadValue(key, "plug-in has no secor_parser_create/destroy/partition");
  }
  ASSIGN_OR_RETURN(auto settings, Settings(config, topic));
  char error[512] = "";
  void* self = lib->parser_create(&settings->c, error, sizeof(error));
  if (!self) {
    error[sizeof(error) - 1] = '\0';
    return config.BadValue(key, std::string("secor_parser_create failed: ") + error);
  }
  return std::unique_ptr<MessageParser>(new PluginParser(lib, self));
}

Result<std::unique_ptr<MessageTransformer>> NewPluginTransformer(const Config& config,
                                                                 std::string_view topic) {
  const std::string key = "secor.message.transformer.plugin.path";
  ASSIGN_OR_RETURN(const Library* lib, LibraryFor(config, topic, key));
  if (!lib->transformer_create || !lib->transformer_destroy || !lib->transformer_transform) {
    return config.BadValue(key, "plug-in has no secor_transformer_create/destroy/transform");
  }
  ASSIGN_OR_RETURN(auto settings, Settings(config, topic));
  char error[512] = "";
  void* self = lib->transformer_create(&settings->c, error, sizeof(error));
  if (!self) {
    error[sizeof(error) - 1] = '\0';
    return config.BadValue(key, std::string("secor_transformer_create failed: ") + error);
  }
  return std::unique_ptr<MessageTransformer>(new PluginTransformer(lib, self));
}

}  // namespace secor
