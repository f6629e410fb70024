// QUIC analyzer: client Initial packets -> CRYPTO stream -> ClientHello -> one `tls` record.
// See quic.h and docs/analyzers/quic.md.
#include "analyzers/quic.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "analyzers/quic_initial.h"
#include "analyzers/tls_fingerprint.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

using quic_detail::HeaderStatus;
using quic_detail::InitialKeys;
using quic_detail::LongHeader;
using quic_detail::PacketType;

constexpr size_t kMaxCrypto = 64 * 1024;     // CRYPTO stream bytes kept (the ClientHello)
constexpr size_t kMaxRanges = 16;            // out-of-order CRYPTO pieces tracked
constexpr size_t kMaxKeySlots = 4;           // Initial key derivations per flow
constexpr int kMaxFailures = 16;             // bad or undecryptable Initials before giving up
constexpr size_t kMinClientDatagram = 1200;  // RFC 9000 14.1
constexpr uint8_t kClientHello = 1;

// Frame types allowed in Initial packets (RFC 9000 12.4, table 3).
constexpr uint64_t kPadding = 0x00;
constexpr uint64_t kPing = 0x01;
constexpr uint64_t kAck = 0x02;
constexpr uint64_t kAckEcn = 0x03;
constexpr uint64_t kCrypto = 0x06;
constexpr uint64_t kConnectionClose = 0x1c;

class QuicAnalyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override;
  void Finish(AnalyzerContext& ctx) override;

 private:
  struct KeySlot {
    uint32_t version = 0;
    uint8_t dcid_len = 0;
    uint8_t dcid[quic_detail::kMaxCidLength] = {};
    InitialKeys keys{};
  };
  struct Range {
    uint32_t begin, end;
  };

  void Initial(AnalyzerContext& ctx, std::span<const uint8_t> packet, const LongHeader& h);
  bool Open(std::span<const uint8_t> packet, const LongHeader& h, std::span<const uint8_t>* payload,
            int64_t* pn);
  bool TryInstalled(std::span<const uint8_t> packet, const LongHeader& h,
                    std::span<const uint8_t>* payload, int64_t* pn);
  int Slot(uint32_t version, std::span<const uint8_t> dcid);
  bool ReadFrames(AnalyzerContext& ctx, std::span<const uint8_t> payload);
  void AddCrypto(AnalyzerContext& ctx, uint64_t offset, std::span<const uint8_t> data);
  size_t CryptoPrefix() const {
    return range_count_ > 0 && ranges_[0].begin == 0 ? ranges_[0].end : 0;
  }
  void CheckClientHello(AnalyzerContext& ctx);
  void Emit(AnalyzerContext& ctx, std::span<const uint8_t> body, bool complete);
  void Failure();
  void Stop();

  bool done_ = false;  // record written or flow given up: every datagram is ignored
  bool seen_initial_ = false;
  bool too_long_counted_ = false;
  int failures_ = 0;
  TimestampUs ts_ = 0;
  int64_t largest_pn_ = -1;
  uint8_t first_dcid_[quic_detail::kMaxCidLength] = {};
  uint8_t first_dcid_len_ = 0;
  KeySlot slots_[kMaxKeySlots];
  size_t slot_count_ = 0;
  int installed_ = -1;  // slot whose keys the decryptor holds
  quic_detail::InitialDecryptor decryptor_;
  std::vector<uint8_t> packet_buf_;  // one packet being decrypted (reused)
  std::vector<uint8_t> crypto_;      // CRYPTO stream from offset 0, up to kMaxCrypto
  Range ranges_[kMaxRanges];         // received CRYPTO byte ranges, sorted, disjoint
  size_t range_count_ = 0;
};

void QuicAnalyzer::Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) {
  if (done_ || dir != Direction::kToServer) return;
  size_t pos = 0;
  while (pos < data.size() && !done_) {
    const std::span<const uint8_t> rest = data.subspan(pos);
    LongHeader h;
    const HeaderStatus st = quic_detail::ParseLongHeader(rest, &h);
    // A short-header (1-RTT) packet ends the datagram, as does zero padding after the last
    // coalesced packet.
    if (st == HeaderStatus::kNotLong) return;
    if (st != HeaderStatus::kOk) {
      ctx.Event("quic.bad_initial");
      Failure();
      return;
    }
    pos += h.packet_len;
    // 0-RTT and Handshake packets are skipped by their Length; a Retry ends the datagram.
    if (h.type == PacketType::kInitial) Initial(ctx, rest.first(h.packet_len), h);
  }
}

void QuicAnalyzer::Initial(AnalyzerContext& ctx, std::span<const uint8_t> packet,
                           const LongHeader& h) {
  if (!seen_initial_) {
    seen_initial_ = true;
    ts_ = ctx.now;
    first_dcid_len_ = static_cast<uint8_t>(h.dcid.size());
    std::copy(h.dcid.begin(), h.dcid.end(), first_dcid_);
    if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "quic";
  }
  std::span<const uint8_t> payload;
  int64_t pn = 0;
  if (!Open(packet, h, &payload, &pn)) {
    ctx.Event("quic.decrypt_failed");
    Failure();
    return;
  }
  largest_pn_ = std::max(largest_pn_, pn);
  if (!ReadFrames(ctx, payload)) {
    ctx.Event("quic.bad_initial");
    Failure();
  }
  if (!done_) CheckClientHello(ctx);
}

