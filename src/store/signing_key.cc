// Ed25519 keys in the sumdb-note text formats, over libcrypto's EVP_PKEY_ED25519.
// Keys are kept as raw bytes; an EVP_PKEY is made per Sign/Verify call (tens of microseconds,
// once per checkpoint), which keeps both classes plain copyable values.
#include "store/signing_key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/secret_file.h"
#include "store/base64.h"

namespace netward::store {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;
constexpr size_t kMaxKeyFileBytes = 4096;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Decodes the UTF-8 sequence at s[i]: returns the code point and sets *len, or -1 for an invalid
// sequence (overlong, surrogate, above U+10FFFF, truncated), as Go's utf8.DecodeRune.
int32_t DecodeRune(std::string_view s, size_t i, size_t* len) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  uint8_t b0 = byte(0);
  *len = 1;
  if (b0 < 0x80) return b0;
  size_t n;
  int32_t cp, min;
  if ((b0 & 0xe0) == 0xc0) {
    n = 2, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + n > s.size()) return -1;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xc0) != 0x80) return -1;
    cp = cp << 6 | (byte(k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  *len = n;
  return cp;
}

// Go's unicode.IsSpace.
bool IsUnicodeSpace(int32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

// Splits at the first `sep`: returns the part before, leaves the rest in *s (empty if none).
std::string_view Chop(std::string_view* s, char sep) {
  size_t i = s->find(sep);
  std::string_view before = s->substr(0, i);
  *s = i == std::string_view::npos ? std::string_view() : s->substr(i + 1);
  return before;
}

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Exactly 8 hex digits (Go's ParseUint(_, 16, 32) with the length check).
bool ParseKeyId(std::string_view hex, uint32_t* out) {
  if (hex.size() != 8) return false;
  uint32_t v = 0;
  for (char c : hex) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return false;
    v = v << 4 | static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

std::string KeyIdHex(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", id);
  return buf;
}

std::string KeyBase64(const std::array<uint8_t, 32>& key) {
  std::string raw(1, static_cast<char>(kAlgEd25519));
  raw.append(reinterpret_cast<const char*>(key.data()), key.size());
  return Base64Encode(raw);
}

std::string ErrnoText() { return std::strerror(errno); }

Result<std::string> ReadSmallFile(const std::string& path, int fd) {
  std::string data(kMaxKeyFileBytes + 1, '\0');
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(path, "read: " + ErrnoText());
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > kMaxKeyFileBytes) {
    return Status::InvalidArgument(
        path, "larger than " + std::to_string(kMaxKeyFileBytes) + " bytes: not a key file");
  }
  data.resize(got);
  return data;
}

void SyncParentDir(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);  // best effort: the files themselves are synced
  ::close(fd);
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    size_t len;
    int32_t cp = DecodeRune(name, i, &len);
    if (cp < 0 || cp == '+' || IsUnicodeSpace(cp)) return false;
    i += len;
  }
  return true;
}

bool IsValidNoteText(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t len;
    int32_t cp = DecodeRune(text, i, &len);
    if (cp < 0 || (cp < 0x20 && cp != '\n')) return false;
    i += len;
  }
  return true;
}

uint32_t Ed25519KeyId(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  uint8_t sum[SHA256_DIGEST_LENGTH];
  std::string msg(name);
  msg.push_back('\n');
  msg.push_back(static_cast<char>(kAlgEd25519));
  msg.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  SHA256(reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), sum);
  return static_cast<uint32_t>(sum[0]) << 24 | static_cast<uint32_t>(sum[1]) << 16 |
         static_cast<uint32_t>(sum[2]) << 8 | sum[3];
}

// ---- SigningKey ----

SigningKey::~SigningKey() { OPENSSL_cleanse(seed_.data(), seed_.size()); }

Result<SigningKey> SigningKey::FromSeed(std::string name, const uint8_t* seed) {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, 32));
  SigningKey key;
  size_t len = key.public_key_.size();
  if (!pkey || EVP_PKEY_get_raw_public_key(pkey.get(), key.public_key_.data(), &len) != 1 ||
      len != 32) {
    return Status::IOError("signing key", "libcrypto could not derive the Ed25519 public key");
  }
  std::memcpy(key.seed_.data(), seed, 32);
  key.key_id_ = Ed25519KeyId(name, key.public_key_);
  key.name_ = std::move(name);
  return key;
}

