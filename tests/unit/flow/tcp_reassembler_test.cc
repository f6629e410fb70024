#include "flow/tcp_reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "capture/packet.h"
#include "flow_test_util.h"

namespace netward::flow {
namespace {

using capture::kTcpAck;
using capture::kTcpFin;
using capture::kTcpSyn;
using testing::Bytes;
using testing::CollectingReceiver;

class TcpReassemblerTest : public ::testing::Test {
 protected:
  // Sends `text` at stream offset `off` (ISN = isn_, so offset 0 is seq isn_ + 1).
  void Send(uint32_t off, const std::string& text, uint8_t flags = kTcpAck) {
    r_.AddSegment(isn_ + 1 + off, flags, Bytes(text), &rx_, 0);
  }
  void Syn() { r_.AddSegment(isn_, kTcpSyn, {}, &rx_, 0); }

  ReassemblyBudget budget_{1 << 20, 1 << 24};
  TcpReassembler r_{&budget_};
  CollectingReceiver rx_;
  uint32_t isn_ = 1000;
};

TEST_F(TcpReassemblerTest, InOrder) {
  Syn();
  Send(0, "hello ");
  Send(6, "world");
  EXPECT_EQ(rx_.out[0], "hello world");
  EXPECT_EQ(r_.buffered_blocks(), 0u);
  EXPECT_EQ(r_.next_seq(), isn_ + 12);
}

TEST_F(TcpReassemblerTest, OutOfOrder) {
  Syn();
  Send(6, "world");
  Send(11, "!");
  EXPECT_EQ(rx_.out[0], "");
  EXPECT_EQ(r_.buffered_blocks(), 2u);
  Send(0, "hello ");
  EXPECT_EQ(rx_.out[0], "hello world!");
  EXPECT_EQ(r_.buffered_blocks(), 0u);
  EXPECT_EQ(budget_.blocks_in_use(), 0u);
}

TEST_F(TcpReassemblerTest, OutOfOrderReverseInsertion) {
  Syn();
  Send(9, "j");
  Send(6, "ghi");
  Send(3, "def");
  Send(0, "abc");
  EXPECT_EQ(rx_.out[0], "abcdefghij");
}

TEST_F(TcpReassemblerTest, RetransmissionDropped) {
  Syn();
  Send(0, "abcdef");
  Send(0, "abcdef");
  Send(3, "defghi");  // half old, half new
  EXPECT_EQ(rx_.out[0], "abcdefghi");
  EXPECT_EQ(budget_.stats().retransmit_bytes, 9u);
  EXPECT_EQ(budget_.stats().overlap_mismatch, 0u);
}

TEST_F(TcpReassemblerTest, OverlapSameBytes) {
  Syn();
  Send(4, "efgh");
  Send(2, "cdefghij");  // overlaps the buffered block with equal bytes
  Send(0, "ab");
  EXPECT_EQ(rx_.out[0], "abcdefghij");
  EXPECT_EQ(budget_.stats().overlap_bytes, 4u);
  EXPECT_EQ(budget_.stats().overlap_mismatch, 0u);
}

TEST_F(TcpReassemblerTest, OverlapDifferentBytesFirstWins) {
  Syn();
  Send(4, "EFGH");
  Send(2, "cdefghij");  // differs where it overlaps: the first data (EFGH) is kept
  Send(0, "ab");
  EXPECT_EQ(rx_.out[0], "abcdEFGHij");
  EXPECT_EQ(budget_.stats().overlap_mismatch, 1u);
}

TEST_F(TcpReassemblerTest, InOrderSegmentOverlappingBufferedData) {
  Syn();
  Send(3, "DEF");
  Send(0, "abcdefgh");  // in order, covers the buffered block: buffered bytes win
  EXPECT_EQ(rx_.out[0], "abcDEFgh");
  EXPECT_EQ(budget_.stats().overlap_mismatch, 1u);
}

TEST_F(TcpReassemblerTest, WrapAroundAt2To32) {
  isn_ = 0xfffffff0u;
  Syn();
  std::string a(10, 'a'), b(10, 'b'), c(10, 'c');
  Send(20, c);  // seq wraps past 0
  Send(10, b);  // straddles the wrap
  Send(0, a);
  EXPECT_EQ(rx_.out[0], a + b + c);
  EXPECT_EQ(r_.next_seq(), static_cast<uint32_t>(0xfffffff0u + 31));
  Send(0, a);  // a retransmission from before the wrap
  EXPECT_EQ(rx_.out[0], a + b + c);
}

TEST_F(TcpReassemblerTest, MidstreamStartsAtFirstSeq) {
  r_.AddSegment(5000, kTcpAck, Bytes("xyz"), &rx_, 0);
  r_.AddSegment(4990, kTcpAck, Bytes("0123456789"), &rx_, 0);  // before the start: dropped
  r_.AddSegment(5003, kTcpAck, Bytes("!"), &rx_, 0);
  EXPECT_EQ(rx_.out[0], "xyz!");
}

TEST_F(TcpReassemblerTest, SynWithDataAndFin) {
  r_.AddSegment(isn_, kTcpSyn, Bytes("fast"), &rx_, 0);  // TCP Fast Open data after the ISN
  EXPECT_EQ(rx_.out[0], "fast");
  Send(4, "open", kTcpAck | kTcpFin);
  EXPECT_TRUE(r_.fin_seen());
  EXPECT_TRUE(r_.finished());
  Send(8, "after fin");
  EXPECT_EQ(rx_.out[0], "fastopen");
}

TEST_F(TcpReassemblerTest, FinBeforeMissingDataFinishesAfterIt) {
  Syn();
  Send(5, "world", kTcpAck | kTcpFin);
  EXPECT_TRUE(r_.fin_seen());
  EXPECT_FALSE(r_.finished());
  Send(0, "hello");
  EXPECT_TRUE(r_.finished());
  EXPECT_EQ(rx_.out[0], "helloworld");
}

TEST_F(TcpReassemblerTest, FlushDeclaresGapsForHoles) {
  Syn();
  Send(0, "ab");
  Send(4, "ef");
  Send(10, "kl");
  r_.Flush(&rx_, 0);
  EXPECT_EQ(rx_.out[0], "ab??ef????kl");
  EXPECT_EQ(rx_.gaps[0], 2);
  EXPECT_EQ(budget_.blocks_in_use(), 0u);
  EXPECT_TRUE(r_.finished());
}

TEST_F(TcpReassemblerTest, FlushDeclaresGapBeforeFin) {
  Syn();
  Send(0, "ab");
  r_.AddSegment(isn_ + 1 + 6, kTcpAck | kTcpFin, {}, &rx_, 0);  // 4 bytes never came
  r_.Flush(&rx_, 0);
  EXPECT_EQ(rx_.out[0], "ab????");
}

TEST_F(TcpReassemblerTest, TruncatedPayloadIsAGapAtOnce) {
  Syn();
  r_.AddSegment(isn_ + 1, kTcpAck, Bytes("abc"), &rx_, 0, /*missing_tail=*/5);
  Send(8, "xyz");
  EXPECT_EQ(rx_.out[0], "abc?????xyz");
}

TEST(TcpReassemblerCapTest, GapAtPerFlowCap) {
  // Two blocks per direction.
  ReassemblyBudget budget(2 * kReassemblyBlockSize, 1 << 20);
  TcpReassembler r(&budget);
  CollectingReceiver rx;
  r.AddSegment(99, kTcpSyn, {}, &rx, 0);
  std::string a(10, 'a'), b(10, 'b'), c(10, 'c');
  r.AddSegment(100 + 10, kTcpAck, Bytes(a), &rx, 0);  // hole of 10 before it
  r.AddSegment(100 + 30, kTcpAck, Bytes(b), &rx, 0);  // hole of 10 before it
  EXPECT_EQ(r.buffered_blocks(), 2u);
  EXPECT_EQ(rx.out[0], "");
  r.AddSegment(100 + 50, kTcpAck, Bytes(c), &rx, 0);  // cap hit: first hole becomes a gap
  EXPECT_EQ(budget.stats().flow_cap_hits, 1u);
  EXPECT_EQ(rx.out[0], std::string(10, '?') + a);
  EXPECT_EQ(r.buffered_blocks(), 2u);                                    // b and c
  r.AddSegment(100 + 20, kTcpAck, Bytes(std::string(10, 'x')), &rx, 0);  // fills the 2nd hole
  EXPECT_EQ(rx.out[0], std::string(10, '?') + a + std::string(10, 'x') + b);
  r.Flush(&rx, 0);
  EXPECT_EQ(rx.out[0],
            std::string(10, '?') + a + std::string(10, 'x') + b + std::string(10, '?') + c);
  EXPECT_EQ(budget.blocks_in_use(), 0u);
}

TEST(TcpReassemblerCapTest, SegmentLargerThanCapIsDeliveredAfterGap) {
  ReassemblyBudget budget(1 * kReassemblyBlockSize, 1 << 20);
  TcpReassembler r(&budget);
  CollectingReceiver rx;
  r.AddSegment(0, kTcpAck, Bytes("x"), &rx, 0);
  std::string big(2000, 'b');
  r.AddSegment(11, kTcpAck, Bytes(big), &rx, 0);  // needs 5 blocks, cap is 1
  EXPECT_EQ(rx.out[0], "x" + std::string(10, '?') + big);
  EXPECT_EQ(budget.blocks_in_use(), 0u);
}

// Fuzzer find: a segment that fills the hole before a buffered block and runs past it, too big
// to buffer, declared a zero-length gap when it reached the block.
TEST(TcpReassemblerCapTest, NoZeroLengthGapWhenSegmentReachesBufferedBlock) {
  ReassemblyBudget budget(1 * kReassemblyBlockSize, 1 << 20);
  TcpReassembler r(&budget);
  CollectingReceiver rx;
  std::string stream(3000, '\0');
  for (size_t i = 0; i < stream.size(); ++i) stream[i] = static_cast<char>('a' + i % 26);
  r.AddSegment(0, kTcpAck, {}, &rx, 0);
  r.AddSegment(2000, kTcpAck, Bytes(stream).subspan(2000, 88), &rx, 0);
  r.AddSegment(1000, kTcpAck, Bytes(stream).subspan(1000, 2000), &rx, 0);
  EXPECT_EQ(rx.gaps[0], 1);
  EXPECT_EQ(rx.gap_bytes[0], 1000u);
  EXPECT_EQ(rx.out[0], std::string(1000, '?') + stream.substr(1000));
  EXPECT_EQ(budget.blocks_in_use(), 0u);
}

TEST(TcpReassemblerCapTest, GapAtGlobalCap) {
  // Global cap of 3 blocks shared by two streams; the per-flow cap is large.
  ReassemblyBudget budget(1 << 20, 3 * kReassemblyBlockSize);
  TcpReassembler s1(&budget), s2(&budget);
  CollectingReceiver rx1, rx2;
  s1.AddSegment(0, kTcpAck, Bytes("a"), &rx1, 0);
  s2.AddSegment(0, kTcpAck, Bytes("a"), &rx2, 0);
  s1.AddSegment(5, kTcpAck, Bytes("11"), &rx1, 0);
  s1.AddSegment(10, kTcpAck, Bytes("22"), &rx1, 0);
  s2.AddSegment(5, kTcpAck, Bytes("33"), &rx2, 0);
  EXPECT_EQ(budget.blocks_in_use(), 3u);
  // s2 has nothing more it can buffer: it gives up its own hole first.
  s2.AddSegment(20, kTcpAck, Bytes("44"), &rx2, 0);
  EXPECT_EQ(budget.stats().global_cap_hits, 1u);
  EXPECT_EQ(rx2.out[0], "a????33");
  EXPECT_EQ(s2.buffered_blocks(), 1u);  // "44" took the block "33" freed
  // s1 gives up its hole before "11", which frees a block for "55".
  s1.AddSegment(20, kTcpAck, Bytes("55"), &rx1, 0);
  EXPECT_EQ(budget.stats().global_cap_hits, 2u);
  EXPECT_EQ(rx1.out[0], "a????11");
  // Full again; s2's new piece lies before all it buffers: it skips straight to it.
  s2.AddSegment(9, kTcpAck, Bytes("66"), &rx2, 0);
  EXPECT_EQ(budget.stats().global_cap_hits, 3u);
  EXPECT_EQ(rx2.out[0], "a????33??66");
  s1.Flush(&rx1, 0);
  s2.Flush(&rx2, 0);
  EXPECT_EQ(rx1.out[0], "a????11???22????????55");
  EXPECT_EQ(rx2.out[0], "a????33??66?????????44");
  EXPECT_EQ(budget.blocks_in_use(), 0u);
}

TEST(TcpReassemblerCapTest, NoBudgetMeansEveryHoleIsAGap) {
  TcpReassembler r;
  CollectingReceiver rx;
  r.AddSegment(0, kTcpAck, Bytes("ab"), &rx, 0);
  r.AddSegment(4, kTcpAck, Bytes("ef"), &rx, 0);
  r.AddSegment(2, kTcpAck, Bytes("cd"), &rx, 0);  // too late
  EXPECT_EQ(rx.out[0], "ab??ef");
}

TEST(TcpReassemblerCapTest, DestructorReturnsBlocks) {
  ReassemblyBudget budget(1 << 20, 1 << 20);
  {
    TcpReassembler r(&budget);
    r.AddSegment(0, kTcpAck, Bytes("a"), nullptr, 0);
    r.AddSegment(10, kTcpAck, Bytes("bbbb"), nullptr, 0);
    EXPECT_EQ(budget.blocks_in_use(), 1u);
  }
  EXPECT_EQ(budget.blocks_in_use(), 0u);
  EXPECT_EQ(budget.stats().dropped_bytes, 4u);
}

TEST(TcpReassemblerCapTest, FarFutureSegmentIgnored) {
  ReassemblyBudget budget(1 << 20, 1 << 20);
  TcpReassembler r(&budget);
  CollectingReceiver rx;
  r.AddSegment(0, kTcpAck, Bytes("a"), &rx, 0);
  r.AddSegment((1u << 30) + 100, kTcpAck, Bytes("zzz"), &rx, 0);
  EXPECT_EQ(budget.stats().bogus_segments, 1u);
  EXPECT_EQ(budget.blocks_in_use(), 0u);
}

// Shuffles, duplicates and overlaps the segments of a random stream; what comes out must be the
// stream, whatever the order, with no gap.
TEST(TcpReassemblerRandomTest, ShuffledDuplicatedSegmentsRebuildTheStream) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    ReassemblyBudget budget(8 << 20, 64 << 20);
    TcpReassembler r(&budget);
    CollectingReceiver rx;
    const size_t len = 1 + rng() % 20000;
    std::string stream(len, '\0');
    for (char& c : stream) c = static_cast<char>(rng());
    const uint32_t isn = rng();  // some rounds wrap
    struct Seg {
      size_t off, len;
    };
    std::vector<Seg> segs;
    for (size_t off = 0; off < len;) {
      size_t n = std::min<size_t>(len - off, 1 + rng() % 1500);
      segs.push_back({off, n});
      if (rng() % 4 == 0) segs.push_back({off, n});  // duplicate
      if (rng() % 5 == 0 && off > 0) {               // overlapping resend across a boundary
        size_t back = std::min<size_t>(off, 1 + rng() % 700);
        segs.push_back({off - back, std::min(len - (off - back), back + rng() % 700)});
      }
      off += n;
    }
    std::shuffle(segs.begin(), segs.end(), rng);
    r.AddSegment(isn, kTcpSyn, {}, &rx, 0);
    for (const Seg& s : segs) {
      r.AddSegment(isn + 1 + static_cast<uint32_t>(s.off), kTcpAck,
                   Bytes(stream).subspan(s.off, s.len), &rx, 0);
    }
    ASSERT_EQ(rx.gaps[0], 0) << "round " << round;
    ASSERT_EQ(rx.out[0].size(), len) << "round " << round;
    ASSERT_TRUE(rx.out[0] == stream) << "round " << round;
    EXPECT_EQ(budget.stats().overlap_mismatch, 0u);
    EXPECT_EQ(budget.blocks_in_use(), 0u);
  }
}

}  // namespace
}  // namespace netward::flow