int QuicAnalyzer::Slot(uint32_t version, std::span<const uint8_t> dcid) {
  for (size_t i = 0; i < slot_count_; ++i) {
    const KeySlot& s = slots_[i];
    if (s.version == version && s.dcid_len == dcid.size() &&
        std::equal(dcid.begin(), dcid.end(), s.dcid)) {
      return static_cast<int>(i);
    }
  }
  if (slot_count_ == kMaxKeySlots) return -1;
  KeySlot& s = slots_[slot_count_];
  if (!quic_detail::DeriveClientInitialKeys(version, dcid, &s.keys)) return -1;
  s.version = version;
  s.dcid_len = static_cast<uint8_t>(dcid.size());
  std::copy(dcid.begin(), dcid.end(), s.dcid);
  return static_cast<int>(slot_count_++);
}

bool QuicAnalyzer::TryInstalled(std::span<const uint8_t> packet, const LongHeader& h,
                                std::span<const uint8_t>* payload, int64_t* pn) {
  packet_buf_.assign(packet.begin(), packet.end());  // decrypted in place; capacity is reused
  return decryptor_.Decrypt(std::span<uint8_t>(packet_buf_.data(), packet_buf_.size()), h.pn_offset,
                            largest_pn_, payload, pn);
}

// Keys come from the client's first DCID (RFC 9001 5.2), for the packet's version (compatible
// version negotiation, RFC 9368, keeps the original DCID). After a Retry the client's Initials
// use keys from the new DCID, which is the packet's own: tried second.
bool QuicAnalyzer::Open(std::span<const uint8_t> packet, const LongHeader& h,
                        std::span<const uint8_t>* payload, int64_t* pn) {
  if (installed_ >= 0 && slots_[installed_].version == h.version &&
      TryInstalled(packet, h, payload, pn)) {
    return true;
  }
  const std::span<const uint8_t> candidates[2] = {
      std::span<const uint8_t>(first_dcid_, first_dcid_len_), h.dcid};
  for (const auto& dcid : candidates) {
    const int slot = Slot(h.version, dcid);
    if (slot < 0 || slot == installed_) continue;  // no keys, or tried above
    if (!decryptor_.SetKeys(slots_[slot].keys)) {
      installed_ = -1;
      return false;
    }
    installed_ = slot;
    if (TryInstalled(packet, h, payload, pn)) return true;
  }
  return false;
}

bool QuicAnalyzer::ReadFrames(AnalyzerContext& ctx, std::span<const uint8_t> p) {
  size_t pos = 0;
  while (pos < p.size()) {
    if (p[pos] == kPadding) {
      ++pos;
      continue;
    }
    uint64_t type = 0, v = 0;
    if (!quic_detail::ReadVarint(p, &pos, &type)) return false;
    switch (type) {
      case kPing:
        break;
      case kAck:
      case kAckEcn: {
        uint64_t ranges = 0;
        // Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range.
        if (!quic_detail::ReadVarint(p, &pos, &v) || !quic_detail::ReadVarint(p, &pos, &v) ||
            !quic_detail::ReadVarint(p, &pos, &ranges) || !quic_detail::ReadVarint(p, &pos, &v)) {
          return false;
        }
        // Each range takes at least 2 bytes: a bogus count fails on the payload's end.
        for (uint64_t i = 0; i < ranges; ++i) {
          if (!quic_detail::ReadVarint(p, &pos, &v) || !quic_detail::ReadVarint(p, &pos, &v)) {
            return false;
          }
        }
        if (type == kAckEcn) {
          for (int i = 0; i < 3; ++i) {
            if (!quic_detail::ReadVarint(p, &pos, &v)) return false;
          }
        }
        break;
      }
      case kCrypto: {
        uint64_t offset = 0, length = 0;
        if (!quic_detail::ReadVarint(p, &pos, &offset) ||
            !quic_detail::ReadVarint(p, &pos, &length) || length > p.size() - pos) {
          return false;
        }
        AddCrypto(ctx, offset, p.subspan(pos, static_cast<size_t>(length)));
        pos += static_cast<size_t>(length);
        break;
      }
      case kConnectionClose:
        return true;  // the client gives up; nothing after it matters
      default:
        return false;  // not allowed in an Initial packet
    }
  }
  return true;
}

