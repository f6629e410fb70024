#include "analyzers/dhcp_transactions.h"

namespace netward::analyzers::detail {

DhcpTransactions& DhcpTransactions::Shared() {
  static DhcpTransactions* table = new DhcpTransactions();  // never destroyed: used at exit
  return *table;
}

// A linear scan on the integer xid first: 4096 compares is about a microsecond, paid once per
// DHCP message, and keeps the table one flat vector.
DhcpTransactions::Entry* DhcpTransactions::Find(uint32_t xid, std::string_view client_id) {
  for (Entry& e : entries_) {
    if (e.used && e.xid == xid && e.client_id == client_id) return &e;
  }
  return nullptr;
}

bool DhcpTransactions::Remember(uint32_t xid, std::string_view client_id,
                                const DhcpClientInfo& info, TimestampUs ts) {
  std::lock_guard<std::mutex> lock(mu_);
  bool evicted = false;
  Entry* e = Find(xid, client_id);
  if (!e) {
    // Slots are used in insertion order, as a ring: the oldest entry goes first.
    size_t slot = next_seq_ % kCapacity;
    if (slot >= entries_.size()) {
      entries_.emplace_back();
    } else {
      evicted = entries_[slot].used;
    }
    e = &entries_[slot];
    e->used = true;
    e->xid = xid;
    e->seq = next_seq_++;
    e->client_id.assign(client_id);
    e->info = DhcpClientInfo{};
  }
  e->ts = ts;
  if (!info.hostname.empty()) e->info.hostname = info.hostname;
  if (!info.calling_id.empty()) e->info.calling_id = info.calling_id;
  return !evicted;
}

bool DhcpTransactions::Lookup(uint32_t xid, std::string_view client_id, TimestampUs ts,
                              DhcpClientInfo* info) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* e = Find(xid, client_id);
  if (!e) return false;
  if (ts - e->ts > kMaxAge || e->ts - ts > kMaxAge) return false;
  *info = e->info;
  return true;
}

void DhcpTransactions::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  next_seq_ = 0;
}

}  // namespace netward::analyzers::detail
