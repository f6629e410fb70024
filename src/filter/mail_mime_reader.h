// src/filter/mail_mime_reader.h: reads one mail message's MIME structure line by line, as the
// SMTP analyzer hands it over ("smtp.header" lines, then "smtp.body" lines), and hands out the
// decoded content of every text part: base64 and quoted-printable undone, with the part's
// charset and whether it is HTML, so the content filter scans what the reader of the mail sees
// rather than its transfer encoding (docs/rules.md, "In the probe").
//
// Handles nested multipart bodies (boundaries from Content-Type, up to kMaxDepth levels),
// per-part Content-Type / Content-Transfer-Encoding headers (folded lines too), and
// single-part messages whose encoding is in the top-level header. Parts that are not text
// (image/, audio/, video/, application/ other than a few text-like ones) are skipped. A line
// that looks like a header after a body started begins a new message. Lenient: malformed
// structure never fails, it is read as plain text. Not thread-safe: one per flow.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "filter/normalize_mime.h"

namespace netward::filter {

class MailMimeReader {
 public:
  // The part whose text follows: its Content-Type value as written (charset parameter and
  // all; "text/plain" if the part had none), valid during the call.
  struct Part {
    std::string_view content_type;
  };
  // Receives the start of each text part and its decoded bytes.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void OnPartStart(const Part& part) = 0;
    virtual void OnPartBytes(std::string_view decoded) = 0;
  };

  static constexpr size_t kMaxDepth = 8;

  // One line of the message's top-level header block (without its line break).
  void HeaderLine(std::string_view line, Sink* sink);
  // One piece of the body as the SMTP analyzer hands it over: a line, then "\r\n" alone.
  void BodyPiece(std::string_view piece, Sink* sink);

 private:
  struct Headers {
    std::string content_type;  // the whole value, folded lines joined
    std::string transfer_encoding;
    std::string* last = nullptr;  // which one a folded line continues
    void Clear() {
      content_type.clear();
      transfer_encoding.clear();
      last = nullptr;
    }
  };
  void AddHeader(Headers& h, std::string_view line);
  void BeginContent(const Headers& h, Sink* sink);  // the headers of a part (or message) ended
  void BodyLine(std::string_view line, Sink* sink);
  void Reset();

  enum class State { kTopHeaders, kPartHeaders, kContent, kSkip };
  State state_ = State::kTopHeaders;
  Headers top_, part_;
  std::vector<std::string> boundaries_;  // "--boundary" of each open multipart, innermost last
  TransferEncoding encoding_ = TransferEncoding::kNone;
  std::string base64_carry_;  // base64 characters of an incomplete group
  std::string line_;          // the body line being assembled
  std::string decoded_;       // scratch
  bool started_body_ = false;
};

}  // namespace netward::filter
