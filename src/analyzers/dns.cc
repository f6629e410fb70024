#include "analyzers/dns.h"

#include <algorithm>
#include <string>
#include <vector>

#include "analyzers/dns_wire.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

using detail::DnsNameError;

constexpr size_t kMaxPending = 64;
constexpr size_t kMaxAnswers = 64;
constexpr size_t kHeaderSize = 12;

uint16_t Get16(std::span<const uint8_t> m, size_t off) {
  return static_cast<uint16_t>((m[off] << 8) | m[off + 1]);
}
uint32_t Get32(std::span<const uint8_t> m, size_t off) {
  return (static_cast<uint32_t>(m[off]) << 24) | (static_cast<uint32_t>(m[off + 1]) << 16) |
         (static_cast<uint32_t>(m[off + 2]) << 8) | m[off + 3];
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// A query waiting for its response. Slots are reused so their strings keep their capacity.
struct Pending {
  bool used = false;
  bool has_question = false;
  uint16_t id = 0;
  uint16_t qtype = 0;
  uint64_t seq = 0;  // arrival order, for oldest-first matching and eviction
  TimestampUs ts = 0;
  std::string name;
};

class DnsAnalyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override {
    if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "dns";
    if (ctx.flow && ctx.flow->ip_proto == 6) {
      DeliverTcp(ctx, dir, data);
    } else {
      HandleMessage(ctx, dir, data);
    }
  }

  void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) override {
    (void)ctx, (void)length;
    // The length prefixes are lost: this direction cannot be re-framed.
    tcp_[static_cast<int>(dir)].dead = true;
  }

  void Finish(AnalyzerContext& ctx) override {
    while (true) {
      Pending* oldest = nullptr;
      for (Pending& p : pending_)
        if (p.used && (!oldest || p.seq < oldest->seq)) oldest = &p;
      if (!oldest) break;
      EmitUnanswered(ctx, *oldest);
    }
  }

 private:
  struct TcpSide {
    std::vector<uint8_t> buf;  // a partial length-prefixed message, reused
    bool dead = false;
  };

  void DeliverTcp(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) {
    TcpSide& s = tcp_[static_cast<int>(dir)];
    while (!data.empty() && !s.dead) {
      if (s.buf.empty() && data.size() >= 2) {  // fast path: a whole message in this chunk
        size_t len = Get16(data, 0);
        if (data.size() >= 2 + len) {
          HandleMessage(ctx, dir, data.subspan(2, len));
          data = data.subspan(2 + len);
          continue;
        }
      }
      size_t want = s.buf.size() < 2 ? 2 - s.buf.size() : 2 + Get16(s.buf, 0) - s.buf.size();
      size_t take = std::min(want, data.size());
      s.buf.insert(s.buf.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(take));
      data = data.subspan(take);
      if (s.buf.size() >= 2 && s.buf.size() == 2u + Get16(s.buf, 0)) {
        HandleMessage(ctx, dir, std::span<const uint8_t>(s.buf).subspan(2));
        s.buf.clear();
      }
    }
  }

  // Counts the event for a name error; true if the name was read fine.
  static bool NameOk(AnalyzerContext& ctx, DnsNameError e) {
    if (e == DnsNameError::kOk) return true;
    ctx.Event(detail::DnsNameErrorEvent(e));
    return false;
  }

  void HandleMessage(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> msg) {
    if (msg.size() < kHeaderSize) {
      ctx.Event("dns.truncated_message");
      return;
    }
    const uint16_t id = Get16(msg, 0);
    const uint16_t flags = Get16(msg, 2);
    const uint16_t qdcount = Get16(msg, 4);
    const uint16_t ancount = Get16(msg, 6);
    const bool is_response = flags & 0x8000;

    size_t pos = kHeaderSize;
    bool ok = true;
    bool has_question = false;
    uint16_t qtype = 0;
    qname_.clear();
    for (uint16_t i = 0; i < qdcount && ok; ++i) {
      std::string* name = i == 0 ? &qname_ : &scratch_;
      ok = NameOk(ctx, detail::ReadDnsName(msg, &pos, name));
      if (ok && pos + 4 > msg.size()) {
        ctx.Event("dns.truncated_message");
        ok = false;
      }
      if (ok) {
        if (i == 0) {
          qtype = Get16(msg, pos);
          has_question = true;
        }
        pos += 4;
      }
    }

    if (!is_response) {
      if (has_question && ctx.content_hook)
        ctx.content_hook(ctx.content_hook_user, "dns.query", qname_);
      AddQuery(ctx, id, has_question, qtype);
      return;
    }

    // A response: find the oldest pending query it answers.
    Pending* match = nullptr;
    for (Pending& p : pending_) {
      if (!p.used || p.id != id) continue;
      // A response without a question (an mDNS announcement, always id 0) answers no query
      // that had one: Zeek's mdns-no-assoc baseline keeps them apart too.
      if (has_question != p.has_question) continue;
      if (has_question && (p.qtype != qtype || !EqualsNoCase(p.name, qname_))) continue;
      if (!match || p.seq < match->seq) match = &p;
    }
    if (!match) ctx.Event("dns.unmatched_response");

    FillHeader(ctx, id);
    rec_.ts = match ? match->ts : ctx.now;
    rec_.query = match ? match->name : qname_;
    if (match ? match->has_question : has_question)
      detail::AppendDnsTypeName(match ? match->qtype : qtype, &rec_.qtype);
    detail::AppendDnsRcodeName(flags & 0x000F, &rec_.rcode);

    for (uint16_t i = 0; i < ancount && ok; ++i) {
      ok = NameOk(ctx, detail::ReadDnsName(msg, &pos, &scratch_));
      if (!ok) break;
      if (pos + 10 > msg.size()) {
        ctx.Event("dns.truncated_message");
        break;
      }
      const uint16_t type = Get16(msg, pos);
      const uint32_t ttl = Get32(msg, pos + 4);
      const uint16_t rdlen = Get16(msg, pos + 8);
      const size_t rdata = pos + 10;
      if (rdata + rdlen > msg.size()) {
        ctx.Event("dns.truncated_message");
        break;
      }
      pos = rdata + rdlen;
      // A response without a question (mDNS announcements) is named by its first answer.
      if (!match && !has_question && i == 0) rec_.query = scratch_;
      if (type == 41) continue;  // OPT does not belong here; ignore it
      if (rec_.answers.size() >= kMaxAnswers) continue;
      rec_.answers.emplace_back();
      DnsNameError e =
          detail::FormatDnsRdata(msg, type, rdata, rdlen, scratch_, &rec_.answers.back());
      if (e != DnsNameError::kOk) {
        ctx.Event(detail::DnsNameErrorEvent(e));
        rec_.answers.pop_back();
        if (e != DnsNameError::kTruncated) break;  // a bad name: stop reading this message
        continue;                                  // bad rdata: its length still frames it
      }
      rec_.ttls.push_back(ttl);
      if ((type == 1 || type == 28) && ctx.dns_observer) {
        IpAddress addr = type == 1 ? IpAddress::FromV4(msg.data() + rdata)
                                   : IpAddress::FromV6(msg.data() + rdata);
        // The querier is whoever this response is sent to.
        const IpAddress& querier =
            dir == Direction::kToClient ? ctx.flow->client_ip : ctx.flow->server_ip;
        ctx.dns_observer->OnDnsAnswer(querier, rec_.query, addr, ttl, rec_.ts);
      }
    }
    ctx.out->Add(rec_);
    if (match) match->used = false;
  }

  void AddQuery(AnalyzerContext& ctx, uint16_t id, bool has_question, uint16_t qtype) {
    Pending* slot = nullptr;
    Pending* oldest = nullptr;
    for (Pending& p : pending_) {
      if (!p.used) {
        if (!slot) slot = &p;
        continue;
      }
      // A retransmission is a query of its own, as in Zeek: the answer completes the oldest
      // one and the later copies are recorded unanswered, so every lookup the client sent shows.
      if (!oldest || p.seq < oldest->seq) oldest = &p;
    }
    if (!slot) {
      if (pending_.size() < kMaxPending) {
        pending_.emplace_back();
        slot = &pending_.back();
      } else {
        ctx.Event("dns.too_many_pending");
        EmitUnanswered(ctx, *oldest);  // record the oldest as unanswered, reuse its slot
        slot = oldest;
      }
    }
    slot->used = true;
    slot->has_question = has_question;
    slot->id = id;
    slot->qtype = qtype;
    slot->seq = next_seq_++;
    slot->ts = ctx.now;
    slot->name = qname_;
  }

  void FillHeader(const AnalyzerContext& ctx, uint16_t id) {
    const FlowEndpoints& f = *ctx.flow;
    rec_.src_ip = f.client_ip;
    rec_.src_port = f.client_port;
    rec_.dst_ip = f.server_ip;
    rec_.dst_port = f.server_port;
    rec_.proto = f.ip_proto == 6 ? "tcp" : "udp";
    rec_.trans_id = id;
    rec_.qtype.clear();
    rec_.rcode.clear();
    rec_.answers.clear();
    rec_.ttls.clear();
  }

  void EmitUnanswered(AnalyzerContext& ctx, Pending& p) {
    FillHeader(ctx, p.id);
    rec_.ts = p.ts;
    rec_.query = p.name;
    if (p.has_question) detail::AppendDnsTypeName(p.qtype, &rec_.qtype);
    ctx.out->Add(rec_);
    p.used = false;
  }

  std::vector<Pending> pending_;
  uint64_t next_seq_ = 0;
  TcpSide tcp_[2];
  record::DnsRecord rec_;  // reused for every record
  std::string qname_;      // the current message's first question name
  std::string scratch_;    // other names
};

