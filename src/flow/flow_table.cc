#include "flow/flow_table.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <memory>
#include <new>

namespace netward::flow {
namespace {

constexpr uint32_t kNil = FlowTableLinks::kNil;

inline uint64_t Remix(uint64_t x) {
  x += 0x632BE59BD9B4E019ULL;
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ULL;
  x ^= x >> 32;
  return x;
}

}  // namespace

FlowTable::FlowTable(FlowTableOptions options, FlowObserver* observer)
    : options_(options),
      observer_(observer),
      budget_(options.reassembly_flow_cap, options.reassembly_global_cap) {
  options_.max_flows = std::clamp<size_t>(options_.max_flows, 1, kNil - 1);
  size_t capacity = 16;
  while (capacity < options_.max_flows * 2) capacity *= 2;
  slots_.reset(static_cast<Slot*>(std::calloc(capacity, sizeof(Slot))));
  if (!slots_) throw std::bad_alloc();
  slot_mask_ = static_cast<uint32_t>(capacity - 1);
  chunks_.reserve((options_.max_flows >> kChunkShift) + 1);
}

FlowTable::~FlowTable() {
  // Reassemblers hand their blocks back to budget_, which outlives the chunks (member order).
  chunks_.clear();
}

void FlowTable::FreeDeleter::operator()(void* p) const { std::free(p); }

uint32_t FlowTable::SlotHash(const FlowKey& key) {
  // Re-mixed so that a worker, whose flows share SymmetricFlowHash's low bits, still spreads.
  return static_cast<uint32_t>(Remix(key.Hash()) >> 32);
}

Flow* FlowTable::Find(const FlowKey& key, uint32_t hash) const {
  for (uint32_t i = hash & slot_mask_;; i = (i + 1) & slot_mask_) {
    const Slot& s = slots_[i];
    if (s.index_plus_one == 0) return nullptr;
    if (s.hash == hash) {
      Flow* f = At(s.index_plus_one - 1);
      if (f->key == key) return f;
    }
  }
}

Flow* FlowTable::Create(const FlowKey& key, uint32_t hash) {
  uint32_t index;
  if (free_ != kNil) {
    index = free_;
    free_ = At(index)->table_links.lru_next;
  } else {
    index = high_water_++;
    if ((index >> kChunkShift) >= chunks_.size()) {
      chunks_.emplace_back(new Flow[size_t{1} << kChunkShift]);
    }
  }
  Flow* f = At(index);
  f->key = key;
  f->table_links = FlowTableLinks{};
  f->table_links.index = index;
  f->streams[0].set_budget(&budget_);
  f->streams[1].set_budget(&budget_);
  uint32_t i = hash & slot_mask_;
  while (slots_[i].index_plus_one != 0) i = (i + 1) & slot_mask_;
  slots_[i] = Slot{index + 1, hash};
  ++size_;
  ++stats_.created;
  stats_.peak_flows = std::max<uint64_t>(stats_.peak_flows, size_);
  return f;
}

void FlowTable::RemoveSlot(const Flow* flow) {
  const uint32_t want = flow->table_links.index + 1;
  uint32_t i = SlotHash(flow->key) & slot_mask_;
  while (slots_[i].index_plus_one != want) {
    assert(slots_[i].index_plus_one != 0);
    i = (i + 1) & slot_mask_;
  }
  // Backward-shift deletion: pull later entries of the probe run into the hole when their home
  // position allows it, so lookups never need tombstones.
  uint32_t hole = i;
  for (uint32_t j = (i + 1) & slot_mask_; slots_[j].index_plus_one != 0; j = (j + 1) & slot_mask_) {
    uint32_t home = slots_[j].hash & slot_mask_;
    // Move j into hole unless home lies cyclically in (hole, j].
    bool home_after_hole = ((j - home) & slot_mask_) < ((j - hole) & slot_mask_);
    if (!home_after_hole) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{0, 0};
}

FlowTable::ListId FlowTable::ListFor(const Flow& f) const {
  switch (f.key.ip_proto) {
    case capture::kIpProtoTcp:
      return f.tcp_finished() ? kListTcpClosed : kListTcp;
    case capture::kIpProtoUdp:
      return kListUdp;
    default:
      return kListOther;
  }
}

TimestampUs FlowTable::TimeoutOf(ListId list) const {
  switch (list) {
    case kListTcp:
      return options_.tcp_idle_timeout;
    case kListTcpClosed:
      return options_.tcp_closed_timeout;
    case kListUdp:
      return options_.udp_idle_timeout;
    default:
      return options_.other_idle_timeout;
  }
}

void FlowTable::Unlink(Flow* f) {
  FlowTableLinks& l = f->table_links;
  List& list = lists_[l.list];
  if (l.lru_prev != kNil) {
    At(l.lru_prev)->table_links.lru_next = l.lru_next;
  } else {
    list.head = l.lru_next;
  }
  if (l.lru_next != kNil) {
    At(l.lru_next)->table_links.lru_prev = l.lru_prev;
  } else {
    list.tail = l.lru_prev;
  }
  l.lru_prev = l.lru_next = kNil;
}

void FlowTable::LinkTail(Flow* f, ListId id) {
  FlowTableLinks& l = f->table_links;
  List& list = lists_[id];
  l.list = id;
  l.lru_prev = list.tail;
  l.lru_next = kNil;
  if (list.tail != kNil) {
    At(list.tail)->table_links.lru_next = l.index;
  } else {
    list.head = l.index;
  }
  list.tail = l.index;
}

void FlowTable::UnlinkActive(Flow* f) {
  FlowTableLinks& l = f->table_links;
  if (l.active_prev != kNil) {
    At(l.active_prev)->table_links.active_next = l.active_next;
  } else {
    active_.head = l.active_next;
  }
  if (l.active_next != kNil) {
    At(l.active_next)->table_links.active_prev = l.active_prev;
  } else {
    active_.tail = l.active_prev;
  }
  l.active_prev = l.active_next = kNil;
}

void FlowTable::LinkActiveTail(Flow* f) {
  FlowTableLinks& l = f->table_links;
  l.active_prev = active_.tail;
  l.active_next = kNil;
  if (active_.tail != kNil) {
    At(active_.tail)->table_links.active_next = l.index;
  } else {
    active_.head = l.index;
  }
  active_.tail = l.index;
}

void FlowTable::EvictOne() {
  // A finished TCP flow only lingers for stragglers: it goes first. Otherwise the least
  // recently seen of the idle lists' heads.
  uint32_t victim = lists_[kListTcpClosed].head;
  if (victim == kNil) {
    for (ListId id : {kListTcp, kListUdp, kListOther}) {
      uint32_t h = lists_[id].head;
      if (h != kNil && (victim == kNil || At(h)->last_ts < At(victim)->last_ts)) victim = h;
    }
  }
  if (victim != kNil) Close(At(victim), CloseReason::kEvicted);
}

namespace {
// Ports on which only servers listen, for deciding who opened a flow seen without its start.
bool IsServicePort(uint16_t port) {
  switch (port) {
    case 53:
    case 67:
    case 69:
    case 123:
    case 137:
    case 138:
    case 161:
    case 389:
    case 500:
    case 514:
    case 1812:
    case 1813:
    case 4500:
      return true;
    default:
      return false;
  }
}

// IPv4 limited broadcast or multicast (224/4), IPv6 multicast (ff00::/8).
bool IsGroupAddress(const IpAddress& a) {
  if (a.is_v4()) {
    const uint8_t* v4 = a.bytes + 12;
    return (v4[0] & 0xf0) == 0xe0 || (v4[0] == 255 && v4[1] == 255 && v4[2] == 255 && v4[3] == 255);
  }
  return a.bytes[0] == 0xff;
}
}  // namespace

Flow* FlowTable::Track(const capture::DecodedPacket& p, int* direction, bool* created) {
  bool from_lower = true;
  FlowKey key = FlowKey::FromPacket(p, &from_lower, options_.vlan_in_key);
  uint32_t hash = SlotHash(key);
  Flow* f = Find(key, hash);
  const bool tcp = p.ip_proto == capture::kIpProtoTcp;
  const bool syn = tcp && (p.tcp_flags & capture::kTcpSyn);
  const bool ack = tcp && (p.tcp_flags & capture::kTcpAck);
  if (f && syn && !ack && f->tcp_finished()) {  // the 4-tuple is being reused
    ++stats_.port_reuse;
    Close(f, f->tcp_reset() ? CloseReason::kRst : CloseReason::kFin);
    f = nullptr;
  }
  *created = f == nullptr;
  if (!f) {
    if (size_ >= options_.max_flows) EvictOne();
    f = Create(key, hash);
    bool client_is_sender;
    if (syn) {
      client_is_sender = !ack;
    } else {
      // A reply from a service: a well-known source port towards an ephemeral one, or a port
      // only servers use (DHCP's 67 answers 68, both below 1024) towards one that is not.
      // A broadcast or multicast destination is never the client.
      client_is_sender =
          IsGroupAddress(p.dst_ip) || !((p.src_port < 1024 && p.dst_port >= 1024) ||
                                        (IsServicePort(p.src_port) && !IsServicePort(p.dst_port)));
    }
    f->vlan = p.vlan;
    f->client_is_lower = client_is_sender == from_lower;
    f->first_ts = f->last_ts = f->interval_start_ts = p.ts;
    LinkActiveTail(f);
  } else {
    f->last_ts = std::max(f->last_ts, p.ts);
  }
  const int dir = from_lower == f->client_is_lower ? 0 : 1;
  *direction = dir;
  f->bytes[dir] += p.ip_len;
  ++f->packets[dir];
  if (p.has_mac && !f->has_client_mac) {
    std::copy_n(dir == 0 ? p.src_mac : p.dst_mac, 6, f->client_mac);
    f->has_client_mac = true;
  }
  if (tcp) {
    uint8_t s = 0;
    if (syn) s |= ack ? kFlowSynAck : kFlowSyn;
    if (p.tcp_flags & capture::kTcpFin) s |= kFlowFin;
    if (p.tcp_flags & capture::kTcpRst) s |= kFlowRst;
    f->tcp_state[dir] |= s;
  }
  // Move to the tail of its idle list, unless already there (a burst): that touches no neighbour.
  const ListId list = ListFor(*f);
  if (*created) {
    LinkTail(f, list);
  } else if (f->table_links.list != list || lists_[list].tail != f->table_links.index) {
    Unlink(f);
    LinkTail(f, list);
  }
  return f;
}

void FlowTable::AddTcpSegment(Flow* flow, int direction, const capture::DecodedPacket& p,
                              StreamReceiver* receiver) {
  uint32_t missing = p.payload_wire_len > p.payload_len ? p.payload_wire_len - p.payload_len : 0;
  flow->streams[direction].AddSegment(p.tcp_seq, p.tcp_flags,
                                      std::span<const uint8_t>(p.payload, p.payload_len), receiver,
                                      direction, missing);
}

void FlowTable::Close(Flow* flow, CloseReason reason) {
  if (observer_) observer_->OnFlowClose(*flow, reason);
  ++stats_.closed[static_cast<int>(reason)];
  if (reason == CloseReason::kEvicted) ++stats_.evicted;
  RemoveSlot(flow);
  Unlink(flow);
  UnlinkActive(flow);
  const uint32_t index = flow->table_links.index;
  // Back to a fresh flow: drops ext and any buffered stream bytes (into budget_).
  std::destroy_at(flow);
  std::construct_at(flow);
  flow->table_links.index = index;
  flow->table_links.lru_next = free_;
  free_ = index;
  --size_;
}

void FlowTable::Expire(TimestampUs now) {
  for (int id = 0; id < kListCount; ++id) {
    const TimestampUs timeout = TimeoutOf(static_cast<ListId>(id));
    while (lists_[id].head != kNil) {
      Flow* f = At(lists_[id].head);
      if (now - f->last_ts < timeout) break;
      CloseReason reason = CloseReason::kIdleTimeout;
      if (id == kListTcpClosed) reason = f->tcp_reset() ? CloseReason::kRst : CloseReason::kFin;
      Close(f, reason);
    }
  }
  if (options_.active_timeout <= 0) return;
  while (active_.head != kNil) {
    Flow* f = At(active_.head);
    if (now - f->interval_start_ts < options_.active_timeout) break;
    if (f->packets[0] + f->packets[1] > 0) {
      if (observer_) observer_->OnFlowClose(*f, CloseReason::kActiveTimeout);
      ++stats_.active_timeouts;
    }
    f->bytes[0] = f->bytes[1] = 0;
    f->packets[0] = f->packets[1] = 0;
    f->interval_start_ts = now;
    UnlinkActive(f);
    LinkActiveTail(f);
  }
}

void FlowTable::CloseAll(CloseReason reason) {
  for (auto& list : lists_) {
    while (list.head != kNil) Close(At(list.head), reason);
  }
}

const FlowTableStats& FlowTable::stats() const {
  stats_.flows = size_;
  stats_.reassembly = budget_.stats();
  return stats_;
}

}  // namespace netward::flow
