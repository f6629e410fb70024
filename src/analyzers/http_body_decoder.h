// src/analyzers/http_body_decoder.h: private helper of the HTTP analyzer (http.cc). Streams one
// HTTP body through its Content-Encoding (gzip, x-gzip, deflate as zlib or raw) with zlib into a
// fixed stack buffer, handing each decoded piece to a callback; only a gzip body of known length
// is accumulated, to be decoded whole with libdeflate (see Start).
// One per direction, reused body after body: the zlib state is allocated on the first encoded
// body and reset (not freed) afterwards. A corrupt stream makes Feed() return false once; from
// then on the raw bytes are passed through undecoded. Not thread-safe (one per flow direction;
// the one-shot decoder and its output buffer are per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

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

  static constexpr uint64_t kUnknownLength = ~uint64_t{0};

  // Starts a new body with `coding`. `encoded_length`: the body's exact length on the wire
  // (Content-Length), if known. A gzip body of known length (up to kMaxWholeBody) is held back
  // and decoded in one go with libdeflate when its last byte arrives (several times faster than
  // streaming it through zlib); its decoded bytes reach the sink then. Anything libdeflate does
  // not accept (zlib-wrapped, header CRC, corrupt, larger than announced) is replayed through the
  // streaming zlib path exactly as it arrived, so the decoded bytes and the corrupt-stream
  // handling are the same either way. The caller must Flush() a held body it ends early.
  void Start(ContentCoding coding, uint64_t encoded_length = kUnknownLength);
  // Decodes `raw` and calls sink(user, piece) for each decoded piece (raw itself for identity).
  // Returns false if the stream turned out corrupt during this call (count the event once);
  // the rest of this call's bytes and all later ones are passed through raw. Bytes after the
  // end of a compressed stream are dropped.
  bool Feed(std::span<const uint8_t> raw, Sink sink, void* user);
  // Decodes a held gzip body that ends before its announced length (a gap, the end of the
  // flow), as streaming would have decoded it so far. No-op when nothing is held. Same return
  // value as Feed().
  bool Flush(Sink sink, void* user);

  static constexpr uint64_t kMaxWholeBody = 4 << 20;  // encoded bytes held for one-shot decoding

 private:
  struct Zlib;
  bool Stream(std::span<const uint8_t> raw, Sink sink, void* user);
  bool DecodeWhole(Sink sink, void* user);
  bool Replay(Sink sink, void* user);

  std::unique_ptr<Zlib> z_;
  // Held gzip body (whole_length_ > 0): its bytes so far and the size of each Feed, so that a
  // replay through zlib sees the same pieces. Capacity is kept for the next body (counted in a
  // per-thread budget; over it, bodies are streamed).
  std::vector<uint8_t> held_;
  std::vector<uint32_t> held_pieces_;
  uint64_t whole_length_ = 0;
  ContentCoding coding_ = ContentCoding::kIdentity;
  bool started_ = false;   // zlib initialised for this body (deflate: after the first byte)
  bool failed_ = false;    // corrupt: pass through raw
  bool finished_ = false;  // Z_STREAM_END seen
};

}  // namespace netward::analyzers::detail
