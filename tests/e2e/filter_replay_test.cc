// `netward replay --rules --pubkey` on the generated captures of tests/data/filter/
// (tests/tools/gen_filter_pcaps.py): every alert record field compared with what the capture
// holds, nothing on the clean capture, and unsigned or wrongly signed bundles refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "e2e/e2e_util.h"

namespace netward::e2e {
namespace {

std::string Netward(const std::string& args) { return std::string(NW_BINARY) + " " + args; }
std::string Data(const std::string& name) {
  return std::string(NW_SOURCE_DIR) + "/tests/data/filter/" + name;
}

class FilterReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bundle_ = dir_.path() + "/rules.toml";
    std::filesystem::copy_file(Data("rules.toml"), bundle_);
    auto r = RunCommand(Netward("keygen --name netward.test/rules --out " + dir_.path() + "/k"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = RunCommand(Netward("rules sign " + bundle_ + " --key " + dir_.path() + "/k.key"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  CommandResult Replay(const std::string& pcap, const std::string& out,
                       const std::string& pubkey_prefix = "k") {
    return RunCommand(Netward("replay -q " + Data(pcap) + " --rules " + bundle_ + " --pubkey " +
                              dir_.path() + "/" + pubkey_prefix + ".pub --json " + out));
  }

  TempDir dir_;
  std::string bundle_;
};

struct Expected {
  std::string rule_id, scope, action, taken, proto, dst_ip, host, url, excerpt_has;
  int src_port;
};

TEST_F(FilterReplayTest, AlertsOfEveryScope) {
  const std::string out = dir_.path() + "/out";
  auto r = Replay("filter_hits.pcap", out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto alerts = ReadRecords(out, "alert");
  // In capture order. A replay blocks nothing: block rules are recorded as "alerted".
  const std::vector<Expected> want = {
      {"casino-url", "url", "review", "alerted", "tcp", "192.0.2.80", "casino.example",
       "http://casino.example/play?id=7", "casino.example/play", 40001},
      {"gamble", "http_body", "block", "alerted", "tcp", "192.0.2.80", "casino.example",
       "http://casino.example/play?id=7", "欢迎来到赌博网站", 40001},  // split inside 博
      {"gamble", "http_body", "block", "alerted", "tcp", "192.0.2.81", "www.example.cn",
       "http://www.example.cn/news/1.html", "最新赌博平台上线", 40002},  // GBK, gzip, chunked
      {"bad-domain", "dns", "block", "alerted", "udp", "192.0.2.53", "www.bad.example", "",
       "www.bad.example", 33333},
      {"evil-sni", "sni", "alert", "alerted", "tcp", "192.0.2.43", "login.evil.example", "",
       "login.evil.example", 40004},
      {"warez", "ftp_file", "log", "logged", "tcp", "192.0.2.21", "", "", "cracked", 40005},
      {"invoice-subject", "mail_subject", "alert", "alerted", "tcp", "192.0.2.25", "", "",
       "代开发票", 40006},
      {"gamble", "mail_body", "block", "alerted", "tcp", "192.0.2.25", "", "", "线上赌博", 40006},
  };
  ASSERT_EQ(alerts.size(), want.size()) << r.output;
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& a = alerts[i];
    const Expected& w = want[i];
    SCOPED_TRACE(a.dump());
    EXPECT_EQ(a["source"], "filter");
    EXPECT_EQ(a["rule_id"], w.rule_id);
    EXPECT_EQ(a["scope"], w.scope);
    EXPECT_EQ(a["action"], w.action);
    EXPECT_EQ(a["taken"], w.taken);
    EXPECT_EQ(a["proto"], w.proto);
    EXPECT_EQ(a["bundle_version"], "e2e-1");
    EXPECT_EQ(a["src_ip"], "10.0.0.7");
    EXPECT_EQ(a["src_port"], w.src_port);
    EXPECT_EQ(a["dst_ip"], w.dst_ip);
    EXPECT_EQ(a["host"], w.host);
    EXPECT_EQ(a["url"], w.url);
    EXPECT_NE(a["excerpt"].get<std::string>().find(w.excerpt_has), std::string::npos);
    EXPECT_EQ(a["ts"].get<std::string>().rfind("2026-11-22T10:00:00.", 0), 0u);
  }
  EXPECT_EQ(alerts[1]["category"], "gambling");
  EXPECT_EQ(alerts[1]["severity"], "high");
  // The load itself is on record.
  auto maint = ReadRecords(out, "maintenance");
  ASSERT_EQ(maint.size(), 1u);
  EXPECT_EQ(maint[0]["action"], "rule_change");
  EXPECT_EQ(maint[0]["object"], bundle_);
  EXPECT_NE(maint[0]["detail"].get<std::string>().find("e2e-1"), std::string::npos);
}

TEST_F(FilterReplayTest, CleanTrafficRaisesNothing) {
  const std::string out = dir_.path() + "/out";
  auto r = Replay("filter_clean.pcap", out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(ReadRecords(out, "alert").empty());
  EXPECT_EQ(ReadRecords(out, "http").size(), 2u);  // the traffic itself was analyzed
  EXPECT_EQ(ReadRecords(out, "mail").size(), 1u);
}

TEST_F(FilterReplayTest, WithoutRulesTheSameReplayHasNoAlerts) {
  const std::string out = dir_.path() + "/out";
  auto r = RunCommand(Netward("replay -q " + Data("filter_hits.pcap") + " --json " + out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(ReadRecords(out, "alert").empty());
  EXPECT_EQ(ReadRecords(out, "session").size(), 6u);
}

TEST_F(FilterReplayTest, UnsignedOrForeignSignedBundleIsRefused) {
  auto r = RunCommand(Netward("keygen --name netward.test/other --out " + dir_.path() + "/o"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string out = dir_.path() + "/out";
  r = Replay("filter_hits.pcap", out, "o");  // signed by k, verified with o
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("rules.toml"), std::string::npos) << r.output;
  EXPECT_TRUE(ReadRecords(out, "alert").empty());
  std::filesystem::remove(bundle_ + ".sig");
  r = Replay("filter_hits.pcap", out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunCommand(Netward("replay -q " + Data("filter_hits.pcap") + " --rules " + bundle_));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--pubkey"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace netward::e2e

namespace netward::e2e {
namespace {

// `netward rules check|test` on the signed example bundle and on a broken one: exit codes and
// what is printed.
TEST(RulesCommandTest, CheckAndTestTheExampleBundle) {
  const std::string bundle = std::string(NW_SOURCE_DIR) + "/examples/rules";
  const std::string pub = bundle + "/rules-example.pub";
  auto r = RunCommand(Netward("rules check " + bundle + " --pubkey " + pub));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("signature good"), std::string::npos) << r.output;
  // The example's one regex rule (代[开办](增值税)?发票, three scopes) has literal factors.
  EXPECT_NE(r.output.find("regexes (counted per scope): 3 of 3 scanned only around their "
                          "literal factors\n"),
            std::string::npos)
      << r.output;
  r = RunCommand(Netward("rules test " + bundle + " --scope http_body --text " +
                         Quote("欢迎来到 网 上 賭.博 网站")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("gambling-online"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("verdict: block"), std::string::npos) << r.output;
  r = RunCommand(Netward("rules test " + bundle + " --scope http_body --text " +
                         Quote("a perfectly ordinary page")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("no rule matched"), std::string::npos) << r.output;
}

TEST(RulesCommandTest, EveryProblemIsListedWithItsRule) {
  TempDir dir;
  const std::string bundle = dir.path() + "/bad.toml";
  FILE* f = std::fopen(bundle.c_str(), "w");
  ASSERT_TRUE(f);
  std::fputs(
      "version = \"1\"\n"
      "[[rule]]\nid = \"no-scope\"\naction = \"alert\"\nkeyword = \"x\"\n"
      "[[rule]]\nid = \"bad-action\"\naction = \"explode\"\nscopes = [\"url\"]\nkeyword = \"y\"\n",
      f);
  std::fclose(f);
  auto r = RunCommand(Netward("rules check " + bundle));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("rule no-scope:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rule bad-action:"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace netward::e2e
