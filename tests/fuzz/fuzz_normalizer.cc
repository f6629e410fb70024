// tests/fuzz/fuzz_normalizer.cc: the content filter's normalizer (src/filter/normalizer.h) on
// arbitrary bytes. The first byte picks the options (HTML, URL, separators, MIME encoding,
// declared charset); the rest, in an exact-size buffer so over-reads trip ASan, is the body.
// Checked: never a crash; the output is valid UTF-8; with separators removed no ASCII byte but
// [0-9a-z] is left; the fold pass is idempotent; the one-pass HTML normalization
// (StripHtmlAndFold) equals StripHtml then FoldText's plain character loop. Seeds:
// tests/fuzz/seeds/normalizer/.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "filter/normalize_fold.h"
#include "filter/normalize_html.h"
#include "filter/normalize_utf8.h"
#include "filter/normalizer.h"

namespace {

using netward::filter::NormalizeOptions;
using netward::filter::Normalizer;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool StrictUtf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t len;
    const char32_t cp = netward::filter::DecodeUtf8(p + i, s.size() - i, &len);
    if (cp == netward::filter::kReplacementChar &&
        !(len == 3 && p[i] == 0xEF && p[i + 1] == 0xBF && p[i + 2] == 0xBD))
      return false;
    i += len;
  }
  return true;
}

const Normalizer& Get() {
  static const Normalizer* n = [] {
    auto r = Normalizer::Create();
    Check(r.ok());
    return std::move(r).value().release();
  }();
  return *n;
}

constexpr const char* kCharsets[] = {
    "", "utf-8", "gbk", "big5", "text/html; charset=gb2312", "latin1", "utf-16", "x-bogus"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t sel = data[0];
  auto body = std::make_unique<char[]>(size - 1);
  std::memcpy(body.get(), data + 1, size - 1);
  const std::string_view raw(body.get(), size - 1);

  NormalizeOptions o;
  o.is_html = sel & 1;
  o.is_url = sel & 2;
  o.remove_separators = !(sel & 4);
  const int mime = (sel >> 3) % 3;
  o.mime_transfer_encoding = mime == 0 ? "" : mime == 1 ? "base64" : "quoted-printable";
  o.declared_charset = kCharsets[(sel >> 5) % (sizeof(kCharsets) / sizeof(kCharsets[0]))];

  std::string out;
  Get().Normalize(raw, o, &out);
  Check(StrictUtf8(out));
  if (o.remove_separators) {
    for (char c : out) {
      const auto u = static_cast<unsigned char>(c);
      Check(u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z'));
    }
  }
  std::string once, twice;
  netward::filter::FoldText(raw, o.remove_separators, {}, &once);
  netward::filter::FoldText(once, o.remove_separators, {}, &twice);
  Check(StrictUtf8(once));
  Check(once == twice);

  std::string stripped, two_pass, one_pass;
  netward::filter::StripHtml(raw, &stripped);
  const bool hit2 = netward::filter::internal::FoldTextWith(
      netward::filter::internal::FoldPath::kScalar, stripped, o.remove_separators, {}, &two_pass);
  const bool hit1 = netward::filter::StripHtmlAndFold(raw, o.remove_separators, {}, &one_pass);
  Check(one_pass == two_pass && hit1 == hit2);
  return 0;
}
