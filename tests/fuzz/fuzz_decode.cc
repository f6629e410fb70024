// tests/fuzz/fuzz_decode.cc: the L2-L4 decoder on arbitrary frames.
// Byte 0 picks the link type (index into kLinkTypes), the rest is the frame. The frame is decoded
// twice through one Decoder (so the second pass meets the fragment state of the first), from an
// exact-size heap copy so any overread trips ASan. A second decoder sees the frame as if cut by
// a snap length at half its size.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "capture/decoder.h"

namespace {

constexpr int kLinkTypes[] = {netward::capture::kLinkEthernet,
                              netward::capture::kLinkRaw,
                              netward::capture::kLinkNull,
                              netward::capture::kLinkLoop,
                              netward::capture::kLinkPpp,
                              netward::capture::kLinkLinuxSll,
                              netward::capture::kLinkLinuxSll2,
                              netward::capture::kLinkNflog,
                              12,
                              14,
                              50,
                              104,
                              228,
                              229,
                              147};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward::capture;
  if (size < 1) return 0;
  static Decoder* decoder = new Decoder(DecoderOptions{.max_fragment_bytes = 1 << 20});
  int linktype = kLinkTypes[data[0] % (sizeof(kLinkTypes) / sizeof(kLinkTypes[0]))];
  size_t n = size - 1;
  std::unique_ptr<uint8_t[]> frame(new uint8_t[n ? n : 1]);
  if (n) std::memcpy(frame.get(), data + 1, n);

  RawPacket raw;
  raw.data = frame.get();
  raw.caplen = static_cast<uint32_t>(n);
  raw.wirelen = static_cast<uint32_t>(n);
  raw.linktype = linktype;
  DecodedPacket out;
  for (int pass = 0; pass < 2; ++pass) {
    raw.ts = 1000000 + pass;
    if (decoder->Decode(raw, &out) == DecodeResult::kPacket && out.payload_len) {
      // Touch the payload ends: they must be readable.
      volatile uint8_t x = out.payload[0];
      x = out.payload[out.payload_len - 1];
      (void)x;
      if (out.payload_len > out.payload_wire_len) __builtin_trap();
    }
  }
  raw.caplen = static_cast<uint32_t>(n / 2);
  Decoder cut;
  if (cut.Decode(raw, &out) == DecodeResult::kPacket && out.payload_len) {
    if (out.payload < frame.get() || out.payload + out.payload_len > frame.get() + n / 2)
      __builtin_trap();
  }
  return 0;
}
