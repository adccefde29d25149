// libFuzzer: the protobuf wire-format walker on arbitrary payloads, for a
// nested integer, a google.protobuf.Timestamp and a string field; it must
// return a value or a Status, never crash or read out of bounds. The
// descriptor set is made here from a hand-written file descriptor, so the
// target needs no build-time inputs.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>

#include "config/config.h"
#include "parse/protobuf_parser.h"

namespace {

std::string WriteDescriptorSet() {
  namespace pb = google::protobuf;
  pb::FileDescriptorSet set;
  pb::Timestamp::descriptor()->file()->CopyTo(set.add_file());
  pb::FileDescriptorProto* f = set.add_file();
  f->set_name("fuzz.proto");
  f->set_package("fuzz");
  f->set_syntax("proto3");
  f->add_dependency("google/protobuf/timestamp.proto");
  pb::DescriptorProto* inner = f->add_message_type();
  inner->set_name("Inner");
  auto add = [](pb::DescriptorProto* m, const char* name, int number,
                pb::FieldDescriptorProto::Type type, const char* type_name = nullptr) {
    pb::FieldDescriptorProto* field = m->add_field();
    field->set_name(name);
    field->set_number(number);
    field->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
    field->set_type(type);
    if (type_name) field->set_type_name(type_name);
  };
  add(inner, "ts", 2, pb::FieldDescriptorProto::TYPE_SINT64);
  pb::DescriptorProto* event = f->add_message_type();
  event->set_name("Event");
  add(event, "inner", 1, pb::FieldDescriptorProto::TYPE_MESSAGE, ".fuzz.Inner");
  add(event, "created", 3, pb::FieldDescriptorProto::TYPE_MESSAGE, ".google.protobuf.Timestamp");
  add(event, "text", 4, pb::FieldDescriptorProto::TYPE_STRING);
  char path[] = "/tmp/secor_protobuf_fuzz_XXXXXX";
  int fd = mkstemp(path);
  std::string bytes = set.SerializeAsString();
  (void)!write(fd, bytes.data(), bytes.size());
  close(fd);
  return path;
}

std::vector<std::unique_ptr<secor::TimestampExtractor>> MakeExtractors() {
  const std::string set = WriteDescriptorSet();
  std::vector<std::unique_ptr<secor::TimestampExtractor>> out;
  for (const char* field : {"inner.ts", "created", "text"}) {
    auto e = secor::NewProtobufTimestampExtractor(
        secor::Config::FromMap({{"secor.protobuf.descriptor.set.file", set},
                                {"secor.protobuf.message.class", "fuzz.Event"},
                                {"message.timestamp.name", field},
                                {"message.timestamp.input.pattern", "yyyy-MM-dd HH:mm:ss"}}),
        "t");
    if (e.ok()) out.push_back(std::move(e).value());
  }
  unlink(set.c_str());
  // The first-field fallback without a message class.
  out.push_back(
      std::move(secor::NewProtobufTimestampExtractor(secor::Config::FromMap({}), "t")).value());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto extractors = MakeExtractors();
  secor::Message m;
  m.payload = std::string_view(reinterpret_cast<const char*>(data), size);
  for (auto& e : extractors) (void)e->ExtractMillis(m);
  return 0;
}
