// QUIC long headers and Initial packet protection. See quic_initial.h.
#include "analyzers/quic_initial.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <string_view>

namespace netward::analyzers::quic_detail {
namespace {

// RFC 9001 5.2.
constexpr uint8_t kSaltV1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
// RFC 9369 3.3.1.
constexpr uint8_t kSaltV2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};

constexpr size_t kTagLength = 16;
constexpr size_t kSampleLength = 16;

// HKDF-Expand-Label (RFC 8446 7.1) with an empty context, for outputs of at most 32 bytes
// (one HMAC-SHA256 block).
bool ExpandLabel(const uint8_t secret[32], std::string_view label, uint8_t* out, size_t len) {
  uint8_t info[2 + 1 + 255 + 1 + 1];
  size_t n = 0;
  info[n++] = static_cast<uint8_t>(len >> 8);
  info[n++] = static_cast<uint8_t>(len);
  constexpr std::string_view kPrefix = "tls13 ";
  info[n++] = static_cast<uint8_t>(kPrefix.size() + label.size());
  std::memcpy(info + n, kPrefix.data(), kPrefix.size());
  n += kPrefix.size();
  std::memcpy(info + n, label.data(), label.size());
  n += label.size();
  info[n++] = 0;  // empty context
  info[n++] = 1;  // HKDF-Expand block counter T(1)
  uint8_t block[EVP_MAX_MD_SIZE];
  unsigned int block_len = 0;
  if (!HMAC(EVP_sha256(), secret, 32, info, n, block, &block_len) || block_len < len) return false;
  std::memcpy(out, block, len);
  return true;
}

}  // namespace

bool IsKnownVersion(uint32_t version) { return version == kQuicV1 || version == kQuicV2; }

bool ReadVarint(std::span<const uint8_t> data, size_t* pos, uint64_t* value) {
  if (*pos >= data.size()) return false;
  const size_t len = size_t{1} << (data[*pos] >> 6);
  if (data.size() - *pos < len) return false;
  uint64_t v = data[*pos] & 0x3f;
  for (size_t i = 1; i < len; ++i) v = v << 8 | data[*pos + i];
  *pos += len;
  *value = v;
  return true;
}

HeaderStatus ParseLongHeader(std::span<const uint8_t> p, LongHeader* h) {
  if (p.empty()) return HeaderStatus::kTruncated;
  if (!(p[0] & 0x80)) return HeaderStatus::kNotLong;
  if (p.size() < 6) return HeaderStatus::kTruncated;
  h->version = static_cast<uint32_t>(p[1]) << 24 | static_cast<uint32_t>(p[2]) << 16 |
               static_cast<uint32_t>(p[3]) << 8 | p[4];
  if (h->version == 0) return HeaderStatus::kVersionNegotiation;
  if (!IsKnownVersion(h->version)) return HeaderStatus::kUnknownVersion;
  size_t pos = 5;
  const size_t dcid_len = p[pos++];
  if (dcid_len > kMaxCidLength) return HeaderStatus::kBad;
  if (p.size() - pos < dcid_len + 1) return HeaderStatus::kTruncated;
  h->dcid = p.subspan(pos, dcid_len);
  pos += dcid_len;
  const size_t scid_len = p[pos++];
  if (scid_len > kMaxCidLength) return HeaderStatus::kBad;
  if (p.size() - pos < scid_len) return HeaderStatus::kTruncated;
  h->scid = p.subspan(pos, scid_len);
  pos += scid_len;
  const uint8_t bits = (p[0] >> 4) & 3;
  if (h->version == kQuicV2) {
    // RFC 9369 3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
    static constexpr PacketType kV2[4] = {PacketType::kRetry, PacketType::kInitial,
                                          PacketType::kZeroRtt, PacketType::kHandshake};
    h->type = kV2[bits];
  } else {
    h->type = static_cast<PacketType>(bits);
  }
  if (h->type == PacketType::kRetry) {
    h->pn_offset = pos;
    h->packet_len = p.size();
    return HeaderStatus::kOk;
  }
  uint64_t v = 0;
  if (h->type == PacketType::kInitial) {
    if (!ReadVarint(p, &pos, &v)) return HeaderStatus::kTruncated;  // token length
    if (v > p.size() - pos) return HeaderStatus::kTruncated;
    pos += static_cast<size_t>(v);
  }
  if (!ReadVarint(p, &pos, &v)) return HeaderStatus::kTruncated;  // Length
  if (v > p.size() - pos) return HeaderStatus::kBad;
  h->pn_offset = pos;
  h->packet_len = pos + static_cast<size_t>(v);
  return HeaderStatus::kOk;
}

