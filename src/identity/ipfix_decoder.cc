#include "identity/ipfix_decoder.h"

#include <algorithm>
#include <cstring>

#include "common/ip_proto.h"
#include "identity/syslog_nat_formats.h"

namespace netward::identity {
namespace {

// Information elements (IANA IPFIX registry; RFC 8158 for the NAT ones).
enum Ie : uint16_t {
  kProtocolIdentifier = 4,
  kSourceTransportPort = 7,
  kSourceIPv4Address = 8,
  kDestinationTransportPort = 11,
  kDestinationIPv4Address = 12,
  kLastSwitched = 21,   // NetFlow v9: sysUptime ms of the last packet
  kFirstSwitched = 22,  // NetFlow v9: sysUptime ms of the first packet
  kSourceIPv6Address = 27,
  kDestinationIPv6Address = 28,
  kFlowStartSeconds = 150,
  kFlowEndSeconds = 151,
  kFlowStartMilliseconds = 152,
  kFlowEndMilliseconds = 153,
  kPostNatSourceIPv4Address = 225,
  kPostNatDestinationIPv4Address = 226,
  kPostNaptSourceTransportPort = 227,
  kPostNaptDestinationTransportPort = 228,
  kNatEvent = 230,
  kPostNatSourceIPv6Address = 281,
  kPostNatDestinationIPv6Address = 282,
  kObservationTimeSeconds = 322,
  kObservationTimeMilliseconds = 323,
  kPortRangeStart = 361,
  kPortRangeEnd = 362,
  kPortRangeStepSize = 363,
  kPortRangeNumPorts = 364,
};

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
// Unsigned big-endian of 1..8 bytes (RFC 7011 reduced-size encoding); longer values keep the
// low 8 bytes.
uint64_t BeN(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  const size_t skip = n > 8 ? n - 8 : 0;
  for (size_t i = skip; i < n; ++i) v = v << 8 | p[i];
  return v;
}

// What one data record said, before it becomes a nat record.
struct Fields {
  bool have_event = false;
  uint8_t event = 0;
  bool have_proto = false;
  uint8_t proto = 0;
  IpAddress src, dst, post_src, post_dst;
  bool have_src = false, have_dst = false, have_post_src = false, have_post_dst = false;
  uint16_t sport = 0, dport = 0, post_sport = 0, post_dport = 0;
  bool have_post_dport = false;
  int64_t obs_ms = -1, start_ms = -1, end_ms = -1;
  uint16_t range_start = 0, range_end = 0, range_num = 0;
  bool have_range_start = false, have_range_end = false;
};

enum class EventKind { kCreate, kDelete, kBlockAlloc, kBlockFree, kOther };

EventKind KindOf(uint8_t event) {
  switch (event) {
    case 1:   // NAT translation create (historic, Cisco)
    case 4:   // NAT44 session create
    case 6:   // NAT64 session create
    case 8:   // NAT44 BIB create
    case 10:  // NAT64 BIB create
    case 14:  // address binding create
      return EventKind::kCreate;
    case 2:
    case 5:
    case 7:
    case 9:
    case 11:
    case 15:
      return EventKind::kDelete;
    case 16:
      return EventKind::kBlockAlloc;
    case 17:
      return EventKind::kBlockFree;
    default:  // 3 addresses exhausted, 12 ports exhausted, 13 quota exceeded, 18 threshold ...
      return EventKind::kOther;
  }
}

void SetField(uint16_t id, const uint8_t* p, size_t len, int64_t boot_ms, Fields* f) {
  auto ip4 = [&](IpAddress* ip, bool* have) {
    if (len == 4) {
      *ip = IpAddress::FromV4(p);
      *have = true;
    }
  };
  auto ip6 = [&](IpAddress* ip, bool* have) {
    if (len == 16) {
      *ip = IpAddress::FromV6(p);
      *have = true;
    }
  };
  const uint64_t v = len >= 1 && len <= 8 ? BeN(p, len) : 0;
  switch (id) {
    case kProtocolIdentifier:
      f->proto = static_cast<uint8_t>(v);
      f->have_proto = len >= 1;
      break;
    case kSourceTransportPort:
      f->sport = static_cast<uint16_t>(v);
      break;
    case kDestinationTransportPort:
      f->dport = static_cast<uint16_t>(v);
      break;
    case kSourceIPv4Address:
      ip4(&f->src, &f->have_src);
      break;
    case kDestinationIPv4Address:
      ip4(&f->dst, &f->have_dst);
      break;
    case kSourceIPv6Address:
      ip6(&f->src, &f->have_src);
      break;
    case kDestinationIPv6Address:
      ip6(&f->dst, &f->have_dst);
      break;
    case kPostNatSourceIPv4Address:
      ip4(&f->post_src, &f->have_post_src);
      break;
    case kPostNatDestinationIPv4Address:
      ip4(&f->post_dst, &f->have_post_dst);
      break;
    case kPostNatSourceIPv6Address:
      ip6(&f->post_src, &f->have_post_src);
      break;
    case kPostNatDestinationIPv6Address:
      ip6(&f->post_dst, &f->have_post_dst);
      break;
    case kPostNaptSourceTransportPort:
      f->post_sport = static_cast<uint16_t>(v);
      break;
    case kPostNaptDestinationTransportPort:
      f->post_dport = static_cast<uint16_t>(v);
      f->have_post_dport = true;
      break;
    case kNatEvent:
      f->event = static_cast<uint8_t>(v);
      f->have_event = len >= 1;
      break;
    case kObservationTimeMilliseconds:
      f->obs_ms = static_cast<int64_t>(v & 0x7fffffffffffffffULL);
      break;
    case kObservationTimeSeconds:
      f->obs_ms = static_cast<int64_t>(v & 0xffffffffULL) * 1000;
      break;
    case kFlowStartMilliseconds:
      f->start_ms = static_cast<int64_t>(v & 0x7fffffffffffffffULL);
      break;
    case kFlowEndMilliseconds:
      f->end_ms = static_cast<int64_t>(v & 0x7fffffffffffffffULL);
      break;
    case kFlowStartSeconds:
      f->start_ms = static_cast<int64_t>(v & 0xffffffffULL) * 1000;
      break;
    case kFlowEndSeconds:
      f->end_ms = static_cast<int64_t>(v & 0xffffffffULL) * 1000;
      break;
    case kFirstSwitched:
      if (boot_ms >= 0) f->start_ms = boot_ms + static_cast<int64_t>(v & 0xffffffffULL);
      break;
    case kLastSwitched:
      if (boot_ms >= 0) f->end_ms = boot_ms + static_cast<int64_t>(v & 0xffffffffULL);
      break;
    case kPortRangeStart:
      f->range_start = static_cast<uint16_t>(v);
      f->have_range_start = true;
      break;
    case kPortRangeEnd:
      f->range_end = static_cast<uint16_t>(v);
      f->have_range_end = true;
      break;
    case kPortRangeNumPorts:
      f->range_num = static_cast<uint16_t>(v);
      break;
    default:
      break;
  }
}

// Milliseconds are clamped to years 0..9999 so that a hostile value cannot overflow.
TimestampUs MsToUs(int64_t ms) {
  constexpr int64_t kMaxMs = 253402300799999LL;
  if (ms < 0) ms = 0;
  if (ms > kMaxMs) ms = kMaxMs;
  return ms * 1000;
}

}  // namespace

size_t IpfixDecoder::KeyHash::operator()(const Key& k) const {
  size_t h = IpAddressHash()(k.exporter);
  h ^=
      (uint64_t{k.domain} << 24 | uint64_t{k.template_id} << 8 | k.version) * 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 31);
}

