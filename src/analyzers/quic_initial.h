// src/analyzers/quic_initial.h: QUIC long headers and Initial packet protection, for the QUIC
// analyzer (quic.cc) and its tests only. Formats: RFC 9000 17.2 (long header, varints),
// RFC 9001 5 (Initial secrets, AES-128-GCM packet protection, AES-ECB header protection),
// RFC 9369 (QUIC v2: its salt, HKDF labels and packet type bits). See docs/analyzers/quic.md.
// Nothing here allocates per packet; a decryptor is used by one thread.
#pragma once

#include <openssl/types.h>  // EVP_CIPHER_CTX (declaration only)

#include <cstddef>
#include <cstdint>
#include <span>

namespace netward::analyzers::quic_detail {

inline constexpr uint32_t kQuicV1 = 0x00000001;  // RFC 9000
inline constexpr uint32_t kQuicV2 = 0x6b3343cf;  // RFC 9369
inline constexpr size_t kMaxCidLength = 20;

// True for the versions whose Initial packets can be decrypted (v1, v2).
bool IsKnownVersion(uint32_t version);

// Reads a QUIC variable-length integer (RFC 9000 16) at `*pos`; advances `*pos`. False if `data`
// ends inside it.
bool ReadVarint(std::span<const uint8_t> data, size_t* pos, uint64_t* value);

// Long-header packet types, independent of the version's bit encoding.
enum class PacketType : uint8_t { kInitial, kZeroRtt, kHandshake, kRetry };

struct LongHeader {
  uint32_t version = 0;
  PacketType type = PacketType::kInitial;
  std::span<const uint8_t> dcid;
  std::span<const uint8_t> scid;
  size_t pn_offset = 0;   // offset of the (protected) packet number from the packet start
  size_t packet_len = 0;  // bytes of this packet in the datagram (header + Length field)
};

enum class HeaderStatus : uint8_t {
  kOk,
  kNotLong,             // the first bit is 0: a short-header packet (or not QUIC)
  kVersionNegotiation,  // version 0
  kUnknownVersion,      // neither v1 nor v2: the rest of the packet cannot be read
  kBad,                 // a connection id over 20 bytes, or a Length past the datagram
  kTruncated,           // the datagram ends inside the header
};

// Parses the long header at the start of `packet` (the rest of a datagram; coalesced packets
// follow `packet_len` bytes later). A Retry has no Length field: its packet_len is the whole
// rest. Allocates nothing; `h`'s spans point into `packet`.
HeaderStatus ParseLongHeader(std::span<const uint8_t> packet, LongHeader* h);

// Client Initial keys (RFC 9001 5.2) for `version`, from the client's first Destination
// Connection ID.
struct InitialKeys {
  uint8_t key[16];
  uint8_t iv[12];
  uint8_t hp[16];
};

// Derives the client's Initial keys with HKDF-SHA256. False only if `version` is unknown or
// libcrypto fails.
bool DeriveClientInitialKeys(uint32_t version, std::span<const uint8_t> dcid, InitialKeys* out);

// Removes Initial packet protection in place. Holds two cipher contexts, created once by
// SetKeys (the only allocation) and freed by the destructor or Release().
class InitialDecryptor {
 public:
  InitialDecryptor() = default;
  ~InitialDecryptor();
  InitialDecryptor(const InitialDecryptor&) = delete;
  InitialDecryptor& operator=(const InitialDecryptor&) = delete;

  // Installs `keys`. False if libcrypto fails (the decryptor then has no keys).
  bool SetKeys(const InitialKeys& keys);
  bool has_keys() const { return has_keys_; }
  void Release();

  // `packet` is one whole long-header packet (a copy the caller may overwrite) whose packet
  // number starts at `pn_offset`. Removes header protection, decodes the packet number against
  // `largest_pn` (-1: none yet, RFC 9000 A.3), then decrypts and authenticates the payload.
  // On success `*payload` views the plaintext frames inside `packet` and `*pn` is the packet
  // number. False (and `packet` garbled) if the packet is too short or does not authenticate.
  bool Decrypt(std::span<uint8_t> packet, size_t pn_offset, int64_t largest_pn,
               std::span<const uint8_t>* payload, int64_t* pn);

 private:
  EVP_CIPHER_CTX* hp_ctx_ = nullptr;    // AES-128-ECB, header protection mask
  EVP_CIPHER_CTX* aead_ctx_ = nullptr;  // AES-128-GCM, payload
  uint8_t iv_[12] = {};
  bool has_keys_ = false;
};

}  // namespace netward::analyzers::quic_detail