bool DeriveClientInitialKeys(uint32_t version, std::span<const uint8_t> dcid, InitialKeys* out) {
  const uint8_t* salt = nullptr;
  std::string_view key_label, iv_label, hp_label;
  if (version == kQuicV1) {
    salt = kSaltV1;
    key_label = "quic key", iv_label = "quic iv", hp_label = "quic hp";
  } else if (version == kQuicV2) {
    salt = kSaltV2;
    key_label = "quicv2 key", iv_label = "quicv2 iv", hp_label = "quicv2 hp";
  } else {
    return false;
  }
  // HKDF-Extract(salt, dcid) = HMAC-SHA256(salt, dcid).
  uint8_t initial_secret[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const uint8_t kEmpty[1] = {0};
  if (!HMAC(EVP_sha256(), salt, 20, dcid.empty() ? kEmpty : dcid.data(), dcid.size(),
            initial_secret, &len) ||
      len != 32) {
    return false;
  }
  uint8_t client_secret[32];
  return ExpandLabel(initial_secret, "client in", client_secret, 32) &&
         ExpandLabel(client_secret, key_label, out->key, sizeof out->key) &&
         ExpandLabel(client_secret, iv_label, out->iv, sizeof out->iv) &&
         ExpandLabel(client_secret, hp_label, out->hp, sizeof out->hp);
}

InitialDecryptor::~InitialDecryptor() { Release(); }

void InitialDecryptor::Release() {
  EVP_CIPHER_CTX_free(hp_ctx_);
  EVP_CIPHER_CTX_free(aead_ctx_);
  hp_ctx_ = nullptr;
  aead_ctx_ = nullptr;
  has_keys_ = false;
}

bool InitialDecryptor::SetKeys(const InitialKeys& keys) {
  has_keys_ = false;
  if (!hp_ctx_) hp_ctx_ = EVP_CIPHER_CTX_new();
  if (!aead_ctx_) aead_ctx_ = EVP_CIPHER_CTX_new();
  if (!hp_ctx_ || !aead_ctx_) return false;
  if (EVP_EncryptInit_ex(hp_ctx_, EVP_aes_128_ecb(), nullptr, keys.hp, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(hp_ctx_, 0) != 1 ||
      EVP_DecryptInit_ex(aead_ctx_, EVP_aes_128_gcm(), nullptr, keys.key, nullptr) != 1) {
    return false;
  }
  std::memcpy(iv_, keys.iv, sizeof iv_);
  has_keys_ = true;
  return true;
}

bool InitialDecryptor::Decrypt(std::span<uint8_t> packet, size_t pn_offset, int64_t largest_pn,
                               std::span<const uint8_t>* payload, int64_t* pn) {
  if (!has_keys_) return false;
  // The sample starts 4 bytes after the packet number's first byte (RFC 9001 5.4.2), and the
  // packet must hold at least a 1-byte packet number, the sample and the tag.
  if (pn_offset > packet.size() || packet.size() - pn_offset < 4 + kSampleLength) return false;
  uint8_t mask[32];
  int out_len = 0;
  if (EVP_EncryptUpdate(hp_ctx_, mask, &out_len, packet.data() + pn_offset + 4,
                        static_cast<int>(kSampleLength)) != 1 ||
      out_len != static_cast<int>(kSampleLength)) {
    return false;
  }
  packet[0] ^= mask[0] & 0x0f;  // long header: 4 protected bits
  const size_t pn_len = (packet[0] & 3) + 1;
  uint64_t truncated = 0;
  for (size_t i = 0; i < pn_len; ++i) {
    packet[pn_offset + i] ^= mask[1 + i];
    truncated = truncated << 8 | packet[pn_offset + i];
  }
  const size_t header_len = pn_offset + pn_len;
  if (packet.size() - header_len < kTagLength) return false;

  // RFC 9000 A.3: the packet number closest to largest_pn + 1.
  const int64_t expected = largest_pn + 1;
  const int64_t win = int64_t{1} << (pn_len * 8);
  const int64_t hwin = win / 2;
  int64_t candidate = (expected & ~(win - 1)) | static_cast<int64_t>(truncated);
  if (candidate <= expected - hwin && candidate < (int64_t{1} << 62) - win) {
    candidate += win;
  } else if (candidate > expected + hwin && candidate >= win) {
    candidate -= win;
  }
  *pn = candidate;

  uint8_t nonce[12];
  std::memcpy(nonce, iv_, sizeof nonce);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(candidate >> (8 * i));

  const size_t ct_len = packet.size() - header_len - kTagLength;
  uint8_t* ct = packet.data() + header_len;
  uint8_t* tag = ct + ct_len;
  int len = 0;
  if (EVP_DecryptInit_ex(aead_ctx_, nullptr, nullptr, nullptr, nonce) != 1 ||
      EVP_DecryptUpdate(aead_ctx_, nullptr, &len, packet.data(), static_cast<int>(header_len)) !=
          1 ||
      EVP_DecryptUpdate(aead_ctx_, ct, &len, ct, static_cast<int>(ct_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(aead_ctx_, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagLength), tag) !=
          1 ||
      EVP_DecryptFinal_ex(aead_ctx_, ct + len, &len) != 1) {
    return false;
  }
  *payload = std::span<const uint8_t>(ct, ct_len);
  return true;
}

}  // namespace netward::analyzers::quic_detail
