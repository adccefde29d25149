#include "parse/thrift_parser.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "config/config.h"

namespace secor {
namespace {

// Deep enough for real schemas, shallow enough that a hostile payload of
// nested struct headers cannot exhaust the stack.
constexpr int kMaxDepth = 64;

// Type ids of the binary protocol; the compact protocol's are mapped onto them.
enum TType : uint8_t {
  kStop = 0,
  kBool = 2,
  kByte = 3,
  kDouble = 4,
  kI16 = 6,
  kI32 = 8,
  kI64 = 10,
  kString = 11,
  kStruct = 12,
  kMap = 13,
  kSet = 14,
  kList = 15,
  kUuid = 16,
};

const char* TypeName(uint8_t t) {
  switch (t) {
    case kBool:
      return "bool";
    case kByte:
      return "byte";
    case kDouble:
      return "double";
    case kI16:
      return "i16";
    case kI32:
      return "i32";
    case kI64:
      return "i64";
    case kString:
      return "string";
    case kStruct:
      return "struct";
    case kMap:
      return "map";
    case kSet:
      return "set";
    case kList:
      return "list";
    case kUuid:
      return "uuid";
    default:
      return "unknown";
  }
}

// A cursor over the payload; every read is bounds-checked and reports the
// byte position of the failure.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  Status Truncated() const {
    return Status::Corruption("thrift: truncated payload at byte {}", pos_);
  }

