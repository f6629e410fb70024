// src/common/hex.h: hexadecimal digits.
#pragma once

namespace netward {

// The value of a hex digit (0-9, a-f, A-F), or -1 if `c` is not one.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace netward
