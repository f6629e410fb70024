// src/store/signing_key.h: Ed25519 keys in the text formats of Go's golang.org/x/mod/sumdb/note
// (C2SP signed-note), used to sign store checkpoints (docs/tamper-evidence.md, `netward keygen`).
//
//   private  PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte seed)>
//   public   <name>+<key id, 8 hex>+<base64(0x01 || 32-byte public key)>      ("vkey")
//   key id = first 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || public key)
//
// Names are non-empty, valid UTF-8, without Unicode spaces or '+'. Both classes are immutable
// values: copyable, and safe to use from many threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace netward::store {

// Whether `name` may name a key (and so appear in a signature line).
bool IsValidKeyName(std::string_view name);
// Whether `text` is valid UTF-8 without ASCII control characters other than '\n' (signed-note).
bool IsValidNoteText(std::string_view text);

class SigningKey {
 public:
  // A fresh key from the OS random generator. InvalidArgument for a bad name.
  static Result<SigningKey> Generate(std::string name);
  // Parses the private key text (one line; a final newline is allowed). InvalidArgument saying
  // which part is malformed, or that the key id does not match the key.
  static Result<SigningKey> Parse(std::string_view private_key_text);
  // Reads and parses a private key file. InvalidArgument if the file is readable or writable by
  // group or others (mode & 077), naming the mode and the fix (`chmod 600 FILE`), or if it is
  // not a regular file; NotFound if it does not exist; IOError if it cannot be read; Parse's
  // errors, prefixed with the path.
  static Result<SigningKey> Load(const std::string& path);

  // Writes the private key to `private_path` (created with mode 0600) and the public key to
  // `public_path` (0644), each one line, fsync'ed. Refuses to overwrite: InvalidArgument naming
  // the file if either exists (nothing is written then); IOError otherwise. On a failure after
  // the private file was created, that file is removed again. A process killed midway leaves
  // each file whole or absent, never partial.
  Status WriteFiles(const std::string& private_path, const std::string& public_path) const;

  SigningKey(const SigningKey&) = default;
  SigningKey& operator=(const SigningKey&) = default;
  ~SigningKey();  // wipes the seed

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }

  // The 64-byte Ed25519 signature of `message` (deterministic, RFC 8032). Empty only if libcrypto
  // fails (out of memory).
  std::string Sign(std::string_view message) const;
  // The public key line, without a newline: "<name>+<id>+<base64>".
  std::string VerifierKeyText() const;
  // The private key line, without a newline. Handle with care.
  std::string PrivateKeyText() const;

 private:
  SigningKey() = default;
  static Result<SigningKey> FromSeed(std::string name, const uint8_t* seed);

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 32> public_key_{};
};

class VerifierKey {
 public:
  // Parses a public key line ("vkey"; surrounding whitespace and a final newline are allowed),
  // exactly as Go's note.NewVerifier does. InvalidArgument("verifier key", what is wrong).
  static Result<VerifierKey> Parse(std::string_view vkey_text);
  // Reads and parses a public key file: NotFound if missing, IOError if unreadable, Parse's
  // errors prefixed with the path.
  static Result<VerifierKey> Load(const std::string& path);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }

  // Whether `signature` (64 bytes) is this key's Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;
  // "<name>+<id>+<base64>", the text Parse accepts.
  std::string Text() const;

 private:
  VerifierKey() = default;

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
};

// First 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || public_key).
uint32_t Ed25519KeyId(std::string_view name, const std::array<uint8_t, 32>& public_key);

}  // namespace netward::store
