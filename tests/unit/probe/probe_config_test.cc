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
  EXPECT_NE(c.status().message().find("[output] json_dir: required"), std::string::npos);
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

}  // namespace
}  // namespace netward::probe
