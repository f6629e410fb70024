// src/store/subscriber_dictionary.cc: SubscriberDictionary (block_codec.h), the key -> tuple map
// of one segment's subscriber columns, with each key's tuples per block.
//
// An open-addressing table of keys (linear probing, at most half full) whose slots point at
// entries; an entry holds its key's latest tuple and a chain of the older ones; the tuples' bytes
// are in one arena. A lookup is one hash and, in most cases, one cache line of slots.
#include <algorithm>
#include <vector>

#include "store/block_codec.h"
#include "store/block_format.h"

namespace netward::store {
namespace bf = block_format;

class SubscriberDictionary::Impl {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Version {
    uint64_t seq = 0;     // first_seq of the block whose explicit row set it
    uint64_t offset = 0;  // of the tuple in arena
    uint32_t length = 0;
    uint32_t older = kNone;  // the version before it, in `older`
  };
  struct Slot {
    uint64_t lo = 0, hi = 0;  // the key's 16 bytes
    uint32_t entry = kNone;
  };

  static uint64_t HashOf(uint64_t lo, uint64_t hi) { return HashWord(lo ^ HashWord(hi)); }

  // The slot of the key, or the empty slot where it would go.
  size_t SlotOf(uint64_t lo, uint64_t hi) const {
    for (size_t i = HashOf(lo, hi) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots[i];
      if (s.entry == kNone || (s.lo == lo && s.hi == hi)) return i;
    }
  }
  // Doubles the table (at least 1024 slots, and twice `keys`).
  void Grow(size_t keys = 0) {
    std::vector<Slot> old = std::move(slots);
    size_t n = std::max<size_t>(1024, old.size() * 2);
    while (n < 2 * keys) n *= 2;
    slots.assign(n, Slot());
    mask = slots.size() - 1;
    for (const Slot& s : old) {
      if (s.entry != kNone) slots[SlotOf(s.lo, s.hi)] = s;
    }
  }
  std::string_view TupleOf(const Version& v) const { return {arena.data() + v.offset, v.length}; }
  Version Store(uint64_t seq, std::string_view tuple) {
    Version v;
    v.seq = seq;
    v.offset = arena.size();
    v.length = static_cast<uint32_t>(tuple.size());
    arena.append(tuple);
    return v;
  }

  std::vector<Slot> slots;
  size_t mask = 0;
  std::vector<Version> entries;  // each key's latest version
  std::vector<Version> older;
  std::string arena;
  uint64_t end_seq = 0;
};

SubscriberDictionary::SubscriberDictionary() : impl_(std::make_unique<Impl>()) {}
SubscriberDictionary::~SubscriberDictionary() = default;
SubscriberDictionary::SubscriberDictionary(SubscriberDictionary&&) noexcept = default;
SubscriberDictionary& SubscriberDictionary::operator=(SubscriberDictionary&&) noexcept = default;

std::string_view SubscriberDictionary::Find(const IpAddress& key, uint64_t block_seq) const {
  const Impl& m = *impl_;
  if (m.entries.empty()) return {};
  const uint64_t lo = bf::Load<uint64_t>(key.bytes), hi = bf::Load<uint64_t>(key.bytes + 8);
  const Impl::Slot& slot = m.slots[m.SlotOf(lo, hi)];
  if (slot.entry == Impl::kNone) return {};
  const Impl::Version* v = &m.entries[slot.entry];
  while (v->seq >= block_seq) {
    if (v->older == Impl::kNone) return {};
    v = &m.older[v->older];
  }
  return m.TupleOf(*v);
}

void SubscriberDictionary::Set(const IpAddress& key, uint64_t block_seq, std::string_view tuple) {
  Impl& m = *impl_;
  if (2 * (m.entries.size() + 1) > m.slots.size()) m.Grow();
  const uint64_t lo = bf::Load<uint64_t>(key.bytes), hi = bf::Load<uint64_t>(key.bytes + 8);
  Impl::Slot& slot = m.slots[m.SlotOf(lo, hi)];
  if (slot.entry == Impl::kNone) {
    slot.lo = lo;
    slot.hi = hi;
    slot.entry = static_cast<uint32_t>(m.entries.size());
    m.entries.push_back(m.Store(block_seq, tuple));
    return;
  }
  Impl::Version& latest = m.entries[slot.entry];
  if (m.TupleOf(latest) == tuple) return;  // unchanged: the earlier version still answers
  if (latest.seq == block_seq) {           // a later row of the same block wins
    const uint32_t older = latest.older;
    latest = m.Store(block_seq, tuple);
    latest.older = older;
    return;
  }
  m.older.push_back(latest);
  const auto previous = static_cast<uint32_t>(m.older.size() - 1);
  latest = m.Store(block_seq, tuple);
  latest.older = previous;
}

Status SubscriberDictionary::AddBlock(BlockReader& reader) {
  const BlockHeader& h = reader.header();
  if (impl_->end_seq != 0 && h.first_seq < impl_->end_seq) {
    return Status::InvalidArgument("subscriber dictionary",
                                   "block at seq " + std::to_string(h.first_seq) +
                                       " does not follow the blocks added (up to seq " +
                                       std::to_string(impl_->end_seq) + ")");
  }
  Impl& m = *impl_;
  if (m.entries.empty() && m.slots.size() < 4 * size_t{h.count}) {
    // A segment's first block: every row explicit, most keys new, and later blocks bring about
    // as many again. One table of the right size (filling larger and larger ones cost more than
    // the lookups: fresh pages are not free); reserved memory is not touched until used.
    m.Grow(2 * size_t{h.count});
    m.entries.reserve(2 * size_t{h.count});
    m.arena.reserve(size_t{h.count} * 128);
  }
  Status st =
      reader.ForEachExplicitRow([&](uint32_t, const IpAddress& key, std::string_view tuple) {
        Set(key, h.first_seq, tuple);
      });
  if (!st.ok()) return st;
  impl_->end_seq = h.first_seq + h.count;
  return Status::OK();
}

void SubscriberDictionary::ForEachTuple(
    const std::function<void(const IpAddress& key, std::string_view tuple)>& fn) const {
  const Impl& m = *impl_;
  for (const Impl::Slot& slot : m.slots) {
    if (slot.entry == Impl::kNone) continue;
    IpAddress key;
    bf::Store<uint64_t>(key.bytes, slot.lo);
    bf::Store<uint64_t>(key.bytes + 8, slot.hi);
    for (const Impl::Version* v = &m.entries[slot.entry];; v = &m.older[v->older]) {
      fn(key, m.TupleOf(*v));
      if (v->older == Impl::kNone) break;
    }
  }
}

uint64_t SubscriberDictionary::end_seq() const { return impl_->end_seq; }
size_t SubscriberDictionary::keys() const { return impl_->entries.size(); }
size_t SubscriberDictionary::versions() const {
  return impl_->entries.size() + impl_->older.size();
}

void SubscriberDictionary::Clear() {
  Impl& m = *impl_;
  std::fill(m.slots.begin(), m.slots.end(), Impl::Slot());  // memory kept for the next segment
  m.entries.clear();
  m.older.clear();
  m.arena.clear();
  m.end_seq = 0;
}

}  // namespace netward::store
