// src/filter/normalize_t2s.cc: OpenCC t2s dictionaries, the may-change set and the conversion
// (normalize_t2s.h). OpenCC's C++ API throws (opencc::Exception is not a std::exception); every
// call into it is caught here.
#include "filter/normalize_t2s.h"

#include <algorithm>
#include <exception>
#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/Dict.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Exception.hpp>
#include <opencc/Lexicon.hpp>
#include <opencc/MaxMatchSegmentation.hpp>

#include "filter/normalize_utf8.h"

namespace netward::filter {
namespace {

void CodePoints(const std::string& s, std::vector<char32_t>* out) {
  out->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t len;
    out->push_back(DecodeUtf8(p + i, s.size() - i, &len));
    i += len;
  }
}

// The dictionaries of a conversion, a group flattened in order.
void Flatten(const opencc::DictPtr& dict, std::vector<opencc::DictPtr>* out) {
  if (auto group = std::dynamic_pointer_cast<opencc::DictGroup>(dict)) {
    for (const auto& d : group->GetDicts()) Flatten(d, out);
  } else if (dict) {
    out->push_back(dict);
  }
}

class BitsBuilder {
 public:
  explicit BitsBuilder(std::vector<uint64_t>* bits) : bits_(bits) {}

  void AddDict(const opencc::DictPtr& dict) {
    const opencc::LexiconPtr lexicon = dict->GetLexicon();
    if (!lexicon) return;
    for (const auto& entry : *lexicon) {
      CodePoints(entry->Key(), &key_);
      for (const std::string& value : entry->Values()) {
        CodePoints(value, &value_);
        for (size_t i = 0; i < key_.size(); ++i)
          if (key_.size() != value_.size() || key_[i] != value_[i]) Set(key_[i]);
      }
    }
  }

 private:
  void Set(char32_t cp) {
    if (cp < kMayChangeLimit) (*bits_)[cp >> 6] |= uint64_t{1} << (cp & 63);
  }
  std::vector<uint64_t>* bits_;
  std::vector<char32_t> key_, value_;
};

}  // namespace

T2sConverter::~T2sConverter() = default;

Result<std::unique_ptr<T2sConverter>> T2sConverter::Create(const std::string& config_path) {
  std::unique_ptr<T2sConverter> c(new T2sConverter());
  c->bits_.assign(kMayChangeLimit / 64, 0);
  try {
    opencc::Config config;
    c->converter_ = config.NewFromFile(config_path);
    BitsBuilder builder(&c->bits_);
    for (const auto& conversion : c->converter_->GetConversionChain()->GetConversions()) {
      std::vector<opencc::DictPtr> dicts;
      Flatten(conversion->GetDict(), &dicts);
      for (const auto& d : dicts) builder.AddDict(d);
    }
    c->own_tables_ = c->BuildTables();
  } catch (const opencc::Exception& e) {
    return Status::InvalidArgument(
        config_path, std::string("OpenCC: ") + e.what() + " (install the opencc package)");
  } catch (const std::exception& e) {
    return Status::InvalidArgument(config_path, std::string("OpenCC: ") + e.what());
  }
  for (uint64_t w : c->bits_) c->may_change_count_ += static_cast<size_t>(__builtin_popcountll(w));
  if (c->may_change_count_ == 0)
    return Status::InvalidArgument(config_path, "OpenCC dictionaries are empty");
  return c;
}

// The tables reproduce OpenCC exactly when: the segmentation is max-match over a dictionary S;
// the chain has one conversion over dictionaries D1, D2, ... (a group, tried in order); S has
// the same keys as D1; and D2, ... have single-character keys only. Then OpenCC's result is: at
// each position, the longest D1 key starting there, else the first of D2, ... holding the
// character, else the character. Anything else: false (use OpenCC's Convert()).
bool T2sConverter::BuildTables() {
  auto seg = std::dynamic_pointer_cast<opencc::MaxMatchSegmentation>(converter_->GetSegmentation());
  const auto conversions = converter_->GetConversionChain()->GetConversions();
  if (!seg || conversions.size() != 1) return false;
  std::vector<opencc::DictPtr> dicts;
  Flatten(conversions.front()->GetDict(), &dicts);
  if (dicts.empty()) return false;
  const opencc::LexiconPtr seg_lexicon = seg->GetDict()->GetLexicon();
  const opencc::LexiconPtr first = dicts[0]->GetLexicon();
  if (!seg_lexicon || !first || seg_lexicon->Length() != first->Length()) return false;
  for (size_t i = 0; i < first->Length(); ++i)
    if (seg_lexicon->At(i)->Key() != first->At(i)->Key()) return false;

  longest_from_.assign(kMayChangeLimit, 0);
  std::vector<char32_t> key;
  for (const auto& entry : *first) {
    CodePoints(entry->Key(), &key);
    if (key.empty() || key.size() > 255 || key[0] >= kMayChangeLimit) return false;
    longest_from_[key[0]] =
        std::max<uint8_t>(longest_from_[key[0]], static_cast<uint8_t>(key.size()));
    phrases_.emplace(entry->Key(), entry->GetDefault());
  }
  for (size_t d = 1; d < dicts.size(); ++d) {
    const opencc::LexiconPtr lexicon = dicts[d]->GetLexicon();
    if (!lexicon) return false;
    for (const auto& entry : *lexicon) {
      CodePoints(entry->Key(), &key);
      if (key.size() != 1) return false;
      const std::string value = entry->GetDefault();
      if (value != entry->Key()) chars_.emplace(key[0], value);  // first dictionary wins
    }
  }
  return true;
}

void T2sConverter::Convert(std::string* text) const {
  if (!own_tables_) {
    ConvertWithOpenCC(text);
    return;
  }
  const std::string& in = *text;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  std::string out;
  out.reserve(n);
  size_t ends[256];
  size_t i = 0;
  while (i < n) {
    size_t len;
    const char32_t cp = DecodeUtf8(s + i, n - i, &len);
    const unsigned longest = cp < kMayChangeLimit ? longest_from_[cp] : 0;
    if (longest > 0) {
      // Ends of the next 1..longest characters, then the longest key among them.
      unsigned count = 0;
      for (size_t j = i; j < n && count < longest;) {
        size_t l;
        DecodeUtf8(s + j, n - j, &l);
        j += l;
        ends[++count] = j;
      }
      bool matched = false;
      for (unsigned k = count; k >= 1; --k) {
        auto it = phrases_.find(std::string_view(in.data() + i, ends[k] - i));
        if (it != phrases_.end()) {
          out += it->second;
          i = ends[k];
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    if (cp < kMayChangeLimit && ((bits_[cp >> 6] >> (cp & 63)) & 1)) {
      auto it = chars_.find(cp);
      if (it != chars_.end()) {
        out += it->second;
        i += len;
        continue;
      }
    }
    out.append(in.data() + i, len);
    i += len;
  }
  text->swap(out);
}

void T2sConverter::ConvertWithOpenCC(std::string* text) const {
  try {
    *text = converter_->Convert(*text);
  } catch (...) {
    // opencc::Exception or std::bad_alloc: leave the text as it is (matching then sees the
    // traditional form).
  }
}

}  // namespace netward::filter