  Status Skip(uint64_t n) {
    if (n > remaining()) return Truncated();
    pos_ += n;
    return Status::OK();
  }
  Result<uint8_t> Byte() {
    if (remaining() < 1) return Truncated();
    return static_cast<uint8_t>(data_[pos_++]);
  }
  // Big-endian, as the binary protocol writes.
  Result<uint64_t> BigEndian(int bytes) {
    if (remaining() < static_cast<size_t>(bytes)) return Truncated();
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
    return v;
  }
  Result<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (remaining() < 1) return Truncated();
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return Status::Corruption("thrift: varint longer than 10 bytes at byte {}", pos_);
  }
  Result<int64_t> ZigZag() {
    ASSIGN_OR_RETURN(uint64_t v, Varint());
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// The protocol-specific part: field headers, containers, scalars.
class Decoder {
 public:
  Decoder(std::string_view data, ThriftProtocol protocol) : r_(data), protocol_(protocol) {}

  // Finds path[index..] in the struct starting at the cursor.
  Result<int64_t> Find(const std::vector<int16_t>& path, size_t index, bool want_i64, int depth) {
    if (depth > kMaxDepth) return TooDeep();
    int16_t last_id = 0;
    while (true) {
      uint8_t type;
      int16_t id;
      RETURN_IF_ERROR(FieldHeader(&last_id, &type, &id));
      if (type == kStop) {
        return Status::NotFound("thrift: field {} not found", PathString(path, index));
      }
      if (id != path[index]) {
        RETURN_IF_ERROR(SkipValue(type, depth + 1));
        continue;
      }
      if (index + 1 < path.size()) {
        if (type != kStruct) {
          return Status::InvalidArgument("thrift: field {} is {}, not struct",
                                         PathString(path, index), TypeName(type));
        }
        return Find(path, index + 1, want_i64, depth + 1);
      }
      if (type == kI64 || type == kI32) return Integer(type);
      return Status::InvalidArgument("thrift: field {} is {}, not {}", PathString(path, index),
                                     TypeName(type), want_i64 ? "i64" : "i32");
    }
  }

 private:
  static std::string PathString(const std::vector<int16_t>& path, size_t upto) {
    std::string s;
    for (size_t i = 0; i <= upto; ++i) {
      if (i) s += '.';
      s += std::to_string(path[i]);
    }
    return s;
  }
  Status TooDeep() const {
    return Status::Corruption("thrift: nesting deeper than {} at byte {}", kMaxDepth, r_.pos());
  }
  Status BadType(uint8_t type) const {
    return Status::Corruption("thrift: unknown field type {} at byte {}", type, r_.pos());
  }

  Result<uint8_t> CompactType(uint8_t t) const {
    static constexpr uint8_t kMapCompact[] = {kStop,   kBool,   kBool, kByte, kI16, kI32,    kI64,
                                              kDouble, kString, kList, kSet,  kMap, kStruct, kUuid};
    if (t >= sizeof(kMapCompact)) return BadType(t);
    return kMapCompact[t];
  }

  Status FieldHeader(int16_t* last_id, uint8_t* type, int16_t* id) {
    ASSIGN_OR_RETURN(uint8_t b, r_.Byte());
    if (protocol_ == ThriftProtocol::kBinary) {
      *type = b;
      if (b == kStop) return Status::OK();
      ASSIGN_OR_RETURN(uint64_t raw, r_.BigEndian(2));
      *id = static_cast<int16_t>(raw);
      return Status::OK();
    }
    uint8_t ctype = b & 0x0f;
    if (ctype == 0) {
      *type = kStop;
      return Status::OK();
    }
    ASSIGN_OR_RETURN(*type, CompactType(ctype));
    // In a field header the two booleans carry the value in the type.
    compact_bool_in_header_ = (*type == kBool);
    uint8_t delta = b >> 4;
    if (delta) {
      *id = static_cast<int16_t>(*last_id + delta);
    } else {
      ASSIGN_OR_RETURN(int64_t v, r_.ZigZag());
      *id = static_cast<int16_t>(v);
    }
    *last_id = *id;
    return Status::OK();
  }

  Result<int64_t> Integer(uint8_t type) {
    if (protocol_ == ThriftProtocol::kCompact) return r_.ZigZag();
    ASSIGN_OR_RETURN(uint64_t v, r_.BigEndian(type == kI64 ? 8 : 4));
    if (type == kI64) return static_cast<int64_t>(v);
    return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v)));
  }

  // Element count of a container; each element takes at least one byte, so a
  // count beyond the remaining bytes is a lie and is refused before looping.
  Status CheckCount(int64_t count) const {
    if (count < 0)
      return Status::Corruption("thrift: negative container size at byte {}", r_.pos());
    if (static_cast<uint64_t>(count) > r_.remaining()) {
      return Status::Corruption("thrift: container of {} elements exceeds payload at byte {}",
                                count, r_.pos());
    }
    return Status::OK();
  }

  Result<int64_t> Length() {
    int64_t n;
    if (protocol_ == ThriftProtocol::kBinary) {
      ASSIGN_OR_RETURN(uint64_t raw, r_.BigEndian(4));
      n = static_cast<int32_t>(static_cast<uint32_t>(raw));
    } else {
      ASSIGN_OR_RETURN(uint64_t raw, r_.Varint());
      n = raw > INT32_MAX ? -1 : static_cast<int64_t>(raw);
    }
    if (n < 0) return Status::Corruption("thrift: negative length at byte {}", r_.pos());
    return n;
  }

  Status SkipStruct(int depth) {
    if (depth > kMaxDepth) return TooDeep();
    int16_t last_id = 0;
    while (true) {
      uint8_t type;
      int16_t id;
      RETURN_IF_ERROR(FieldHeader(&last_id, &type, &id));
      if (type == kStop) return Status::OK();
      RETURN_IF_ERROR(SkipValue(type, depth + 1));
    }
  }

  // Skips a value whose header was just read. For compact booleans in a field
  // header there is nothing left to read.
  Status SkipValue(uint8_t type, int depth) {
    if (depth > kMaxDepth) return TooDeep();
    bool bool_in_header = compact_bool_in_header_;
    compact_bool_in_header_ = false;
    const bool compact = protocol_ == ThriftProtocol::kCompact;
    switch (type) {
      case kBool:
        return bool_in_header ? Status::OK() : r_.Skip(1);
      case kByte:
        return r_.Skip(1);
      case kDouble:
        return r_.Skip(8);
      case kUuid:
        return r_.Skip(16);
      case kI16:
      case kI32:
      case kI64:
        if (compact) return r_.Varint().status();
        return r_.Skip(type == kI16 ? 2 : type == kI32 ? 4 : 8);
      case kString: {
        ASSIGN_OR_RETURN(int64_t n, Length());
        return r_.Skip(n);
      }
      case kStruct:
        return SkipStruct(depth);
      case kList:
      case kSet: {
        uint8_t elem;
        int64_t count;
        if (compact) {
          ASSIGN_OR_RETURN(uint8_t b, r_.Byte());
          ASSIGN_OR_RETURN(elem, CompactType(b & 0x0f));
          count = b >> 4;
          if (count == 15) {
            ASSIGN_OR_RETURN(count, Length());
          }
        } else {
          ASSIGN_OR_RETURN(elem, r_.Byte());
          ASSIGN_OR_RETURN(count, Length());
        }
        RETURN_IF_ERROR(CheckCount(count));
        for (int64_t i = 0; i < count; ++i) RETURN_IF_ERROR(SkipValue(elem, depth + 1));
        return Status::OK();
      }
      case kMap: {
        uint8_t key = kStop, value = kStop;
        int64_t count;
        if (compact) {
          ASSIGN_OR_RETURN(count, Length());
          if (count == 0) return Status::OK();
          ASSIGN_OR_RETURN(uint8_t b, r_.Byte());
          ASSIGN_OR_RETURN(key, CompactType(b >> 4));
          ASSIGN_OR_RETURN(value, CompactType(b & 0x0f));
        } else {
          ASSIGN_OR_RETURN(key, r_.Byte());
          ASSIGN_OR_RETURN(value, r_.Byte());
          ASSIGN_OR_RETURN(count, Length());
        }
        RETURN_IF_ERROR(CheckCount(count));
        for (int64_t i = 0; i < count; ++i) {
          RETURN_IF_ERROR(SkipValue(key, depth + 1));
          RETURN_IF_ERROR(SkipValue(value, depth + 1));
        }
        return Status::OK();
      }
      default:
        return BadType(type);
    }
  }

  Reader r_;
  ThriftProtocol protocol_;
  bool compact_bool_in_header_ = false;
};

