// SHA-256 (store/sha256.h) against libcrypto: every message length across the block and padding
// boundaries, batches of odd and even size with mixed lengths, node pairs (also written over their
// own inputs), and the FIPS 180-4 "abc" vector; the batch functions on every path this CPU has
// (libcrypto, SHA-NI two lanes, AVX-512 sixteen lanes), a path it lacks skipped by name.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "store/sha256.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace netward::store::sha256 {
namespace {

Digest Reference(uint8_t prefix, const std::string& message) {
  std::string all(1, static_cast<char>(prefix));
  all += message;
  Digest out;
  SHA256(reinterpret_cast<const unsigned char*>(all.data()), all.size(), out.data());
  return out;
}

std::string Message(size_t len, uint32_t seed) {
  std::string s(len, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

TEST(Sha256Test, AbcVector) {
  // SHA-256("abc") with the prefix 'a' and message "bc".
  Digest d = HashPrefixed('a', "bc");
  const uint8_t kAbc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                            0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                            0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EXPECT_EQ(0, std::memcmp(d.data(), kAbc, 32));
}

TEST(Sha256Test, EveryLengthOneAtATime) {
  for (size_t len = 0; len <= 300; ++len) {
    std::string m = Message(len, static_cast<uint32_t>(len));
    ASSERT_EQ(HashPrefixed(0x00, m), Reference(0x00, m)) << "length " << len;
    ASSERT_EQ(HashPrefixed(0x5a, m), Reference(0x5a, m)) << "length " << len;
  }
}

TEST(Sha256Test, BatchesOfMixedLengths) {
  // Pairs whose lengths differ by up to three blocks, so one lane runs on alone.
  std::vector<std::string> messages;
  for (size_t len = 0; len < 700; len += 7) messages.push_back(Message(len, 1));
  for (size_t len = 0; len < 700; len += 13) messages.push_back(Message(699 - len, 2));
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{2}, size_t{3}, messages.size() - 1, messages.size()}) {
    std::vector<std::string_view> views(messages.begin(), messages.begin() + static_cast<long>(n));
    std::vector<Digest> out(n);
    HashPrefixed(0x00, views.data(), n, out.data());
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(out[i], Reference(0x00, messages[i])) << "batch " << n << " message " << i;
    }
  }
}

TEST(Sha256Test, MessageEndingAtABufferEnd) {
  // Blocks read in place must not run past the message: place it at the end of an allocation
  // (AddressSanitizer builds catch an overread).
  for (size_t len : {62, 63, 64, 126, 127, 128, 191, 1000}) {
    std::vector<char> buf(len);
    std::string m = Message(len, 3);
    std::memcpy(buf.data(), m.data(), len);
    std::string_view views[2] = {std::string_view(buf.data(), len), std::string_view(m)};
    Digest out[2];
    HashPrefixed(0x00, views, 2, out);
    EXPECT_EQ(out[0], Reference(0x00, m));
    EXPECT_EQ(out[1], Reference(0x00, m));
  }
}

TEST(Sha256Test, PairsMatchAndMayOverwriteTheirInputs) {
  std::vector<Digest> left(9), right(9), expected(9);
  for (size_t i = 0; i < left.size(); ++i) {
    left[i] = Reference(1, Message(10 + i, 4));
    right[i] = Reference(2, Message(20 + i, 5));
    std::string both(reinterpret_cast<const char*>(left[i].data()), 32);
    both.append(reinterpret_cast<const char*>(right[i].data()), 32);
    expected[i] = Reference(0x01, both);
  }
  std::vector<Digest> children;
  for (size_t i = 0; i < left.size(); ++i) {
    children.push_back(left[i]);
    children.push_back(right[i]);
  }
  for (size_t n = 0; n <= 9; ++n) {
    std::vector<Digest> out(n);
    HashPairs(0x01, children.data(), n, out.data());
    EXPECT_EQ(out, std::vector<Digest>(expected.begin(), expected.begin() + static_cast<long>(n)));
  }
  EXPECT_EQ(HashPair(0x01, left[4], right[4]), expected[4]);
  HashPairs(0x01, children.data(), 9, children.data());  // in place
  children.resize(9);
  EXPECT_EQ(children, expected);
}

