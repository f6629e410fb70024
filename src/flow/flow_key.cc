#include "flow/flow_key.h"

namespace netward::flow {
namespace {

// splitmix64's finalizer: every input bit affects every output bit.
inline uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

FlowKey FlowKey::FromPacket(const capture::DecodedPacket& p, bool* packet_is_from_lower_endpoint,
                            bool with_vlan) {
  FlowKey k;
  int c = std::memcmp(p.src_ip.bytes, p.dst_ip.bytes, 16);
  bool src_lower = c < 0 || (c == 0 && p.src_port <= p.dst_port);
  if (src_lower) {
    k.lower_ip = p.src_ip;
    k.lower_port = p.src_port;
    k.upper_ip = p.dst_ip;
    k.upper_port = p.dst_port;
  } else {
    k.lower_ip = p.dst_ip;
    k.lower_port = p.dst_port;
    k.upper_ip = p.src_ip;
    k.upper_port = p.src_port;
  }
  k.vlan = with_vlan ? p.vlan : 0;
  k.ip_proto = p.ip_proto;
  if (packet_is_from_lower_endpoint) *packet_is_from_lower_endpoint = src_lower;
  return k;
}

uint64_t FlowKey::Hash() const {
  uint64_t w[5];
  std::memcpy(w, this, sizeof(w));
  uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (uint64_t x : w) h = Mix(h ^ x);
  return h;
}

uint64_t SymmetricFlowHash(const capture::DecodedPacket& p, bool with_vlan) {
  return FlowKey::FromPacket(p, nullptr, with_vlan).Hash();
}

}  // namespace netward::flow
