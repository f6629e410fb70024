#include "identity/nat_map.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>

namespace netward::identity {

static_assert(std::is_trivially_copyable_v<NatSlot> && sizeof(NatSlot) == 88);

// ---- NatMemory ----

bool NatMemory::Allocate(size_t bytes) {
  Free();
  if (bytes == 0) return true;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  if (bytes >= (size_t{2} << 20)) ::madvise(p, bytes, MADV_HUGEPAGE);  // advice: may be refused
  p_ = p;
  n_ = bytes;
  return true;
}

void NatMemory::Free() {
  if (p_) ::munmap(p_, n_);
  p_ = nullptr;
  n_ = 0;
}

// ---- NatKeyTable ----

uint64_t NatKeyTable::Hash(const IpAddress& ip, uint16_t port) {
  uint64_t a, b;
  std::memcpy(&a, ip.bytes, 8);
  std::memcpy(&b, ip.bytes + 8, 8);
  uint64_t x = b ^ (a * 0xC2B2AE3D27D4EB4FULL) ^ (uint64_t{port} * 0x9E3779B97F4A7C15ULL);
  x ^= x >> 33;  // murmur3's finalizer
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ULL;
  return x ^ (x >> 33);
}

bool NatKeyTable::Matches(const Entry& e, const IpAddress& ip, uint16_t port) const {
  return e.port == port && std::memcmp(e.ip, ip.bytes, 16) == 0;
}

uint64_t NatKeyTable::Find(const IpAddress& ip, uint16_t port, uint64_t hash) const {
  if (!entries_) return 0;
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Entry& e = entries_[i];
    if (e.id_lo == 0 && e.id_hi == 0) return 0;
    if (Matches(e, ip, port)) return e.id();
  }
}

uint64_t NatKeyTable::Exchange(const IpAddress& ip, uint16_t port, uint64_t id, uint64_t hash) {
  if ((size_ + 1) * 4 > (mask_ + 1) * 3 || !entries_) Grow();
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    Entry& e = entries_[i];
    if (e.id_lo == 0 && e.id_hi == 0) {
      std::memcpy(e.ip, ip.bytes, 16);
      e.port = port;
      e.set_id(id);
      ++size_;
      return 0;
    }
    if (Matches(e, ip, port)) {
      uint64_t old = e.id();
      e.set_id(id);
      return old;
    }
  }
}

void NatKeyTable::EraseIfHead(const IpAddress& ip, uint16_t port, uint64_t id) {
  if (!entries_) return;
  size_t i = Hash(ip, port) & mask_;
  for (;; i = (i + 1) & mask_) {
    const Entry& e = entries_[i];
    if (e.id_lo == 0 && e.id_hi == 0) return;
    if (Matches(e, ip, port)) break;
  }
  if (entries_[i].id() != id) return;
  // Backward-shift deletion: pull later entries of the probe run into the hole when their home
  // slot is not between the hole and where they sit.
  for (size_t j = i;;) {
    j = (j + 1) & mask_;
    const Entry& e = entries_[j];
    if (e.id_lo == 0 && e.id_hi == 0) break;
    IpAddress key;
    std::memcpy(key.bytes, e.ip, 16);
    const size_t home = Hash(key, e.port) & mask_;
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!stays) {
      entries_[i] = e;
      i = j;
    }
  }
  entries_[i].id_lo = 0;
  entries_[i].id_hi = 0;
  --size_;
}

void NatKeyTable::Grow() {
  static_assert(std::is_trivially_copyable_v<Entry> && sizeof(Entry) == 24);
  NatMemory old = std::move(memory_);
  const Entry* old_entries = entries_;
  const size_t old_cap = old_entries ? mask_ + 1 : 0;
  const size_t cap = std::max<size_t>(1024, old_cap * 2);
  if (!memory_.Allocate(cap * sizeof(Entry))) {
    std::fprintf(stderr, "netward: identity index: out of memory for a NAT table of %zu bytes\n",
                 cap * sizeof(Entry));
    std::abort();
  }
  entries_ = static_cast<Entry*>(memory_.data());  // zeroed: every entry empty
  mask_ = cap - 1;
  // In old order, each entry lands at its home or home + old_cap: two nearly sequential streams.
  for (size_t k = 0; k < old_cap; ++k) {
    const Entry& e = old_entries[k];
    if (e.id_lo == 0 && e.id_hi == 0) continue;
    IpAddress key;
    std::memcpy(key.bytes, e.ip, 16);
    size_t i = Hash(key, e.port) & mask_;
    while (entries_[i].id_lo != 0 || entries_[i].id_hi != 0) i = (i + 1) & mask_;
    entries_[i] = e;
  }
}

