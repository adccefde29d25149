// A minimal blocking HTTP client for the operator tools (OpenTSDB puts, the
// Qubole API), over libcurl. Not for the data path.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace secor {

struct OpsHttpResponse {
  long code = 0;
  std::string body;
};

// method "GET" or "POST"; headers as "Name: value". A transport failure is an
// error; any HTTP status is returned as is.
Result<OpsHttpResponse> OpsHttp(const std::string& method, const std::string& url,
                                const std::string& body, const std::vector<std::string>& headers,
                                long timeout_ms = 30000);

}  // namespace secor
