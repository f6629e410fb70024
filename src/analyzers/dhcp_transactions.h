// src/analyzers/dhcp_transactions.h: what a DHCP client said, kept until the server answers.
// A DHCP exchange spans several flows (0.0.0.0:68 -> 255.255.255.255:67, then server:67 ->
// yiaddr:68 or broadcast), each with its own analyzer, and the client's host name (option 12/81)
// and relay-agent line id (option 82) are often only in the client's messages. The DHCPv4 and
// DHCPv6 analyzers remember them here by (transaction id, client id) and join them to the
// server's reply. Bounded: kCapacity entries, the oldest evicted first; entries older than
// kMaxAge are ignored. Thread-safe (one mutex; DHCP is a handful of packets per lease).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace netward::analyzers::detail {

struct DhcpClientInfo {
  std::string hostname;    // option 12, else the name of option 81 (DHCPv6: option 39)
  std::string calling_id;  // from option 82 (DHCPv6: interface-id / remote-id), see dhcp.h
};

class DhcpTransactions {
 public:
  static constexpr size_t kCapacity = 4096;
  static constexpr TimestampUs kMaxAge = 300 * kUsPerSecond;

  // The process-wide table the analyzers share.
  static DhcpTransactions& Shared();

  // Remembers what the client said in transaction `xid`. Empty fields do not overwrite known
  // ones. Returns false if an older entry had to be evicted to make room.
  bool Remember(uint32_t xid, std::string_view client_id, const DhcpClientInfo& info,
                TimestampUs ts);
  // Fills *info with what the client said in `xid` within kMaxAge before `ts`; false if nothing.
  bool Lookup(uint32_t xid, std::string_view client_id, TimestampUs ts, DhcpClientInfo* info);
  // Drops everything (tests).
  void Clear();

 private:
  struct Entry {
    bool used = false;
    uint32_t xid = 0;
    uint64_t seq = 0;
    TimestampUs ts = 0;
    std::string client_id;
    DhcpClientInfo info;
  };
  Entry* Find(uint32_t xid, std::string_view client_id);

  std::mutex mu_;
  std::vector<Entry> entries_;  // grows to kCapacity, then slots are reused
  uint64_t next_seq_ = 0;
};

}  // namespace netward::analyzers::detail
