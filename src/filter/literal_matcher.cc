#include "filter/literal_matcher.h"

#include <algorithm>
#include <bit>

namespace netward::filter {

void LiteralMatcher::Add(std::string_view literal, uint32_t id, bool every) {
  if (literal.size() < kMinLength) return;
  literals_.push_back({std::string(literal), id, every});
  max_id_ = std::max(max_id_, id);
}

void LiteralMatcher::Build() {
  auto suffix_of = [](const Literal& l) { return Load32(l.bytes.data() + l.bytes.size() - 4); };
  std::stable_sort(literals_.begin(), literals_.end(),
                   [&](const Literal& a, const Literal& b) { return suffix_of(a) < suffix_of(b); });
  // Bitmap: ~64 bits per literal (at least 2^16 bits), so about 1.5 % of positions that end no
  // keyword still pass it.
  const uint64_t want = std::max<uint64_t>(uint64_t{64} * literals_.size(), 1u << 16);
  const int log2_bits = std::min(30, static_cast<int>(std::bit_width(want - 1)));
  bitmap_.assign((size_t{1} << log2_bits) / 64, 0);
  bitmap_shift_ = static_cast<uint32_t>(32 - log2_bits);
  // Suffix table: twice the distinct suffixes, rounded up to a power of two.
  size_t distinct = 0;
  for (size_t i = 0; i < literals_.size(); ++i) {
    if (i == 0 || suffix_of(literals_[i]) != suffix_of(literals_[i - 1])) ++distinct;
  }
  const size_t size = std::bit_ceil(std::max<size_t>(2 * distinct, 16));
  slots_.assign(size, Slot{});
  slot_mask_ = static_cast<uint32_t>(size - 1);
  slot_shift_ = static_cast<uint32_t>(32 - std::countr_zero(size));
  for (size_t i = 0; i < literals_.size();) {
    const uint32_t suffix = suffix_of(literals_[i]);
    size_t j = i;
    while (j < literals_.size() && suffix_of(literals_[j]) == suffix) ++j;
    const uint32_t b = BitIndex(suffix);
    bitmap_[b >> 6] |= uint64_t{1} << (b & 63);
    uint32_t s = SlotIndex(suffix);
    while (slots_[s].count != 0) s = (s + 1) & slot_mask_;
    slots_[s] = Slot{suffix, static_cast<uint32_t>(i), static_cast<uint32_t>(j - i)};
    i = j;
  }
}

const LiteralMatcher::Slot* LiteralMatcher::Find(uint32_t suffix) const {
  for (uint32_t s = SlotIndex(suffix);; s = (s + 1) & slot_mask_) {
    const Slot& slot = slots_[s];
    if (slot.count == 0) return nullptr;
    if (slot.suffix == suffix) return &slot;
  }
}

}  // namespace netward::filter
