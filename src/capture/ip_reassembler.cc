// src/capture/ip_reassembler.cc: fragment buffering, first-arrival-wins overlap handling.
#include "capture/ip_reassembler.h"

#include <algorithm>
#include <cstring>

namespace netward::capture {

void IpReassembler::Erase(std::unordered_map<FragmentKey, Datagram, FragmentKeyHash>::iterator it) {
  bytes_held_ -= it->second.bytes.capacity();
  table_.erase(it);
}

void IpReassembler::Expire(TimestampUs now, DecodeCounters* counters) {
  last_expire_ = now;
  for (auto it = table_.begin(); it != table_.end();) {
    auto next = std::next(it);
    if (now - it->second.first_ts > timeout_) {
      counters->Count(DecodeEvent::kFragTimeout);
      Erase(it);
    }
    it = next;
  }
}

// Evicts the oldest datagrams (other than `keep`) until `need` more bytes fit under the cap.
bool IpReassembler::MakeRoom(size_t need, const FragmentKey& keep, DecodeCounters* counters) {
  while (bytes_held_ + need > max_bytes_) {
    auto oldest = table_.end();
    for (auto it = table_.begin(); it != table_.end(); ++it) {
      if (it->first == keep) continue;
      if (oldest == table_.end() || it->second.first_ts < oldest->second.first_ts) oldest = it;
    }
    if (oldest == table_.end()) return false;
    counters->Count(DecodeEvent::kFragMemoryCap);
    Erase(oldest);
  }
  return true;
}

IpReassembler::Outcome IpReassembler::Add(const FragmentKey& key, TimestampUs now, uint32_t offset,
                                          bool more, const uint8_t* payload, size_t len,
                                          DecodeCounters* counters, const uint8_t** data,
                                          size_t* data_len) {
  if (now - last_expire_ > kUsPerSecond || now < last_expire_) Expire(now, counters);

  uint64_t end = static_cast<uint64_t>(offset) + len;
  auto it = table_.find(key);
  if (it != table_.end() && now - it->second.first_ts > timeout_) {
    counters->Count(DecodeEvent::kFragTimeout);
    Erase(it);
    it = table_.end();
  }
  if (end > kMaxDatagram) {
    counters->Count(DecodeEvent::kFragTooBig);
    if (it != table_.end()) Erase(it);
    return Outcome::kDropped;
  }
  if (it == table_.end()) {
    it = table_.emplace(key, Datagram{}).first;
    it->second.first_ts = now;
  }
  Datagram& d = it->second;

  // Consistency of the datagram's end.
  if (!more) {
    if ((d.total_known && d.total != end) || (!d.have.empty() && d.have.back().second > end)) {
      counters->Count(DecodeEvent::kFragInconsistent);
      Erase(it);
      return Outcome::kDropped;
    }
    d.total = static_cast<uint32_t>(end);
    d.total_known = true;
  } else if (d.total_known && end > d.total) {
    counters->Count(DecodeEvent::kFragInconsistent);
    Erase(it);
    return Outcome::kDropped;
  }
  if (d.have.size() >= kMaxPieces) {
    counters->Count(DecodeEvent::kFragTooMany);
    Erase(it);
    return Outcome::kDropped;
  }

  // Grow the buffer under the memory cap.
  if (end > d.bytes.size()) {
    size_t old_cap = d.bytes.capacity();
    size_t new_cap = std::max<size_t>(end, std::min<size_t>(kMaxDatagram, old_cap * 2));
    if (new_cap > old_cap) {
      if (new_cap - old_cap > max_bytes_ || !MakeRoom(new_cap - old_cap, key, counters)) {
        counters->Count(DecodeEvent::kFragMemoryCap);
        Erase(table_.find(key));
        return Outcome::kDropped;
      }
      d.bytes.reserve(new_cap);
      bytes_held_ += d.bytes.capacity() - old_cap;
    }
    d.bytes.resize(end);
  }

  // Copy only the bytes no earlier fragment supplied (first arrival wins).
  uint32_t b = offset;
  const uint32_t e = static_cast<uint32_t>(end);
  bool overlapped = false;
  for (const auto& [hb, he] : d.have) {
    if (he <= b) continue;
    if (hb >= e) break;
    overlapped = true;
    if (hb > b) std::memcpy(d.bytes.data() + b, payload + (b - offset), hb - b);
    b = std::max(b, he);
    if (b >= e) break;
  }
  if (b < e) std::memcpy(d.bytes.data() + b, payload + (b - offset), e - b);
  if (overlapped) counters->Count(DecodeEvent::kFragOverlap);

  // Insert [offset, end) and merge.
  if (len > 0) {
    auto pos = std::lower_bound(d.have.begin(), d.have.end(), std::make_pair(offset, e));
    d.have.insert(pos, {offset, e});
    size_t w = 0;
    for (size_t r = 1; r < d.have.size(); ++r) {
      if (d.have[r].first <= d.have[w].second) {
        d.have[w].second = std::max(d.have[w].second, d.have[r].second);
      } else {
        d.have[++w] = d.have[r];
      }
    }
    d.have.resize(w + 1);
  }

  if (d.total_known &&
      ((d.have.size() == 1 && d.have[0].first == 0 && d.have[0].second == d.total) ||
       (d.total == 0 && d.have.empty()))) {
    bytes_held_ -= d.bytes.capacity();
    completed_.swap(d.bytes);
    table_.erase(it);
    *data = completed_.data();
    *data_len = completed_.size();
    return Outcome::kComplete;
  }
  return Outcome::kHeld;
}

}  // namespace netward::capture
