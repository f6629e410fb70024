// src/analyzers/http_body_decoder.h: private helper of the HTTP analyzer (http.cc). Streams one
// HTTP body through its Content-Encoding (gzip, x-gzip, deflate as zlib or raw) with zlib into a
// fixed stack buffer, handing each decoded piece to a callback; nothing is accumulated.
// One per direction, reused body after body: the zlib state is allocated on the first encoded
// body and reset (not freed) afterwards. A corrupt stream makes Feed() return false once; from
// then on the raw bytes are passed through undecoded. Not thread-safe (per flow).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace netward::analyzers::detail {

enum class ContentCoding : uint8_t { kIdentity, kGzip, kDeflate };

// "gzip"/"x-gzip" -> kGzip, "deflate" -> kDeflate, anything else (identity, br, ...) ->
// kIdentity. Case-insensitive; for a list ("gzip, identity") the first coding counts.
ContentCoding ParseContentCoding(std::string_view header_value);

class HttpBodyDecoder {
 public:
  using Sink = void (*)(void* user, std::span<const uint8_t> decoded);

  HttpBodyDecoder();
  ~HttpBodyDecoder();
  HttpBodyDecoder(const HttpBodyDecoder&) = delete;
  HttpBodyDecoder& operator=(const HttpBodyDecoder&) = delete;

  // Starts a new body with `coding`.
  void Start(ContentCoding coding);
  // Decodes `raw` and calls sink(user, piece) for each decoded piece (raw itself for identity).
  // Returns false if the stream turned out corrupt during this call (count the event once);
  // the rest of this call's bytes and all later ones are passed through raw. Bytes after the
  // end of a compressed stream are dropped.
  bool Feed(std::span<const uint8_t> raw, Sink sink, void* user);

 private:
  struct Zlib;
  std::unique_ptr<Zlib> z_;
  ContentCoding coding_ = ContentCoding::kIdentity;
  bool started_ = false;   // zlib initialised for this body (deflate: after the first byte)
  bool failed_ = false;    // corrupt: pass through raw
  bool finished_ = false;  // Z_STREAM_END seen
};

}  // namespace netward::analyzers::detail
