// Status and Result<T>: the error type of the whole library. A Status is OK or
// carries a code and one human-readable line; Result<T> is a value or a Status.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace secor {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,          // object, key or file does not exist
    kAlreadyExists,     // create-only write refused: the key exists
    kInvalidArgument,   // bad configuration or input; not retryable
    kCorruption,        // malformed data
    kIOError,           // local disk or network I/O failed; usually retryable
    kUnavailable,       // remote service down or throttling; retryable
    kPermissionDenied,  // credentials or ACL; not retryable
    kConflict,          // concurrent modification; retry the whole operation
    kFenced,            // a newer owner took over (stale generation)
    kAborted,           // shut down or cancelled
    kInternal,
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return {}; }
  template <typename... Args>
  static Status NotFound(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kNotFound, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status AlreadyExists(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kAlreadyExists, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status InvalidArgument(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kInvalidArgument, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status Corruption(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kCorruption, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status IOError(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kIOError, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status Unavailable(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kUnavailable, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status PermissionDenied(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kPermissionDenied, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status Conflict(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kConflict, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status Fenced(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kFenced, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status Aborted(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kAborted, fmt::format(f, std::forward<Args>(a)...)};
  }
  template <typename... Args>
  static Status Internal(fmt::format_string<Args...> f, Args&&... a) {
    return {Code::kInternal, fmt::format(f, std::forward<Args>(a)...)};
  }
  // errno-based I/O error: "<what>: <strerror(err)>".
  static Status FromErrno(const std::string& what, int err);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }
  // Whether retrying the same operation later may succeed.
  bool IsRetryable() const {
    return code_ == Code::kIOError || code_ == Code::kUnavailable || code_ == Code::kConflict;
  }
  // "NotFound: message" (or "OK").
  std::string ToString() const;
  // Returns a copy with "context: " put before the message.
  Status WithContext(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

const char* CodeName(Status::Code code);

// A value or an error. Access value() only when ok().
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace secor

#define SECOR_CONCAT_INNER(a, b) a##b
#define SECOR_CONCAT(a, b) SECOR_CONCAT_INNER(a, b)

// Returns from the enclosing function when the Status expression is not OK.
#define RETURN_IF_ERROR(expr)     \
  do {                            \
    ::secor::Status _st = (expr); \
    if (!_st.ok()) return _st;    \
  } while (0)

// ASSIGN_OR_RETURN(auto x, Foo()): binds the value or returns the error.
// lhs may be a declaration ("auto x"), which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SECOR_CONCAT(_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
