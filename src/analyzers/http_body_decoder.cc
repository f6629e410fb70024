#include "analyzers/http_body_decoder.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
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

namespace {

// Per-thread state of the one-shot path: libdeflate's decompressor, the output buffer (grown to
// the largest body decoded, at most kMaxWholeOutput) and the bytes all held bodies reserve.
constexpr size_t kMaxWholeOutput = 16 << 20;
constexpr size_t kHeldBudget = 64 << 20;

struct WholeBodyScratch {
  libdeflate_decompressor* d = nullptr;
  std::unique_ptr<uint8_t[]> out;
  size_t out_capacity = 0;
  size_t held_bytes = 0;
  ~WholeBodyScratch() {
    if (d) libdeflate_free_decompressor(d);
  }
};
thread_local WholeBodyScratch t_whole;

}  // namespace

HttpBodyDecoder::HttpBodyDecoder() = default;

HttpBodyDecoder::~HttpBodyDecoder() {
  if (z_ && z_->initialised) inflateEnd(&z_->strm);
  t_whole.held_bytes -= held_.capacity();
}

void HttpBodyDecoder::Start(ContentCoding coding, uint64_t encoded_length) {
  coding_ = coding;
  started_ = false;
  failed_ = false;
  finished_ = false;
  held_.clear();
  held_pieces_.clear();
  whole_length_ = 0;
  // 18 bytes: the smallest gzip member (10-byte header, empty deflate block, 8-byte trailer).
  if (coding != ContentCoding::kGzip || encoded_length < 18 || encoded_length > kMaxWholeBody) {
    return;
  }
  const size_t need = static_cast<size_t>(encoded_length);
  if (held_.capacity() < need) {
    if (t_whole.held_bytes - held_.capacity() + need > kHeldBudget) return;  // stream it
    t_whole.held_bytes -= held_.capacity();
    held_.reserve(need);
    t_whole.held_bytes += held_.capacity();
  }
  whole_length_ = encoded_length;
}

bool HttpBodyDecoder::Feed(std::span<const uint8_t> raw, Sink sink, void* user) {
  if (raw.empty()) return true;
  if (whole_length_) {
    if (held_.size() + raw.size() > whole_length_) {  // more than announced: stream from here
      bool ok = Replay(sink, user);
      return Stream(raw, sink, user) && ok;
    }
    held_.insert(held_.end(), raw.begin(), raw.end());
    held_pieces_.push_back(static_cast<uint32_t>(raw.size()));
    if (held_.size() < whole_length_) return true;
    return DecodeWhole(sink, user);
  }
  return Stream(raw, sink, user);
}

bool HttpBodyDecoder::Flush(Sink sink, void* user) {
  if (!whole_length_) return true;
  return Replay(sink, user);
}

bool HttpBodyDecoder::DecodeWhole(Sink sink, void* user) {
  const uint8_t* in = held_.data();
  const size_t n = held_.size();
  // zlib checks a header CRC (FHCRC) that libdeflate skips: leave those to zlib.
  const bool header_crc = (in[3] & 0x02) != 0;
  // The trailer's ISIZE is the decoded size (mod 2^32) when the body is exactly one member;
  // when it is not, libdeflate fails or runs out of room and the replay decides.
  const uint32_t isize = static_cast<uint32_t>(in[n - 4]) | static_cast<uint32_t>(in[n - 3]) << 8 |
                         static_cast<uint32_t>(in[n - 2]) << 16 |
                         static_cast<uint32_t>(in[n - 1]) << 24;
  if (header_crc || isize > kMaxWholeOutput) return Replay(sink, user);
  WholeBodyScratch& w = t_whole;
  if (!w.d) w.d = libdeflate_alloc_decompressor();
  if (!w.d) return Replay(sink, user);
  if (w.out_capacity < isize || !w.out) {
    w.out_capacity = std::max<size_t>(isize, 64 << 10);
    w.out = std::make_unique_for_overwrite<uint8_t[]>(w.out_capacity);
  }
  size_t in_used = 0, produced = 0;
  libdeflate_result r =
      libdeflate_gzip_decompress_ex(w.d, in, n, w.out.get(), isize, &in_used, &produced);
  if (r != LIBDEFLATE_SUCCESS) return Replay(sink, user);
  // As zlib would: the member's bytes decoded, anything after it dropped.
  whole_length_ = 0;
  held_.clear();
  held_pieces_.clear();
  finished_ = true;
  if (produced) sink(user, std::span<const uint8_t>(w.out.get(), produced));
  return true;
}

bool HttpBodyDecoder::Replay(Sink sink, void* user) {
  whole_length_ = 0;
  bool ok = true;
  size_t pos = 0;
  for (uint32_t piece : held_pieces_) {
    if (!Stream(std::span<const uint8_t>(held_.data() + pos, piece), sink, user)) ok = false;
    pos += piece;
  }
  held_.clear();
  held_pieces_.clear();
  return ok;
}

bool HttpBodyDecoder::Stream(std::span<const uint8_t> raw, Sink sink, void* user) {
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
