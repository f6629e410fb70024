// Compares netward's records with Zeek's own expected logs for every corpus trace where both
// apply (../shared/corpus/zeek, see its README.md): DNS query names, HTTP host/uri, TLS SNI,
// SMTP mail_from/rcpt_to, FTP file commands, DHCP leases (mac, assigned address, host name,
// lease time of every ACK), RADIUS authentications (user, MAC, framed address), and the TCP/UDP
// connections themselves.
// A baseline may hold rows of several traces (btest runs more than one), so Zeek rows are
// compared only for connections this trace contains. Where netward decides differently on
// purpose, kKnownDifferences says why (also in docs/zeek-comparison.md); any other difference
// fails the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "e2e_util.h"

namespace netward::e2e {
namespace {

namespace fs = std::filesystem;

struct KnownDifference {
  const char* trace;
  const char* log;
  const char* reason;
};

// Each entry: where netward and Zeek differ by design. Keep docs/zeek-comparison.md in step.
constexpr KnownDifference kKnownDifferences[] = {
    {"dns/dynamic-update.pcap", "scripts.base.protocols.dns.dynamic-update/dns.log",
     "DNS UPDATE: netward records the zone being updated (the question section) as `query`; "
     "Zeek records the first name of the update section"},
    {"wikipedia.pcap", "opt.basic/dns.log",
     "NetBIOS name service (udp/137) is not analyzed by netward; Zeek logs it as DNS"},
    {"wikipedia.pcap", "opt.basic/http.log",
     "a connection picked up midstream (no handshake): netward still parses its HTTP request; "
     "Zeek attaches no analyzer and logs nothing"},
    {"http/http_09.pcap", "scripts.base.protocols.http.http-09/http.log",
     "Zeek logs an empty second transaction after each HTTP/0.9 exchange; netward does not"},
    {"tls/smtp-starttls.pcap", "scripts.base.protocols.smtp.starttls/smtp.log",
     "a mail record is written only for a transaction (MAIL FROM seen); this session only "
     "upgrades to TLS, which its tls record shows"},
    {"tunnels/vxlan.pcap", "core.tunnels.vxlan/conn.log",
     "netward records the sessions inside a tunnel, not the tunnel's own outer UDP flow"},
};

const KnownDifference* FindKnown(const std::string& trace, const std::string& log) {
  for (const auto& k : kKnownDifferences) {
    if (trace == k.trace && log == k.log) return &k;
  }
  return nullptr;
}

struct ZeekLog {
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> rows;
  int Index(const std::string& name) const {
    for (size_t i = 0; i < fields.size(); ++i)
      if (fields[i] == name) return static_cast<int>(i);
    return -1;
  }
};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

// Reads a Zeek ASCII log (with #fields) or a zeek-cut -m file (first line = column names).
ZeekLog ReadZeekLog(const std::string& path) {
  ZeekLog log;
  std::ifstream in(path);
  std::string line;
  bool header_seen = false;
  while (std::getline(in, line)) {
    if (line.rfind("#fields\t", 0) == 0) {
      log.fields = Split(line.substr(8), '\t');
      header_seen = true;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    if (!header_seen) {
      log.fields = Split(line, '\t');
      header_seen = true;
      continue;
    }
    log.rows.push_back(Split(line, '\t'));
  }
  return log;
}

struct CorpusCase {
  std::string trace;                   // relative to traces/
  std::vector<std::string> baselines;  // relative to baselines/, e.g. opt.basic/dns.log
};

void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.trace; }

// The corpus README's table maps each trace to its baselines.
std::vector<CorpusCase> LoadCases() {
  std::vector<CorpusCase> cases;
  std::ifstream in(std::string(NW_CORPUS_DIR) + "/README.md");
  std::string line;
  std::regex trace_re("^\\| `([^`]+)` \\|");
  std::regex base_re("`baselines/([^/`]+/[^`]+\\.log)`");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, trace_re)) continue;
    CorpusCase c;
    c.trace = m[1];
    if (c.trace.size() > 3 && c.trace.substr(c.trace.size() - 3) == ".gz") continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), base_re);
         it != std::sregex_iterator(); ++it) {
      c.baselines.push_back((*it)[1]);
    }
    if (!c.baselines.empty()) cases.push_back(c);
  }
  return cases;
}