// Parses one DNS message far enough to judge it: header, then every question.
bool PlausibleMessage(Direction dir, std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize) return false;
  const uint16_t flags = Get16(msg, 2);
  const bool is_response = flags & 0x8000;
  const uint16_t opcode = (flags >> 11) & 0xF;
  const uint16_t qdcount = Get16(msg, 4);
  if (is_response != (dir == Direction::kToClient)) return false;
  if (opcode != 0 && opcode != 4 && opcode != 5) return false;  // query, notify, update
  if (qdcount < 1 || qdcount > 4) return false;
  if (!is_response && (flags & 0x000F) != 0) return false;  // queries carry rcode 0
  if (Get16(msg, 6) > 256 || Get16(msg, 8) > 256 || Get16(msg, 10) > 256) return false;
  size_t pos = kHeaderSize;
  std::string name;  // a detection probe runs once per flow; short names fit SSO
  for (uint16_t i = 0; i < qdcount; ++i) {
    if (detail::ReadDnsName(msg, &pos, &name) != DnsNameError::kOk) return false;
    if (pos + 4 > msg.size()) return false;
    const uint16_t qclass = Get16(msg, pos + 2) & 0x7FFF;  // mDNS: top bit = unicast response
    if (qclass != 1 && qclass != 3 && qclass != 4 && qclass != 254 && qclass != 255) return false;
    if (Get16(msg, pos) == 0) return false;
    pos += 4;
  }
  return true;
}

}  // namespace

std::unique_ptr<Analyzer> NewDnsAnalyzer() { return std::make_unique<DnsAnalyzer>(); }

bool LooksLikeDns(Direction dir, std::span<const uint8_t> first_bytes) {
  if (PlausibleMessage(dir, first_bytes)) return true;
  if (first_bytes.size() >= 2) {  // TCP: a length prefix, then the message (maybe cut short)
    size_t len = Get16(first_bytes, 0);
    std::span<const uint8_t> rest = first_bytes.subspan(2);
    if (len >= kHeaderSize && PlausibleMessage(dir, rest.first(std::min(len, rest.size()))))
      return true;
  }
  return false;
}

}  // namespace netward::analyzers
