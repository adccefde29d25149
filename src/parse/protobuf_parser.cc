#include "parse/protobuf_parser.h"

#include <google/protobuf/descriptor.h>

#include <cstring>
#include <optional>

#include "common/strings.h"
#include "config/config.h"
#include "parse/date_format.h"
#include "parse/time_zone.h"
#include "payload/protobuf_wire.h"

// Why a wire-format walker and not DynamicMessage: the descriptor is needed
// only once, at start-up, to turn the field names into field numbers and
// types. Per message the walker then reads just the tags on the path and
// skips everything else without allocating, where DynamicMessage would parse
// and allocate every field of every record (and recurse into whatever depth
// the payload claims). The walker also reports malformed input with the byte
// position instead of a bare "parse failed".

namespace secor {
namespace {

namespace pb = google::protobuf;

constexpr int kMaxDepth = ProtobufWire::kMaxDepth;

enum class Kind {
  kVarintSigned,    // int32, int64 (two's complement in a varint)
  kVarintInt32,     // int32: the low 32 bits carry the value
  kVarintUnsigned,  // uint32, uint64
  kZigZag,          // sint32, sint64
  kFixed64,         // fixed64, sfixed64
  kFixed32,         // fixed32
  kSFixed32,        // sfixed32
  kDouble,
  kFloat,
  kString,
  kTimestamp,  // google.protobuf.Timestamp
  kMessage,    // a step on the way
};

int WireTypeOf(Kind kind) {
  switch (kind) {
    case Kind::kVarintSigned:
    case Kind::kVarintInt32:
    case Kind::kVarintUnsigned:
    case Kind::kZigZag:
      return 0;
    case Kind::kFixed64:
    case Kind::kDouble:
      return 1;
    case Kind::kFixed32:
    case Kind::kSFixed32:
    case Kind::kFloat:
      return 5;
    default:
      return 2;
  }
}

struct Step {
  uint32_t number;
  Kind kind;
};

class Walker {
 public:
  Walker(std::string_view payload, const std::vector<Step>& steps, const std::string& name,
         const std::string& pattern_text, const DateFormat* pattern, const TimeZone* zone)
      : payload_(payload),
        wire_(payload),
        steps_(steps),
        name_(name),
        pattern_text_(pattern_text),
        pattern_(pattern),
        zone_(zone) {}

  // The millis of the last occurrence of the path in [begin, end): protobuf
  // merges repeated occurrences of a singular field, so the last one wins.
  Result<std::optional<int64_t>> Find(size_t begin, size_t end, size_t step, int depth) {
    if (depth > kMaxDepth) {
      return Status::Corruption("protobuf: nesting deeper than {} at byte {}", kMaxDepth, begin);
    }
    std::optional<int64_t> found;
    size_t pos = begin;
    while (pos < end) {
      size_t tag_pos = pos;
      ASSIGN_OR_RETURN(uint64_t tag, Varint(&pos, end));
      uint32_t number = static_cast<uint32_t>(tag >> 3);
      int wire = static_cast<int>(tag & 7);
      if (number == 0) return Status::Corruption("protobuf: field number 0 at byte {}", tag_pos);
      if (number != steps_[step].number) {
        RETURN_IF_ERROR(SkipField(wire, number, &pos, end, depth));
        continue;
      }
      const Kind kind = steps_[step].kind;
      if (wire != WireTypeOf(kind)) {
        return Status::Corruption("protobuf: field {} has wire type {}, expected {} at byte {}",
                                  name_, wire, WireTypeOf(kind), tag_pos);
      }
      if (kind == Kind::kMessage) {
        ASSIGN_OR_RETURN(uint64_t len, Length(&pos, end));
        ASSIGN_OR_RETURN(std::optional<int64_t> inner, Find(pos, pos + len, step + 1, depth + 1));
        if (inner) found = inner;
        pos += len;
        continue;
      }
      ASSIGN_OR_RETURN(found, Value(kind, &pos, end));
    }
    return found;
  }

 private:
  Result<uint64_t> Varint(size_t* pos, size_t end) const { return wire_.Varint(pos, end); }
  Result<uint64_t> Length(size_t* pos, size_t end) const { return wire_.Length(pos, end); }
  Result<uint64_t> Fixed(size_t* pos, size_t end, int bytes) const {
    return wire_.Fixed(pos, end, bytes);
  }
  Status SkipField(int wire, uint32_t number, size_t* pos, size_t end, int depth) const {
    return wire_.SkipField(wire, number, pos, end, depth);
  }