std::string Str(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return "";
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

std::string ZeekValue(const std::string& v) { return v == "-" || v == "(empty)" ? "" : v; }

std::string Basename(const std::string& arg) {
  size_t slash = arg.find_last_of('/');
  return slash == std::string::npos ? arg : arg.substr(slash + 1);
}

// Zeek unescapes nothing in its logs: non-printable bytes appear as \xNN. netward writes the
// same text (json_encoder.h), so values compare as they are.
std::multiset<std::string> Project(const ZeekLog& log, const std::string& kind,
                                   const std::set<std::string>& tuples, size_t* kept) {
  std::multiset<std::string> out;
  int oh = log.Index("id.orig_h"), op = log.Index("id.orig_p"), rh = log.Index("id.resp_h"),
      rp = log.Index("id.resp_p");
  auto get = [&](const std::vector<std::string>& row, const char* name) {
    int i = log.Index(name);
    return i >= 0 && static_cast<size_t>(i) < row.size() ? ZeekValue(row[i]) : std::string();
  };
  for (const auto& row : log.rows) {
    if (oh >= 0 && rp >= 0 && static_cast<size_t>(rp) < row.size()) {
      std::string fwd = row[oh] + "|" + row[op] + "|" + row[rh] + "|" + row[rp];
      std::string rev = row[rh] + "|" + row[rp] + "|" + row[oh] + "|" + row[op];
      if (!tuples.count(fwd) && !tuples.count(rev)) continue;
    }
    ++*kept;
    if (kind == "dns") {
      out.insert(get(row, "query"));
    } else if (kind == "http") {
      out.insert(get(row, "host") + " " + get(row, "uri"));
    } else if (kind == "ssl") {
      out.insert(get(row, "server_name"));
    } else if (kind == "smtp") {
      std::vector<std::string> rcpt = Split(get(row, "rcptto"), ',');
      std::sort(rcpt.begin(), rcpt.end());
      std::string r;
      for (const auto& x : rcpt) r += (r.empty() ? "" : ",") + x;
      out.insert(get(row, "mailfrom") + " -> " + r);
    } else if (kind == "ftp") {
      static const std::set<std::string> kFileCommands = {"RETR", "STOR", "STOU", "APPE", "DELE",
                                                          "RNFR", "RNTO", "MKD",  "RMD"};
      std::string cmd = get(row, "command");
      if (kFileCommands.count(cmd)) out.insert(cmd + " " + Basename(get(row, "arg")));
    } else if (kind == "dhcp") {
      // Completed leases only (an ACK that assigned an address): what netward records.
      std::string addr = get(row, "assigned_addr");
      if (addr.empty()) continue;
      std::string lease = get(row, "lease_time");
      if (!lease.empty()) lease = std::to_string(static_cast<long long>(std::stod(lease)));
      out.insert(get(row, "mac") + " " + addr + " " + get(row, "host_name") + " " + lease);
    } else if (kind == "radius") {
      // Zeek writes a row for a request never answered (result unknown); netward counts it.
      if (get(row, "result") == "unknown") continue;
      // Framed addresses: ZeekCorpusRadiusTest below (Zeek ignores the Accept's).
      out.insert(get(row, "username") + " " + get(row, "mac") + " " + get(row, "result"));
    } else if (kind == "conn") {
      std::string proto = get(row, "proto");
      if (proto != "tcp" && proto != "udp") continue;
      out.insert(proto + " " + row[oh] + ":" + row[op] + " > " + row[rh] + ":" + row[rp]);
    }
  }
  return out;
}

// Zeek logs HTTP URIs percent-decoded, with bytes outside printable ASCII as \xNN; netward keeps
// the URI exactly as sent (docs/zeek-comparison.md). To compare the same request, decode ours
// the way Zeek does.
std::string ZeekUnescapeUri(const std::string& uri) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < uri.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(uri[i]);
    if (c == '%' && i + 2 < uri.size() && hex(uri[i + 1]) >= 0 && hex(uri[i + 2]) >= 0) {
      c = static_cast<unsigned char>(hex(uri[i + 1]) * 16 + hex(uri[i + 2]));
      i += 2;
    } else if (c == '\\' && i + 3 < uri.size() && uri[i + 1] == 'x') {
      out += uri.substr(i, 4);  // already \xNN from netward's JSON encoding
      i += 3;
      continue;
    }
    if (c < 0x20 || c >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::multiset<std::string> Ours(const std::string& dir, const std::string& kind) {
  std::multiset<std::string> out;
  if (kind == "dns") {
    for (const auto& r : ReadRecords(dir, "dns")) out.insert(Str(r, "query"));
  } else if (kind == "http") {
    for (const auto& r : ReadRecords(dir, "http")) {
      out.insert(Str(r, "host") + " " + ZeekUnescapeUri(Str(r, "uri")));
    }
  } else if (kind == "ssl") {
    for (const auto& r : ReadRecords(dir, "tls")) out.insert(Str(r, "sni"));
  } else if (kind == "smtp") {
    for (const auto& r : ReadRecords(dir, "mail")) {
      if (Str(r, "proto") != "smtp") continue;
      std::vector<std::string> rcpt;
      for (const auto& x : r["rcpt_to"]) rcpt.push_back(x.get<std::string>());
      std::sort(rcpt.begin(), rcpt.end());
      std::string s;
      for (const auto& x : rcpt) s += (s.empty() ? "" : ",") + x;
      out.insert(Str(r, "mail_from") + " -> " + s);
    }
  } else if (kind == "ftp") {
    for (const auto& r : ReadRecords(dir, "ftp")) {
      out.insert(Str(r, "command") + " " + Basename(Str(r, "arg")));
    }
  } else if (kind == "dhcp") {
    for (const auto& r : ReadRecords(dir, "login")) {
      if (Str(r, "source") != "dhcp" || Str(r, "event") != "lease") continue;
      out.insert(Str(r, "mac") + " " + Str(r, "ip") + " " + Str(r, "hostname") + " " +
                 Str(r, "duration_s"));
    }
  } else if (kind == "radius") {
    for (const auto& r : ReadRecords(dir, "login")) {
      if (Str(r, "source") != "radius") continue;
      std::string ev = Str(r, "event");
      if (ev != "accept" && ev != "reject") continue;  // Zeek's radius.log is auth only
      out.insert(Str(r, "account") + " " + Str(r, "mac") + " " +
                 (ev == "accept" ? "success" : "failed"));
    }
  } else if (kind == "conn") {
    for (const auto& r : ReadRecords(dir, "session")) {
      std::string proto = Str(r, "proto");
      if (proto != "tcp" && proto != "udp") continue;
      out.insert(proto + " " + Str(r, "src_ip") + ":" + Str(r, "src_port") + " > " +
                 Str(r, "dst_ip") + ":" + Str(r, "dst_port"));
    }
  }
  return out;
}

std::string Describe(const std::multiset<std::string>& a, const std::multiset<std::string>& b) {
  std::vector<std::string> only_a, only_b;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_a));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_b));
  std::string s;
  for (const auto& x : only_a) s += "    zeek only:    " + x + "\n";
  for (const auto& x : only_b) s += "    netward only: " + x + "\n";
  return s;
}

