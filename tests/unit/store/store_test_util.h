// Helpers shared by the store's tests: a temporary store directory, deterministic session
// records and writer options that leave syncing and checkpoints to the test.
#pragma once

#include <string>

#include "e2e/e2e_util.h"
#include "record/json_encoder.h"
#include "store/store.h"

namespace netward::store::test_util {

using TempStoreDir = e2e::TempDir;

// `n` session records as JSON lines; record i's content derives from first_id + i only.
inline std::string SessionLines(int n, TimestampUs start, int first_id = 0) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    record::SessionRecord r;
    r.ts = start + i * 1000;
    r.end_ts = r.ts + 500;
    r.proto = "tcp";
    r.src_ip = IpAddress::FromV4HostOrder(0x0a000000 + static_cast<uint32_t>((first_id + i) % 50));
    r.src_port = static_cast<uint16_t>(10000 + (first_id + i) % 5000);
    r.dst_ip = IpAddress::FromV4HostOrder(0xc6336401);
    r.dst_port = 443;
    r.account = "u" + std::to_string((first_id + i) % 20);
    r.host = (first_id + i) % 7 == 0 ? "bank.example.com" : "news.example.org";
    r.bytes_up = static_cast<uint64_t>(first_id + i);
    record::EncodeJsonLine(r, "site1", &out);
  }
  return out;
}

// No background thread: the test calls Sync()/Checkpoint()/Purge() itself.
inline StoreOptions TestOptions(const std::string& dir, uint32_t block_records) {
  StoreOptions o;
  o.dir = dir;
  o.background = false;
  o.block_records = block_records;
  return o;
}

}  // namespace netward::store::test_util
