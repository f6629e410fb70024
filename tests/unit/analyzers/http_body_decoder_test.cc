// HttpBodyDecoder: a gzip body of known length is decoded whole with libdeflate; the result must
// be exactly what streaming it through zlib gives, for valid, cut-short, corrupt, zlib-wrapped,
// header-CRC and over-long bodies, however the body is split into pieces.
#include "analyzers/http_body_decoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace netward::analyzers::detail {
namespace {

std::string Compress(const std::string& in, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct Result {
  std::string decoded;
  int failures = 0;
};

void Collect(void* user, std::span<const uint8_t> bytes) {
  static_cast<Result*>(user)->decoded.append(reinterpret_cast<const char*>(bytes.data()),
                                             bytes.size());
}

// Feeds `body` (cut to `delivered` bytes) in the given pieces; `announced` is the Content-Length
// (kUnknownLength streams). Flushes at the end, as the analyzer does at a gap or flow end.
Result Decode(HttpBodyDecoder& d, const std::string& body, size_t delivered,
              const std::vector<size_t>& pieces, uint64_t announced) {
  Result r;
  d.Start(ContentCoding::kGzip, announced);
  size_t pos = 0;
  for (size_t n : pieces) {
    if (pos >= delivered) break;
    n = std::min(n, delivered - pos);
    std::span<const uint8_t> piece(reinterpret_cast<const uint8_t*>(body.data()) + pos, n);
    if (!d.Feed(piece, &Collect, &r)) ++r.failures;
    pos += n;
  }
  if (!d.Flush(&Collect, &r)) ++r.failures;
  return r;
}

TEST(HttpBodyDecoderTest, WholeBodyDecodingMatchesStreaming) {
  std::mt19937 rng(7);
  std::string text;
  const char* words[] = {"net", "ward ", "packet\n", "flow ", "\x01\xff", "gzip ", "body "};
  while (text.size() < 300000) text += words[rng() % 7];
  HttpBodyDecoder whole, streamed;  // reused body after body, as per flow direction
  int cases = 0;
  for (int iter = 0; iter < 400; ++iter) {
    std::string plain = text.substr(rng() % 1000, rng() % (iter % 10 == 0 ? 250000 : 5000));
    std::string body = Compress(plain, iter % 13 == 0 ? 15 : 15 + 16);  // some zlib-wrapped
    const int kind = iter % 8;
    if (kind == 1 && body.size() > 30) body[10 + rng() % (body.size() - 20)] ^= 0x55;  // corrupt
    if (kind == 2) body += "trailing bytes after the member";
    if (kind == 3 && body.size() > 30) body[body.size() - 2] ^= 1;  // wrong ISIZE
    if (kind == 4 && body.size() > 30) body[body.size() - 6] ^= 1;  // wrong CRC
    if (kind == 5 && body[0] == '\x1f') {  // header CRC (FHCRC), right or wrong
      body[3] = static_cast<char>(body[3] | 0x02);
      body.insert(10, iter % 16 < 8 ? std::string("\x00\x00", 2) : std::string("\x12\x34", 2));
    }
    size_t delivered = body.size();
    if (kind == 6) delivered = rng() % body.size();  // cut short: gap or end of flow
    std::vector<size_t> pieces;
    for (size_t left = body.size() + 100; left > 0;) {
      size_t n = std::min<size_t>(left, 1 + rng() % (iter % 3 == 0 ? 8 : 1500));
      pieces.push_back(n);
      left -= n;
    }
    Result a = Decode(streamed, body, delivered, pieces, HttpBodyDecoder::kUnknownLength);
    Result b = Decode(whole, body, delivered, pieces, body.size());
    ASSERT_EQ(a.decoded, b.decoded) << "iteration " << iter << " kind " << kind;
    ASSERT_EQ(a.failures, b.failures) << "iteration " << iter << " kind " << kind;
    if (kind == 0) {
      ASSERT_EQ(b.decoded, plain);
    }
    ++cases;
  }
  EXPECT_EQ(cases, 400);
}

TEST(HttpBodyDecoderTest, MoreBytesThanAnnouncedAreStreamed) {
  std::string plain(5000, 'a');
  std::string body = Compress(plain, 15 + 16);
  HttpBodyDecoder d;
  Result r;
  d.Start(ContentCoding::kGzip, body.size() - 5);  // announced short: held, then streamed
  std::span<const uint8_t> all(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  EXPECT_TRUE(d.Feed(all.first(20), &Collect, &r));
  EXPECT_TRUE(d.Feed(all.subspan(20), &Collect, &r));
  EXPECT_TRUE(d.Flush(&Collect, &r));
  EXPECT_EQ(r.decoded, plain);
}

}  // namespace
}  // namespace netward::analyzers::detail
