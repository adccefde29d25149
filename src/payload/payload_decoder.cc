#include "payload/payload_decoder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <climits>

#include "common/strings.h"
#include "config/config.h"

namespace secor {

namespace pb = google::protobuf;

const char* PayloadEncodingName(PayloadEncoding encoding) {
  switch (encoding) {
    case PayloadEncoding::kJson:
      return "json";
    case PayloadEncoding::kAvro:
      return "avro";
    case PayloadEncoding::kProtobuf:
      return "protobuf";
  }
  return "?";
}

Result<PayloadEncoding> LoadPayloadEncoding(const Config* config, const std::string& topic) {
  if (!config) return PayloadEncoding::kJson;
  ASSIGN_OR_RETURN(std::string name, config->StringForTopic("secor.payload.encoding", topic));
  name = ToLower(Trim(name));
  if (name.empty()) {
    // The original chose the payload type with the factory class.
    ASSIGN_OR_RETURN(std::string factory, config->StringOr("secor.file.reader.writer.factory", ""));
    std::string simple =
        factory.substr(factory.rfind('.') == std::string::npos ? 0 : factory.rfind('.') + 1);
    if (simple == "AvroParquetFileReaderWriterFactory" || simple == "AvroFileReaderWriterFactory") {
      return PayloadEncoding::kAvro;
    }
    if (simple == "ProtobufParquetFileReaderWriterFactory") return PayloadEncoding::kProtobuf;
    return PayloadEncoding::kJson;
  }
  if (name == "json") return PayloadEncoding::kJson;
  if (name == "avro") return PayloadEncoding::kAvro;
  if (name == "protobuf" || name == "proto") return PayloadEncoding::kProtobuf;
  return config->BadValue("secor.payload.encoding", "expected json, avro or protobuf");
}

Status PayloadError(const Status& st, int64_t offset) {
  if (st.ok() || st.code() == Status::Code::kUnavailable) return st;
  return Status::InvalidArgument("message at offset {}: {}", offset, st.message());
}

namespace {

constexpr int kMaxDepth = 32;
constexpr char kTimestampType[] = "google.protobuf.Timestamp";

bool IsTimestamp(const pb::FieldDescriptor* f) {
  return f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
         f->message_type()->full_name() == kTimestampType;
}

class ProtobufDecoderImpl : public ProtobufDecoder {
 public:
  explicit ProtobufDecoderImpl(const pb::Descriptor* type)
      : message_(factory_.GetPrototype(type)->New()) {}

  Status Decode(std::string_view payload, DatumTree* tree) override {
    tree->Clear();
    message_->Clear();
    if (payload.size() > static_cast<size_t>(INT_MAX) ||
        !message_->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return Status::InvalidArgument("protobuf: payload of {} bytes is not a valid {}",
                                     payload.size(), message_->GetDescriptor()->full_name());
    }
    DatumNode root;
    root.kind = DatumKind::kRecord;
    return AddFields(*message_, tree, tree->Add(-1, root), 0);
  }

 private:
  Status AddFields(const pb::Message& m, DatumTree* tree, int32_t parent, int depth) {
    if (depth > kMaxDepth) return Status::InvalidArgument("protobuf: message nests too deep");
    const pb::Descriptor* d = m.GetDescriptor();
    const pb::Reflection* r = m.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (f->is_map()) {
        RETURN_IF_ERROR(AddMap(m, r, f, tree, parent, depth));
        continue;
      }
      if (f->is_repeated()) {
        DatumNode list;
        list.kind = DatumKind::kList;
        list.name = f->name();
        int32_t self = tree->Add(parent, list);
        const int n = r->FieldSize(m, f);
        for (int k = 0; k < n; ++k) RETURN_IF_ERROR(AddValue(m, r, f, k, tree, self, {}, depth));
        continue;
      }
      // Messages (Timestamp too) have presence: unset, they are null.
      if (!f->has_presence() || r->HasField(m, f)) {
        RETURN_IF_ERROR(AddValue(m, r, f, -1, tree, parent, f->name(), depth));
      } else {
        DatumNode unset;
        unset.name = f->name();
        tree->Add(parent, unset);
      }
    }
    return Status::OK();
  }

