#include "probe/dns_name_cache.h"

#include <algorithm>
#include <vector>

namespace netward::probe {

DnsNameCache::DnsNameCache(size_t max_entries, TimestampUs min_keep, TimestampUs max_keep)
    : shard_limit_(std::max<size_t>(16, max_entries / kShards)),
      min_keep_(min_keep),
      max_keep_(max_keep) {}

void DnsNameCache::History::Add(std::string_view name, TimestampUs resolved_at,
                                TimestampUs expires_at) {
  // Answers normally come in time order; keep the list sorted if one does not.
  if (size && entries[size - 1].name == name && entries[size - 1].resolved_at <= resolved_at) {
    entries[size - 1].expires_at = std::max(entries[size - 1].expires_at, expires_at);
    return;
  }
  if (size == kDepth) {
    std::move(entries.begin() + 1, entries.end(), entries.begin());
    --size;
  }
  size_t i = size;
  while (i > 0 && entries[i - 1].resolved_at > resolved_at) {
    entries[i] = std::move(entries[i - 1]);
    --i;
  }
  entries[i].name.assign(name);
  entries[i].resolved_at = resolved_at;
  entries[i].expires_at = expires_at;
  ++size;
}

const DnsNameCache::Entry* DnsNameCache::History::At(TimestampUs at) const {
  for (size_t i = size; i > 0; --i) {
    const Entry& e = entries[i - 1];
    if (e.resolved_at <= at) return at <= e.expires_at ? &e : nullptr;
  }
  return nullptr;
}

void DnsNameCache::Prune(Shard& shard, size_t limit) {
  // Forget the oldest half of the pair map: cheap, rare, and keeps recent answers.
  auto prune = [limit](auto& map) {
    if (map.size() < limit) return;
    std::vector<TimestampUs> times;
    times.reserve(map.size());
    for (const auto& [k, h] : map) times.push_back(h.newest());
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    TimestampUs median = times[times.size() / 2];
    for (auto it = map.begin(); it != map.end();) {
      it = it->second.newest() <= median ? map.erase(it) : std::next(it);
    }
  };
  prune(shard.by_pair);
  prune(shard.by_server);
}

void DnsNameCache::OnDnsAnswer(const IpAddress& client, std::string_view name,
                               const IpAddress& address, uint32_t ttl, TimestampUs ts) {
  if (name.empty()) return;
  TimestampUs keep =
      std::clamp<TimestampUs>(static_cast<TimestampUs>(ttl) * kUsPerSecond, min_keep_, max_keep_);
  Shard& shard = client_shards_[IpAddressHash()(client) % kShards];
  Shard& server_shard = client_shards_[IpAddressHash()(address) % kShards];
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    Prune(shard, shard_limit_);
    shard.by_pair[PairKey{client, address}].Add(name, ts, ts + keep);
  }
  {
    std::lock_guard<std::mutex> lock(server_shard.mu);
    Prune(server_shard, shard_limit_);
    server_shard.by_server[address].Add(name, ts, ts + keep);
  }
}

std::string DnsNameCache::Lookup(const IpAddress& client, const IpAddress& server,
                                 TimestampUs at) const {
  {
    const Shard& shard = client_shards_[IpAddressHash()(client) % kShards];
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.by_pair.find(PairKey{client, server});
    if (it != shard.by_pair.end()) {
      if (const Entry* e = it->second.At(at)) return e->name;
    }
  }
  const Shard& shard = client_shards_[IpAddressHash()(server) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.by_server.find(server);
  if (it != shard.by_server.end()) {
    if (const Entry* e = it->second.At(at)) return e->name;
  }
  return {};
}

}  // namespace netward::probe