class ZeekCorpusTest : public testing::TestWithParam<CorpusCase> {};

TEST_P(ZeekCorpusTest, RecordsMatchZeekBaselines) {
  const CorpusCase& c = GetParam();
  std::string trace = std::string(NW_CORPUS_DIR) + "/zeek/traces/" + c.trace;
  TempDir out;
  CommandResult run = RunCommand(std::string(NW_BINARY) + " replay " + Quote(trace) + " --json " +
                                 Quote(out.path()) + " -q");
  ASSERT_EQ(run.exit_code, 0) << run.output;

  std::set<std::string> tuples;
  for (const auto& r : ReadRecords(out.path(), "session")) {
    tuples.insert(Str(r, "src_ip") + "|" + Str(r, "src_port") + "|" + Str(r, "dst_ip") + "|" +
                  Str(r, "dst_port"));
  }
  for (const auto& b : c.baselines) {
    std::string file = fs::path(b).filename().string();
    std::string kind = file.substr(0, file.find('.'));
    if (kind != "dns" && kind != "http" && kind != "ssl" && kind != "smtp" && kind != "ftp" &&
        kind != "conn" && kind != "dhcp" && kind != "radius") {
      continue;
    }
    ZeekLog zeek = ReadZeekLog(std::string(NW_CORPUS_DIR) + "/zeek/baselines/" + b);
    if (zeek.Index("id.orig_h") < 0 && kind != "dns" && kind != "http" && kind != "dhcp") {
      continue;
    }  // no tuples
    size_t kept = 0;
    auto expected = Project(zeek, kind, tuples, &kept);
    auto actual = Ours(out.path(), kind);
    if (kind == "conn") {
      // Zeek and netward split a 5-tuple into several connections by different rules (Zeek
      // starts a new one after its DNS transaction or a RST; netward on timeouts and on a new
      // SYN): compare which connections exist, not how often each was split.
      std::set<std::string> e(expected.begin(), expected.end());
      expected = std::multiset<std::string>(e.begin(), e.end());
      std::set<std::string> a(actual.begin(), actual.end());
      actual = std::multiset<std::string>(a.begin(), a.end());
    }
    if (kind == "conn" && zeek.Index("proto") < 0) continue;
    const KnownDifference* known = FindKnown(c.trace, b);
    std::string diff = Describe(expected, actual);
    bool rows_lost = !zeek.rows.empty() && kept == 0;
    if (diff.empty() && !rows_lost) {
      if (known) std::cout << "  " << b << ": now matches; remove it from kKnownDifferences\n";
      continue;
    }
    if (known) {
      std::cout << "  " << b << ": differs by design: " << known->reason << "\n" << diff;
      continue;
    }
    ADD_FAILURE() << c.trace << " vs " << b
                  << (rows_lost ? " (no Zeek row's connection was found in netward's sessions)"
                                : "")
                  << "\n"
                  << diff;
  }
}