Result<SigningKey> SigningKey::Generate(std::string name) {
  if (!IsValidKeyName(name)) {
    return Status::InvalidArgument("key name",
                                   "'" + name + "' is empty or contains a space or '+'");
  }
  std::array<uint8_t, 32> seed;
  if (RAND_priv_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return Status::IOError("signing key", "the random generator failed");
  }
  auto key = FromSeed(std::move(name), seed.data());
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

Result<SigningKey> SigningKey::Parse(std::string_view text) {
  text = TrimSpace(text);
  std::string_view rest = text;
  std::string_view priv1 = Chop(&rest, '+');
  std::string_view priv2 = Chop(&rest, '+');
  if (priv1 != "PRIVATE" || priv2 != "KEY") {
    return Status::InvalidArgument("signing key", "does not start with PRIVATE+KEY+");
  }
  std::string_view name = Chop(&rest, '+');
  std::string_view hash16 = Chop(&rest, '+');
  if (!IsValidKeyName(name)) {
    return Status::InvalidArgument("signing key", "bad key name");
  }
  uint32_t id;
  if (!ParseKeyId(hash16, &id)) {
    return Status::InvalidArgument("signing key", "key id is not 8 hex digits");
  }
  auto raw = Base64Decode(rest);
  if (!raw || raw->empty()) return Status::InvalidArgument("signing key", "key is not base64");
  if (static_cast<uint8_t>((*raw)[0]) != kAlgEd25519) {
    OPENSSL_cleanse(raw->data(), raw->size());
    return Status::InvalidArgument("signing key", "unknown algorithm (only Ed25519, 1)");
  }
  if (raw->size() != 33) {
    OPENSSL_cleanse(raw->data(), raw->size());
    return Status::InvalidArgument("signing key", "Ed25519 seed is not 32 bytes");
  }
  auto key = FromSeed(std::string(name), reinterpret_cast<const uint8_t*>(raw->data()) + 1);
  OPENSSL_cleanse(raw->data(), raw->size());
  if (!key.ok()) return key;
  if (key->key_id() != id) {
    return Status::InvalidArgument("signing key", "key id " + std::string(hash16) +
                                                      " does not match the key (" +
                                                      KeyIdHex(key->key_id()) + ")");
  }
  return key;
}

Result<SigningKey> SigningKey::Load(const std::string& path) {
  auto text = ReadSecretFile(path, "private signing key", kMaxKeyFileBytes);
  if (!text.ok()) return text.status();
  auto key = Parse(*text);
  OPENSSL_cleanse(text->data(), text->size());
  if (!key.ok()) return Status::InvalidArgument(path, key.status().message());
  return key;
}

Status SigningKey::WriteFiles(const std::string& private_path,
                              const std::string& public_path) const {
  for (const std::string* p : {&private_path, &public_path}) {
    struct stat st;
    if (::lstat(p->c_str(), &st) == 0) {
      return Status::InvalidArgument(*p, "already exists; refusing to overwrite a key file");
    }
  }
  if (private_path == public_path) {
    return Status::InvalidArgument(private_path, "private and public key paths are the same");
  }
  std::string private_text = PrivateKeyText() + "\n";
  Status s = CreateFileExclusive(private_path, 0600, /*exact_mode=*/true, private_text,
                                 "already exists; refusing to overwrite a key file");
  OPENSSL_cleanse(private_text.data(), private_text.size());
  if (!s.ok()) return s;
  s = CreateFileExclusive(public_path, 0644, /*exact_mode=*/false, VerifierKeyText() + "\n",
                          "already exists; refusing to overwrite a key file");
  if (!s.ok()) {
    ::unlink(private_path.c_str());
    return s;
  }
  SyncParentDir(private_path);
  SyncParentDir(public_path);
  return Status::OK();
}

std::string SigningKey::Sign(std::string_view message) const {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), 32));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!pkey || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != 64) {
    return {};
  }
  return sig;
}

std::string SigningKey::VerifierKeyText() const {
  return name_ + "+" + KeyIdHex(key_id_) + "+" + KeyBase64(public_key_);
}

std::string SigningKey::PrivateKeyText() const {
  return "PRIVATE+KEY+" + name_ + "+" + KeyIdHex(key_id_) + "+" + KeyBase64(seed_);
}

// ---- VerifierKey ----

Result<VerifierKey> VerifierKey::Parse(std::string_view text) {
  text = TrimSpace(text);
  std::string_view rest = text;
  std::string_view name = Chop(&rest, '+');
  std::string_view hash16 = Chop(&rest, '+');
  if (!IsValidKeyName(name)) {
    return Status::InvalidArgument("verifier key", "bad key name");
  }
  uint32_t id;
  if (!ParseKeyId(hash16, &id)) {
    return Status::InvalidArgument("verifier key", "key id is not 8 hex digits");
  }
  auto raw = Base64Decode(rest);
  if (!raw || raw->empty()) return Status::InvalidArgument("verifier key", "key is not base64");
  VerifierKey key;
  if (static_cast<uint8_t>((*raw)[0]) != kAlgEd25519) {
    return Status::InvalidArgument("verifier key", "unknown algorithm (only Ed25519, 1)");
  }
  if (raw->size() != 33) {
    return Status::InvalidArgument("verifier key", "Ed25519 public key is not 32 bytes");
  }
  std::memcpy(key.public_key_.data(), raw->data() + 1, 32);
  // (Go checks the id before the algorithm and length; only the order of the messages differs.)
  if (Ed25519KeyId(name, key.public_key_) != id) {
    return Status::InvalidArgument("verifier key",
                                   "key id " + std::string(hash16) + " does not match the key");
  }
  key.name_ = std::string(name);
  key.key_id_ = id;
  return key;
}

Result<VerifierKey> VerifierKey::Load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Status::NotFound(path, "no such public key file");
  if (fd < 0) return Status::IOError(path, "open: " + ErrnoText());
  auto text = ReadSmallFile(path, fd);
  ::close(fd);
  if (!text.ok()) return text.status();
  auto key = Parse(*text);
  if (!key.ok()) return Status::InvalidArgument(path, key.status().message());
  return key;
}

bool VerifierKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key_.data(), 32));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string VerifierKey::Text() const {
  return name_ + "+" + KeyIdHex(key_id_) + "+" + KeyBase64(public_key_);
}

}  // namespace netward::store