void IpfixDecoder::Decode(const IpAddress& exporter, std::span<const uint8_t> msg,
                          std::vector<record::NatRecord>* out) {
  if (msg.size() < 2) {
    ++stats_.bad_messages;
    return;
  }
  const uint16_t version = Be16(msg.data());
  Context ctx;
  ctx.exporter = exporter;
  ctx.version = static_cast<uint8_t>(version);
  size_t pos = 0;
  size_t end = msg.size();
  if (version == 10) {
    if (msg.size() < 16) {
      ++stats_.bad_messages;
      return;
    }
    const uint16_t length = Be16(msg.data() + 2);
    if (length < 16 || length > msg.size()) {
      ++stats_.bad_messages;
      return;
    }
    end = length;
    ctx.export_time = int64_t{Be32(msg.data() + 4)} * kUsPerSecond;
    ctx.domain = Be32(msg.data() + 12);
    ctx.boot_ms = -1;
    pos = 16;
  } else if (version == 9) {
    if (msg.size() < 20) {
      ++stats_.bad_messages;
      return;
    }
    const uint32_t uptime_ms = Be32(msg.data() + 4);
    ctx.export_time = int64_t{Be32(msg.data() + 8)} * kUsPerSecond;
    ctx.boot_ms = ctx.export_time / 1000 - int64_t{uptime_ms};  // in ms
    ctx.domain = Be32(msg.data() + 16);
    pos = 20;
  } else {
    ++stats_.bad_messages;
    return;
  }
  ++stats_.messages;
  const uint16_t template_set = version == 10 ? 2 : 0;
  const uint16_t options_set = version == 10 ? 3 : 1;
  while (pos + 4 <= end) {
    const uint16_t set_id = Be16(msg.data() + pos);
    const uint16_t set_len = Be16(msg.data() + pos + 2);
    if (set_len < 4 || pos + set_len > end) {
      ++stats_.bad_sets;
      return;
    }
    std::span<const uint8_t> body = msg.subspan(pos + 4, set_len - 4);
    pos += set_len;
    if (set_id == template_set || set_id == options_set) {
      DecodeTemplates(ctx, body, set_id == options_set);
    } else if (set_id >= 256) {
      auto it = templates_.find(Key{exporter, ctx.domain, set_id, ctx.version});
      if (it == templates_.end()) {
        ++stats_.missing_template;
      } else if (!it->second.options) {
        DecodeData(ctx, it->second, body, out);
      }
    } else {
      ++stats_.bad_sets;  // reserved set ids
    }
  }
}