  // Adds the value of field f (index k of a repeated field, or -1) under
  // parent, named name: a record for messages other than Timestamp.
  Status AddValue(const pb::Message& m, const pb::Reflection* r, const pb::FieldDescriptor* f,
                  int k, DatumTree* tree, int32_t parent, std::string_view name, int depth) {
    DatumNode node;
    node.name = name;
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !IsTimestamp(f)) {
      node.kind = DatumKind::kRecord;
      int32_t self = tree->Add(parent, node);
      const pb::Message& sub = k >= 0 ? r->GetRepeatedMessage(m, f, k) : r->GetMessage(m, f);
      return AddFields(sub, tree, self, depth + 1);
    }
    RETURN_IF_ERROR(Value(m, r, f, k, tree, &node));
    tree->Add(parent, node);
    return Status::OK();
  }

  // A map field as a record whose children are named by the keys (as
  // Avro's maps decode), in key order: the order of a protobuf map is not
  // defined, and equal messages must give equal files.
  Status AddMap(const pb::Message& m, const pb::Reflection* r, const pb::FieldDescriptor* f,
                DatumTree* tree, int32_t parent, int depth) {
    DatumNode map;
    map.kind = DatumKind::kRecord;
    map.name = f->name();
    int32_t self = tree->Add(parent, map);
    const pb::FieldDescriptor* kf = f->message_type()->map_key();
    const pb::FieldDescriptor* vf = f->message_type()->map_value();
    const int n = r->FieldSize(m, f);
    // entries_ is a stack: a value may hold maps of its own, which push
    // theirs above these while this loop runs (so it goes by index).
    const size_t base = entries_.size();
    for (int k = 0; k < n; ++k) {
      const pb::Message& entry = r->GetRepeatedMessage(m, f, k);
      const pb::Reflection* er = entry.GetReflection();
      MapEntry e;
      e.index = k;
      using FD = pb::FieldDescriptor;
      switch (kf->cpp_type()) {
        case FD::CPPTYPE_STRING: {
          // A reference into the entry, which lives as long as message_.
          scratch_.clear();
          const std::string& key = er->GetStringReference(entry, kf, &scratch_);
          e.key = &key == &scratch_ ? tree->Own(scratch_) : std::string_view(key);
          break;
        }
        case FD::CPPTYPE_BOOL:
          e.number = er->GetBool(entry, kf) ? 1 : 0;
          e.key = e.number ? "true" : "false";
          break;
        case FD::CPPTYPE_INT32:
          e.number = er->GetInt32(entry, kf);
          break;
        case FD::CPPTYPE_INT64:
          e.number = er->GetInt64(entry, kf);
          break;
        case FD::CPPTYPE_UINT32:
          e.number = er->GetUInt32(entry, kf);
          break;
        case FD::CPPTYPE_UINT64:
          e.unsigned_number = er->GetUInt64(entry, kf);
          e.is_unsigned = true;
          break;
        default:
          entries_.resize(base);
          return Status::InvalidArgument("protobuf: map '{}' has keys of an unknown type",
                                         f->name());
      }
      const bool text = kf->cpp_type() == FD::CPPTYPE_STRING || kf->cpp_type() == FD::CPPTYPE_BOOL;
      if (!text) {
        e.key =
            tree->Own(e.is_unsigned ? std::to_string(e.unsigned_number) : std::to_string(e.number));
      }
      entries_.push_back(e);
    }
    const bool by_text = kf->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING;
    std::sort(entries_.begin() + static_cast<std::ptrdiff_t>(base), entries_.end(),
              [by_text](const MapEntry& a, const MapEntry& b) {
                if (by_text) return a.key < b.key;
                if (a.is_unsigned) return a.unsigned_number < b.unsigned_number;
                return a.number < b.number;
              });
    Status st;
    for (size_t i = base; st.ok() && i < base + static_cast<size_t>(n); ++i) {
      const MapEntry e = entries_[i];
      const pb::Message& entry = r->GetRepeatedMessage(m, f, e.index);
      st = AddValue(entry, entry.GetReflection(), vf, -1, tree, self, e.key, depth);
    }
    entries_.resize(base);
    return st;
  }

