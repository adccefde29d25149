// The columns of a protobuf message type (SchemaFromProtobuf, schema.h).
#include <google/protobuf/descriptor.h>

#include "common/strings.h"
#include "format/schema.h"

namespace secor {
namespace {

namespace pb = google::protobuf;

constexpr int kMaxDepth = 32;
constexpr char kTimestampType[] = "google.protobuf.Timestamp";

bool IsTimestamp(const pb::FieldDescriptor* f) {
  return f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
         f->message_type()->full_name() == kTimestampType;
}

ColumnType ScalarColumn(const pb::FieldDescriptor* f) {
  using FD = pb::FieldDescriptor;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      return ColumnType::kInt32;
    case FD::CPPTYPE_INT64:
    case FD::CPPTYPE_UINT32:  // every uint32 fits an int64
    case FD::CPPTYPE_UINT64:  // values above INT64_MAX are refused per message
      return ColumnType::kInt64;
    case FD::CPPTYPE_FLOAT:
      return ColumnType::kFloat;
    case FD::CPPTYPE_DOUBLE:
      return ColumnType::kDouble;
    case FD::CPPTYPE_BOOL:
      return ColumnType::kBool;
    case FD::CPPTYPE_ENUM:
      return ColumnType::kString;
    case FD::CPPTYPE_STRING:
      return f->type() == FD::TYPE_BYTES ? ColumnType::kBinary : ColumnType::kString;
    case FD::CPPTYPE_MESSAGE:
      break;
  }
  return ColumnType::kTimestampMicros;  // google.protobuf.Timestamp, the only message leaf
}

Status ProtoFields(const pb::Descriptor* d, std::vector<FieldSpec>* out, const std::string& where,
                   int depth);

// The column of one value of fd (an element when fd is repeated): a leaf, or
// a group for messages other than Timestamp.
Status ProtoValue(const pb::FieldDescriptor* fd, FieldSpec* f, const std::string& where,
                  int depth) {
  if (fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !IsTimestamp(fd)) {
    f->kind = FieldKind::kGroup;
    return ProtoFields(fd->message_type(), &f->children, where, depth + 1);
  }
  f->type = ScalarColumn(fd);
  return Status::OK();
}

Status ProtoFields(const pb::Descriptor* d, std::vector<FieldSpec>* out, const std::string& where,
                   int depth) {
  if (depth > kMaxDepth) {
    return Status::InvalidArgument("protobuf: {} nests deeper than {} (a recursive message?)",
                                   d->full_name(), kMaxDepth);
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* fd = d->field(i);
    FieldSpec f;
    f.name = fd->name();
    f.source = {f.name};
    const std::string path = where.empty() ? f.name : where + "." + f.name;
    if (fd->is_map()) {
      // map<K, V>: keys as strings (integers in decimal, bools true/false).
      FieldSpec value;
      value.name = "value";
      RETURN_IF_ERROR(ProtoValue(fd->message_type()->map_value(), &value, path + "{}", depth));
      f.kind = FieldKind::kMap;
      f.children.push_back(std::move(value));
    } else if (fd->is_repeated()) {
      FieldSpec element;
      element.name = "element";
      RETURN_IF_ERROR(ProtoValue(fd, &element, path + "[]", depth));
      f.kind = FieldKind::kList;
      f.children.push_back(std::move(element));
    } else {
      RETURN_IF_ERROR(ProtoValue(fd, &f, path, depth));
      // Messages are null when unset; plain proto3 scalars hold their default.
      f.required = f.kind == FieldKind::kLeaf && !fd->has_presence();
    }
    out->push_back(std::move(f));
  }
  return Status::OK();
}

}  // namespace

Result<TableSchema> SchemaFromProtobuf(const pb::Descriptor* message_type) {
  TableSchema schema;
  schema.raw = false;
  schema.optional_groups = true;
  RETURN_IF_ERROR(ProtoFields(message_type, &schema.fields, "", 0));
  for (const auto& f : schema.fields) {
    if (StartsWith(f.name, "__")) {
      return Status::InvalidArgument("protobuf: field names starting with __ are reserved ('{}')",
                                     f.name);
    }
  }
  if (schema.fields.empty()) {
    return Status::InvalidArgument("protobuf: {} has no fields", message_type->full_name());
  }
  return schema;
}

}  // namespace secor
