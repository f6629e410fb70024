// src/filter/normalize_mime.cc: base64 and quoted-printable decoding (normalize_mime.h).
#include "filter/normalize_mime.h"

#include <array>
#include <cstdint>

#include "common/hex.h"

namespace netward::filter {
namespace {

constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  t['-'] = 62;  // base64url, seen in the wild
  t['_'] = 63;
  return t;
}
constexpr std::array<int8_t, 256> kBase64 = MakeBase64Table();

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

TransferEncoding ParseTransferEncoding(std::string_view name) {
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  if (EqualsIgnoreCase(name, "base64")) return TransferEncoding::kBase64;
  if (EqualsIgnoreCase(name, "quoted-printable")) return TransferEncoding::kQuotedPrintable;
  return TransferEncoding::kNone;
}

void DecodeBase64(std::string_view in, std::string* out) {
  out->reserve(out->size() + in.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    const int v = kBase64[static_cast<unsigned char>(ch)];
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
}

void DecodeQuotedPrintable(std::string_view in, std::string* out) {
  out->reserve(out->size() + in.size());
  size_t i = 0;
  const size_t n = in.size();
  while (i < n) {
    const char c = in[i];
    if (c != '=') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 2 < n && HexDigitValue(in[i + 1]) >= 0 && HexDigitValue(in[i + 2]) >= 0) {
      out->push_back(static_cast<char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2])));
      i += 3;
      continue;
    }
    // Soft line break: '=' then optional blanks then CRLF or LF (or the end of the input).
    size_t j = i + 1;
    while (j < n && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j == n) break;
    if (in[j] == '\n') {
      i = j + 1;
      continue;
    }
    if (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n') {
      i = j + 2;
      continue;
    }
    out->push_back('=');
    ++i;
  }
}

}  // namespace netward::filter