// vlan-collisions.pcap holds the same 5-tuple untagged, with one tag and with two. Zeek merges
// them by default (baseline vlan_fivetuple: 1 connection) and keeps them apart with its
// VLAN-aware key (vlan_fivetuple-2: 3 connections); netward's [flow] vlan_in_key does the same.
TEST(ZeekCorpusVlanTest, VlanInKeyMatchesZeeksTwoConnKeys) {
  std::string trace = std::string(NW_CORPUS_DIR) + "/zeek/traces/vlan-collisions.pcap";
  if (!fs::exists(trace)) GTEST_SKIP() << "no corpus";
  auto count_tcp = [&](bool vlan_in_key) {
    TempDir out;
    std::string config = out.path() + "/c.toml";
    std::ofstream(config) << "[flow]\nvlan_in_key = " << (vlan_in_key ? "true" : "false") << "\n";
    CommandResult run =
        RunCommand(std::string(NW_BINARY) + " replay " + Quote(trace) + " --config " +
                   Quote(config) + " --json " + Quote(out.path() + "/r") + " -q");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    std::set<std::string> vlans;
    size_t n = 0;
    for (const auto& r : ReadRecords(out.path() + "/r", "session")) {
      if (Str(r, "proto") != "tcp") continue;
      ++n;
      vlans.insert(Str(r, "vlan"));
    }
    return std::make_pair(n, vlans.size());
  };
  auto zeek_rows = [](const char* dir) {
    return ReadZeekLog(std::string(NW_CORPUS_DIR) + "/zeek/baselines/" + dir + "/conn.log.cut")
        .rows.size();
  };
  auto merged = count_tcp(false);
  auto apart = count_tcp(true);
  EXPECT_EQ(merged.first, zeek_rows("scripts.policy.frameworks.conn_key.vlan_fivetuple"));
  EXPECT_EQ(apart.first, zeek_rows("scripts.policy.frameworks.conn_key.vlan_fivetuple-2"));
  EXPECT_EQ(apart.second, apart.first);  // each connection in its own VLAN
}

// Zeek takes radius.log's framed_addr only from an Access-Challenge; netward also from the
// Access-Accept, which is where a server assigns it. Every address Zeek logs must be netward's
// for the same authentication (rows in time order); where Zeek has none netward may have one.
TEST(ZeekCorpusRadiusTest, FramedAddressesMatchWhereZeekHasThem) {
  const std::pair<const char*, const char*> kTraces[] = {
      {"radius/radius.pcap", "scripts.base.protocols.radius.auth/radius.log"},
      {"radius/radius_localhost.pcap",
       "scripts.base.protocols.radius.radius-multiple-attempts/radius.log"}};
  for (const auto& [trace, baseline] : kTraces) {
    std::string path = std::string(NW_CORPUS_DIR) + "/zeek/traces/" + trace;
    if (!fs::exists(path)) GTEST_SKIP() << "no corpus";
    TempDir out;
    CommandResult run = RunCommand(std::string(NW_BINARY) + " replay " + Quote(path) + " --json " +
                                   Quote(out.path()) + " -q");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    std::vector<std::string> ours;
    for (const auto& r : ReadRecords(out.path(), "login")) {
      if (Str(r, "event") == "accept" || Str(r, "event") == "reject") ours.push_back(Str(r, "ip"));
    }
    ZeekLog zeek = ReadZeekLog(std::string(NW_CORPUS_DIR) + "/zeek/baselines/" + baseline);
    std::vector<std::string> theirs;
    for (const auto& row : zeek.rows) {
      if (ZeekValue(row[zeek.Index("result")]) == "unknown") continue;
      theirs.push_back(ZeekValue(row[zeek.Index("framed_addr")]));
    }
    ASSERT_EQ(ours.size(), theirs.size()) << trace;
    size_t compared = 0;
    for (size_t i = 0; i < theirs.size(); ++i) {
      if (theirs[i].empty()) continue;
      EXPECT_EQ(ours[i], theirs[i]) << trace << " authentication " << i;
      ++compared;
    }
    EXPECT_GE(compared, 1u) << trace;
  }
}

std::string CaseName(const testing::TestParamInfo<CorpusCase>& info) {
  std::string n = info.param.trace;
  for (char& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Corpus, ZeekCorpusTest, testing::ValuesIn(LoadCases()), CaseName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ZeekCorpusTest);

}  // namespace
}  // namespace netward::e2e
