// src/identity/syslog_nat_framer.h: splits a syslog TCP stream into messages (RFC 6587).
// Octet counting ("MSG-LEN SP MSG") is chosen per frame when it starts with a digit 1-9;
// otherwise the frame ends at LF (non-transparent framing; a CR before it is dropped) or NUL.
// A frame over `max_frame` bytes is cut to that size, delivered once, and the rest skipped
// (counted in truncated()). One framer per TCP connection; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace netward::identity {

class SyslogFramer {
 public:
  explicit SyslogFramer(size_t max_frame) : max_frame_(max_frame) { buf_.reserve(256); }

  // Feeds stream bytes; calls on_frame(std::string_view) for each complete, non-empty frame.
  template <typename F>
  void Feed(std::string_view bytes, F&& on_frame) {
    for (size_t i = 0; i < bytes.size();) i += Step(bytes.substr(i), on_frame);
  }
  // A frame still open when the connection closes (LF framing without a final LF).
  template <typename F>
  void Finish(F&& on_frame) {
    if (state_ == State::kLine && !buf_.empty()) Emit(on_frame);
    Reset();
  }
  uint64_t truncated() const { return truncated_; }

 private:
  enum class State { kStart, kCount, kOctets, kLine };

  template <typename F>
  size_t Step(std::string_view in, F& on_frame) {
    switch (state_) {
      case State::kStart:
        if (in[0] >= '1' && in[0] <= '9') {
          state_ = State::kCount;
          count_ = 0;
          count_digits_ = 0;
        } else if (in[0] == '\n' || in[0] == '\r' || in[0] == '\0' || in[0] == ' ') {
          return 1;  // blank line or separator between frames
        } else {
          state_ = State::kLine;
        }
        return 0;
      case State::kCount:
        if (in[0] >= '0' && in[0] <= '9' && count_digits_ < 9) {
          count_ = count_ * 10 + static_cast<size_t>(in[0] - '0');
          ++count_digits_;
          Append(in.substr(0, 1));
          return 1;
        }
        if (in[0] == ' ') {
          buf_.clear();
          cut_ = false;
          state_ = State::kOctets;
          if (count_ == 0) state_ = State::kStart;
          return 1;
        }
        state_ = State::kLine;  // not a length after all: the digits start a plain line
        return 0;
      case State::kOctets: {
        const size_t n = in.size() < count_ ? in.size() : count_;
        Append(in.substr(0, n));
        count_ -= n;
        if (count_ == 0) {
          Emit(on_frame);
          Reset();
        }
        return n;
      }
      case State::kLine: {
        size_t end = 0;
        while (end < in.size() && in[end] != '\n' && in[end] != '\0') ++end;
        Append(in.substr(0, end));
        if (end == in.size()) return end;
        if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
        if (!buf_.empty()) Emit(on_frame);
        Reset();
        return end + 1;
      }
    }
    return 1;
  }
  void Append(std::string_view s) {
    const size_t room = max_frame_ - buf_.size();
    if (s.size() > room) {
      buf_.append(s.substr(0, room));
      cut_ = true;
    } else {
      buf_.append(s);
    }
  }
  template <typename F>
  void Emit(F& on_frame) {
    if (cut_) ++truncated_;
    on_frame(std::string_view(buf_));
  }
  void Reset() {
    buf_.clear();
    cut_ = false;
    state_ = State::kStart;
  }

  const size_t max_frame_;
  State state_ = State::kStart;
  std::string buf_;
  size_t count_ = 0;
  int count_digits_ = 0;
  bool cut_ = false;
  uint64_t truncated_ = 0;
};

}  // namespace netward::identity
