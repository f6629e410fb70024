// The [filter] table of the probe config: defaults, every key, and each mistake named with
// file, key and value.
#include <gtest/gtest.h>

#include "probe/probe_config.h"

namespace netward::probe {
namespace {

std::string Errors(const std::string& text) {
  auto c = ParseProbeConfig(text, "probe.toml", /*require_interfaces=*/false);
  return c.ok() ? std::string() : c.status().message();
}

TEST(FilterConfigTest, AbsentMeansOff) {
  auto c = ParseProbeConfig("site = \"S1\"\n", "probe.toml", false);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->filter.enabled);
}

TEST(FilterConfigTest, EveryKey) {
  auto c = ParseProbeConfig(R"(
[filter]
bundle = "/etc/netward/rules"
pubkey = "/etc/netward/rules.pub"
reload_interval = "30s"
block = "passive"
inject_interface = "eth1"
block_page = true
dns_block = "sinkhole:192.0.2.53"
max_body_scan_kb = 256
body_overlap_bytes = 512
)",
                            "probe.toml", false);
  ASSERT_TRUE(c.ok()) << c.status().message();
  const filter::FilterConfig& f = c->filter;
  EXPECT_TRUE(f.enabled);
  EXPECT_EQ(f.bundle, "/etc/netward/rules");
  EXPECT_EQ(f.pubkey, "/etc/netward/rules.pub");
  EXPECT_EQ(f.reload_interval, 30 * kUsPerSecond);
  EXPECT_EQ(f.block, filter::BlockMode::kPassive);
  EXPECT_EQ(f.inject_interface, "eth1");
  EXPECT_TRUE(f.block_page);
  EXPECT_TRUE(f.dns_sinkhole);
  EXPECT_EQ(f.sinkhole_address, *IpAddress::Parse("192.0.2.53"));
  EXPECT_EQ(f.max_body_scan_bytes, 256u << 10);
  EXPECT_EQ(f.body_overlap_bytes, 512u);
}

TEST(FilterConfigTest, DefaultsOfAMinimalTable) {
  auto c = ParseProbeConfig("[filter]\nbundle = \"b\"\npubkey = \"k\"\n", "probe.toml", false);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->filter.block, filter::BlockMode::kOff);
  EXPECT_FALSE(c->filter.dns_sinkhole);
  EXPECT_EQ(c->filter.reload_interval, 10 * kUsPerSecond);
  EXPECT_EQ(c->filter.max_body_scan_bytes, size_t{1} << 20);
}

TEST(FilterConfigTest, MistakesAreNamed) {
  std::string e = Errors("[filter]\nbundle = \"b\"\n");
  EXPECT_NE(e.find("probe.toml: [filter] pubkey: required"), std::string::npos) << e;
  e = Errors("[filter]\npubkey = \"k\"\n");
  EXPECT_NE(e.find("probe.toml: [filter] bundle: required"), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\nblock = \"drop\"\n");
  EXPECT_NE(e.find("[filter] block: \"drop\" is not allowed"), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\nblock = \"passive\"\n");
  EXPECT_NE(e.find("[filter] inject_interface: required"), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\ndns_block = \"sinkhole:nope\"\n");
  EXPECT_NE(e.find("[filter] dns_block: \"sinkhole:nope\""), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\ndns_block = \"refuse\"\n");
  EXPECT_NE(e.find("[filter] dns_block: \"refuse\": must be"), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\nblock_page = true\n");
  EXPECT_NE(e.find("[filter] block_page"), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\nbundel = \"x\"\n");
  EXPECT_NE(e.find("bundel"), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\nreload_interval = \"10ms\"\n");
  EXPECT_NE(e.find("[filter] reload_interval"), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\nnfqueues = 0\n");
  EXPECT_NE(e.find("[filter] nfqueues"), std::string::npos) << e;
  e = Errors("[filter]\nbundle = \"b\"\npubkey = \"k\"\nnfqueue = 65535\nnfqueues = 2\n");
  EXPECT_NE(e.find("[filter] nfqueues: queues 65535 to 65536 run past 65535"), std::string::npos)
      << e;
}

TEST(FilterConfigTest, SeveralQueues) {
  auto c = ParseProbeConfig(
      "[filter]\nbundle = \"b\"\npubkey = \"k\"\nblock = \"inline\"\nnfqueue = 4\nnfqueues = 3\n",
      "probe.toml", false);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->filter.nfqueue, 4);
  EXPECT_EQ(c->filter.nfqueues, 3);
  auto d = ParseProbeConfig("[filter]\nbundle = \"b\"\npubkey = \"k\"\n", "probe.toml", false);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->filter.nfqueues, 1);
}

}  // namespace
}  // namespace netward::probe

namespace netward::probe {
namespace {

// Inline mode reads NFQUEUE: a probe config for it needs no capture interfaces; passive does.
TEST(FilterConfigTest, InlineModeNeedsNoCaptureInterfaces) {
  const std::string common =
      "site = \"S1\"\n[output]\njson_dir = \"/tmp/x\"\n[filter]\nbundle = \"b\"\npubkey = \"k\"\n";
  auto inline_cfg = ParseProbeConfig(common + "block = \"inline\"\n", "probe.toml", true);
  ASSERT_TRUE(inline_cfg.ok()) << inline_cfg.status().ToString();
  EXPECT_TRUE(inline_cfg->interfaces.empty());
  auto passive = ParseProbeConfig(common + "block = \"passive\"\ninject_interface = \"eth1\"\n",
                                  "probe.toml", true);
  ASSERT_FALSE(passive.ok());
  EXPECT_NE(passive.status().message().find("[capture] interfaces: required"), std::string::npos)
      << passive.status().message();
}

}  // namespace
}  // namespace netward::probe