void IpfixDecoder::WithdrawDomain(const Context& ctx) {
  std::erase_if(templates_, [&](const auto& kv) {
    return kv.first.exporter == ctx.exporter && kv.first.domain == ctx.domain &&
           kv.first.version == ctx.version;
  });
}

void IpfixDecoder::DecodeTemplates(const Context& ctx, std::span<const uint8_t> set, bool options) {
  const bool ipfix = ctx.version == 10;
  size_t pos = 0;
  while (pos + 4 <= set.size()) {
    const uint16_t id = Be16(set.data() + pos);
    const uint16_t count_or_scope = Be16(set.data() + pos + 2);
    pos += 4;
    if (id == 0 && count_or_scope == 0) break;  // padding (NetFlow v9 pads with zeros)
    size_t field_count = count_or_scope;
    if (options) {
      if (ipfix) {
        // IPFIX options template: id, field count, scope field count (absent on withdrawal).
        if (field_count != 0) {
          if (pos + 2 > set.size()) {
            ++stats_.bad_sets;
            return;
          }
          pos += 2;
        }
      } else {
        // NetFlow v9 options template: id, scope length (bytes), option length (bytes).
        if (pos + 2 > set.size()) {
          ++stats_.bad_sets;
          return;
        }
        const uint16_t option_len = Be16(set.data() + pos);
        pos += 2;
        field_count = (size_t{count_or_scope} + option_len) / 4;
      }
    }
    if (ipfix && field_count == 0) {
      ++stats_.withdrawals;
      if (id == 2 || id == 3) {
        WithdrawDomain(ctx);
      } else {
        templates_.erase(Key{ctx.exporter, ctx.domain, id, ctx.version});
      }
      continue;
    }
    if (id < 256 || field_count == 0) {  // NetFlow v9 has no withdrawals
      ++stats_.bad_sets;
      return;
    }
    Template t;
    t.options = options;
    bool too_many = field_count > limits_.max_fields;
    if (!too_many) t.fields.reserve(field_count);
    for (size_t i = 0; i < field_count; ++i) {
      if (pos + 4 > set.size()) {
        ++stats_.bad_sets;
        return;
      }
      uint16_t fid = Be16(set.data() + pos);
      const uint16_t flen = Be16(set.data() + pos + 2);
      pos += 4;
      if (ipfix && (fid & 0x8000) != 0) {
        if (pos + 4 > set.size()) {
          ++stats_.bad_sets;
          return;
        }
        pos += 4;  // enterprise number: not an IANA element, skipped by length
        fid = 0;
      }
      if (!ipfix && flen == 65535) {
        ++stats_.bad_sets;  // NetFlow v9 has no variable-length fields
        return;
      }
      if (!too_many) t.fields.push_back(Field{fid, flen});
      t.min_length += flen == 65535 ? 1 : flen;
    }
    if (options) {
      ++stats_.options_templates;
    } else {
      ++stats_.templates;
    }
    Key key{ctx.exporter, ctx.domain, id, ctx.version};
    if (too_many || t.min_length == 0 ||
        (templates_.size() >= limits_.max_templates && templates_.find(key) == templates_.end())) {
      ++stats_.template_limit;
      continue;
    }
    templates_[key] = std::move(t);
  }
}

