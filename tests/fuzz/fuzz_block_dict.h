// tests/fuzz/fuzz_block_dict.h: the subscriber dictionary fuzz_block resolves implicit rows
// with (block_codec.h, SubscriberDictionary), shared with the test that writes its seeds
// (block_codec_test.cc, WriteFuzzSeeds): 64 subscribers 10.0.0.0/26 set by one block at seq 0.
#pragma once

#include <string>

#include "record/schema.h"
#include "store/block_codec.h"

namespace netward::store::fuzz {

inline record::SessionRecord FuzzSubscriber(int i, TimestampUs ts,
                                            const std::string& account = "") {
  record::SessionRecord r;
  r.ts = ts;
  r.src_ip = IpAddress::FromV4HostOrder(0x0a000000u + static_cast<uint32_t>(i));
  r.src_port = static_cast<uint16_t>(30000 + i);
  r.nat_ip = IpAddress::FromV4HostOrder(0xc6336400u + static_cast<uint32_t>(i % 5));
  r.vlan = static_cast<uint16_t>(10 + i % 3);
  r.mac = "02:00:00:00:00:" + std::to_string(10 + i);
  r.account = account.empty() ? "sub" + std::to_string(i) : account;
  r.calling_id = "1555" + std::to_string(2000 + i);
  return r;
}

inline void BuildFuzzDictionary(SubscriberDictionary* dict) {
  BlockBuilder builder(record::StreamId::kSession);
  for (int i = 0; i < 64; ++i) builder.Add(FuzzSubscriber(i, 1'780'000'000'000'000 + i), "s");
  std::string block;
  builder.Finish(0, 1, &block, dict);
}

}  // namespace netward::store::fuzz
