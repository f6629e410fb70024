#include "analyzers/radius.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "analyzers/radius_wire.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

namespace rw = radius;

constexpr size_t kMaxPending = 16;
constexpr size_t kRecentAccounting = 8;

// An Access-Request waiting for its Accept/Reject.
struct PendingAuth {
  bool used = false;
  uint8_t id = 0;
  uint64_t seq = 0;
  rw::RadiusFields fields;
};

class RadiusAnalyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override {
    (void)dir;
    if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "radius";
    rw::ParseError e = rw::ParseRadius(data, &packet_);
    if (e != rw::ParseError::kOk) {
      ctx.Event(rw::ParseErrorEvent(e));
      return;
    }
    switch (packet_.code) {
      case rw::kAccountingRequest:
        OnAccounting(ctx);
        break;
      case rw::kAccessRequest:
        OnAccessRequest(ctx);
        break;
      case rw::kAccessChallenge:
        Extract(ctx);
        if (fields_.has_framed_ip) {
          challenge_ip_ = fields_.framed_ip;
          has_challenge_ip_ = true;
        }
        break;
      case rw::kAccessAccept:
      case rw::kAccessReject:
        OnAccessAnswer(ctx);
        break;
      default:
        break;  // Accounting-Response, Status-*: nothing to record
    }
  }

  void Finish(AnalyzerContext& ctx) override {
    for (PendingAuth& p : pending_) {
      if (!p.used) continue;
      ctx.Event("radius.unanswered_request");
      p.used = false;
    }
  }

 private:
  void Extract(AnalyzerContext& ctx) {
    rw::ExtractRadiusFields(packet_, &fields_);
    if (fields_.malformed) ctx.Event("radius.bad_attribute_value");
  }

  void OnAccounting(AnalyzerContext& ctx) {
    // Retransmission: the NAS resends the very same packet (same id and authenticator).
    std::array<uint8_t, 17> key;
    key[0] = packet_.id;
    std::memcpy(key.data() + 1, packet_.authenticator().data(), 16);
    for (size_t i = 0; i < std::min(next_recent_, kRecentAccounting); ++i) {
      if (recent_[i] == key) {
        ctx.Event("radius.retransmission");
        return;
      }
    }
    recent_[next_recent_++ % kRecentAccounting] = key;
    Extract(ctx);
    std::string_view event = rw::AcctStatusEvent(fields_.status_type);
    if (event.empty()) {
      ctx.Event("radius.accounting_other_status");
      return;
    }
    rw::FillLoginRecord(fields_, &rec_);
    rec_.ts = rw::RadiusEventTime(fields_, ctx.now);
    rec_.event = event;
    ctx.out->Add(rec_);
  }

  void OnAccessRequest(AnalyzerContext& ctx) {
    Extract(ctx);
    PendingAuth* slot = nullptr;
    PendingAuth* oldest = nullptr;
    for (PendingAuth& p : pending_) {
      if (p.used && p.id == packet_.id) {  // a retransmission or a reused id: replace it
        slot = &p;
        break;
      }
      if (!p.used && !slot) slot = &p;
      if (p.used && (!oldest || p.seq < oldest->seq)) oldest = &p;
    }
    if (!slot) {
      if (pending_.size() < kMaxPending) {
        pending_.emplace_back();
        slot = &pending_.back();
      } else {
        ctx.Event("radius.too_many_pending");
        slot = oldest;
      }
    }
    slot->used = true;
    slot->id = packet_.id;
    slot->seq = next_seq_++;
    std::swap(slot->fields, fields_);
  }

  void OnAccessAnswer(AnalyzerContext& ctx) {
    Extract(ctx);
    PendingAuth* match = nullptr;
    for (PendingAuth& p : pending_) {
      if (p.used && p.id == packet_.id) match = &p;
    }
    if (!match) ctx.Event("radius.unmatched_response");
    // Who: from the request (an answer rarely repeats User-Name); where: from the answer.
    rw::RadiusFields& who = match ? match->fields : fields_;
    rw::FillLoginRecord(who, &rec_);
    if (!fields_.user_name.empty() && rec_.account.empty()) rec_.account = fields_.user_name;
    if (fields_.has_framed_ip) {
      rec_.ip = fields_.framed_ip;
    } else if (has_challenge_ip_) {
      rec_.ip = challenge_ip_;
    }
    if (!fields_.ipv6_prefixes.empty()) rec_.ipv6_prefix = fields_.ipv6_prefixes;
    if (!fields_.session_id.empty()) rec_.session_id = fields_.session_id;
    rec_.vendor_attrs.insert(rec_.vendor_attrs.end(), fields_.vendor_attrs.begin(),
                             fields_.vendor_attrs.end());
    if (rec_.vendor_attrs.size() > rw::kMaxVendorAttrs)
      rec_.vendor_attrs.resize(rw::kMaxVendorAttrs);
    rec_.ts = ctx.now;
    rec_.event = packet_.code == rw::kAccessAccept ? "accept" : "reject";
    ctx.out->Add(rec_);
    if (match) match->used = false;
    has_challenge_ip_ = false;  // the next login attempt starts afresh
  }

  rw::Packet packet_;
  rw::RadiusFields fields_;
  std::vector<PendingAuth> pending_;
  uint64_t next_seq_ = 0;
  std::array<std::array<uint8_t, 17>, kRecentAccounting> recent_{};
  size_t next_recent_ = 0;
  IpAddress challenge_ip_;
  bool has_challenge_ip_ = false;
  record::LoginRecord rec_;  // reused for every record
};

}  // namespace

std::unique_ptr<Analyzer> NewRadiusAnalyzer() { return std::make_unique<RadiusAnalyzer>(); }

bool LooksLikeRadius(Direction dir, std::span<const uint8_t> first_datagram) {
  return rw::LooksLikeRadiusPacket(dir == Direction::kToServer, first_datagram);
}

}  // namespace netward::analyzers
