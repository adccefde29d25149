// ErrorFile: the error output of a round, for messages that could not be
// parsed or did not fit the output format. JSON lines, one message a line:
// {"offset":N,"partition":P,"timestamp":ms,"error":"why","key_base64":"..",
//  "payload_base64":".."} — the raw bytes are kept, so nothing is lost and the
// messages can be reprocessed once the cause is fixed.
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
  BufferedFile file_;
  std::string line_;
};

}  // namespace secor
