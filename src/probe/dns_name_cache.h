// src/probe/dns_name_cache.h: remembers which name each client resolved to which address, so a
// session to 93.184.216.34 can be recorded with host "example.com" even when it is not HTTP/TLS.
// Fed by the dns analyzer (DnsObserver); read when a session record is written.
// Thread-safe: sharded by client address, one mutex per shard. Bounded: each shard holds at most
// max_entries / kShards names and forgets its oldest half when full.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "analyzers/analyzer.h"

namespace netward::probe {

class DnsNameCache : public analyzers::DnsObserver {
 public:
  // Answers are kept for max(ttl, min_keep) and at most max_keep.
  explicit DnsNameCache(size_t max_entries = 1 << 20, TimestampUs min_keep = 300 * kUsPerSecond,
                        TimestampUs max_keep = 86400 * kUsPerSecond);

  void OnDnsAnswer(const IpAddress& client, std::string_view name, const IpAddress& address,
                   uint32_t ttl, TimestampUs ts) override;

  // The name `client` most recently resolved to `server`, resolved no later than `at` and still
  // within its keep time; if that client never asked, the name any client resolved to `server`.
  // Empty if unknown.
  std::string Lookup(const IpAddress& client, const IpAddress& server, TimestampUs at) const;

 private:
  struct Entry {
    std::string name;
    TimestampUs resolved_at = 0;
    TimestampUs expires_at = 0;
  };
  // The last few answers for one key, newest last: a lookup for time T takes the newest one
  // resolved by T, so an answer that arrives later (possibly seen first by the reader thread
  // when workers run ahead or behind) never hides the one a session actually used.
  struct History {
    static constexpr size_t kDepth = 4;
    std::array<Entry, kDepth> entries;
    uint8_t size = 0;
    // Copies `name` only when it becomes a new entry (not when it renews the newest one).
    void Add(std::string_view name, TimestampUs resolved_at, TimestampUs expires_at);
    const Entry* At(TimestampUs at) const;
    TimestampUs newest() const { return size ? entries[size - 1].resolved_at : 0; }
  };
  struct PairKey {
    IpAddress client;
    IpAddress server;
    bool operator==(const PairKey& o) const { return client == o.client && server == o.server; }
  };
  struct PairHash {
    size_t operator()(const PairKey& k) const {
      IpAddressHash h;
      return h(k.client) * 31 + h(k.server);
    }
  };
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<PairKey, History, PairHash> by_pair;
    std::unordered_map<IpAddress, History, IpAddressHash> by_server;
  };
  static void Prune(Shard& shard, size_t limit);
  size_t shard_limit_;
  TimestampUs min_keep_;
  TimestampUs max_keep_;
  std::array<Shard, kShards> client_shards_;
};

}  // namespace netward::probe
