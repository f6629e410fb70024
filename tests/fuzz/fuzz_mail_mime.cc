// tests/fuzz/fuzz_mail_mime.cc: the content filter's mail MIME reader
// (src/filter/mail_mime_reader.h) on arbitrary messages. The input is split into lines; lines
// before the first empty one go to HeaderLine, the rest to BodyPiece as the SMTP analyzer hands
// them over (the line, then "\r\n"), each in an exact-size buffer so over-reads trip ASan. A
// NUL byte in the input starts the next message (header lines again), exercising the reset.
// Checked: never a crash; bytes are only handed out after a part started; a part's decoded
// bytes never exceed what its lines could encode (no runaway output).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "filter/mail_mime_reader.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

struct CountingSink : netward::filter::MailMimeReader::Sink {
  bool started = false;
  size_t decoded = 0;
  void OnPartStart(const netward::filter::MailMimeReader::Part& part) override {
    started = true;
    Check(!part.content_type.empty());
  }
  void OnPartBytes(std::string_view bytes) override {
    Check(started);
    decoded += bytes.size();
  }
};

void Give(netward::filter::MailMimeReader& reader, CountingSink& sink, bool header,
          std::string_view line) {
  std::vector<char> exact(line.begin(), line.end());  // exact size: over-reads trip ASan
  std::string_view view(exact.data(), exact.size());
  if (header) {
    reader.HeaderLine(view, &sink);
  } else {
    reader.BodyPiece(view, &sink);
    reader.BodyPiece("\r\n", &sink);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  netward::filter::MailMimeReader reader;
  CountingSink sink;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool header = true;
  size_t body_bytes = 0;
  while (!in.empty()) {
    if (in.front() == '\0') {  // next message
      in.remove_prefix(1);
      header = true;
      continue;
    }
    size_t end = in.find_first_of(std::string_view("\n\0", 2));
    if (end == std::string_view::npos) end = in.size();
    std::string_view line = in.substr(0, end);
    in.remove_prefix(end < in.size() && in[end] == '\n' ? end + 1 : end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (header && line.empty()) {
      header = false;
      continue;
    }
    if (!header) body_bytes += line.size() + 1 + line.size() / 65536 + 1;  // + breaks, splits
    Give(reader, sink, header, line);
  }
  // Decoding never grows text: base64 and QP shrink, plain text adds one line break per line.
  Check(sink.decoded <= body_bytes);
  return 0;
}
