// FakeSchemaRegistry: a stand-in for Confluent's schema registry in tests.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "common/strings.h"
#include "support/fake_http_server.h"

namespace secor::testing {

// A stand-in for Confluent's schema registry (which cannot run here): answers
// GET /schemas/ids/<id> from a table and counts the requests per path. A
// table over FakeHttpServer, so that the tests keep one HTTP server.
class FakeSchemaRegistry {
 public:
  FakeSchemaRegistry() : http_([this](const FakeRequest& r) { return Answer(r); }) {}

  std::string url() const { return http_.url(); }

  void SetSchema(int id, const std::string& schema_json) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_[Path(id)] = {200, "{\"schema\":" + JsonQuote(schema_json) + "}"};
  }
  void SetResponse(int id, int status, const std::string& body) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_[Path(id)] = {status, body};
  }
  int Requests(int id) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[Path(id)];
  }

 private:
  static std::string Path(int id) { return "/schemas/ids/" + std::to_string(id); }

  FakeResponse Answer(const FakeRequest& r) {
    std::string path = r.method == "GET" ? r.target : "";
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[path];
    if (auto it = responses_.find(path); it != responses_.end()) {
      return FakeResponse::Json(it->second.first, it->second.second);
    }
    return FakeResponse::Json(404, R"({"error_code":40403,"message":"Schema not found"})");
  }

  std::mutex mu_;
  std::map<std::string, std::pair<int, std::string>> responses_;
  std::map<std::string, int> counts_;
  // Last, so that it stops answering before the tables go.
  FakeHttpServer http_;
};

}  // namespace secor::testing
