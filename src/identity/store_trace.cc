#include "identity/store_trace.h"

#include <string>
#include <utility>
#include <vector>

#include "record/json_decoder.h"

namespace netward::identity {
namespace {

// Feeds every record of R's stream matching `where` with ts in [from, to) to `add`.
template <typename R, typename F>
Status Load(store::StoreReader* reader, TimestampUs from, TimestampUs to,
            std::vector<std::pair<std::string, std::string>> where, F&& add) {
  store::QuerySpec spec;
  spec.stream = R::kStream;
  spec.from = from;
  spec.to = to;
  spec.where = std::move(where);
  R record;
  return reader->Query(spec, [&](uint64_t, std::string_view line) {
    if (record::DecodeJsonLine(line, &record, nullptr, nullptr).ok()) add(record);
    return true;
  });
}

}  // namespace

Status TraceInStore(store::StoreReader* reader, const StoreTraceQuestion& q,
                    StoreTraceAnswer* out) {
  *out = StoreTraceAnswer();
  out->inside = q.address;
  IndexOptions io;
  io.skew_tolerance = q.skew;
  io.open_nat_ttl = q.nat_lookback;
  io.open_login_ttl = q.login_lookback;
  io.max_nat_mappings = size_t{1} << 26;
  io.max_login_intervals = size_t{1} << 24;
  // Records after T count too: a NAT delete logged later says when the mapping ended; a stop,
  // a release or another holder's start after T, when the interval that holds T did.
  const TimestampUs nat_until = q.at + q.skew + 3600 * kUsPerSecond;
  const TimestampUs login_until = q.at + q.skew + 86400 * kUsPerSecond;

  if (q.port >= 0) {
    IdentityIndex nat(io);
    auto add = [&](const record::NatRecord& n) { nat.AddNat(n); };
    const std::string a = q.address.ToString();
    Status s =
        Load<record::NatRecord>(reader, q.at - q.nat_lookback, nat_until,
                                {{"outside_ip", a}, {"outside_port", std::to_string(q.port)}}, add);
    if (s.ok()) {
      s = Load<record::NatRecord>(reader, q.at - q.nat_lookback, nat_until,
                                  {{"outside_ip", a}, {"inside_port", "0"}}, add);
    }
    if (!s.ok()) return s;
    out->nat = nat.FindByOutside(q.address, static_cast<uint16_t>(q.port), q.at, q.proto, q.remote,
                                 q.remote_port);
    if (out->nat) out->inside = out->nat->inside_ip;
  }

  std::vector<TimestampUs> backs;
  for (TimestampUs b : {3600 * kUsPerSecond, 86400 * kUsPerSecond}) {
    if (b < q.login_lookback) backs.push_back(b);
  }
  backs.push_back(q.login_lookback);
  for (TimestampUs back : backs) {
    IdentityIndex logins(io);
    auto add = [&](const record::LoginRecord& l) { logins.AddLogin(l); };
    // An IPv6 address may lie in a delegated prefix: every login of the window is read.
    Status s = out->inside.is_v4()
                   ? Load<record::LoginRecord>(reader, q.at - back, login_until,
                                               {{"ip", out->inside.ToString()}}, add)
                   : Load<record::LoginRecord>(reader, q.at - back, login_until, {}, add);
    if (!s.ok()) return s;
    out->subscriber = logins.FindSubscriber(out->inside, q.at);
    if (out->subscriber) break;
  }
  return Status::OK();
}

}  // namespace netward::identity