void IpfixDecoder::DecodeData(const Context& ctx, const Template& t, std::span<const uint8_t> set,
                              std::vector<record::NatRecord>* out) {
  size_t pos = 0;
  while (set.size() - pos >= t.min_length) {
    size_t used = 0;
    if (!DecodeRecord(ctx, t, set.subspan(pos), &used, out)) {
      // A variable-length field overran the set: the rest is padding or damage.
      if (!(set.size() - pos < 4 && std::all_of(set.begin() + static_cast<ptrdiff_t>(pos),
                                                set.end(), [](uint8_t b) { return b == 0; }))) {
        ++stats_.bad_sets;
      }
      return;
    }
    pos += used;
  }
}

bool IpfixDecoder::DecodeRecord(const Context& ctx, const Template& t, std::span<const uint8_t> rec,
                                size_t* used, std::vector<record::NatRecord>* out) {
  Fields f;
  size_t pos = 0;
  for (const Field& field : t.fields) {
    size_t len = field.length;
    if (len == 65535) {
      if (pos + 1 > rec.size()) return false;
      len = rec[pos++];
      if (len == 255) {
        if (pos + 2 > rec.size()) return false;
        len = Be16(rec.data() + pos);
        pos += 2;
      }
    }
    if (pos + len > rec.size()) return false;
    if (field.id != 0) SetField(field.id, rec.data() + pos, len, ctx.boot_ms, &f);
    pos += len;
  }
  *used = pos;
  if (pos == 0) return false;
  ++stats_.data_records;

  EventKind kind;
  if (f.have_event) {
    kind = KindOf(f.event);
    if (kind == EventKind::kOther) {
      ++stats_.nat_other_events;
      return true;
    }
  } else if (f.have_post_src && f.have_src &&
             (!(f.post_src == f.src) || (f.post_sport != 0 && f.post_sport != f.sport))) {
    kind = f.end_ms >= 0 ? EventKind::kDelete : EventKind::kCreate;  // a flow record with NAT
  } else {
    ++stats_.non_nat_records;
    return true;
  }
  if (!f.have_src || !f.have_post_src) {
    ++stats_.incomplete_nat;
    return true;
  }
  record::NatRecord r;
  r.source = ctx.version == 10 ? "ipfix" : "nf9";
  r.inside_ip = f.src;
  r.outside_ip = f.post_src;
  if (f.have_proto) {
    char buf[4];
    r.proto = std::string(IpProtoName(f.proto, buf));
  }
  const TimestampUs event_time = f.obs_ms >= 0 ? MsToUs(f.obs_ms) : ctx.export_time;
  if (kind == EventKind::kBlockAlloc || kind == EventKind::kBlockFree) {
    r.outside_port = f.have_range_start ? f.range_start : f.post_sport;
    if (f.have_range_end) {
      r.outside_port_end = f.range_end;
    } else if (f.range_num > 0 && uint32_t{r.outside_port} + f.range_num - 1 <= 65535) {
      r.outside_port_end = static_cast<uint16_t>(r.outside_port + f.range_num - 1);
    } else {
      r.outside_port_end = r.outside_port;
    }
    if (r.outside_port_end < r.outside_port) r.outside_port_end = r.outside_port;
  } else {
    r.inside_port = f.sport;
    r.outside_port = f.post_sport;
    if (f.have_post_dst) {
      r.remote_ip = f.post_dst;
    } else if (f.have_dst) {
      r.remote_ip = f.dst;
    }
    r.remote_port = f.have_post_dport ? f.post_dport : f.dport;
  }
  if (kind == EventKind::kCreate || kind == EventKind::kBlockAlloc) {
    r.ts = f.start_ms >= 0 ? MsToUs(f.start_ms) : event_time;
  } else {
    r.end_ts = f.end_ms >= 0 ? MsToUs(f.end_ms) : event_time;
    r.ts = f.start_ms >= 0 && MsToUs(f.start_ms) <= r.end_ts ? MsToUs(f.start_ms) : r.end_ts;
  }
  ++stats_.nat_records;
  out->push_back(std::move(r));
  return true;
}

}  // namespace netward::identity
