// src/filter/filter_config.h: the probe's [filter] table (docs/config.md, "Filtering in the
// probe"): which rule bundle to load and verify, how often to look for a new one, and what a
// `block` rule may do on the wire. Read by probe_config.cc at start-up with the other tables;
// every mistake is an error naming the file, the key and the value, all at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/ip_address.h"
#include "common/time.h"

namespace netward::filter {

// What a `block` rule does on the wire (block_action.h).
enum class BlockMode : uint8_t {
  kOff,      // block rules only alert (taken = "alerted"); nothing is sent or dropped
  kPassive,  // mirror port: forged resets / block page / DNS answers through inject_interface
  kInline,   // NFQUEUE: the flow's packets are dropped (and resets sent)
};
std::string_view BlockModeName(BlockMode mode);  // "off", "passive", "inline"

struct FilterConfig {
  bool enabled = false;  // the [filter] table is present
  std::string bundle;    // rule bundle: a directory or one .toml/.json file (required)
  std::string pubkey;    // verifier key file of the bundle's signer (required)
  // How often the bundle's files are checked for a change (mtime, size); 0 = only on SIGHUP.
  TimestampUs reload_interval = 10 * kUsPerSecond;
  BlockMode block = BlockMode::kOff;
  std::string inject_interface;  // passive mode: where forged packets are sent (required there)
  uint16_t nfqueue = 0;          // inline mode: the (first) NFQUEUE number the probe reads
  // Inline mode: how many consecutive queues from `nfqueue` the probe reads, one thread each
  // (iptables --queue-balance N:N+count-1 spreads flows over them by address pair).
  uint16_t nfqueues = 1;
  bool block_page = false;  // passive HTTP blocks: send a block page before the reset
  // dns_block: "nxdomain" (default) or "sinkhole:ADDR" (answer with ADDR).
  bool dns_sinkhole = false;
  IpAddress sinkhole_address;
  // Bytes of each HTTP body (per direction, per flow: all bodies of a connection together) and
  // of each mail body that are scanned; the rest passes unscanned (counted).
  size_t max_body_scan_bytes = size_t{1} << 20;
  // Bytes of the previous piece of a body scanned again with the next one, so that a keyword
  // split across packets or decoder outputs is found; a match longer than this that straddles
  // two pieces can be missed.
  size_t body_overlap_bytes = 256;
};

// Reads the [filter] table through `section` (a Section("filter") of the root). `present`:
// whether the file has that table; when false only the defaults are set (enabled = false) and
// nothing is required. Errors go to *errors, each "FILE: [filter] KEY: what".
void ReadFilterConfig(ConfigSection& section, bool present, const std::string& file,
                      FilterConfig* out, std::vector<std::string>* errors);

}  // namespace netward::filter
