// src/capture/decode_events.h: named decode anomalies ("<layer>.<what>", Zeek-weird style) and
// the per-decoder counters the CLI prints. Names are stable once released; docs/decoding.md has
// one line per event. A packet the decoder skips counts exactly one skip event; packets that
// decode but look odd (routing type 0, atomic fragment, snaplen cut) count an anomaly event.
// Not thread-safe: one DecodeCounters per Decoder, i.e. per capture thread. Count() is an index
// and an increment, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace netward::capture {

// X(enumerator, "name", is_skip): is_skip says whether the packet was dropped by the decoder.
#define NW_DECODE_EVENTS(X)                                     \
  X(kEthernetTruncated, "ethernet.truncated", true)             \
  X(kVlanTruncated, "vlan.truncated", true)                     \
  X(kPppoeTruncated, "pppoe.truncated", true)                   \
  X(kPppTruncated, "ppp.truncated", true)                       \
  X(kMplsTruncated, "mpls.truncated", true)                     \
  X(kMplsUnsupportedPayload, "mpls.unsupported_payload", true)  \
  X(kSllTruncated, "sll.truncated", true)                       \
  X(kNullTruncated, "null.truncated", true)                     \
  X(kNflogTruncated, "nflog.truncated", true)                   \
  X(kNflogNoPayload, "nflog.no_payload", true)                  \
  X(kLinkUnsupported, "link.unsupported", true)                 \
  X(kL3NotIp, "l3.not_ip", true)                                \
  X(kIpBadVersion, "ip.bad_version", true)                      \
  X(kIpv4TruncatedHeader, "ipv4.truncated_header", true)        \
  X(kIpv4BadHeaderLength, "ipv4.bad_header_length", true)       \
  X(kIpv4BadTotalLength, "ipv4.bad_total_length", true)         \
  X(kIpv4Truncated, "ipv4.truncated", true)                     \
  X(kIpv6TruncatedHeader, "ipv6.truncated_header", true)        \
  X(kIpv6Truncated, "ipv6.truncated", true)                     \
  X(kIpv6BadExtensionHeader, "ipv6.bad_extension_header", true) \
  X(kIpv6Routing0Header, "ipv6.routing0_header", false)         \
  X(kIpv6AtomicFragment, "ipv6.atomic_fragment", false)         \
  X(kIpSnaplenTruncated, "ip.snaplen_truncated", false)         \
  X(kTcpTruncatedHeader, "tcp.truncated_header", true)          \
  X(kTcpBadDataOffset, "tcp.bad_data_offset", true)             \
  X(kUdpTruncatedHeader, "udp.truncated_header", true)          \
  X(kUdpBadLength, "udp.bad_length", false)                     \
  X(kIcmpTruncatedHeader, "icmp.truncated_header", true)        \
  X(kFragTruncated, "frag.truncated", true)                     \
  X(kFragOverlap, "frag.overlap", false)                        \
  X(kFragInconsistent, "frag.inconsistent", true)               \
  X(kFragTimeout, "frag.timeout", false)                        \
  X(kFragTooBig, "frag.too_big", true)                          \
  X(kFragTooMany, "frag.too_many", true)                        \
  X(kFragMemoryCap, "frag.memory_cap", true)                    \
  X(kGreTruncated, "gre.truncated", true)                       \
  X(kGreUnsupported, "gre.unsupported", true)                   \
  X(kTunnelTooDeep, "tunnel.too_deep", true)

enum class DecodeEvent : uint8_t {
#define NW_DECODE_EVENT_ENUM(e, name, skip) e,
  NW_DECODE_EVENTS(NW_DECODE_EVENT_ENUM)
#undef NW_DECODE_EVENT_ENUM
};

constexpr size_t kNumDecodeEvents = 0
#define NW_DECODE_EVENT_COUNT(e, name, skip) +1
    NW_DECODE_EVENTS(NW_DECODE_EVENT_COUNT)
#undef NW_DECODE_EVENT_COUNT
    ;

// The stable name, e.g. "vlan.truncated".
std::string_view DecodeEventName(DecodeEvent event);
// True when the event means the packet (or fragment) was dropped.
bool DecodeEventIsSkip(DecodeEvent event);
// The event with that name, or false if none.
bool DecodeEventFromName(std::string_view name, DecodeEvent* out);

class DecodeCounters {
 public:
  void Count(DecodeEvent event) { ++counts_[static_cast<size_t>(event)]; }
  uint64_t count(DecodeEvent event) const { return counts_[static_cast<size_t>(event)]; }
  // By name ("ipv4.truncated_header"); 0 for an unknown name.
  uint64_t count(std::string_view name) const;
  // Sum over all events.
  uint64_t total() const;
  void Reset() { counts_.fill(0); }
  // Calls fn(std::string_view name, uint64_t count) for each event with a non-zero count, in
  // enum order (for the CLI's summary and the metrics endpoint).
  template <typename Fn>
  void ForEachNonZero(Fn&& fn) const {
    for (size_t i = 0; i < kNumDecodeEvents; ++i)
      if (counts_[i]) fn(DecodeEventName(static_cast<DecodeEvent>(i)), counts_[i]);
  }

 private:
  std::array<uint64_t, kNumDecodeEvents> counts_{};
};

}  // namespace netward::capture
