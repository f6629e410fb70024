// src/filter/normalize_separators.cc: the separator set (normalize_separators.h).
#include "filter/normalize_separators.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace netward::filter {
namespace {

struct Range {
  char32_t lo, hi;
};

// Non-ASCII separator ranges, sorted and disjoint.
constexpr Range kRanges[] = {
    {0x0080, 0x00A1},   {0x00A7, 0x00A7},   {0x00AB, 0x00AB},   {0x00AD, 0x00AD},
    {0x00B6, 0x00B7},   {0x00BB, 0x00BB},   {0x00BF, 0x00BF},   {0x034F, 0x034F},
    {0x037E, 0x037E},   {0x0387, 0x0387},   {0x055A, 0x055F},   {0x0589, 0x058A},
    {0x060C, 0x060D},   {0x061B, 0x061C},   {0x061F, 0x061F},   {0x066A, 0x066D},
    {0x06D4, 0x06D4},   {0x0964, 0x0965},   {0x0E5A, 0x0E5B},   {0x1680, 0x1680},
    {0x180E, 0x180E},   {0x2000, 0x206F},   {0x20D0, 0x20FF},   {0x2190, 0x245F},
    {0x2500, 0x27FF},   {0x2900, 0x2BFF},   {0x2E00, 0x2E7F},   {0x3000, 0x3004},
    {0x3008, 0x3020},   {0x302A, 0x3030},   {0x3036, 0x3037},   {0x303D, 0x303F},
    {0x30A0, 0x30A0},   {0x30FB, 0x30FB},   {0x3164, 0x3164},   {0xFE00, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFEFF, 0xFEFF},   {0xFF5F, 0xFF65},   {0xFFA0, 0xFFA0},
    {0xFFF9, 0xFFFB},   {0x1F000, 0x1F0FF}, {0x1F200, 0x1FAFF}, {0xE0000, 0xE007F},
    {0xE0100, 0xE01EF},
};

constexpr bool Sorted() {
  for (size_t i = 1; i < std::size(kRanges); ++i)
    if (kRanges[i].lo <= kRanges[i - 1].hi || kRanges[i].lo > kRanges[i].hi) return false;
  return true;
}
static_assert(Sorted());

}  // namespace

bool IsSeparator(char32_t cp) {
  if (cp < 0x80) {
    return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
  }
  // The common cases first: CJK ideographs, Hangul, Latin/Greek/Cyrillic letters.
  if ((cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
      (cp >= 0x00C0 && cp <= 0x0336))
    return false;
  const Range* it = std::upper_bound(std::begin(kRanges), std::end(kRanges), cp,
                                     [](char32_t v, const Range& r) { return v < r.lo; });
  if (it == std::begin(kRanges)) return false;
  --it;
  return cp <= it->hi;
}

}  // namespace netward::filter
