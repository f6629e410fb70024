// src/filter/normalize_t2s.h: traditional -> simplified Chinese with OpenCC's t2s dictionaries
// (t2s.json: TSPhrases, then TSCharacters), step 6 of the normalizer (normalizer.h).
// OpenCC's own Convert() runs at 1-3 MB/s of Chinese text, so this converter loads the
// configuration with OpenCC and then applies OpenCC's algorithm itself over hash tables of the
// same dictionaries: at each position the longest phrase key that starts there, else the
// character's entry, else the character (docs/normalization.md). The result is OpenCC's
// (tests/unit/filter/normalize_t2s_test.cc compares them); for a configuration of another
// shape it calls OpenCC's Convert(). It also publishes the set of code points the dictionaries
// can change: text with none of them is left alone.
// Immutable after Create(); Convert() is safe from many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "filter/normalize_fold.h"

namespace opencc {
class Converter;
}

namespace netward::filter {

class T2sConverter {
 public:
  // Loads `config_path` (an OpenCC JSON configuration, e.g. /usr/share/opencc/t2s.json) and its
  // dictionaries. InvalidArgument naming the file if OpenCC cannot load it.
  static Result<std::unique_ptr<T2sConverter>> Create(const std::string& config_path);
  ~T2sConverter();

  // Code points some dictionary entry maps to a different code point (for a phrase whose value
  // differs in length from its key: all of the key's code points).
  MayChangeBits may_change() const { return {bits_.data()}; }
  size_t may_change_count() const { return may_change_count_; }
  // False when the configuration's shape made Convert() fall back to OpenCC's Convert().
  bool uses_own_tables() const { return own_tables_; }

  // Replaces *text (valid UTF-8) with its conversion. Text with no may-change code point comes
  // back unchanged.
  void Convert(std::string* text) const;
  // OpenCC's own Convert(), for comparison. On an OpenCC error *text is left as it is.
  void ConvertWithOpenCC(std::string* text) const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  T2sConverter() = default;
  bool BuildTables();

  std::shared_ptr<opencc::Converter> converter_;
  std::vector<uint64_t> bits_;
  size_t may_change_count_ = 0;
  bool own_tables_ = false;
  // Phrase (and first-dictionary) keys -> default value; longest key in code points per first
  // code point (0: no key starts with it).
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> phrases_;
  std::vector<uint8_t> longest_from_;
  // Single characters of the later dictionaries whose value differs from the key.
  std::unordered_map<char32_t, std::string> chars_;
};

}  // namespace netward::filter
