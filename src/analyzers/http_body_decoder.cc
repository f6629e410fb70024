#include "analyzers/http_body_decoder.h"

#include <zlib.h>

#include <cstring>

namespace netward::analyzers::detail {

namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

ContentCoding ParseContentCoding(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  size_t end = v.find_first_of(" \t,;");
  std::string_view first = v.substr(0, end);
  if (first.size() == 4 && StartsWithNoCase(first, "gzip")) return ContentCoding::kGzip;
  if (first.size() == 6 && StartsWithNoCase(first, "x-gzip")) return ContentCoding::kGzip;
  if (first.size() == 7 && StartsWithNoCase(first, "deflate")) return ContentCoding::kDeflate;
  return ContentCoding::kIdentity;
}

struct HttpBodyDecoder::Zlib {
  z_stream strm;
  bool initialised = false;
};

HttpBodyDecoder::HttpBodyDecoder() = default;

HttpBodyDecoder::~HttpBodyDecoder() {
  if (z_ && z_->initialised) inflateEnd(&z_->strm);
}

void HttpBodyDecoder::Start(ContentCoding coding) {
  coding_ = coding;
  started_ = false;
  failed_ = false;
  finished_ = false;
}

bool HttpBodyDecoder::Feed(std::span<const uint8_t> raw, Sink sink, void* user) {
  if (raw.empty()) return true;
  if (coding_ == ContentCoding::kIdentity || failed_) {
    sink(user, raw);
    return true;
  }
  if (finished_) return true;
  if (!started_) {
    // gzip: 15+32 accepts a gzip or zlib header. deflate: servers send zlib (RFC 9110) or raw
    // deflate; a zlib header's first byte has CM=8 and CINFO<=7 (0x08, 0x18, ... 0x78).
    int window_bits = 15 + 32;
    if (coding_ == ContentCoding::kDeflate)
      window_bits = ((raw[0] & 0x0F) == 8 && (raw[0] >> 4) <= 7) ? 15 : -15;
    if (!z_) {
      z_ = std::make_unique<Zlib>();
      std::memset(&z_->strm, 0, sizeof z_->strm);
    }
    int rc = z_->initialised ? inflateReset2(&z_->strm, window_bits)
                             : inflateInit2(&z_->strm, window_bits);
    if (rc != Z_OK) {
      failed_ = true;
      sink(user, raw);
      return false;
    }
    z_->initialised = true;
    started_ = true;
  }
  z_stream& s = z_->strm;
  s.next_in = const_cast<Bytef*>(raw.data());
  s.avail_in = static_cast<uInt>(raw.size());
  uint8_t out[4096];
  while (s.avail_in > 0) {
    s.next_out = out;
    s.avail_out = sizeof out;
    const uInt avail_before = s.avail_in;
    int rc = inflate(&s, Z_NO_FLUSH);
    size_t produced = sizeof out - s.avail_out;
    if (rc == Z_OK && produced == 0 && s.avail_in == avail_before) rc = Z_DATA_ERROR;  // stuck
    if (produced) sink(user, std::span<const uint8_t>(out, produced));
    if (rc == Z_STREAM_END) {
      finished_ = true;
      return true;
    }
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced)) {
      failed_ = true;
      // Count the undecodable rest raw, as if there were no Content-Encoding.
      if (s.avail_in) sink(user, std::span<const uint8_t>(s.next_in, s.avail_in));
      return false;
    }
  }
  return true;
}

}  // namespace netward::analyzers::detail
