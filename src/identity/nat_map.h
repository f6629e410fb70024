// src/identity/nat_map.h: the NAT timeline of the identity index (identity_index.h), private to it.
// Mappings live in a ring of fixed-size slots in arrival order (id = arrival number, from 1).
// Open-addressing tables map a key to the id of its newest slot, and each slot links back to the
// previous slot of its key, so the mappings of a key are a chain newest -> oldest inside the ring:
//   (outside ip, outside port) -> single mappings      (inside ip, inside port) -> single mappings
//   outside ip -> block start -> port blocks           (inside ip)              -> port blocks
// Eviction drops the oldest slot: a chain ends at the first id below the ring's base, and a key
// whose newest slot goes leaves its table, so nothing is searched or freed per mapping.
// Memory: the ring is one anonymous mapping of `max_mappings` x 88 bytes reserved at the first Add
// and touched in order, so resident memory follows the mappings held; the tables (24 bytes an
// entry, load <= 3/4) grow by doubling and never shrink. Big blocks ask for transparent huge
// pages (fewer TLB misses on the random table accesses). Nothing is allocated per mapping once
// the tables have grown (port blocks, rare, sit in ordered maps). A table that cannot grow ends
// the process (as std::bad_alloc would); a ring that cannot be reserved is reserved smaller.
// Not thread-safe: IdentityIndex holds its lock around every call.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>

#include "common/ip_address.h"
#include "common/time.h"

namespace netward::identity {

// One NAT mapping as kept in memory (no strings: the source is an index into the index's table).
struct NatSlot {
  TimestampUs ts = 0;
  TimestampUs end = 0;  // 0: open
  IpAddress inside;
  IpAddress outside;
  IpAddress remote;
  uint32_t prev_out = 0;  // id distance to the previous slot of the same outside key; 0: none
  uint32_t prev_in = 0;   // the same for the inside key
  uint16_t inside_port = 0;
  uint16_t outside_port = 0;
  uint16_t outside_port_end = 0;  // > outside_port for a port block, else 0
  uint16_t remote_port = 0;
  uint8_t proto = 0;
  uint8_t source = 0;
  bool is_block() const { return outside_port_end > outside_port; }
};

// Zeroed, page-aligned memory from mmap (huge pages asked for from 2 MiB on). Move-only.
class NatMemory {
 public:
  NatMemory() = default;
  ~NatMemory() { Free(); }
  NatMemory(NatMemory&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  NatMemory& operator=(NatMemory&& o) noexcept {
    if (this != &o) {
      Free();
      p_ = o.p_, n_ = o.n_;
      o.p_ = nullptr, o.n_ = 0;
    }
    return *this;
  }
  // False (and nothing held) when the system refuses `bytes`.
  bool Allocate(size_t bytes);
  void* data() const { return p_; }
  size_t size() const { return n_; }

 private:
  void Free();
  void* p_ = nullptr;
  size_t n_ = 0;
};

// (address, port) -> newest slot id (48 bits; 0 is "none"); linear probing, backward-shift erase.
class NatKeyTable {
 public:
  uint64_t Find(const IpAddress& ip, uint16_t port) const { return Find(ip, port, Hash(ip, port)); }
  // The same with the key's Hash() computed by the caller (Prefetch, then Find / Exchange).
  uint64_t Find(const IpAddress& ip, uint16_t port, uint64_t hash) const;
  void Prefetch(uint64_t hash) const {
    if (entries_) __builtin_prefetch(&entries_[hash & mask_]);
  }
  static uint64_t Hash(const IpAddress& ip, uint16_t port);
  // Makes `id` the newest slot of the key; returns the previous newest (0: the key was new).
  uint64_t Exchange(const IpAddress& ip, uint16_t port, uint64_t id, uint64_t hash);
  uint64_t Exchange(const IpAddress& ip, uint16_t port, uint64_t id) {
    return Exchange(ip, port, id, Hash(ip, port));
  }
  // Removes the key if its newest slot is `id` (it is being evicted: its chain is gone).
  void EraseIfHead(const IpAddress& ip, uint16_t port, uint64_t id);
  size_t size() const { return size_; }
  size_t memory_bytes() const { return memory_.size(); }

