// src/common/status.h: errors as values, after LevelDB's Status.
// A Status is OK (allocates nothing) or carries a code and a message "where: what".
// Result<T> holds either a T or a non-OK Status. Both are [[nodiscard]]: ignoring one is a bug.
// No exception crosses a module boundary; bad input is reported with one of these, never fatal.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace netward {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,
    kCorruption,
    kInvalidArgument,
    kIOError,
    kNotSupported,
    kResourceExhausted,
  };

  Status() = default;
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view where, std::string_view what = {}) {
    return Status(Code::kNotFound, where, what);
  }
  static Status Corruption(std::string_view where, std::string_view what = {}) {
    return Status(Code::kCorruption, where, what);
  }
  static Status InvalidArgument(std::string_view where, std::string_view what = {}) {
    return Status(Code::kInvalidArgument, where, what);
  }
  static Status IOError(std::string_view where, std::string_view what = {}) {
    return Status(Code::kIOError, where, what);
  }
  static Status NotSupported(std::string_view where, std::string_view what = {}) {
    return Status(Code::kNotSupported, where, what);
  }
  static Status ResourceExhausted(std::string_view where, std::string_view what = {}) {
    return Status(Code::kResourceExhausted, where, what);
  }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  // "where: what", without the code name. Empty for OK.
  std::string message() const { return state_ ? state_->message : std::string(); }
  // "Code name: where: what", or "OK".
  std::string ToString() const;

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view where, std::string_view what);
  std::unique_ptr<State> state_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace netward
