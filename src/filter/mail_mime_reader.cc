#include "filter/mail_mime_reader.h"

#include <algorithm>
#include <cctype>

namespace netward::filter {
namespace {

constexpr size_t kMaxHeaderValue = 4096;
constexpr size_t kMaxLine = 64 * 1024;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsNoCase(s.substr(0, prefix.size()), prefix);
}

// The value of parameter `name` in a header value "type/sub; a=b; name="v"" (quotes removed).
std::string_view Param(std::string_view value, std::string_view name) {
  for (size_t pos = value.find(';'); pos != std::string_view::npos;
       pos = value.find(';', pos + 1)) {
    std::string_view p = Trim(value.substr(pos + 1));
    const size_t eq = p.find('=');
    if (eq == std::string_view::npos || !EqualsNoCase(Trim(p.substr(0, eq)), name)) continue;
    std::string_view v = Trim(p.substr(eq + 1));
    if (!v.empty() && v.front() == '"') {
      v.remove_prefix(1);
      return v.substr(0, v.find('"'));
    }
    return v.substr(0, std::min(v.find(';'), v.find(' ')));
  }
  return {};
}

// Media types whose content is text a reader sees.
bool IsTextMedia(std::string_view media) {
  return media.empty() || StartsWithNoCase(media, "text/") ||
         StartsWithNoCase(media, "application/xhtml") ||
         StartsWithNoCase(media, "application/json") || StartsWithNoCase(media, "application/xml");
}

bool IsBase64Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

}  // namespace

void MailMimeReader::Reset() {
  state_ = State::kTopHeaders;
  top_.Clear();
  part_.Clear();
  boundaries_.clear();
  encoding_ = TransferEncoding::kNone;
  base64_carry_.clear();
  line_.clear();
  started_body_ = false;
}

void MailMimeReader::AddHeader(Headers& h, std::string_view line) {
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {  // folded
    if (h.last && h.last->size() < kMaxHeaderValue) {
      h.last->push_back(' ');
      h.last->append(Trim(line).substr(0, kMaxHeaderValue - h.last->size()));
    }
    return;
  }
  h.last = nullptr;
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = Trim(line.substr(0, colon));
  const std::string_view value = Trim(line.substr(colon + 1)).substr(0, kMaxHeaderValue);
  if (EqualsNoCase(name, "Content-Type")) {
    h.content_type.assign(value);
    h.last = &h.content_type;
  } else if (EqualsNoCase(name, "Content-Transfer-Encoding")) {
    h.transfer_encoding.assign(value);
    h.last = &h.transfer_encoding;
  }
}

void MailMimeReader::HeaderLine(std::string_view line, Sink* sink) {
  (void)sink;
  if (started_body_) Reset();  // the next message of the same SMTP session
  AddHeader(top_, line);
}

void MailMimeReader::BeginContent(const Headers& h, Sink* sink) {
  const std::string_view type = h.content_type;
  const std::string_view media = Trim(type.substr(0, type.find(';')));
  if (StartsWithNoCase(media, "multipart/")) {
    const std::string_view boundary = Param(type, "boundary");
    if (!boundary.empty() && boundaries_.size() < kMaxDepth) {
      boundaries_.push_back("--" + std::string(boundary));
      state_ = State::kSkip;  // the preamble, up to the first boundary
      return;
    }
  }
  if (StartsWithNoCase(media, "message/rfc822")) {  // an attached message: its own headers next
    part_.Clear();
    state_ = State::kPartHeaders;
    return;
  }
  if (!IsTextMedia(media) && !StartsWithNoCase(media, "multipart/")) {
    state_ = State::kSkip;
    return;
  }
  state_ = State::kContent;
  encoding_ = ParseTransferEncoding(h.transfer_encoding);
  base64_carry_.clear();
  sink->OnPartStart(Part{type.empty() ? std::string_view("text/plain") : type});
}

void MailMimeReader::BodyPiece(std::string_view piece, Sink* sink) {
  if (!started_body_) {
    started_body_ = true;
    BeginContent(top_, sink);
  }
  if (piece == "\r\n") {
    BodyLine(line_, sink);
    line_.clear();
    return;
  }
  line_.append(piece);
  if (line_.size() > kMaxLine) {  // no line break in sight: take what there is as a line
    BodyLine(line_, sink);
    line_.clear();
  }
}

void MailMimeReader::BodyLine(std::string_view line, Sink* sink) {
  if (!boundaries_.empty() && line.size() >= 2 && line[0] == '-' && line[1] == '-') {
    for (size_t i = boundaries_.size(); i-- > 0;) {
      const std::string& b = boundaries_[i];
      if (line.compare(0, b.size(), b) != 0) continue;
      const std::string_view rest = line.substr(b.size());
      if (rest.size() >= 2 && rest[0] == '-' && rest[1] == '-') {  // the closing boundary
        boundaries_.resize(i);
        state_ = State::kSkip;  // the epilogue
        return;
      }
      if (!Trim(rest).empty()) continue;  // a longer boundary that starts the same way
      boundaries_.resize(i + 1);          // parts nested deeper end here too
      part_.Clear();
      state_ = State::kPartHeaders;
      return;
    }
  }
  switch (state_) {
    case State::kTopHeaders:  // not reached: BodyPiece begins the content first
    case State::kSkip:
      return;
    case State::kPartHeaders:
      if (Trim(line).empty()) {
        BeginContent(part_, sink);
      } else {
        AddHeader(part_, line);
      }
      return;
    case State::kContent:
      break;
  }
  decoded_.clear();
  switch (encoding_) {
    case TransferEncoding::kBase64: {
      std::string chars = base64_carry_;
      for (char c : line) {
        if (IsBase64Char(c)) chars.push_back(c);
      }
      if (chars.find('=') != std::string::npos) {  // padding: the encoded data ends here
        DecodeBase64(chars, &decoded_);
        base64_carry_.clear();
      } else {
        const size_t whole = chars.size() / 4 * 4;
        DecodeBase64(std::string_view(chars).substr(0, whole), &decoded_);
        base64_carry_.assign(chars, whole, std::string::npos);
      }
      break;
    }
    case TransferEncoding::kQuotedPrintable:
      if (!line.empty() && line.back() == '=') {  // soft line break
        DecodeQuotedPrintable(line.substr(0, line.size() - 1), &decoded_);
      } else {
        DecodeQuotedPrintable(line, &decoded_);
        decoded_.push_back('\n');
      }
      break;
    case TransferEncoding::kNone:
      decoded_.assign(line);
      decoded_.push_back('\n');
      break;
  }
  if (!decoded_.empty()) sink->OnPartBytes(decoded_);
}

}  // namespace netward::filter