// ---- NatMap ----

NatMap::NatMap(size_t max_mappings, TimestampUs skew_tolerance, TimestampUs open_ttl)
    : max_(std::clamp<size_t>(max_mappings, 1, size_t{1} << 31)),
      skew_(skew_tolerance),
      open_ttl_(open_ttl) {}

size_t NatMap::memory_bytes() const {
  // The ring counts as far as it was written (its pages are touched in order).
  const size_t written = static_cast<size_t>(std::min<uint64_t>(next_id_ - 1, ring_size_));
  return written * sizeof(NatSlot) + by_outside_.memory_bytes() + by_inside_.memory_bytes() +
         blocks_by_inside_.memory_bytes();
}

void NatMap::ReserveRing() {
  for (size_t n = max_; n >= 1; n /= 2) {
    if (ring_memory_.Allocate(n * sizeof(NatSlot))) {
      ring_ = static_cast<NatSlot*>(ring_memory_.data());
      ring_size_ = max_ = n;
      return;
    }
  }
  std::fprintf(stderr, "netward: identity index: out of memory for the NAT ring\n");
  std::abort();
}

bool NatMap::TryMerge(uint64_t head, const NatSlot& s) {
  for (uint64_t id = head; id != 0; id = Back(id, at(id).prev_out)) {
    NatSlot& m = at(id);
    if (m.inside_port != s.inside_port || m.outside_port_end != s.outside_port_end ||
        m.remote_port != s.remote_port || m.proto != s.proto || !(m.inside == s.inside) ||
        !(m.remote == s.remote) || !(m.outside == s.outside))
      continue;
    const bool same_start = std::abs(m.ts - s.ts) <= skew_;
    const bool continues = m.end == 0 && s.ts >= m.ts && (s.ts - m.ts) <= open_ttl_;
    if (!same_start && !continues) continue;
    if (s.end != 0) m.end = std::max(m.end, s.end);
    return true;
  }
  return false;
}

bool NatMap::Add(const NatSlot& in, uint64_t* evicted) {
  uint64_t out_hash = 0, in_hash = 0;
  if (ring_ && size() >= max_) {  // full: the oldest goes, fetch its keys' buckets early too
    const NatSlot& old = at(base_id_);
    if (!old.is_block()) {
      by_outside_.Prefetch(NatKeyTable::Hash(old.outside, old.outside_port));
      by_inside_.Prefetch(NatKeyTable::Hash(old.inside, old.inside_port));
    }
  }
  if (in.is_block()) {
    auto bit = blocks_by_outside_.find(in.outside);
    if (bit != blocks_by_outside_.end()) {
      auto sit = bit->second.by_start.find(in.outside_port);
      if (sit != bit->second.by_start.end() && TryMerge(sit->second, in)) return true;
    }
  } else {
    // Both tables' buckets are fetched at once: the two cache misses overlap.
    out_hash = NatKeyTable::Hash(in.outside, in.outside_port);
    in_hash = NatKeyTable::Hash(in.inside, in.inside_port);
    by_outside_.Prefetch(out_hash);
    by_inside_.Prefetch(in_hash);
    const uint64_t head = by_outside_.Find(in.outside, in.outside_port, out_hash);
    if (head != 0 && TryMerge(head, in)) return true;
  }
  if (!ring_) ReserveRing();
  if (size() >= max_) {
    EvictOldest();
    ++*evicted;
  }
  const uint64_t id = next_id_++;
  NatSlot& s = at(id);
  s = in;
  if (in.is_block()) {
    BlockSet& bs = blocks_by_outside_[in.outside];
    auto [sit, fresh] = bs.by_start.try_emplace(in.outside_port, id);
    s.prev_out = fresh ? 0 : Dist(id, sit->second);
    sit->second = id;
    bs.max_span = std::max<uint16_t>(bs.max_span,
                                     static_cast<uint16_t>(in.outside_port_end - in.outside_port));
    s.prev_in = Dist(id, blocks_by_inside_.Exchange(in.inside, 0, id));
  } else {
    s.prev_out = Dist(id, by_outside_.Exchange(in.outside, in.outside_port, id, out_hash));
    s.prev_in = Dist(id, by_inside_.Exchange(in.inside, in.inside_port, id, in_hash));
  }
  return false;
}

