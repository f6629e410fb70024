// tests/fuzz/counted_repeats.h: a guard for fuzz targets that hand patterns to hs_compile.
// Hyperscan's compile time grows with counted repeats ({n}, {n,}, {n,m}) and their nesting:
// `[^a]b(?:cd|]e)+f{2,3333}` takes 2 s natively and 20 s under ASan, three nested {16}s 4 s.
// That is Hyperscan's cost, not netward's, and it would time a fuzz run out, so targets skip
// the compile for such inputs.
#ifndef NETWARD_TESTS_FUZZ_COUNTED_REPEATS_H_
#define NETWARD_TESTS_FUZZ_COUNTED_REPEATS_H_

#include <string_view>

namespace netward::fuzz {

// True when `text` holds at most two counted repeats and none counts above 16. Conservative:
// any '{' followed by a digit counts, escaped, in a class or not.
inline bool SmallCountedRepeats(std::string_view text) {
  int repeats = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '{' || text[i + 1] < '0' || text[i + 1] > '9') continue;
    if (++repeats > 2) return false;
    unsigned value = 0;
    for (size_t k = i + 1; k < text.size() && text[k] != '}'; ++k) {
      if (text[k] == ',') {
        value = 0;
      } else if (text[k] >= '0' && text[k] <= '9') {
        value = value * 10 + static_cast<unsigned>(text[k] - '0');
        if (value > 16) return false;
      } else {
        break;
      }
    }
  }
  return true;
}

}  // namespace netward::fuzz

#endif  // NETWARD_TESTS_FUZZ_COUNTED_REPEATS_H_