class ThriftExtractor : public TimestampExtractor {
 public:
  ThriftExtractor(ThriftProtocol protocol, std::vector<int16_t> path, bool want_i64)
      : protocol_(protocol), path_(std::move(path)), want_i64_(want_i64) {}

  // NotFound for an absent field: the time parser applies message.timestamp.required.
  Result<int64_t> ExtractMillis(const Message& message) override {
    ASSIGN_OR_RETURN(int64_t v, ReadThriftInteger(message.payload, protocol_, path_, want_i64_));
    return EpochToMillis(v);
  }

 private:
  ThriftProtocol protocol_;
  std::vector<int16_t> path_;
  bool want_i64_;
};

}  // namespace

Result<int64_t> ReadThriftInteger(std::string_view payload, ThriftProtocol protocol,
                                  const std::vector<int16_t>& path, bool want_i64) {
  if (path.empty()) return Status::InvalidArgument("thrift: empty field path");
  Decoder decoder(payload, protocol);
  return decoder.Find(path, 0, want_i64, 0);
}

Result<ThriftProtocol> ParseThriftProtocol(std::string_view name) {
  std::string n = ToLower(Trim(name));
  if (size_t dot = n.rfind('.'); dot != std::string::npos) n = n.substr(dot + 1);
  if (n.empty() || n == "binary" || n == "tbinaryprotocol") return ThriftProtocol::kBinary;
  if (n == "compact" || n == "tcompactprotocol") return ThriftProtocol::kCompact;
  return Status::InvalidArgument("unknown thrift protocol '{}' (known: binary, compact)", name);
}

Result<std::unique_ptr<TimestampExtractor>> NewThriftTimestampExtractor(const Config& config,
                                                                        std::string_view topic) {
  ASSIGN_OR_RETURN(std::string proto_name,
                   config.StringForTopic("secor.thrift.protocol.class", topic));
  Result<ThriftProtocol> protocol = ParseThriftProtocol(proto_name);
  if (!protocol.ok()) {
    return config.BadValue("secor.thrift.protocol.class", "expected binary or compact");
  }
  // Read as a string so that a dotted path of ids ("3.1") is accepted.
  ASSIGN_OR_RETURN(std::string id_text, config.StringForTopic("message.timestamp.id", topic));
  std::vector<int16_t> path;
  for (const std::string& part : Split(id_text, '.')) {
    std::optional<int64_t> id = ParseInt64(Trim(part));
    if (!id || *id < INT16_MIN || *id > INT16_MAX) {
      return config.BadValue("message.timestamp.id",
                             "expected a Thrift field id or a dotted path of ids");
    }
    path.push_back(static_cast<int16_t>(*id));
  }
  ASSIGN_OR_RETURN(std::string type, config.StringForTopic("message.timestamp.type", topic));
  if (type != "i32" && type != "i64") {
    return config.BadValue("message.timestamp.type", "expected i32 or i64");
  }
  return std::unique_ptr<TimestampExtractor>(
      new ThriftExtractor(*protocol, std::move(path), type == "i64"));
}

Result<std::unique_ptr<MessageParser>> NewThriftParser(const Config& config,
                                                       std::string_view topic) {
  ASSIGN_OR_RETURN(auto extractor, NewThriftTimestampExtractor(config, topic));
  return NewTimeParser(config, topic, std::move(extractor));
}

}  // namespace secor
