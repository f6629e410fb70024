// src/capture/ip_reassembler.h: IPv4 and IPv6 fragment reassembly for the Decoder.
// Datagrams are keyed by (src, dst, id, proto, family). Fragments may arrive in any order;
// where fragments overlap the bytes that arrived first win ("frag.overlap" is counted).
// Bounds: bytes buffered across all datagrams <= max_bytes (oldest datagrams are evicted to
// make room, "frag.memory_cap"); a datagram past its timeout is dropped ("frag.timeout");
// a datagram over 65535 payload bytes is dropped ("frag.too_big"); at most kMaxPieces
// fragments per datagram ("frag.too_many").
// Allocates only for buffered fragments. One thread; owned by one Decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "capture/decode_events.h"
#include "common/ip_address.h"
#include "common/time.h"

namespace netward::capture {

struct FragmentKey {
  IpAddress src;
  IpAddress dst;
  uint32_t id = 0;
  uint8_t proto = 0;  // IPv4 protocol field / IPv6 fragment header's next header
  bool v6 = false;

  friend bool operator==(const FragmentKey& a, const FragmentKey& b) {
    return a.src == b.src && a.dst == b.dst && a.id == b.id && a.proto == b.proto && a.v6 == b.v6;
  }
};

struct FragmentKeyHash {
  size_t operator()(const FragmentKey& k) const {
    IpAddressHash h;
    return h(k.src) * 31 ^ h(k.dst) ^ (static_cast<size_t>(k.id) << 9) ^ k.proto ^ (k.v6 << 8);
  }
};

class IpReassembler {
 public:
  static constexpr uint32_t kMaxDatagram = 65535;
  static constexpr size_t kMaxPieces = 512;

  enum class Outcome { kHeld, kComplete, kDropped };

  IpReassembler(size_t max_bytes, TimestampUs timeout) : max_bytes_(max_bytes), timeout_(timeout) {}

  // Adds the fragment carrying payload bytes [offset, offset + len) of the datagram `key`;
  // `more` is the more-fragments flag. kComplete: *data/*len view the whole reassembled
  // payload (everything after the IP header / fragment header), valid until the next Add or
  // Expire. kHeld: stored. kDropped: the fragment (and maybe its datagram) was dropped and the
  // reason counted in `counters`.
  Outcome Add(const FragmentKey& key, TimestampUs now, uint32_t offset, bool more,
              const uint8_t* payload, size_t len, DecodeCounters* counters, const uint8_t** data,
              size_t* data_len);

  // Drops datagrams older than the timeout, counting "frag.timeout" for each.
  void Expire(TimestampUs now, DecodeCounters* counters);

  size_t bytes_held() const { return bytes_held_; }
  size_t datagrams_held() const { return table_.size(); }

 private:
  struct Datagram {
    TimestampUs first_ts = 0;
    uint32_t total = 0;  // payload length, known once the last fragment arrived
    bool total_known = false;
    std::vector<uint8_t> bytes;
    std::vector<std::pair<uint32_t, uint32_t>> have;  // sorted, merged [begin, end) ranges
  };

  void Erase(std::unordered_map<FragmentKey, Datagram, FragmentKeyHash>::iterator it);
  bool MakeRoom(size_t need, const FragmentKey& keep, DecodeCounters* counters);

  size_t max_bytes_;
  TimestampUs timeout_;
  size_t bytes_held_ = 0;
  TimestampUs last_expire_ = 0;
  std::unordered_map<FragmentKey, Datagram, FragmentKeyHash> table_;
  std::vector<uint8_t> completed_;  // the last reassembled datagram
};

}  // namespace netward::capture