  Result<int64_t> Value(Kind kind, size_t* pos, size_t end) const {
    switch (kind) {
      case Kind::kVarintSigned:
      case Kind::kVarintUnsigned: {
        ASSIGN_OR_RETURN(uint64_t v, Varint(pos, end));
        return EpochToMillis(static_cast<int64_t>(v));
      }
      case Kind::kVarintInt32: {
        ASSIGN_OR_RETURN(uint64_t v, Varint(pos, end));
        return EpochToMillis(static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v))));
      }
      case Kind::kZigZag: {
        ASSIGN_OR_RETURN(uint64_t v, Varint(pos, end));
        return EpochToMillis(static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1));
      }
      case Kind::kFixed64: {
        ASSIGN_OR_RETURN(uint64_t v, Fixed(pos, end, 8));
        return EpochToMillis(static_cast<int64_t>(v));
      }
      case Kind::kFixed32: {
        ASSIGN_OR_RETURN(uint64_t v, Fixed(pos, end, 4));
        return EpochToMillis(static_cast<int64_t>(v));
      }
      case Kind::kSFixed32: {
        ASSIGN_OR_RETURN(uint64_t v, Fixed(pos, end, 4));
        return EpochToMillis(static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v))));
      }
      case Kind::kDouble: {
        ASSIGN_OR_RETURN(uint64_t v, Fixed(pos, end, 8));
        double d;
        std::memcpy(&d, &v, sizeof d);
        return EpochToMillis(d);
      }
      case Kind::kFloat: {
        ASSIGN_OR_RETURN(uint64_t v, Fixed(pos, end, 4));
        uint32_t bits = static_cast<uint32_t>(v);
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return EpochToMillis(static_cast<double>(f));
      }
      case Kind::kString: {
        ASSIGN_OR_RETURN(uint64_t len, Length(pos, end));
        std::string_view text = payload_.substr(*pos, len);
        *pos += len;
        return FromText(text);
      }
      case Kind::kTimestamp: {
        ASSIGN_OR_RETURN(uint64_t len, Length(pos, end));
        size_t p = *pos, stop = *pos + len;
        *pos = stop;
        int64_t seconds = 0, nanos = 0;
        while (p < stop) {
          size_t tag_pos = p;
          ASSIGN_OR_RETURN(uint64_t tag, Varint(&p, stop));
          uint32_t number = static_cast<uint32_t>(tag >> 3);
          int wire = static_cast<int>(tag & 7);
          if ((number == 1 || number == 2) && wire != 0) {
            return Status::Corruption("protobuf: Timestamp field {} has wire type {} at byte {}",
                                      number, wire, tag_pos);
          }
          if (number == 1) {
            ASSIGN_OR_RETURN(uint64_t v, Varint(&p, stop));
            seconds = static_cast<int64_t>(v);
          } else if (number == 2) {
            ASSIGN_OR_RETURN(uint64_t v, Varint(&p, stop));
            nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
          } else {
            RETURN_IF_ERROR(SkipField(wire, number, &p, stop, 0));
          }
        }
        if (nanos < 0 || nanos > 999'999'999 || seconds < -62'135'596'800 ||
            seconds > 253'402'300'799) {
          return Status::InvalidArgument("protobuf: field {} is no valid Timestamp ({}s {}ns)",
                                         name_, seconds, nanos);
        }
        return seconds * 1000 + nanos / 1'000'000;
      }
      case Kind::kMessage:
        break;
    }
    return Status::Internal("protobuf: unexpected field kind");
  }

  Result<int64_t> FromText(std::string_view text) const {
    if (pattern_) {
      Result<int64_t> ms = pattern_->Parse(text, *zone_);
      if (!ms.ok()) {
        return Status::InvalidArgument("protobuf: field {} value '{}' does not match '{}'", name_,
                                       text, pattern_text_);
      }
      return ms;
    }
    if (std::optional<int64_t> i = ParseInt64(Trim(text))) return EpochToMillis(*i);
    if (std::optional<double> d = ParseDouble(Trim(text))) return EpochToMillis(*d);
    return Status::InvalidArgument("protobuf: field {} value '{}' is not a number", name_, text);
  }

  std::string_view payload_;
  ProtobufWire wire_;
  const std::vector<Step>& steps_;
  const std::string& name_;
  const std::string& pattern_text_;
  const DateFormat* pattern_;
  const TimeZone* zone_;
};

class ProtobufExtractor : public TimestampExtractor {
 public:
  ProtobufExtractor(std::vector<Step> steps, std::string name, std::string pattern_text,
                    std::optional<DateFormat> pattern, std::shared_ptr<const TimeZone> zone)
      : steps_(std::move(steps)),
        name_(std::move(name)),
        pattern_text_(std::move(pattern_text)),
        pattern_(std::move(pattern)),
        zone_(std::move(zone)) {}

  Result<int64_t> ExtractMillis(const Message& message) override {
    Walker walker(message.payload, steps_, name_, pattern_text_, pattern_ ? &*pattern_ : nullptr,
                  zone_.get());
    ASSIGN_OR_RETURN(std::optional<int64_t> ms, walker.Find(0, message.payload.size(), 0, 0));
    if (!ms) return Status::NotFound("protobuf: field {} not found", name_);
    return *ms;
  }

