#include "api/masking.h"

#include <vector>

namespace netward::api {
namespace {

// Splits UTF-8 text into code points (as views); a stray byte counts as one character.
std::vector<std::string_view> Characters(std::string_view text) {
  std::vector<std::string_view> chars;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + n > text.size()) n = text.size() - i;
    chars.push_back(text.substr(i, n));
    i += n;
  }
  return chars;
}

std::string Keep(std::string_view text, size_t head, size_t tail) {
  const auto chars = Characters(text);
  std::string out;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (i < head || i + tail >= chars.size()) {
      out.append(chars[i]);
    } else {
      out.push_back('*');
    }
  }
  return out;
}

}  // namespace

std::string MaskIdNumber(std::string_view id_number) {
  const size_t n = Characters(id_number).size();
  if (n >= 12) return Keep(id_number, 4, 4);
  if (n >= 6) return Keep(id_number, 2, 2);
  return std::string(n, '*');
}

std::string MaskPhone(std::string_view phone) {
  const size_t n = Characters(phone).size();
  if (n >= 11) return Keep(phone, 3, 4);
  if (n >= 7) return Keep(phone, 0, 4);
  return std::string(n, '*');
}

}  // namespace netward::api
