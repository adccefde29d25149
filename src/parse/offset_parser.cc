#include "parse/offset_parser.h"

#include <fmt/format.h>

#include "config/config.h"

namespace secor {
namespace {

class OffsetParser : public MessageParser {
 public:
  OffsetParser(std::string prefix, int64_t per_bucket)
      : prefix_(std::move(prefix)), per_bucket_(per_bucket) {}

  Status Partition(const Message& message, std::string* path) override {
    int64_t bucket = message.offset - message.offset % per_bucket_;
    path->assign(prefix_);
    fmt::format_to(std::back_inserter(*path), "{}", bucket);
    return Status::OK();
  }

 private:
  std::string prefix_;
  int64_t per_bucket_;
};

}  // namespace

Result<std::unique_ptr<MessageParser>> NewOffsetParser(const Config& config, std::string_view) {
  ASSIGN_OR_RETURN(std::string prefix, config.String("secor.offsets.prefix"));
  ASSIGN_OR_RETURN(int64_t per_bucket, config.Int("secor.offsets.per.partition"));
  if (per_bucket <= 0) return config.BadValue("secor.offsets.per.partition", "must be positive");
  return std::unique_ptr<MessageParser>(new OffsetParser(prefix, per_bucket));
}

}  // namespace secor