class Sha256PathTest : public ::testing::TestWithParam<Path> {
 protected:
  void SetUp() override {
    if (!Available(GetParam())) {
      GTEST_SKIP() << "this CPU lacks the " << PathName(GetParam()) << " path";
    }
  }
  // Hashes `messages` as one batch on the path under test and checks every digest.
  void CheckBatch(const std::vector<std::string>& messages, uint8_t prefix) {
    std::vector<std::string_view> views(messages.begin(), messages.end());
    std::vector<Digest> out(messages.size());
    HashPrefixed(GetParam(), prefix, views.data(), views.size(), out.data());
    for (size_t i = 0; i < messages.size(); ++i) {
      ASSERT_EQ(out[i], Reference(prefix, messages[i]))
          << "batch of " << messages.size() << ", message " << i << " of length "
          << messages[i].size();
    }
  }
};

TEST_P(Sha256PathTest, EveryLengthUpTo1000InOneBatch) {
  // Lanes finish at every block count and are refilled with messages of other lengths.
  std::vector<std::string> messages;
  for (size_t len = 0; len <= 1000; ++len) {
    messages.push_back(Message(len, static_cast<uint32_t>(len)));
  }
  CheckBatch(messages, 0x00);
  std::reverse(messages.begin(), messages.end());
  CheckBatch(messages, 0x7f);
  std::mt19937 rng(42);
  std::shuffle(messages.begin(), messages.end(), rng);
  CheckBatch(messages, 0x00);
}

TEST_P(Sha256PathTest, EveryLengthUpTo1000Alone) {
  for (size_t len = 0; len <= 1000; ++len) {
    CheckBatch({Message(len, static_cast<uint32_t>(len) + 7)}, 0x00);
  }
}

TEST_P(Sha256PathTest, BatchesOf1To40WithMixedLengths) {
  std::mt19937 rng(7);
  for (size_t n = 1; n <= 40; ++n) {
    for (int round = 0; round < 5; ++round) {
      // Realistic leaves (150-400 bytes) mixed with short and long ones.
      std::uniform_int_distribution<size_t> leaf(150, 400), any(0, 1000);
      std::vector<std::string> messages;
      for (size_t i = 0; i < n; ++i) {
        const size_t len = round % 2 == 0 ? leaf(rng) : any(rng);
        messages.push_back(Message(len, static_cast<uint32_t>(rng())));
      }
      CheckBatch(messages, 0x00);
    }
  }
}

TEST_P(Sha256PathTest, EmptyBatchWritesNothing) {
  Digest sentinel;
  sentinel.fill(0xab);
  Digest out = sentinel;
  HashPrefixed(GetParam(), 0x00, nullptr, 0, &out);
  HashPairs(GetParam(), 0x01, nullptr, 0, &out);
  EXPECT_EQ(out, sentinel);
}

TEST_P(Sha256PathTest, MessagesEndingAtBufferEnds) {
  // Blocks read in place must not run past a message (ASan builds catch an overread).
  std::vector<std::vector<char>> buffers;
  std::vector<std::string> messages;
  for (size_t len = 0; len < 200; len += 3) {
    messages.push_back(Message(len, 9));
    buffers.emplace_back(messages.back().begin(), messages.back().end());
  }
  std::vector<std::string_view> views;
  for (const auto& b : buffers) views.emplace_back(b.data(), b.size());
  std::vector<Digest> out(views.size());
  HashPrefixed(GetParam(), 0x00, views.data(), views.size(), out.data());
  for (size_t i = 0; i < views.size(); ++i) EXPECT_EQ(out[i], Reference(0x00, messages[i]));
}

TEST_P(Sha256PathTest, PairsOf0To40AlsoInPlace) {
  for (size_t n = 0; n <= 40; ++n) {
    std::vector<Digest> children(2 * n), expected(n);
    for (size_t i = 0; i < 2 * n; ++i) children[i] = Reference(2, Message(i, 11));
    for (size_t i = 0; i < n; ++i) {
      std::string both(reinterpret_cast<const char*>(children[2 * i].data()), 32);
      both.append(reinterpret_cast<const char*>(children[2 * i + 1].data()), 32);
      expected[i] = Reference(0x01, both);
    }
    std::vector<Digest> out(n);
    HashPairs(GetParam(), 0x01, children.data(), n, out.data());
    ASSERT_EQ(out, expected) << n << " pairs";
    HashPairs(GetParam(), 0x01, children.data(), n, children.data());  // in place
    children.resize(n);
    ASSERT_EQ(children, expected) << n << " pairs in place";
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, Sha256PathTest,
                         ::testing::Values(Path::kLibcrypto, Path::kShaNi, Path::kAvx512),
                         [](const ::testing::TestParamInfo<Path>& info) {
                           return std::string(PathName(info.param));
                         });

TEST(Sha256Test, DefaultPathIsAvailable) {
  EXPECT_TRUE(Available(DefaultPath()));
  EXPECT_TRUE(Available(Path::kLibcrypto));
}

}  // namespace
}  // namespace netward::store::sha256
