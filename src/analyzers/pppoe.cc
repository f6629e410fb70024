#include "analyzers/pppoe.h"

#include <cstdio>
#include <cstring>

#include "analyzers/link_text.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

constexpr uint16_t kEtherDiscovery = 0x8863;
constexpr uint16_t kEtherSession = 0x8864;

constexpr uint8_t kPads = 0x65;
constexpr uint8_t kPadt = 0xa7;

constexpr uint16_t kProtoLcp = 0xc021;
constexpr uint16_t kProtoPap = 0xc023;
constexpr uint16_t kProtoChap = 0xc223;
constexpr uint16_t kProtoIpcp = 0x8021;

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

uint64_t Key(const uint8_t* mac, uint16_t id) {
  uint64_t k = 0;
  for (int i = 0; i < 6; ++i) k = (k << 8) | mac[i];
  return (k << 16) | id;
}

}  // namespace

PppoeTracker::Session* PppoeTracker::Find(const uint8_t* mac, uint16_t id) {
  auto it = sessions_.find(Key(mac, id));
  return it == sessions_.end() ? nullptr : &it->second;
}

PppoeTracker::Session* PppoeTracker::Open(const uint8_t* client_mac, uint16_t id,
                                          EventCounter* events) {
  if (Session* s = Find(client_mac, id)) return s;
  if (sessions_.size() >= kMaxSessions) {
    // Evict the oldest: a scan, but only when the table is full (a flood of PADS).
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.seq < oldest->second.seq) oldest = it;
    }
    sessions_.erase(oldest);
    if (events) events->Count("pppoe.session_table_full");
  }
  Session& s = sessions_[Key(client_mac, id)];
  std::memcpy(s.client_mac, client_mac, 6);
  s.id = id;
  s.seq = next_seq_++;
  return &s;
}

void PppoeTracker::Process(const PppoeFrame& f, record::RecordBatch* out, EventCounter* events) {
  auto count = [&](std::string_view e) {
    if (events) events->Count(e);
  };
  if (f.body.size() < 6 || !f.src_mac || !f.dst_mac) {
    count("pppoe.truncated_control");
    return;
  }
  if (f.body[0] != 0x11) {
    count("pppoe.bad_version");
    return;
  }
  const uint8_t code = f.body[1];
  const uint16_t id = Get16(f.body.data() + 2);
  size_t len = Get16(f.body.data() + 4);
  std::span<const uint8_t> payload = f.body.subspan(6);
  if (len < payload.size()) payload = payload.first(len);  // Ethernet padding follows

  if (f.ethertype == kEtherDiscovery) {
    if (code == kPads && id != 0) {
      Open(f.dst_mac, id, events);  // the access concentrator answers the client
    } else if (code == kPadt) {
      Session* s = Find(f.src_mac, id);
      if (!s) s = Find(f.dst_mac, id);
      if (s) Stop(s, f.ts, "padt", out);
    }
    return;
  }
  if (f.ethertype != kEtherSession) return;
  if (payload.size() >= 2 && payload[0] == 0xff && payload[1] == 0x03) payload = payload.subspan(2);
  if (payload.size() < 2) {
    count("pppoe.truncated_control");
    return;
  }
  Control(f, id, Get16(payload.data()), payload.subspan(2), out, events);
}

void PppoeTracker::Control(const PppoeFrame& f, uint16_t id, uint16_t proto,
                           std::span<const uint8_t> p, record::RecordBatch* out,
                           EventCounter* events) {
  auto count = [&](std::string_view e) {
    if (events) events->Count(e);
  };
  // Every control packet: code(1) identifier(1) length(2), then data.
  if (p.size() < 4) {
    count("pppoe.truncated_control");
    return;
  }
  const uint8_t code = p[0];
  size_t len = Get16(p.data() + 2);
  if (len < 4 || len > p.size()) {
    count("pppoe.truncated_control");
    return;
  }
  std::span<const uint8_t> data = p.subspan(4, len - 4);
  Session* from_client = Find(f.src_mac, id);  // sent by the session's client
  Session* to_client = Find(f.dst_mac, id);    // sent toward it

  auto take_name = [&](Session* s, std::span<const uint8_t> name) {
    if (name.size() > kMaxName) {
      count("pppoe.name_too_long");
      name = name.first(kMaxName);
    }
    s->account.assign(name.begin(), name.end());
  };

  switch (proto) {
    case kProtoPap:
      if (code == 1) {  // Authenticate-Request: peer-id length, peer-id, password length...
        if (data.empty() || data[0] + 1u > data.size()) {
          count("pppoe.truncated_control");
          return;
        }
        Session* s = from_client ? from_client : Open(f.src_mac, id, events);
        take_name(s, data.subspan(1, data[0]));  // the password is never kept
      } else if (code == 3) {
        count("pppoe.auth_failure");
      }
      return;
    case kProtoChap:
      if (code == 2) {  // Response: value size, value, name
        if (data.empty() || data[0] + 1u > data.size()) {
          count("pppoe.truncated_control");
          return;
        }
        Session* s = from_client ? from_client : Open(f.src_mac, id, events);
        take_name(s, data.subspan(1 + data[0]));
      } else if (code == 4) {
        count("pppoe.auth_failure");
      }
      return;
    case kProtoIpcp: {
      if (code != 2 || !to_client) return;  // Configure-Ack toward the client
      // Options: type(1) length(2..), IP-Address is type 3, length 6.
      size_t i = 0;
      while (i + 2 <= data.size()) {
        size_t olen = data[i + 1];
        if (olen < 2 || i + olen > data.size()) {
          count("pppoe.truncated_control");
          return;
        }
        if (data[i] == 3 && olen == 6) {
          to_client->ip = IpAddress::FromV4(data.data() + i + 2);
          if (!to_client->started && !to_client->ip.is_unspecified()) {
            to_client->started = true;
            to_client->start_ts = f.ts;
            record::LoginRecord r;
            r.ts = f.ts;
            r.event = "start";
            r.source = "pppoe";
            r.account = to_client->account;
            r.mac = detail::FormatMac(to_client->client_mac);
            r.ip = to_client->ip;
            char sid[5];
            std::snprintf(sid, sizeof(sid), "%04x", to_client->id);
            r.session_id = sid;
            out->Add(r);
          }
        }
        i += olen;
      }
      return;
    }
    case kProtoLcp:
      if (code == 5 || code == 6) {  // Terminate-Request / Terminate-Ack
        Session* s = from_client ? from_client : to_client;
        if (s) Stop(s, f.ts, "lcp_terminate", out);
      }
      return;
    default:
      return;
  }
}

void PppoeTracker::Stop(Session* s, TimestampUs ts, const char* cause, record::RecordBatch* out) {
  if (s->started) {
    record::LoginRecord r;
    r.ts = ts;
    r.event = "stop";
    r.source = "pppoe";
    r.account = s->account;
    r.mac = detail::FormatMac(s->client_mac);
    r.ip = s->ip;
    char sid[5];
    std::snprintf(sid, sizeof(sid), "%04x", s->id);
    r.session_id = sid;
    r.duration_s = ts > s->start_ts ? static_cast<uint32_t>((ts - s->start_ts) / kUsPerSecond) : 0;
    r.terminate_cause = cause;
    out->Add(r);
  }
  sessions_.erase(Key(s->client_mac, s->id));
}

}  // namespace netward::analyzers
