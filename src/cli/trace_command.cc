// `netward trace`: "public address A, port P, at time T: who was that?" answered from a store.
// The chain: the nat stream maps A:P at T to an inside address (single mappings and port
// blocks), the login stream names the subscriber who held that address at T, and the session
// stream lists that subscriber's sessions around T. The matching rules (clock skew, overlapping
// leases, address reuse, port blocks) are those of the identity index (identity/identity_index.h),
// loaded with just the records the question needs. docs/identity.md describes the command.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <vector>

#include "cli/commands.h"
#include "common/config.h"
#include "common/ip_proto.h"
#include "identity/identity_index.h"
#include "identity/store_trace.h"
#include "record/json_decoder.h"
#include "record/json_encoder.h"
#include "store/store.h"

namespace netward::cli {
namespace {

struct TraceOptions {
  std::string store, ip, at, window = "5m", format = "text", skew = "2s";
  std::string nat_lookback = "24h", login_lookback = "7d";
  std::string remote_ip, proto;
  int port = -1;
  int remote_port = 0;
};

// "" for an unknown protocol (0), else its record name.
std::string ProtoText(uint8_t p) {
  if (p == 0) return "";
  char buf[4];
  return std::string(IpProtoName(p, buf));
}

std::string Endpoint(const IpAddress& ip, uint16_t port) {
  std::string s = ip.ToString();
  if (!ip.is_v4()) s = "[" + s + "]";
  return s + ":" + std::to_string(port);
}

std::string Duration(TimestampUs us) {
  if (us % (3600 * kUsPerSecond) == 0) return std::to_string(us / 3600 / kUsPerSecond) + "h";
  if (us % (60 * kUsPerSecond) == 0) return std::to_string(us / 60 / kUsPerSecond) + "m";
  if (us % kUsPerSecond == 0) return std::to_string(us / kUsPerSecond) + "s";
  return std::to_string(us) + "us";
}

struct TraceResult {
  std::optional<identity::NatMapping> nat;
  IpAddress inside;
  std::optional<identity::Subscriber> subscriber;
  std::vector<std::pair<TimestampUs, std::string>> ordered;
  std::string missing;
};

void PrintText(const TraceOptions& o, const IpAddress& a, TimestampUs at, TimestampUs window,
               TimestampUs skew, const TraceResult& r) {
  std::string out;
  out += "question    " +
         (o.port >= 0 ? Endpoint(a, static_cast<uint16_t>(o.port)) : a.ToString()) + " at " +
         FormatIso8601(at) + " (window " + Duration(window) + ", skew " + Duration(skew) + ")\n";
  if (r.nat) {
    const auto& m = *r.nat;
    out += "nat         " + Endpoint(m.outside_ip, m.outside_port);
    if (m.is_block()) out += "-" + std::to_string(m.outside_port_end) + " (port block)";
    out += " <- " + Endpoint(m.inside_ip, m.inside_port);
    if (m.proto) out += " " + ProtoText(m.proto);
    if (!m.remote_ip.is_unspecified()) out += " to " + Endpoint(m.remote_ip, m.remote_port);
    out += ", " + FormatIso8601(m.ts) + " .. " + (m.end_ts ? FormatIso8601(m.end_ts) : "open");
    if (!m.source.empty()) out += ", source " + m.source;
    out += "\n";
  } else if (o.port >= 0 && r.subscriber) {
    out += "nat         none: " + a.ToString() + " is the subscriber's own address\n";
  }
  if (r.nat || r.subscriber) out += "inside      " + r.inside.ToString() + "\n";
  if (r.subscriber) {
    const auto& s = *r.subscriber;
    out += "subscriber  account " + (s.account.empty() ? "-" : s.account) + ", calling_id " +
           (s.calling_id.empty() ? "-" : s.calling_id) + ", mac " + (s.mac.empty() ? "-" : s.mac) +
           ", source " + s.source + "\n";
    out += "            login " + FormatIso8601(s.login_ts) + ", " +
           (s.end_ts ? "logout " + FormatIso8601(s.end_ts) : std::string("no logout seen"));
    if (!s.ipv6_prefix.empty()) out += ", prefix " + s.ipv6_prefix;
    if (!s.session_id.empty()) out += ", session " + s.session_id;
    out += "\n";
  }
  if (!r.ordered.empty()) {
    out += "sessions    " + std::to_string(r.ordered.size()) + " between " +
           FormatIso8601(at - window) + " and " + FormatIso8601(at + window) + "\n";
    record::SessionRecord s;
    for (const auto& [ts, line] : r.ordered) {
      if (!record::DecodeJsonLine(line, &s, nullptr, nullptr).ok()) continue;
      out += "  " + FormatIso8601(s.ts) + " " + s.proto + " " + Endpoint(s.src_ip, s.src_port) +
             " -> " + Endpoint(s.dst_ip, s.dst_port);
      if (!s.nat_ip.is_unspecified()) out += " via " + Endpoint(s.nat_ip, s.nat_port);
      if (!s.app.empty()) out += " " + s.app;
      if (!s.host.empty()) out += " " + s.host;
      out += " up " + std::to_string(s.bytes_up) + " down " + std::to_string(s.bytes_down) + "\n";
    }
  }
  if (!r.missing.empty()) out += "missing     " + r.missing + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void PrintJson(const TraceOptions& o, const IpAddress& a, TimestampUs at, TimestampUs window,
               const TraceResult& r) {
  using record::detail::AppendIp;
  using record::detail::AppendJsonString;
  using record::detail::AppendTime;
  std::string out = "{\"ip\":";
  AppendIp(a, &out);
  out += ",\"port\":" + (o.port >= 0 ? std::to_string(o.port) : std::string("null"));
  out += ",\"at\":";
  AppendTime(at, &out);
  out += ",\"window_s\":" + std::to_string(window / kUsPerSecond);
  out += ",\"nat\":";
  if (r.nat) {
    const auto& m = *r.nat;
    record::NatRecord n;
    n.ts = m.ts;
    n.end_ts = m.end_ts;
    n.proto = ProtoText(m.proto);
    n.inside_ip = m.inside_ip;
    n.inside_port = m.inside_port;
    n.outside_ip = m.outside_ip;
    n.outside_port = m.outside_port;
    n.outside_port_end = m.outside_port_end;
    n.remote_ip = m.remote_ip;
    n.remote_port = m.remote_port;
    n.source = m.source;
    std::string line;
    record::EncodeJsonLine(n, "", &line);
    // Drop the empty "site" the encoder appends: this object is not a stored record.
    size_t site = line.rfind(",\"site\":");
    out += line.substr(0, site) + "}";
  } else {
    out += "null";
  }
  out += ",\"inside_ip\":";
  if (r.nat || r.subscriber) {
    AppendIp(r.inside, &out);
  } else {
    out += "null";
  }
  out += ",\"subscriber\":";
  if (r.subscriber) {
    const auto& s = *r.subscriber;
    out += "{\"account\":";
    AppendJsonString(s.account, &out);
    out += ",\"calling_id\":";
    AppendJsonString(s.calling_id, &out);
    out += ",\"mac\":";
    AppendJsonString(s.mac, &out);
    out += ",\"source\":";
    AppendJsonString(s.source, &out);
    out += ",\"session_id\":";
    AppendJsonString(s.session_id, &out);
    out += ",\"ipv6_prefix\":";
    AppendJsonString(s.ipv6_prefix, &out);
    out += ",\"login_ts\":";
    AppendTime(s.login_ts, &out);
    out += ",\"logout_ts\":";
    if (s.end_ts) {
      AppendTime(s.end_ts, &out);
    } else {
      out += "null";
    }
    out += "}";
  } else {
    out += "null";
  }
  out += ",\"sessions\":[";
  for (size_t i = 0; i < r.ordered.size(); ++i) {
    if (i) out += ",";
    out += r.ordered[i].second;
  }
  out += "],\"missing\":";
  if (r.missing.empty()) {
    out += "null";
  } else {
    AppendJsonString(r.missing, &out);
  }
  out += "}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void Usage(const std::string& what) {
  std::cerr << "netward trace: " << what << "\n";
  SetExitCode(2);
}

void RunTrace(const TraceOptions& o) {
  auto a = IpAddress::Parse(o.ip);
  if (!a) return Usage("--ip " + o.ip + ": not an IP address");
  TimestampUs at = 0;
  if (!ParseTimeArg(o.at, &at))
    return Usage("--at " + o.at +
                 ": not a time (use 2026-11-22T10:00:00Z, 2026-11-22, now, or -2h / -30m)");
  int64_t window = 0, skew = 0, nat_back = 0, login_back = 0;
  if (!ParseDuration(o.window, &window)) return Usage("--window " + o.window + ": not a duration");
  if (!ParseDuration(o.skew, &skew)) return Usage("--skew " + o.skew + ": not a duration");
  if (!ParseDuration(o.nat_lookback, &nat_back))
    return Usage("--nat-lookback " + o.nat_lookback + ": not a duration");
  if (!ParseDuration(o.login_lookback, &login_back))
    return Usage("--login-lookback " + o.login_lookback + ": not a duration");
  IpAddress remote;
  if (!o.remote_ip.empty()) {
    auto r = IpAddress::Parse(o.remote_ip);
    if (!r) return Usage("--remote-ip " + o.remote_ip + ": not an IP address");
    remote = *r;
  }
  uint8_t proto = o.proto.empty() ? 0 : IpProtoNumber(o.proto);
  if (!o.proto.empty() && proto == 0) return Usage("--proto " + o.proto + ": tcp, udp or a number");

  auto opened = store::StoreReader::Open(o.store);
  if (!opened.ok()) {
    std::cerr << "netward trace: " << opened.status().message() << "\n";
    return SetExitCode(1);
  }
  store::StoreReader* reader = opened.value().get();

  Status st;
  auto check = [&](Status s) {
    if (!s.ok() && st.ok()) st = std::move(s);
  };
  const std::string a_text = a->ToString();
  // 1. and 2. The NAT mapping of A:P, then the subscriber who held the inside address.
  identity::StoreTraceQuestion q;
  q.address = *a;
  q.port = o.port;
  q.at = at;
  q.proto = proto;
  q.remote = remote;
  q.remote_port = static_cast<uint16_t>(o.remote_port);
  q.skew = skew;
  q.nat_lookback = nat_back;
  q.login_lookback = login_back;
  identity::StoreTraceAnswer answer;
  check(identity::TraceInStore(reader, q, &answer));
  TraceResult r;
  r.nat = answer.nat;
  r.inside = answer.inside;
  r.subscriber = answer.subscriber;
  // 3. The subscriber's sessions around T: by inside address, by account, and the flow itself
  // when the probe saw it on the public side.
  std::map<uint64_t, std::string> sessions;  // by store sequence: no duplicates
  auto load_sessions = [&](std::vector<std::pair<std::string, std::string>> where) {
    store::QuerySpec spec;
    spec.stream = record::StreamId::kSession;
    spec.from = at - window;
    spec.to = at + window + 1;
    spec.where = std::move(where);
    check(reader->Query(spec, [&](uint64_t seq, std::string_view line) {
      if (sessions.size() < 100000) sessions.emplace(seq, std::string(line));
      return true;
    }));
  };
  if (r.nat || r.subscriber || o.port < 0) {
    load_sessions({{"src_ip", r.inside.ToString()}});
    if (r.subscriber && !r.subscriber->account.empty())
      load_sessions({{"account", r.subscriber->account}});
    if (r.nat) load_sessions({{"src_ip", a_text}, {"src_port", std::to_string(o.port)}});
  }
  if (!st.ok()) {
    std::cerr << "netward trace: " << st.message() << "\n";
    return SetExitCode(1);
  }
  record::SessionRecord s;
  for (auto& [seq, line] : sessions) {
    TimestampUs ts = record::DecodeJsonLine(line, &s, nullptr, nullptr).ok() ? s.ts : 0;
    r.ordered.emplace_back(ts, std::move(line));
  }
  std::stable_sort(r.ordered.begin(), r.ordered.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });

  const std::string when = FormatIso8601(at);
  if (o.port >= 0 && !r.nat && !r.subscriber) {
    r.missing = "no NAT mapping for " + Endpoint(*a, static_cast<uint16_t>(o.port)) + " at " +
                when + " (and no subscriber held " + a_text + " itself)";
  } else if (!r.subscriber) {
    r.missing = "no subscriber for inside address " + r.inside.ToString() + " at " + when;
  } else if (r.ordered.empty()) {
    r.missing =
        "no sessions of " +
        (r.subscriber->account.empty() ? r.inside.ToString() : "account " + r.subscriber->account) +
        " between " + FormatIso8601(at - window) + " and " + FormatIso8601(at + window);
  }
  if (o.format == "json") {
    PrintJson(o, *a, at, window, r);
  } else {
    PrintText(o, *a, at, window, skew, r);
  }
  std::fflush(stdout);
  if (!r.subscriber) SetExitCode(3);
}

}  // namespace

void RegisterTrace(CLI::App& app) {
  auto o = std::make_shared<TraceOptions>();
  CLI::App* c = app.add_subcommand(
      "trace",
      "Who was it: public address (and port) at a time -> NAT mapping -> inside address -> "
      "subscriber -> sessions, from a store.");
  c->add_option("--store", o->store, "Store directory")->required();
  c->add_option("--ip", o->ip, "The address in question (public, as the remote side logged it)")
      ->required();
  c->add_option("--port", o->port, "Its port; without it the address is taken as the inside one")
      ->check(CLI::Range(0, 65535));
  c->add_option("--at", o->at, "When: ISO-8601, a date, now, or -2h / -30m / -7d")->required();
  c->add_option("--window", o->window, "Sessions listed from T-WINDOW to T+WINDOW (default 5m)");
  c->add_option("--format", o->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  c->add_option("--remote-ip", o->remote_ip,
                "The remote side's own address (B), to tell apart mappings sharing a port");
  c->add_option("--remote-port", o->remote_port, "The remote side's own port")
      ->check(CLI::Range(0, 65535));
  c->add_option("--proto", o->proto, "tcp or udp (default: either)");
  c->add_option("--skew", o->skew, "Clock-skew tolerance between sources (default 2s)");
  c->add_option("--nat-lookback", o->nat_lookback,
                "How long before T a still-open NAT mapping may have started (default 24h)");
  c->add_option("--login-lookback", o->login_lookback,
                "How long before T a login may have started without news since (default 7d)");
  c->footer(
      "Exit status: 0 the subscriber was found (sessions may be none), 3 a link of the chain is\n"
      "missing (the output says which), 1 the store could not be read, 2 bad options.\n"
      "Example: netward trace --store /var/lib/netward/store --ip 203.0.113.7 --port 40123 \\\n"
      "           --at 2026-11-22T10:04:05Z --window 10m");
  c->callback([o] { RunTrace(*o); });
}

}  // namespace netward::cli
