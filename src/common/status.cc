#include "common/status.h"

namespace netward {

Status::Status(Code code, std::string_view where, std::string_view what)
    : state_(std::make_unique<State>()) {
  state_->code = code;
  state_->message.assign(where);
  if (!what.empty()) {
    state_->message.append(": ");
    state_->message.append(what);
  }
}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

std::string Status::ToString() const {
  if (!state_) return "OK";
  const char* name = "Unknown";
  switch (state_->code) {
    case Code::kOk:
      name = "OK";
      break;
    case Code::kNotFound:
      name = "NotFound";
      break;
    case Code::kCorruption:
      name = "Corruption";
      break;
    case Code::kInvalidArgument:
      name = "InvalidArgument";
      break;
    case Code::kIOError:
      name = "IOError";
      break;
    case Code::kNotSupported:
      name = "NotSupported";
      break;
    case Code::kResourceExhausted:
      name = "ResourceExhausted";
      break;
  }
  return std::string(name) + ": " + state_->message;
}

}  // namespace netward