 private:
  std::vector<Step> steps_;
  std::string name_;
  std::string pattern_text_;
  std::optional<DateFormat> pattern_;
  std::shared_ptr<const TimeZone> zone_;
};

// The original's fallback without a message class: the first field of the
// payload, read as a varint whatever its number.
class FirstFieldExtractor : public TimestampExtractor {
 public:
  Result<int64_t> ExtractMillis(const Message& message) override {
    const ProtobufWire wire(message.payload);
    size_t pos = 0;
    uint64_t values[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      ASSIGN_OR_RETURN(uint64_t v, wire.Varint(&pos, message.payload.size()));
      if (i == 0 && (v & 7) != 0) {
        return Status::Corruption(
            "protobuf: first field has wire type {}, expected 0 (a varint timestamp)", v & 7);
      }
      values[i] = v;
    }
    return EpochToMillis(static_cast<int64_t>(values[1]));
  }
};

Result<Kind> KindOf(const pb::FieldDescriptor* f) {
  using FD = pb::FieldDescriptor;
  switch (f->type()) {
    case FD::TYPE_INT64:
      return Kind::kVarintSigned;
    case FD::TYPE_INT32:
      return Kind::kVarintInt32;
    case FD::TYPE_UINT64:
    case FD::TYPE_UINT32:
      return Kind::kVarintUnsigned;
    case FD::TYPE_SINT64:
    case FD::TYPE_SINT32:
      return Kind::kZigZag;
    case FD::TYPE_FIXED64:
    case FD::TYPE_SFIXED64:
      return Kind::kFixed64;
    case FD::TYPE_FIXED32:
      return Kind::kFixed32;
    case FD::TYPE_SFIXED32:
      return Kind::kSFixed32;
    case FD::TYPE_DOUBLE:
      return Kind::kDouble;
    case FD::TYPE_FLOAT:
      return Kind::kFloat;
    case FD::TYPE_STRING:
      return Kind::kString;
    case FD::TYPE_MESSAGE:
      if (f->message_type()->full_name() == "google.protobuf.Timestamp") return Kind::kTimestamp;
      return Kind::kMessage;
    default:
      return Status::InvalidArgument("field {} has type {}, which holds no timestamp",
                                     f->full_name(), f->type_name());
  }
}

std::vector<std::string> SplitBy(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  if (sep.empty()) return {s};
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
}

}  // namespace

Result<std::unique_ptr<TimestampExtractor>> NewProtobufTimestampExtractor(const Config& config,
                                                                          std::string_view topic) {
  ASSIGN_OR_RETURN(ProtobufType type, LoadProtobufType(config, topic));
  if (!type.message) return std::unique_ptr<TimestampExtractor>(new FirstFieldExtractor());
  const pb::Descriptor* message = type.message;

  ASSIGN_OR_RETURN(std::string name, config.StringForTopic("message.timestamp.name", topic));
  ASSIGN_OR_RETURN(std::string sep, config.String("message.timestamp.name.separator"));
  if (sep.empty()) sep.push_back('.');  // not = ".": g++ 12 warns falsely (-Wrestrict)
  std::vector<Step> steps;
  const pb::Descriptor* current = message;
  std::vector<std::string> parts = SplitBy(name, sep);
  for (size_t i = 0; i < parts.size(); ++i) {
    const pb::FieldDescriptor* f = current ? current->FindFieldByName(parts[i]) : nullptr;
    if (!f) {
      return config.BadValue("message.timestamp.name",
                             "no field " + parts[i] + " in " + current->full_name());
    }
    if (f->is_repeated()) {
      return config.BadValue("message.timestamp.name", "field " + parts[i] + " is repeated");
    }
    Result<Kind> kind = KindOf(f);
    if (!kind.ok()) return config.BadValue("message.timestamp.name", kind.status().message());
    bool last = i + 1 == parts.size();
    if (last && *kind == Kind::kMessage) {
      return config.BadValue("message.timestamp.name",
                             "field " + parts[i] + " is a message, not a timestamp");
    }
    if (!last && *kind != Kind::kMessage) {
      return config.BadValue("message.timestamp.name", "field " + parts[i] + " is no message");
    }
    steps.push_back({static_cast<uint32_t>(f->number()), *kind});
    current = f->message_type();
  }

  ASSIGN_OR_RETURN(TextTimeFormat text_time, LoadTextTimeFormat(config, topic));
  return std::unique_ptr<TimestampExtractor>(
      new ProtobufExtractor(std::move(steps), name, std::move(text_time.pattern_text),
                            std::move(text_time.pattern), text_time.zone));
}

Result<std::unique_ptr<MessageParser>> NewProtobufParser(const Config& config,
                                                         std::string_view topic) {
  ASSIGN_OR_RETURN(auto extractor, NewProtobufTimestampExtractor(config, topic));
  return NewTimeParser(config, topic, std::move(extractor));
}

}  // namespace secor