void QuicAnalyzer::AddCrypto(AnalyzerContext& ctx, uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty()) return;
  const uint64_t end64 = offset + data.size();
  if (end64 > kMaxCrypto) {
    if (!too_long_counted_) ctx.Event("quic.crypto_too_long");
    too_long_counted_ = true;
    if (offset >= kMaxCrypto) return;
  }
  const auto begin = static_cast<uint32_t>(offset);
  const auto end = static_cast<uint32_t>(std::min<uint64_t>(end64, kMaxCrypto));
  // Merge [begin, end) into the sorted, disjoint range list.
  Range merged{begin, end};
  size_t out = 0;
  Range kept[kMaxRanges + 1];
  bool placed = false;
  for (size_t i = 0; i < range_count_; ++i) {
    const Range r = ranges_[i];
    if (r.end < merged.begin) {
      kept[out++] = r;
    } else if (r.begin > merged.end) {
      if (!placed) kept[out++] = merged, placed = true;
      kept[out++] = r;
    } else {
      merged.begin = std::min(merged.begin, r.begin);
      merged.end = std::max(merged.end, r.end);
    }
  }
  if (!placed) kept[out++] = merged;
  if (out > kMaxRanges) {
    // Too fragmented to track: drop this piece (a retransmission may bring it again).
    if (!too_long_counted_) ctx.Event("quic.crypto_too_long");
    too_long_counted_ = true;
    return;
  }
  if (crypto_.size() < end) {
    if (crypto_.capacity() < end) crypto_.reserve(std::max<size_t>(end, 2048));
    crypto_.resize(end);
  }
  std::memcpy(crypto_.data() + begin, data.data(), end - begin);
  std::copy(kept, kept + out, ranges_);
  range_count_ = out;
}

void QuicAnalyzer::CheckClientHello(AnalyzerContext& ctx) {
  const size_t have = CryptoPrefix();
  if (have < 4) return;
  if (crypto_[0] != kClientHello) {
    ctx.Event("quic.bad_initial");
    Stop();
    return;
  }
  const size_t msg_len = 4 + (static_cast<size_t>(crypto_[1]) << 16 |
                              static_cast<size_t>(crypto_[2]) << 8 | crypto_[3]);
  size_t need = msg_len;
  if (need > kMaxCrypto) {
    if (!too_long_counted_) ctx.Event("quic.crypto_too_long");
    too_long_counted_ = true;
    need = kMaxCrypto;
  }
  if (have < need) return;
  Emit(ctx, std::span<const uint8_t>(crypto_.data() + 4, need - 4), need == msg_len);
}

void QuicAnalyzer::Emit(AnalyzerContext& ctx, std::span<const uint8_t> body, bool complete) {
  tls_detail::ClientHelloInfo ch;
  if (!tls_detail::ParseClientHello(body, &ch) && complete) ctx.Event("quic.bad_initial");
  record::TlsRecord rec;
  rec.ts = ts_;
  if (ctx.flow) {
    rec.src_ip = ctx.flow->client_ip;
    rec.src_port = ctx.flow->client_port;
    rec.dst_ip = ctx.flow->server_ip;
    rec.dst_port = ctx.flow->server_port;
  }
  rec.transport = "quic";
  uint16_t version = 0;
  for (uint16_t v : ch.versions) {
    if (!tls_detail::IsGrease(v) && v > version) version = v;
  }
  if (version == 0) version = ch.legacy_version;
  if (version != 0) rec.version = tls_detail::TlsVersionText(version);
  rec.sni = ch.sni;
  rec.alpn = ch.alpn;
  rec.ja3 = tls_detail::Ja3(ch);
  rec.ja4 = tls_detail::Ja4(ch, /*quic=*/true);
  if (ctx.hints && ctx.hints->host.empty() && !ch.sni.empty()) ctx.hints->host = ch.sni;
  if (ctx.out) ctx.out->Add(rec);
  Stop();
}

void QuicAnalyzer::Failure() {
  if (++failures_ >= kMaxFailures) Stop();
}

void QuicAnalyzer::Stop() {
  done_ = true;
  decryptor_.Release();
  std::vector<uint8_t>().swap(packet_buf_);
  std::vector<uint8_t>().swap(crypto_);
  range_count_ = 0;
}

void QuicAnalyzer::Finish(AnalyzerContext& ctx) {
  if (done_) return;
  // A ClientHello whose end never arrived: record what it holds.
  const size_t have = CryptoPrefix();
  if (have >= 4 && crypto_[0] == kClientHello) {
    ctx.Event("quic.bad_initial");
    Emit(ctx, std::span<const uint8_t>(crypto_.data() + 4, have - 4), false);
  }
  Stop();
}

}  // namespace

std::unique_ptr<Analyzer> NewQuicAnalyzer() { return std::make_unique<QuicAnalyzer>(); }

bool LooksLikeQuic(Direction dir, std::span<const uint8_t> b) {
  if (dir != Direction::kToServer || b.size() < kMinClientDatagram) return false;
  if ((b[0] & 0xc0) != 0xc0) return false;  // long header with the fixed bit
  LongHeader h;
  return quic_detail::ParseLongHeader(b, &h) == HeaderStatus::kOk &&
         h.type == PacketType::kInitial && h.dcid.size() >= 8;
}

}  // namespace netward::analyzers
