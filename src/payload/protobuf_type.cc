#include "payload/protobuf_type.h"

#include <google/protobuf/descriptor.pb.h>

#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"

namespace secor {
namespace {

namespace pb = google::protobuf;

void CollectMessages(const pb::Descriptor* d, std::vector<const pb::Descriptor*>* out) {
  out->push_back(d);
  for (int i = 0; i < d->nested_type_count(); ++i) CollectMessages(d->nested_type(i), out);
}

// A full protobuf name, or a Java class name of the original's config
// (com.example.Outer$Event): tried with '$' as '.', then by the simple name
// when exactly one message in the set has it.
const pb::Descriptor* FindMessage(const pb::DescriptorPool& pool,
                                  const std::vector<const pb::FileDescriptor*>& files,
                                  const std::string& name, std::string* why) {
  if (const pb::Descriptor* d = pool.FindMessageTypeByName(name)) return d;
  std::string dotted = name;
  for (char& c : dotted) {
    if (c == '$') c = '.';
  }
  if (const pb::Descriptor* d = pool.FindMessageTypeByName(dotted)) return d;
  std::string simple =
      dotted.substr(dotted.rfind('.') == std::string::npos ? 0 : dotted.rfind('.') + 1);
  std::vector<const pb::Descriptor*> all, matches;
  for (const pb::FileDescriptor* f : files) {
    for (int i = 0; i < f->message_type_count(); ++i) CollectMessages(f->message_type(i), &all);
  }
  for (const pb::Descriptor* d : all) {
    if (d->name() == simple) matches.push_back(d);
  }
  if (matches.size() == 1) return matches[0];
  *why = matches.empty() ? "no such message type in the descriptor set"
                         : "message name is ambiguous in the descriptor set; use the full name";
  return nullptr;
}

}  // namespace

Result<ProtobufType> LoadProtobufType(const Config& config, std::string_view topic) {
  const std::string class_key = "secor.protobuf.message.class";
  const std::string set_key = "secor.protobuf.descriptor.set.file";
  ASSIGN_OR_RETURN(std::string type_name, config.StringForTopic(class_key, topic));
  std::string used_class_key = class_key;
  if (config.Has(class_key + "." + std::string(topic))) {
    used_class_key = class_key + "." + std::string(topic);
  } else if (type_name.empty() && config.Has(class_key + ".*")) {
    // The original's form for "every topic".
    used_class_key = class_key + ".*";
    ASSIGN_OR_RETURN(type_name, config.StringOr(used_class_key, ""));
  }
  type_name = std::string(Trim(type_name));
  if (type_name.empty()) return ProtobufType{};

  ASSIGN_OR_RETURN(std::string set_path, config.StringForTopic(set_key, topic));
  const std::string used_set_key =
      config.Has(set_key + "." + std::string(topic)) ? set_key + "." + std::string(topic) : set_key;
  if (set_path.empty()) return config.Required(set_key).status();
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(set_path));
  pb::FileDescriptorSet set;
  if (!set.ParseFromString(bytes)) {
    return config.BadValue(used_set_key, "not a protobuf FileDescriptorSet");
  }
  auto pool = std::make_shared<pb::DescriptorPool>();
  std::vector<const pb::FileDescriptor*> files;
  for (const pb::FileDescriptorProto& file : set.file()) {
    const pb::FileDescriptor* f = pool->BuildFile(file);
    if (!f) {
      return config.BadValue(used_set_key, "cannot build " + file.name() +
                                               " (descriptor set made without --include_imports?)");
    }
    files.push_back(f);
  }
  std::string why;
  const pb::Descriptor* message = FindMessage(*pool, files, type_name, &why);
  if (!message) return config.BadValue(used_class_key, why);
  return ProtobufType{std::move(pool), message};
}

}  // namespace secor
