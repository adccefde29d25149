#include "parse/transformers.h"

#include <set>

#include "common/strings.h"
#include "config/config.h"
#include "parse/json_field.h"

namespace secor {
namespace {

class IdentityTransformer : public MessageTransformer {
 public:
  Result<bool> Transform(const Message& message, std::string* payload) override {
    payload->assign(message.payload);
    return true;
  }
};

class JsonFieldFilter : public MessageTransformer {
 public:
  enum class Missing { kKeep, kDrop, kError };
  JsonFieldFilter(std::string_view field, std::string_view separator,
                  std::set<std::string, std::less<>> values, bool keep_matching, Missing missing)
      : reader_(field, separator),
        values_(std::move(values)),
        keep_matching_(keep_matching),
        missing_(missing) {}

  Result<bool> Transform(const Message& message, std::string* payload) override {
    JsonFieldReader::Field field;
    Status st = reader_.Read(message.payload, &field);
    bool keep;
    if (!st.ok()) {
      if (missing_ == Missing::kError) return st;
      keep = missing_ == Missing::kKeep;
    } else {
      const bool match = values_.count(field.text) > 0;
      keep = match == keep_matching_;
    }
    if (keep) payload->assign(message.payload);
    return keep;
  }

 private:
  JsonFieldReader reader_;
  std::set<std::string, std::less<>> values_;
  bool keep_matching_;
  Missing missing_;
};

}  // namespace

Result<std::unique_ptr<MessageTransformer>> NewIdentityTransformer(const Config&,
                                                                   std::string_view) {
  return std::unique_ptr<MessageTransformer>(new IdentityTransformer());
}

Result<std::unique_ptr<MessageTransformer>> NewJsonFieldFilter(const Config& config,
                                                               std::string_view topic) {
  ASSIGN_OR_RETURN(std::string field, config.StringForTopic("secor.message.filter.field", topic));
  if (field.empty()) return config.Required("secor.message.filter.field").status();
  ASSIGN_OR_RETURN(std::string separator,
                   config.StringForTopic("message.timestamp.name.separator", topic));
  ASSIGN_OR_RETURN(std::string list, config.StringForTopic("secor.message.filter.values", topic));
  std::set<std::string, std::less<>> values;
  for (const std::string& v : Split(list, ',', true)) values.insert(std::string(Trim(v)));
  ASSIGN_OR_RETURN(std::string mode, config.StringForTopic("secor.message.filter.mode", topic));
  if (mode != "drop" && mode != "keep")
    return config.BadValue("secor.message.filter.mode", "must be drop or keep");
  ASSIGN_OR_RETURN(std::string missing,
                   config.StringForTopic("secor.message.filter.missing", topic));
  JsonFieldFilter::Missing m;
  if (missing == "keep") {
    m = JsonFieldFilter::Missing::kKeep;
  } else if (missing == "drop") {
    m = JsonFieldFilter::Missing::kDrop;
  } else if (missing == "error") {
    m = JsonFieldFilter::Missing::kError;
  } else {
    return config.BadValue("secor.message.filter.missing", "must be keep, drop or error");
  }
  return std::unique_ptr<MessageTransformer>(
      new JsonFieldFilter(field, separator, std::move(values), mode == "keep", m));
}

}  // namespace secor
