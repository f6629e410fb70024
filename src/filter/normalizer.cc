// src/filter/normalizer.cc: the normalization pipeline (normalizer.h); each step lives in its
// own normalize_*.cc / charset.cc.
#include "filter/normalizer.h"

#include "filter/charset.h"
#include "filter/normalize_fold.h"
#include "filter/normalize_mime.h"
#include "filter/normalize_percent.h"
#include "filter/normalize_t2s.h"

namespace netward::filter {
namespace {

constexpr const char* kT2sConfig = "/usr/share/opencc/t2s.json";
constexpr size_t kKeepScratchBytes = 4 << 20;

// Two buffers per thread; each step reads from one (or from `raw`) and writes the other.
struct Scratch {
  std::string buf[2];
  // The buffer that `view` does not point into.
  std::string* Other(std::string_view view) {
    const char* p = view.data();
    const bool in0 = p >= buf[0].data() && p <= buf[0].data() + buf[0].size() && !buf[0].empty();
    return in0 ? &buf[1] : &buf[0];
  }
  void Trim() {
    for (std::string& b : buf)
      if (b.capacity() > kKeepScratchBytes) std::string().swap(b);
  }
};

}  // namespace

Normalizer::Normalizer() = default;
Normalizer::~Normalizer() = default;

Result<std::unique_ptr<Normalizer>> Normalizer::Create() {
  Result<std::unique_ptr<T2sConverter>> t2s = T2sConverter::Create(kT2sConfig);
  if (!t2s.ok()) return t2s.status();
  std::unique_ptr<Normalizer> n(new Normalizer());
  n->t2s_ = std::move(t2s).value();
  return n;
}

void Normalizer::Normalize(std::string_view raw, const NormalizeOptions& options,
                           std::string* out) const {
  thread_local Scratch scratch;
  std::string_view text = raw;

  const TransferEncoding te = ParseTransferEncoding(options.mime_transfer_encoding);
  if (te != TransferEncoding::kNone) {
    std::string* next = scratch.Other(text);
    next->clear();
    if (te == TransferEncoding::kBase64) {
      DecodeBase64(text, next);
    } else {
      DecodeQuotedPrintable(text, next);
    }
    text = *next;
  }
  if (options.is_url) {
    std::string* next = scratch.Other(text);
    next->clear();
    PercentDecode(text, /*plus_as_space=*/true, next);
    text = *next;
  }
  text = DecodeBody(text, options.declared_charset, options.is_html, scratch.Other(text));
  // Steps 4 and 5 in one pass for HTML (normalize_fold.h, StripHtmlAndFold).
  const bool may_change =
      options.is_html ? StripHtmlAndFold(text, options.remove_separators, t2s_->may_change(), out)
                      : FoldText(text, options.remove_separators, t2s_->may_change(), out);
  if (may_change) t2s_->Convert(out);
  scratch.Trim();
}

}  // namespace netward::filter
