#include "kafka/rdkafka_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>

#include "common/strings.h"

namespace secor {
namespace {

enum class Refusal { kNone, kLogin, kTls };

// What librdkafka's FAIL lines say when the broker refused the login or the
// TLS handshake failed (checked against librdkafka 2.0 and Apache Kafka 3.9).
Refusal Classify(std::string_view text) {
  if (text.find("SASL authentication error") != std::string_view::npos ||
      text.find("Authentication failed") != std::string_view::npos ||
      text.find("SASL authentication failure") != std::string_view::npos) {
    return Refusal::kLogin;
  }
  if (text.find("SSL handshake failed") != std::string_view::npos ||
      text.find("certificate verify failed") != std::string_view::npos ||
      text.find("SSL routines") != std::string_view::npos) {
    return Refusal::kTls;
  }
  return Refusal::kNone;
}

// "[thrd:...]: sasl_ssl://127.0.0.1:9093/bootstrap: SASL ... (after 3ms in
// state AUTH_REQ, 1 identical error(s) suppressed)" as the broker's address
// and the reason without the thread and the timing.
void Split(std::string_view text, std::string* broker, std::string* reason) {
  if (StartsWith(text, "[thrd:")) {
    if (size_t end = text.find("]: "); end != std::string_view::npos) text = text.substr(end + 3);
  }
  size_t colon = text.find(": ");
  std::string_view name = colon == std::string_view::npos ? "" : text.substr(0, colon);
  std::string_view rest = colon == std::string_view::npos ? text : text.substr(colon + 2);
  if (size_t scheme = name.find("://"); scheme != std::string_view::npos) {
    name = name.substr(scheme + 3);
  }
  if (size_t slash = name.find('/'); slash != std::string_view::npos) name = name.substr(0, slash);
  if (size_t after = rest.rfind(" (after "); after != std::string_view::npos) {
    rest = rest.substr(0, after);
  }
  *broker = std::string(name.empty() ? "?" : name);
  *reason = std::string(Trim(rest));
}

struct Reported {
  std::chrono::steady_clock::time_point at;
  int64_t suppressed = 0;
};

struct State {
  std::mutex mu;
  std::function<std::chrono::steady_clock::time_point()> clock;  // tests set it
  std::map<const rd_kafka_t*, std::string> failure;
  std::map<std::string, Reported> reported;  // by broker and kind
};

State& Shared() {
  static State* s = new State();  // used from librdkafka threads until exit
  return *s;
}

constexpr auto kRepeatEvery = std::chrono::seconds(60);

// Records the refusal for rk and logs it: the first time for a broker at
// once, then at most once a minute with the count passed over.
void Report(const rd_kafka_t* rk, Refusal kind, std::string_view text) {
  std::string broker, reason;
  Split(text, &broker, &reason);
  std::string line =
      kind == Refusal::kLogin
          ? fmt::format(
                "broker {} refused the login: {}; check the SASL user name, password "
                "and mechanism",
                broker, reason)
          : fmt::format(
                "TLS handshake with broker {} failed: {}; check the CA file "
                "(ssl.ca.location, kafka.new.consumer.ssl.truststore.location) and the "
                "broker's certificate",
                broker, reason);
  State& s = Shared();
  int64_t passed_over = -1;
  {
    std::lock_guard lock(s.mu);
    auto now = s.clock ? s.clock() : std::chrono::steady_clock::now();
    s.failure[rk] = line;
    std::string key = broker + (kind == Refusal::kLogin ? " login" : " tls");
    auto it = s.reported.find(key);
    if (it == s.reported.end() || now - it->second.at >= kRepeatEvery) {
      passed_over = it == s.reported.end() ? 0 : it->second.suppressed;
      s.reported[key] = Reported{now, 0};
    } else {
      ++it->second.suppressed;
    }
  }
  if (passed_over < 0) return;
  if (passed_over == 0) {
    spdlog::error("kafka: {}; retrying with backoff", line);
  } else {
    spdlog::error("kafka: {}; still retrying ({} more attempt(s) in the last minute)", line,
                  passed_over);
  }
}

}  // namespace

void RdKafkaLogLine(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  if (level <= 4 && std::string_view(facility) == "FAIL") {
    Refusal kind = Classify(text);
    if (kind != Refusal::kNone) {
      Report(rk, kind, text);
      return;
    }
  }
  // Syslog levels: 3 is an error, 4 a warning, the rest is detail.
  if (level <= 3) {
    spdlog::error("kafka {}: {}", facility, text);
  } else if (level <= 4) {
    spdlog::warn("kafka {}: {}", facility, text);
  } else {
    spdlog::debug("kafka {}: {}", facility, text);
  }
}

void RdKafkaErrorLine(rd_kafka_t* rk, int err, const char* reason, void*) {
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  // A refused login or TLS handshake was reported from its FAIL log line,
  // once and then at most once a minute; "all brokers are down" follows
  // each such attempt and says nothing more.
  bool refused = code == RD_KAFKA_RESP_ERR__AUTHENTICATION || code == RD_KAFKA_RESP_ERR__SSL ||
                 (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !BrokerAuthFailure(rk).empty());
  if (refused) {
    spdlog::debug("kafka: {} ({})", reason, rd_kafka_err2name(code));
    return;
  }
  // librdkafka retries by itself; these are reports (broker down, etc.).
  spdlog::warn("kafka: {} ({})", reason, rd_kafka_err2name(code));
}

std::string BrokerAuthFailure(const rd_kafka_t* rk) {
  State& s = Shared();
  std::lock_guard lock(s.mu);
  auto it = s.failure.find(rk);
  return it == s.failure.end() ? std::string() : it->second;
}

void SetRefusalClockForTest(std::function<std::chrono::steady_clock::time_point()> clock) {
  State& s = Shared();
  std::lock_guard lock(s.mu);
  s.clock = std::move(clock);
  s.reported.clear();
}

void ForgetClient(const rd_kafka_t* rk) {
  State& s = Shared();
  std::lock_guard lock(s.mu);
  s.failure.erase(rk);
}

Status Metadata(rd_kafka_t* rk, bool all_topics, rd_kafka_topic_t* only,
                const rd_kafka_metadata_t** md, int timeout_ms, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    int slice = static_cast<int>(std::clamp<int64_t>(left, 1, 1000));
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, all_topics ? 1 : 0, only, md, slice);
    if (!err) {
      ForgetClient(rk);  // a refusal that has passed is no reason to give up later
      return Status::OK();
    }
    std::string refused = BrokerAuthFailure(rk);
    if (!refused.empty()) return Status::PermissionDenied("{}: {}", what, refused);
    bool waiting = err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT;
    if (!waiting || left <= slice) {
      return Status::Unavailable("{}: {}", what, rd_kafka_err2str(err));
    }
    // A transport failure comes back at once; do not spin on it.
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(200, left)));
    }
  }
}

}  // namespace secor
