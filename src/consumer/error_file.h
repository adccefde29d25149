// ErrorFile: the error output of a round, for messages that could not be
// parsed or did not fit the output format. JSON lines, one message a line:
// {"offset":N,"partition":P,"timestamp":ms,"error":"why","key_text":"..",
//  "payload_text":".."}, with "_base64" in place of "_text" for bytes that are
// not UTF-8 — the raw bytes are kept, so nothing is lost and the messages can
// be reprocessed once the cause is fixed. The JSON lines reader reads it
// (`secor print`, `secor verify`).
#pragma once

#include <string>

#include "common/file_util.h"
#include "common/message.h"
#include "common/status.h"

namespace secor {

class ErrorFile {
 public:
  Status Open(const std::string& path) { return file_.Open(path, 1 << 14); }
  Status Append(const Message& m, const std::string& error);
  Status Close() {
    Status st = file_.Sync();
    Status closed = file_.Close();
    return st.ok() ? closed : st;
  }
  uint64_t size() const { return file_.size(); }

 private:
  void AppendBytes(std::string_view name, std::string_view bytes);

  BufferedFile file_;
  std::string line_;
};

}  // namespace secor