void NatMap::EvictOldest() {
  const uint64_t id = base_id_;
  const NatSlot& s = at(id);
  if (s.is_block()) {
    auto bit = blocks_by_outside_.find(s.outside);
    if (bit != blocks_by_outside_.end()) {
      auto sit = bit->second.by_start.find(s.outside_port);
      if (sit != bit->second.by_start.end() && sit->second == id) bit->second.by_start.erase(sit);
      if (bit->second.by_start.empty()) blocks_by_outside_.erase(bit);
    }
    blocks_by_inside_.EraseIfHead(s.inside, 0, id);
  } else {
    by_outside_.EraseIfHead(s.outside, s.outside_port, id);
    by_inside_.EraseIfHead(s.inside, s.inside_port, id);
  }
  ++base_id_;
  if (++head_pos_ == ring_size_) head_pos_ = 0;
}

int NatMap::Rank(const NatSlot& m, TimestampUs t, uint8_t proto, const IpAddress& remote_ip,
                 uint16_t remote_port) const {
  if (proto && m.proto && proto != m.proto) return -1;
  const TimestampUs end = m.end ? m.end : m.ts + open_ttl_;
  if (t < m.ts - skew_ || t > end + skew_) return -1;
  const bool remote_known = !remote_ip.is_unspecified() && !m.remote.is_unspecified();
  if (remote_known && !(remote_ip == m.remote)) return -1;
  if (remote_known && remote_port && m.remote_port && remote_port != m.remote_port) return -1;
  int r = 0;
  if (!m.is_block()) r |= 4;
  if (m.ts <= t && t <= end) r |= 2;
  if (remote_known) r |= 1;
  return r;
}

// Higher rank wins, then the later start, then the later arrival.
void NatMap::Consider(uint64_t id, TimestampUs t, uint8_t proto, const IpAddress& remote_ip,
                      uint16_t remote_port, Best* best) const {
  const NatSlot& m = at(id);
  const int r = Rank(m, t, proto, remote_ip, remote_port);
  if (r < 0) return;
  if (best->slot &&
      (r < best->rank ||
       (r == best->rank && (m.ts < best->slot->ts || (m.ts == best->slot->ts && id < best->id)))))
    return;
  best->slot = &m;
  best->rank = r;
  best->id = id;
}

const NatSlot* NatMap::FindOutside(const IpAddress& outside_ip, uint16_t outside_port,
                                   TimestampUs t, uint8_t proto, const IpAddress& remote_ip,
                                   uint16_t remote_port) const {
  Best best;
  for (uint64_t id = by_outside_.Find(outside_ip, outside_port); id != 0;
       id = Back(id, at(id).prev_out)) {
    Consider(id, t, proto, remote_ip, remote_port, &best);
  }
  if (best.slot) return best.slot;
  auto bit = blocks_by_outside_.find(outside_ip);
  if (bit == blocks_by_outside_.end()) return nullptr;
  const BlockSet& bs = bit->second;
  const int lowest = static_cast<int>(outside_port) - bs.max_span;
  for (auto sit = bs.by_start.upper_bound(outside_port); sit != bs.by_start.begin();) {
    --sit;
    if (static_cast<int>(sit->first) < lowest) break;
    for (uint64_t id = sit->second; id != 0; id = Back(id, at(id).prev_out)) {
      const NatSlot& m = at(id);
      if (outside_port < m.outside_port || outside_port > m.outside_port_end) continue;
      Consider(id, t, proto, remote_ip, remote_port, &best);
    }
  }
  return best.slot;
}

const NatSlot* NatMap::FindInside(const IpAddress& inside_ip, uint16_t inside_port, TimestampUs t,
                                  uint8_t proto, const IpAddress& remote_ip,
                                  uint16_t remote_port) const {
  Best best;
  for (uint64_t id = by_inside_.Find(inside_ip, inside_port); id != 0;
       id = Back(id, at(id).prev_in)) {
    Consider(id, t, proto, remote_ip, remote_port, &best);
  }
  if (best.slot) return best.slot;
  for (uint64_t id = blocks_by_inside_.Find(inside_ip, 0); id != 0; id = Back(id, at(id).prev_in)) {
    Consider(id, t, proto, remote_ip, remote_port, &best);
  }
  return best.slot;
}

}  // namespace netward::identity
