#include "probe/probe_config.h"

#include <gtest/gtest.h>

namespace netward::probe {
namespace {

TEST(ProbeConfigTest, DefaultsAndOverrides) {
  auto c = ParseProbeConfig(
      "site = \"S0001\"\nworkers = 4\n[capture]\ninterfaces = [\"eth1\"]\n"
      "[flow]\ntcp_idle_timeout = \"10m\"\nmax_flows = 2000000\n"
      "[output]\njson_dir = \"/tmp/x\"\nflush_interval = \"500ms\"\n",
      "p.toml", true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->site, "S0001");
  EXPECT_EQ(c->workers, 4);
  EXPECT_EQ(c->interfaces, std::vector<std::string>{"eth1"});
  EXPECT_EQ(c->tcp_idle_timeout, 600 * kUsPerSecond);
  EXPECT_EQ(c->udp_idle_timeout, 60 * kUsPerSecond);  // default kept
  EXPECT_EQ(c->max_flows, 2000000u);
  EXPECT_EQ(c->flush_interval, 500000);
}

TEST(ProbeConfigTest, ProbeNeedsInterfacesAndOutput) {
  auto c = ParseProbeConfig("site = \"S\"\n", "p.toml", true);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("[capture] interfaces: required"), std::string::npos);
  EXPECT_NE(c.status().message().find("an output is required"), std::string::npos);
  EXPECT_TRUE(ParseProbeConfig("site = \"S\"\n", "p.toml", false).ok());  // replay: optional
}

TEST(ProbeConfigTest, EveryMistakeIsReportedWithFileSectionAndKey) {
  auto c = ParseProbeConfig(
      "workers = 0\nsitee = \"x\"\n[capture]\ninterfaces = \"eth1\"\n[flow]\n"
      "udp_idle_timeout = \"forever\"\n[outptu]\n",
      "bad.toml", false);
  ASSERT_FALSE(c.ok());
  const std::string m = c.status().message();
  EXPECT_NE(m.find("bad.toml: workers: expected an integer from 1 to 256, got 0"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("bad.toml: sitee: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.toml: [capture] interfaces: expected an array of strings"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("bad.toml: [flow] udp_idle_timeout: expected a duration"), std::string::npos)
      << m;
  EXPECT_NE(m.find("bad.toml: outptu: unknown key"), std::string::npos) << m;
}

TEST(ProbeConfigTest, SyntaxErrorsNameTheLine) {
  auto c = ParseProbeConfig("[capture\ninterfaces = []\n", "broken.toml", false);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("broken.toml: line 1"), std::string::npos)
      << c.status().message();
}

TEST(ProbeConfigTest, StoreSection) {
  auto c = ParseProbeConfig(
      "[capture]\ninterfaces = [\"eth1\"]\n[store]\ndir = \"/var/lib/netward/store\"\n"
      "sync_interval = \"500ms\"\ncheckpoint_interval = \"30s\"\nretention_days = 90\n"
      "[store.retention_days_by_stream]\nnat = 365\n",
      "p.toml", true);
  ASSERT_TRUE(c.ok()) << c.status().message();  // the store alone is an output
  EXPECT_EQ(c->store_dir, "/var/lib/netward/store");
  EXPECT_EQ(c->store_sync_interval, 500000);
  EXPECT_EQ(c->store_checkpoint_interval, 30 * kUsPerSecond);
  EXPECT_EQ(c->store_retention_days, 90u);
  ASSERT_EQ(c->store_retention_by_stream.size(), 1u);
  EXPECT_EQ(c->store_retention_by_stream[0].first, "nat");
  EXPECT_EQ(c->store_retention_by_stream[0].second, 365u);
}

TEST(ProbeConfigTest, StoreRetentionBelowTheLegalMinimumIsRefusedCitingTheRule) {
  auto c = ParseProbeConfig(
      "[store]\ndir = \"s\"\nretention_days = 30\n[store.retention_days_by_stream]\n"
      "login = 59\nsesion = 100\n",
      "p.toml", false);
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("p.toml: store.retention_days: 30 days is below the legal minimum of 60 "
                   "(Order 82 art. 13"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("store.retention_days_by_stream.login: 59 days"), std::string::npos) << m;
  EXPECT_NE(m.find("store.retention_days_by_stream.sesion: no such stream (streams: session,"),
            std::string::npos)
      << m;
}

TEST(ProbeConfigTest, StaticBindingsSection) {
  auto c = ParseProbeConfig(
      "[static_bindings]\nfile = \"/etc/netward/bindings.csv\"\npoll_interval = \"500ms\"\n",
      "p.toml", false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->static_bindings_file, "/etc/netward/bindings.csv");
  EXPECT_EQ(c->static_bindings_poll_interval, 500000);
  auto bad = ParseProbeConfig("[static_bindings]\npath = \"x\"\npoll_interval = \"1ms\"\n",
                              "p.toml", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("[static_bindings] path: unknown key"), std::string::npos)
      << bad.status().message();
  EXPECT_NE(bad.status().message().find("poll_interval"), std::string::npos);
}

TEST(ProbeConfigTest, NatSourcesRunWhenTheirSectionIsPresent) {
  auto none = ParseProbeConfig("site = \"S\"\n", "p.toml", false);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->nat_syslog || none->nat_ipfix || none->nat_conntrack);
  auto c = ParseProbeConfig(
      "[nat.syslog]\ntcp_listen = \"\"\nrfc3164_utc_offset = \"+08:00\"\n"
      "[nat.ipfix]\nlisten = [\"127.0.0.1:9995\"]\nmax_templates = 100\n[nat.conntrack]\n",
      "p.toml", false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->nat_syslog);
  EXPECT_EQ(c->nat_syslog_udp_listen, "0.0.0.0:514");
  EXPECT_EQ(c->nat_syslog_tcp_listen, "");
  EXPECT_EQ(c->nat_syslog_utc_offset_s, 8 * 3600);
  EXPECT_TRUE(c->nat_ipfix);
  EXPECT_EQ(c->nat_ipfix_listen, std::vector<std::string>{"127.0.0.1:9995"});
  EXPECT_EQ(c->nat_ipfix_max_templates, 100u);
  EXPECT_TRUE(c->nat_conntrack);
  auto bad = ParseProbeConfig(
      "[nat.syslog]\nrfc3164_utc_offset = \"Asia/Shanghai\"\n[nat.netflow]\nport = 1\n", "p.toml",
      false);
  ASSERT_FALSE(bad.ok());
  const std::string m = bad.status().message();
  EXPECT_NE(m.find("nat.syslog.rfc3164_utc_offset"), std::string::npos) << m;
  EXPECT_NE(m.find("[nat] netflow: unknown key"), std::string::npos) << m;
}

}  // namespace
}  // namespace netward::probe
