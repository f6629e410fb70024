#include "filter/filter_config.h"

namespace netward::filter {

std::string_view BlockModeName(BlockMode mode) {
  switch (mode) {
    case BlockMode::kOff:
      return "off";
    case BlockMode::kPassive:
      return "passive";
    case BlockMode::kInline:
      return "inline";
  }
  return "off";
}

void ReadFilterConfig(ConfigSection& s, bool present, const std::string& file, FilterConfig* out,
                      std::vector<std::string>* errors) {
  *out = FilterConfig{};
  out->enabled = present;
  if (!present) return;
  auto error = [&](const std::string& key, const std::string& what) {
    errors->push_back(file + ": [filter] " + key + ": " + what);
  };
  s.String("bundle", &out->bundle);
  s.String("pubkey", &out->pubkey);
  s.Duration("reload_interval", &out->reload_interval, 0, 86400 * kUsPerSecond);
  if (out->reload_interval > 0 && out->reload_interval < kUsPerSecond / 10) {
    error("reload_interval", "at least 100ms (or 0: reload on SIGHUP only)");
  }
  std::string block = "off";
  s.String("block", &block, {"off", "passive", "inline"});
  if (block == "passive") out->block = BlockMode::kPassive;
  if (block == "inline") out->block = BlockMode::kInline;
  s.String("inject_interface", &out->inject_interface);
  int64_t queue = out->nfqueue;
  s.Int("nfqueue", &queue, 0, 65535);
  out->nfqueue = static_cast<uint16_t>(queue);
  int64_t queues = out->nfqueues;
  s.Int("nfqueues", &queues, 1, 64);
  out->nfqueues = static_cast<uint16_t>(queues);
  if (int64_t{out->nfqueue} + out->nfqueues - 1 > 65535) {
    error("nfqueues", "queues " + std::to_string(out->nfqueue) + " to " +
                          std::to_string(int64_t{out->nfqueue} + out->nfqueues - 1) +
                          " run past 65535");
  }
  s.Bool("block_page", &out->block_page);
  std::string dns_block = "nxdomain";
  s.String("dns_block", &dns_block);
  constexpr std::string_view kSinkhole = "sinkhole:";
  if (dns_block.compare(0, kSinkhole.size(), kSinkhole) == 0) {
    auto addr = IpAddress::Parse(std::string_view(dns_block).substr(kSinkhole.size()));
    if (!addr) {
      error("dns_block", "\"" + dns_block +
                             "\": the sinkhole address is not an IPv4 or IPv6 address, e.g. "
                             "\"sinkhole:192.0.2.1\"");
    } else {
      out->dns_sinkhole = true;
      out->sinkhole_address = *addr;
    }
  } else if (dns_block != "nxdomain") {
    error("dns_block", "\"" + dns_block + "\": must be \"nxdomain\" or \"sinkhole:ADDR\"");
  }
  int64_t body_kb = static_cast<int64_t>(out->max_body_scan_bytes >> 10);
  s.Int("max_body_scan_kb", &body_kb, 0, int64_t{1} << 20);
  out->max_body_scan_bytes = static_cast<size_t>(body_kb) << 10;
  int64_t overlap = static_cast<int64_t>(out->body_overlap_bytes);
  s.Int("body_overlap_bytes", &overlap, 16, 65536);
  out->body_overlap_bytes = static_cast<size_t>(overlap);
  s.RejectUnknownKeys();

  if (out->bundle.empty()) {
    error("bundle",
          "required: the rule bundle to load, a directory or a .toml/.json file (docs/rules.md)");
  }
  if (out->pubkey.empty()) {
    error("pubkey",
          "required: the public key file of the bundle's signer (netward keygen); the probe "
          "refuses unsigned bundles");
  }
  if (out->block == BlockMode::kPassive && out->inject_interface.empty()) {
    error("inject_interface",
          "required with block = \"passive\": the interface forged resets and answers are sent "
          "through");
  }
  if (out->block_page && out->block == BlockMode::kOff) {
    error("block_page", "true needs block = \"passive\" or \"inline\"");
  }
}

}  // namespace netward::filter
