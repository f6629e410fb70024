#include "analyzers/mail_codec.h"

#include <cstdint>

#include "common/hex.h"

namespace netward::analyzers {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

void AppendCapped(std::string* out, std::string_view s, size_t max_out) {
  if (out->size() >= max_out) return;
  out->append(s.substr(0, max_out - out->size()));
}

// Appends Latin-1 bytes as UTF-8.
void AppendLatin1(std::string_view s, std::string* out, size_t max_out) {
  for (char ch : s) {
    if (out->size() + 2 > max_out) return;
    const uint8_t c = static_cast<uint8_t>(ch);
    if (c < 0x80) {
      out->push_back(ch);
    } else {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

// Decodes one encoded word "=?cs?E?text?=" (the whole word); false if not decodable.
bool DecodeWord(std::string_view word, std::string* out, size_t max_out) {
  if (word.size() < 8 || word.substr(0, 2) != "=?" || word.substr(word.size() - 2) != "?=") {
    return false;
  }
  std::string_view inner = word.substr(2, word.size() - 4);
  const size_t q1 = inner.find('?');
  if (q1 == std::string_view::npos || q1 + 2 >= inner.size() || inner[q1 + 2] != '?') return false;
  std::string_view charset = inner.substr(0, q1);
  const size_t star = charset.find('*');  // RFC 2231 language suffix
  if (star != std::string_view::npos) charset = charset.substr(0, star);
  const char enc = Lower(inner[q1 + 1]);
  std::string_view text = inner.substr(q1 + 3);
  const bool utf8 = EqualsIgnoreCase(charset, "utf-8") || EqualsIgnoreCase(charset, "utf8") ||
                    EqualsIgnoreCase(charset, "us-ascii");
  const bool latin1 =
      EqualsIgnoreCase(charset, "iso-8859-1") || EqualsIgnoreCase(charset, "latin1");
  if (!utf8 && !latin1) return false;
  std::string decoded;
  if (enc == 'b') {
    if (!Base64Decode(text, &decoded, max_out)) return false;
  } else if (enc == 'q') {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        decoded.push_back(' ');
      } else if (text[i] == '=' && i + 2 < text.size() && HexDigitValue(text[i + 1]) >= 0 &&
                 HexDigitValue(text[i + 2]) >= 0) {
        decoded.push_back(
            static_cast<char>(HexDigitValue(text[i + 1]) * 16 + HexDigitValue(text[i + 2])));
        i += 2;
      } else {
        decoded.push_back(text[i]);
      }
    }
  } else {
    return false;
  }
  if (latin1) {
    AppendLatin1(decoded, out, max_out);
  } else {
    AppendCapped(out, decoded, max_out);
  }
  return true;
}

}  // namespace

bool Base64Decode(std::string_view in, std::string* out, size_t max_out) {
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') break;
    const int v = Base64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out->size() < max_out) out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

void DecodeMimeWords(std::string_view in, std::string* out, size_t max_out) {
  size_t pos = 0;
  bool last_was_word = false;
  while (pos < in.size() && out->size() < max_out) {
    const size_t start = in.find("=?", pos);
    if (start == std::string_view::npos) {
      AppendCapped(out, in.substr(pos), max_out);
      return;
    }
    // The word ends at the "?=" after charset?E?text.
    size_t q = in.find('?', start + 2);                                   // after charset
    if (q != std::string_view::npos) q = in.find('?', q + 1);             // after encoding
    size_t end = q == std::string_view::npos ? q : in.find("?=", q + 1);  // end of text
    std::string_view gap = in.substr(pos, start - pos);
    if (end == std::string_view::npos) {
      AppendCapped(out, in.substr(pos), max_out);
      return;
    }
    end += 2;
    const bool gap_is_space = TrimSpaces(gap).empty();
    if (!(last_was_word && gap_is_space)) AppendCapped(out, gap, max_out);
    std::string_view word = in.substr(start, end - start);
    if (DecodeWord(word, out, max_out)) {
      last_was_word = true;
    } else {
      AppendCapped(out, word, max_out);
      last_was_word = false;
    }
    pos = end;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void SplitVerb(std::string_view line, std::string_view* verb, std::string_view* rest) {
  const size_t sp = line.find(' ');
  if (sp == std::string_view::npos) {
    *verb = line;
    *rest = {};
    return;
  }
  *verb = line.substr(0, sp);
  std::string_view r = line.substr(sp + 1);
  while (!r.empty() && r.front() == ' ') r.remove_prefix(1);
  *rest = r;
}

}  // namespace netward::analyzers
