// src/analyzers/mail_line_reader.h: splits one direction of a text protocol (SMTP, POP3, IMAP,
// FTP) into lines. Used only by those analyzers (tlsmail's private helper).
// A line ends at LF; a CR before the LF is dropped. A line longer than the cap is cut at the cap
// and reported once with truncated=true when its LF arrives; the rest of it is discarded.
// A line that lies whole inside one Feed() chunk is passed as a view into the chunk (no copy);
// only lines split across chunks are buffered, in one per-flow string that keeps its capacity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace netward::analyzers {

class MailLineReader {
 public:
  explicit MailLineReader(size_t max_line = 8192) : max_line_(max_line) {}

  // Calls on_line(std::string_view line, bool truncated) for every complete line in `data`.
  // If on_line returns false, stops right after that line and returns the bytes consumed so the
  // caller can read the rest another way (a BDAT chunk, a TLS handover); else returns data.size().
  template <typename F>
  size_t Feed(std::span<const uint8_t> data, F&& on_line) {
    size_t pos = 0;
    while (pos < data.size()) {
      const uint8_t* start = data.data() + pos;
      const size_t avail = data.size() - pos;
      const void* nl = std::memchr(start, '\n', avail);
      if (!nl) {
        Append(start, avail);
        return data.size();
      }
      const size_t n = static_cast<size_t>(static_cast<const uint8_t*>(nl) - start);
      std::string_view line;
      bool truncated;
      if (buf_.empty() && !truncated_) {
        line = std::string_view(reinterpret_cast<const char*>(start), n);
        truncated = n > max_line_;
        if (truncated) line = line.substr(0, max_line_);
      } else {
        Append(start, n);
        line = buf_;
        truncated = truncated_;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos += n + 1;
      const bool go_on = on_line(line, truncated);
      buf_.clear();
      truncated_ = false;
      if (!go_on) return pos;
    }
    return pos;
  }

  // True while part of a line is buffered.
  bool has_partial() const { return !buf_.empty() || truncated_; }
  // Drops any buffered partial line.
  void Reset() {
    buf_.clear();
    truncated_ = false;
  }

 private:
  void Append(const uint8_t* p, size_t n) {
    const size_t room = max_line_ > buf_.size() ? max_line_ - buf_.size() : 0;
    if (n > room) {
      truncated_ = true;
      n = room;
    }
    buf_.append(reinterpret_cast<const char*>(p), n);
  }

  size_t max_line_;
  std::string buf_;
  bool truncated_ = false;
};

}  // namespace netward::analyzers
