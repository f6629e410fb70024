// src/api/field_cipher.h: encryption at rest of the personal fields the site API stores
// (registration id_number and phone; docs/api.md, "Encryption").
//
// AES-256-GCM (OpenSSL EVP) with a fresh random 96-bit nonce per value and the field's name as
// associated data, so a ciphertext copied into another field does not decrypt. Text form:
//   "enc1:" + base64(nonce 12 bytes | ciphertext | tag 16 bytes)      (RFC 4648, padded)
// The key file holds 32 bytes: either raw, or as 64 hex digits (one line, a final newline
// allowed). Like the store's signing key it must be a regular file not readable or writable by
// group or others (mode & 077 == 0), else it is refused.
//
// A FieldCipher is immutable after Load/FromKey and safe to use from many threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace netward::api {

inline constexpr std::string_view kFieldCipherPrefix = "enc1:";

class FieldCipher {
 public:
  // Reads the key file. NotFound if missing; InvalidArgument if it is not a regular file, if its
  // mode lets group or others in (naming the mode and the fix, `chmod 600 FILE`), or if it does
  // not hold 32 raw bytes or 64 hex digits; IOError if it cannot be read.
  static Result<FieldCipher> Load(const std::string& path);
  static FieldCipher FromKey(const std::array<uint8_t, 32>& key);
  // A fresh key from the OS random generator, written as 64 hex digits and '\n' to `path`
  // (created with mode 0600; InvalidArgument if it exists, IOError otherwise; a process killed
  // midway leaves no partial file).
  static Status GenerateKeyFile(const std::string& path);

  FieldCipher(const FieldCipher&) = default;
  FieldCipher& operator=(const FieldCipher&) = default;
  ~FieldCipher();  // wipes the key

  // "enc1:..." for `plaintext` bound to `field` (the associated data). IOError only if libcrypto
  // fails (no randomness, out of memory).
  Result<std::string> Encrypt(std::string_view plaintext, std::string_view field) const;
  // The plaintext of `text`. InvalidArgument(field, why) if it is not "enc1:" + valid base64 of
  // at least 28 bytes; Corruption(field, ...) if authentication fails: the text was changed,
  // it was encrypted for another field, or with another key.
  Result<std::string> Decrypt(std::string_view text, std::string_view field) const;

 private:
  FieldCipher() = default;
  std::array<uint8_t, 32> key_{};
};

}  // namespace netward::api
