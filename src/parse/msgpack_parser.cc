#include "parse/msgpack_parser.h"

// Header-only use; Boost adds nothing this parser needs.
#define MSGPACK_NO_BOOST
#include <msgpack.hpp>

#include <optional>

#include "common/strings.h"
#include "config/config.h"
#include "parse/date_format.h"
#include "parse/time_zone.h"

namespace secor {
namespace {

constexpr size_t kMaxDepth = 64;

class MsgpackExtractor : public TimestampExtractor {
 public:
  MsgpackExtractor(std::vector<std::string> path, std::string name, std::string pattern_text,
                   std::optional<DateFormat> pattern, std::shared_ptr<const TimeZone> zone)
      : path_(std::move(path)),
        name_(std::move(name)),
        pattern_text_(std::move(pattern_text)),
        pattern_(std::move(pattern)),
        zone_(std::move(zone)) {}

  Result<int64_t> ExtractMillis(const Message& message) override {
    const std::string_view p = message.payload;
    // Every element takes at least one byte, so no honest count exceeds the
    // payload size; the limits stop a 5-byte header from making the unpacker
    // allocate for four billion elements.
    const size_t n = p.size();
    msgpack::unpack_limit limit(n, n, n, n, n, kMaxDepth);
    msgpack::object_handle handle;
    try {
      std::size_t offset = 0;
      handle = msgpack::unpack(p.data(), p.size(), offset, nullptr, nullptr, limit);
    } catch (const msgpack::insufficient_bytes&) {
      return Status::Corruption("msgpack: truncated payload");
    } catch (const msgpack::depth_size_overflow&) {
      return Status::Corruption("msgpack: nesting deeper than {}", kMaxDepth);
    } catch (const msgpack::size_overflow&) {
      return Status::Corruption("msgpack: container larger than the payload");
    } catch (const std::exception& e) {
      return Status::Corruption("msgpack: {}", e.what());
    }
    const msgpack::object* o = &handle.get();
    for (size_t i = 0; i < path_.size(); ++i) {
      if (o->type != msgpack::type::MAP) {
        return Status::InvalidArgument("msgpack: {} is not a map", i == 0 ? "payload" : Prefix(i));
      }
      const msgpack::object* next = nullptr;
      const msgpack::object_map& map = o->via.map;
      for (uint32_t k = 0; k < map.size; ++k) {
        const msgpack::object& key = map.ptr[k].key;
        if (key.type == msgpack::type::STR &&
            std::string_view(key.via.str.ptr, key.via.str.size) == path_[i]) {
          next = &map.ptr[k].val;  // the last of duplicate keys wins, as in a decoded map
        }
      }
      if (!next) return Status::NotFound("msgpack: field {} not found", name_);
      o = next;
    }
    switch (o->type) {
      case msgpack::type::POSITIVE_INTEGER:
        if (o->via.u64 > static_cast<uint64_t>(INT64_MAX)) {
          return Status::InvalidArgument("msgpack: field {} value {} is out of range", name_,
                                         o->via.u64);
        }
        return EpochToMillis(static_cast<int64_t>(o->via.u64));
      case msgpack::type::NEGATIVE_INTEGER:
        return EpochToMillis(o->via.i64);
      case msgpack::type::FLOAT32:
      case msgpack::type::FLOAT64:
        return EpochToMillis(o->via.f64);
      case msgpack::type::STR:
        return FromText(std::string_view(o->via.str.ptr, o->via.str.size));
      case msgpack::type::NIL:
        return Status::NotFound("msgpack: field {} is nil", name_);
      default:
        return Status::InvalidArgument("msgpack: field {} is not a number or string", name_);
    }
  }

 private:
  std::string Prefix(size_t parts) const {
    std::vector<std::string> v(path_.begin(), path_.begin() + parts);
    return Join(v, ".");
  }

  Result<int64_t> FromText(std::string_view text) const {
    if (pattern_) {
      Result<int64_t> ms = pattern_->Parse(text, *zone_);
      if (!ms.ok()) {
        return Status::InvalidArgument("msgpack: field {} value '{}' does not match '{}'", name_,
                                       text, pattern_text_);
      }
      return ms;
    }
    if (std::optional<int64_t> i = ParseInt64(Trim(text))) return EpochToMillis(*i);
    if (std::optional<double> d = ParseDouble(Trim(text))) return EpochToMillis(*d);
    return Status::InvalidArgument("msgpack: field {} value '{}' is not a number", name_, text);
  }

  std::vector<std::string> path_;
  std::string name_;
  std::string pattern_text_;
  std::optional<DateFormat> pattern_;
  std::shared_ptr<const TimeZone> zone_;
};

}  // namespace

Result<std::unique_ptr<TimestampExtractor>> NewMsgpackTimestampExtractor(const Config& config,
                                                                         std::string_view topic) {
  ASSIGN_OR_RETURN(std::string name, config.StringForTopic("message.timestamp.name", topic));
  ASSIGN_OR_RETURN(std::string sep, config.String("message.timestamp.name.separator"));
  std::vector<std::string> path;
  if (sep.empty()) {
    path.push_back(name);
  } else {
    size_t start = 0;
    for (size_t at; (at = name.find(sep, start)) != std::string::npos; start = at + sep.size()) {
      path.push_back(name.substr(start, at - start));
    }
    path.push_back(name.substr(start));
  }
  ASSIGN_OR_RETURN(TextTimeFormat text_time, LoadTextTimeFormat(config, topic));
  return std::unique_ptr<TimestampExtractor>(
      new MsgpackExtractor(std::move(path), name, std::move(text_time.pattern_text),
                           std::move(text_time.pattern), text_time.zone));
}

Result<std::unique_ptr<MessageParser>> NewMsgpackParser(const Config& config,
                                                        std::string_view topic) {
  ASSIGN_OR_RETURN(auto extractor, NewMsgpackTimestampExtractor(config, topic));
  return NewTimeParser(config, topic, std::move(extractor));
}

}  // namespace secor