  // The scalar of field f (index k of a repeated field, or -1) into node.
  Status Value(const pb::Message& m, const pb::Reflection* r, const pb::FieldDescriptor* f, int k,
               DatumTree* tree, DatumNode* node) {
    using FD = pb::FieldDescriptor;
    const bool rep = k >= 0;
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32:
        node->kind = DatumKind::kInt;
        node->i = rep ? r->GetRepeatedInt32(m, f, k) : r->GetInt32(m, f);
        return Status::OK();
      case FD::CPPTYPE_INT64:
        node->kind = DatumKind::kInt;
        node->i = rep ? r->GetRepeatedInt64(m, f, k) : r->GetInt64(m, f);
        return Status::OK();
      case FD::CPPTYPE_UINT32:
        node->kind = DatumKind::kInt;
        node->i = rep ? r->GetRepeatedUInt32(m, f, k) : r->GetUInt32(m, f);
        return Status::OK();
      case FD::CPPTYPE_UINT64: {
        uint64_t v = rep ? r->GetRepeatedUInt64(m, f, k) : r->GetUInt64(m, f);
        node->kind = DatumKind::kInt;
        node->i = static_cast<int64_t>(v);
        node->uint64_overflow = v > static_cast<uint64_t>(INT64_MAX);
        return Status::OK();
      }
      case FD::CPPTYPE_FLOAT:
        node->kind = DatumKind::kFloat;
        node->d = rep ? r->GetRepeatedFloat(m, f, k) : r->GetFloat(m, f);
        return Status::OK();
      case FD::CPPTYPE_DOUBLE:
        node->kind = DatumKind::kFloat;
        node->d = rep ? r->GetRepeatedDouble(m, f, k) : r->GetDouble(m, f);
        return Status::OK();
      case FD::CPPTYPE_BOOL:
        node->kind = DatumKind::kBool;
        node->i = (rep ? r->GetRepeatedBool(m, f, k) : r->GetBool(m, f)) ? 1 : 0;
        return Status::OK();
      case FD::CPPTYPE_ENUM: {
        int number = rep ? r->GetRepeatedEnumValue(m, f, k) : r->GetEnumValue(m, f);
        node->kind = DatumKind::kString;
        // Open (proto3) enums keep numbers they have no name for.
        const pb::EnumValueDescriptor* e = f->enum_type()->FindValueByNumber(number);
        node->s = e ? std::string_view(e->name()) : tree->Own(std::to_string(number));
        return Status::OK();
      }
      case FD::CPPTYPE_STRING: {
        node->kind = f->type() == FD::TYPE_BYTES ? DatumKind::kBytes : DatumKind::kString;
        scratch_.clear();
        const std::string& s = rep ? r->GetRepeatedStringReference(m, f, k, &scratch_)
                                   : r->GetStringReference(m, f, &scratch_);
        node->s = &s == &scratch_ ? tree->Own(scratch_) : std::string_view(s);
        return Status::OK();
      }
      case FD::CPPTYPE_MESSAGE: {
        // google.protobuf.Timestamp (the schema refuses other message leaves).
        const pb::Message& ts = rep ? r->GetRepeatedMessage(m, f, k) : r->GetMessage(m, f);
        const pb::Descriptor* td = ts.GetDescriptor();
        const pb::Reflection* tr = ts.GetReflection();
        const pb::FieldDescriptor* sf = td->FindFieldByNumber(1);
        const pb::FieldDescriptor* nf = td->FindFieldByNumber(2);
        int64_t seconds = sf ? tr->GetInt64(ts, sf) : 0;
        int32_t nanos = nf ? tr->GetInt32(ts, nf) : 0;
        // The range google.protobuf.Timestamp allows (years 1 to 9999).
        if (nanos < 0 || nanos > 999'999'999 || seconds < -62'135'596'800 ||
            seconds > 253'402'300'799) {
          return Status::InvalidArgument("protobuf: field '{}' is no valid Timestamp ({}s {}ns)",
                                         f->name(), seconds, nanos);
        }
        node->kind = DatumKind::kInt;
        node->unit = DatumUnit::kTimestampMicros;
        node->i = seconds * 1'000'000 + nanos / 1000;
        return Status::OK();
      }
    }
    return Status::Internal("protobuf: unknown field type");
  }

  struct MapEntry {
    std::string_view key;
    int64_t number = 0;
    uint64_t unsigned_number = 0;
    bool is_unsigned = false;
    int index = 0;
  };

  pb::DynamicMessageFactory factory_;
  std::unique_ptr<pb::Message> message_;
  std::string scratch_;
  std::vector<MapEntry> entries_;  // the entries of the maps being added, reused
};

}  // namespace

std::unique_ptr<ProtobufDecoder> ProtobufDecoder::New(const pb::Descriptor* message_type) {
  return std::make_unique<ProtobufDecoderImpl>(message_type);
}

}  // namespace secor
