// tests/fuzz/fuzz_quic.cc: the QUIC analyzer and LooksLikeQuic on arbitrary conversations
// (analyzer_fuzz_harness.h says how the input is read; each chunk is one datagram).
// The first input byte picks the mode: even, chunks are raw datagrams (header parsing, keys,
// decryption failures); odd, each chunk is the plaintext payload (frames) of a QUIC v1 client
// Initial that the harness protects itself, so frame parsing, CRYPTO reassembly and the
// ClientHello are reached past the AEAD check.
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer_fuzz_harness.h"
#include "analyzers/quic.h"
#include "analyzers/quic_initial.h"
#include "record/record_batch.h"

namespace {

using netward::analyzers::quic_detail::InitialKeys;

constexpr uint8_t kDcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

// A protected v1 Initial carrying `payload` with packet number `pn` (2 bytes).
std::vector<uint8_t> Protect(const InitialKeys& k, std::string_view payload, uint16_t pn) {
  std::vector<uint8_t> p = {0xc1, 0, 0, 0, 1, 8};
  p.insert(p.end(), kDcid, kDcid + 8);
  p.push_back(0);  // SCID length
  p.push_back(0);  // token length
  size_t len = 2 + payload.size() + 16;
  if (len > 0x3fff) len = 0x3fff;  // keep the 2-byte varint; the packet is then malformed
  p.push_back(static_cast<uint8_t>(0x40 | len >> 8));
  p.push_back(static_cast<uint8_t>(len));
  const size_t pn_offset = p.size();
  p.push_back(static_cast<uint8_t>(pn >> 8));
  p.push_back(static_cast<uint8_t>(pn));
  const size_t header_len = p.size();
  p.resize(header_len + payload.size() + 16);
  uint8_t nonce[12];
  std::memcpy(nonce, k.iv, 12);
  nonce[10] ^= static_cast<uint8_t>(pn >> 8);
  nonce[11] ^= static_cast<uint8_t>(pn);
  int n = 0;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), nullptr, k.key, nonce);
  EVP_EncryptUpdate(c, nullptr, &n, p.data(), static_cast<int>(header_len));
  if (!payload.empty()) {
    EVP_EncryptUpdate(c, p.data() + header_len, &n,
                      reinterpret_cast<const uint8_t*>(payload.data()),
                      static_cast<int>(payload.size()));
  }
  EVP_EncryptFinal_ex(c, p.data() + header_len + payload.size(), &n);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, p.data() + header_len + payload.size());
  EVP_CIPHER_CTX_free(c);
  if (p.size() >= pn_offset + 4 + 16) {
    uint8_t mask[16];
    c = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), nullptr, k.hp, nullptr);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_EncryptUpdate(c, mask, &n, p.data() + pn_offset + 4, 16);
    EVP_CIPHER_CTX_free(c);
    p[0] ^= mask[0] & 0x0f;
    p[pn_offset] ^= mask[1];
    p[pn_offset + 1] ^= mask[2];
  }
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  using analyzers::Direction;
  bool encrypt = false;
  if (size > 0) {
    encrypt = (data[0] & 1) != 0;
    ++data, --size;
  }
  static InitialKeys keys = [] {
    InitialKeys k{};
    analyzers::quic_detail::DeriveClientInitialKeys(analyzers::quic_detail::kQuicV1,
                                                    std::span<const uint8_t>(kDcid, 8), &k);
    return k;
  }();
  fuzz::ChunkTransform protect;
  if (encrypt) {
    protect = [](std::string_view chunk, Direction dir, size_t i) {
      return dir == Direction::kToServer ? Protect(keys, chunk, static_cast<uint16_t>(i / 2))
                                         : std::vector<uint8_t>(chunk.begin(), chunk.end());
    };
  }
  fuzz::FeedConversation(analyzers::NewQuicAnalyzer(), 17, 443, data, size,
                         analyzers::LooksLikeQuic, protect);
  return 0;
}
