#include "parse/json_field.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "common/strings.h"

namespace secor {

namespace od = simdjson::ondemand;

struct JsonFieldReader::State {
  od::parser parser;
};

JsonFieldReader::JsonFieldReader(std::string_view path, std::string_view separator)
    : name_(path), state_(std::make_unique<State>()) {
  if (StartsWith(path, "$.")) path.remove_prefix(2);
  if (separator.empty()) {
    parts_.emplace_back(path);
    return;
  }
  size_t start = 0;
  while (true) {
    size_t at = path.find(separator, start);
    parts_.emplace_back(path.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) break;
    start = at + separator.size();
  }
}

JsonFieldReader::~JsonFieldReader() = default;

Status JsonFieldReader::Read(std::string_view payload, Field* field) {
  const size_t capacity = payload.size() + simdjson::SIMDJSON_PADDING;
  if (buffer_.size() < capacity) buffer_.resize(capacity);
  std::memcpy(buffer_.data(), payload.data(), payload.size());
  od::document doc;
  auto not_json = [&](simdjson::error_code code) {
    size_t at = payload.size();
    const char* location = nullptr;
    if (!doc.current_location().get(location) && location >= buffer_.data()) {
      at = std::min<size_t>(location - buffer_.data(), payload.size());
    }
    return Status::Corruption("not JSON at byte {}: {}", at, simdjson::error_message(code));
  };
  if (auto err = state_->parser.iterate(buffer_.data(), payload.size(), buffer_.size()).get(doc)) {
    return Status::Corruption("not JSON: {}", simdjson::error_message(err));
  }
  od::object object;
  if (auto err = doc.get_object().get(object)) {
    if (err == simdjson::INCORRECT_TYPE) {
      // On demand looks only at the first byte: "nonsense" starts like null.
      // Only on this error path, a full parse tells text from another value.
      simdjson::dom::parser full;
      simdjson::dom::element root;
      if (auto bad = full.parse(payload.data(), payload.size()).get(root)) {
        return Status::Corruption("not JSON: {}", simdjson::error_message(bad));
      }
      return Status::Corruption("not a JSON object");
    }
    return not_json(err);
  }
  od::value value;
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (i > 0) {
      if (auto err = value.get_object().get(object)) {
        if (err == simdjson::INCORRECT_TYPE) return Status::NotFound("field {} missing", name_);
        return not_json(err);
      }
    }
    if (auto err = object.find_field_unordered(parts_[i]).get(value)) {
      if (err == simdjson::NO_SUCH_FIELD) return Status::NotFound("field {} missing", name_);
      return not_json(err);
    }
  }
  od::json_type type;
  if (auto err = value.type().get(type)) return not_json(err);
  switch (type) {
    case od::json_type::string: {
      std::string_view s;
      if (auto err = value.get_string().get(s)) return not_json(err);
      field->kind = Field::kString;
      field->text = s;
      return Status::OK();
    }
    case od::json_type::number: {
      std::string_view token = Trim(value.raw_json_token());
      field->kind = Field::kNumber;
      field->text = token;
      return Status::OK();
    }
    case od::json_type::null:
      return Status::NotFound("field {} missing", name_);
    default:
      field->kind = Field::kOther;
      field->text = Trim(value.raw_json_token());
      return Status::OK();
  }
}

}  // namespace secor
