#include "api/field_cipher.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/hex.h"
#include "common/secret_file.h"
#include "store/base64.h"

namespace netward::api {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

}  // namespace

FieldCipher::~FieldCipher() { OPENSSL_cleanse(key_.data(), key_.size()); }

FieldCipher FieldCipher::FromKey(const std::array<uint8_t, 32>& key) {
  FieldCipher c;
  c.key_ = key;
  return c;
}

Result<FieldCipher> FieldCipher::Load(const std::string& path) {
  auto text = ReadSecretFile(path, "field encryption key", 129);
  if (!text.ok()) return text.status();
  const char* buf = text->data();
  const size_t n = text->size();
  FieldCipher c;
  bool ok = false;
  size_t text_len = n;
  if (text_len > 0 && buf[text_len - 1] == '\n') --text_len;
  if (text_len == 64) {
    ok = true;
    for (size_t i = 0; i < 32 && ok; ++i) {
      int hi = HexDigitValue(buf[2 * i]), lo = HexDigitValue(buf[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      c.key_[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
  }
  if (!ok && n == 32) {
    std::memcpy(c.key_.data(), buf, 32);
    ok = true;
  }
  OPENSSL_cleanse(text->data(), text->size());
  if (!ok) {
    return Status::InvalidArgument(
        path,
        "a field key is 32 bytes, raw or as 64 hex digits (make one with `netward api-key "
        "field-key FILE`)");
  }
  return c;
}

Status FieldCipher::GenerateKeyFile(const std::string& path) {
  uint8_t key[32];
  if (RAND_bytes(key, sizeof(key)) != 1) return Status::IOError(path, "no randomness");
  static constexpr char kHex[] = "0123456789abcdef";
  char text[65];
  for (size_t i = 0; i < 32; ++i) {
    text[2 * i] = kHex[key[i] >> 4];
    text[2 * i + 1] = kHex[key[i] & 15];
  }
  text[64] = '\n';
  OPENSSL_cleanse(key, sizeof(key));
  Status result =
      CreateFileExclusive(path, 0600, /*exact_mode=*/true, std::string_view(text, sizeof(text)),
                          "exists; a field key is never overwritten (records "
                          "encrypted with it would become unreadable)");
  OPENSSL_cleanse(text, sizeof(text));
  return result;
}

Result<std::string> FieldCipher::Encrypt(std::string_view plaintext, std::string_view field) const {
  std::string raw(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(raw.data());
  if (RAND_bytes(nonce, kNonceBytes) != 1) return Status::IOError(field, "no randomness");
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(field.data()),
                        static_cast<int>(field.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nonce + kNonceBytes, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), nonce + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          nonce + kNonceBytes + plaintext.size()) != 1) {
    return Status::IOError(field, "AES-256-GCM encryption failed");
  }
  return std::string(kFieldCipherPrefix) + store::Base64Encode(raw);
}

Result<std::string> FieldCipher::Decrypt(std::string_view text, std::string_view field) const {
  if (text.substr(0, kFieldCipherPrefix.size()) != kFieldCipherPrefix) {
    return Status::InvalidArgument(field, "not an encrypted value (enc1:...)");
  }
  auto raw = store::Base64Decode(text.substr(kFieldCipherPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) {
    return Status::InvalidArgument(field, "enc1: value is not base64 of nonce, text and tag");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  const size_t text_len = raw->size() - kNonceBytes - kTagBytes;
  std::string plain(text_len, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), bytes) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(field.data()),
                        static_cast<int>(field.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        bytes + kNonceBytes, static_cast<int>(text_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          const_cast<unsigned char*>(bytes + kNonceBytes + text_len)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) !=
          1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return Status::Corruption(field,
                              "authentication failed: the value was changed, belongs to another "
                              "field, or was encrypted with another key");
  }
  return plain;
}

}  // namespace netward::api