 private:
  struct Entry {
    uint8_t ip[16];
    uint16_t port;
    uint16_t id_hi;  // id bits 32..47
    uint32_t id_lo;  // id bits 0..31; id 0: empty entry
    uint64_t id() const { return (uint64_t{id_hi} << 32) | id_lo; }
    void set_id(uint64_t v) {
      id_hi = static_cast<uint16_t>(v >> 32);
      id_lo = static_cast<uint32_t>(v);
    }
  };
  bool Matches(const Entry& e, const IpAddress& ip, uint16_t port) const;
  void Grow();

  NatMemory memory_;
  Entry* entries_ = nullptr;  // capacity mask_ + 1 (0 before the first Exchange)
  size_t mask_ = 0;
  size_t size_ = 0;
};

class NatMap {
 public:
  // At most `max_mappings` (>= 1, clamped to 2^31) slots are held; beyond that the oldest goes.
  NatMap(size_t max_mappings, TimestampUs skew_tolerance, TimestampUs open_ttl);

  // Adds `s` (prev_* ignored), or, when it repeats a held mapping (same addresses, ports and
  // protocol; start within the skew, or the held one is open and started at most open_ttl
  // before), updates that one's end instead and returns true. Adds 1 to *evicted per slot dropped.
  bool Add(const NatSlot& s, uint64_t* evicted);

  // Best mapping of outside_ip:outside_port at t: a single mapping if any matches, else a port
  // block covering the port. nullptr if none. Valid until the next Add.
  const NatSlot* FindOutside(const IpAddress& outside_ip, uint16_t outside_port, TimestampUs t,
                             uint8_t proto, const IpAddress& remote_ip, uint16_t remote_port) const;
  // Best mapping of the inside flow at t: a single mapping, else a block of inside_ip.
  const NatSlot* FindInside(const IpAddress& inside_ip, uint16_t inside_port, TimestampUs t,
                            uint8_t proto, const IpAddress& remote_ip, uint16_t remote_port) const;

  size_t size() const { return static_cast<size_t>(next_id_ - base_id_); }
  // Bytes held by the ring and the tables (not counting the port blocks' maps).
  size_t memory_bytes() const;

 private:
  struct BlockSet {
    std::map<uint16_t, uint64_t> by_start;  // block start -> newest slot id
    uint16_t max_span = 0;
  };
  struct Best {
    const NatSlot* slot = nullptr;
    int rank = -1;
    uint64_t id = 0;
  };

  bool alive(uint64_t id) const { return id >= base_id_ && id < next_id_; }
  size_t pos(uint64_t id) const {
    const size_t i = head_pos_ + static_cast<size_t>(id - base_id_);
    return i >= ring_size_ ? i - ring_size_ : i;
  }
  NatSlot& at(uint64_t id) { return ring_[pos(id)]; }
  const NatSlot& at(uint64_t id) const { return ring_[pos(id)]; }
  // The id `dist` before `id`, or 0 when there is none or it was evicted.
  uint64_t Back(uint64_t id, uint32_t dist) const {
    return dist != 0 && id - dist >= base_id_ ? id - dist : 0;
  }
  uint32_t Dist(uint64_t id, uint64_t prev) const {
    return alive(prev) ? static_cast<uint32_t>(id - prev) : 0;
  }
  bool TryMerge(uint64_t head, const NatSlot& s);
  void EvictOldest();
  void ReserveRing();
  int Rank(const NatSlot& m, TimestampUs t, uint8_t proto, const IpAddress& remote_ip,
           uint16_t remote_port) const;
  void Consider(uint64_t id, TimestampUs t, uint8_t proto, const IpAddress& remote_ip,
                uint16_t remote_port, Best* best) const;

  size_t max_;
  TimestampUs skew_;
  TimestampUs open_ttl_;
  NatMemory ring_memory_;
  NatSlot* ring_ = nullptr;  // ring_size_ slots (max_); live ids base_id_.. from ring_[head_pos_]
  size_t ring_size_ = 0;
  size_t head_pos_ = 0;
  uint64_t base_id_ = 1;  // oldest live id
  uint64_t next_id_ = 1;  // id of the next slot added
  NatKeyTable by_outside_;
  NatKeyTable by_inside_;
  NatKeyTable blocks_by_inside_;  // keyed (inside ip, 0)
  std::unordered_map<IpAddress, BlockSet, IpAddressHash> blocks_by_outside_;
};

}  // namespace netward::identity
