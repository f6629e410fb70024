// src/identity/static_bindings.h: subscriber bindings from a CSV file (docs/identity.md), for
// sites without RADIUS or DHCP: fixed addresses of offices, servers, leased lines.
//
// File format: a header line naming the columns account, calling_id, ip, mac (any order, each
// once, no others), then one binding per line. Empty lines and lines starting with '#' are
// skipped; fields may be quoted ("a,b", "" for a quote). ip is an address (10.0.0.5,
// 2001:db8::5), a CIDR block (10.1.0.0/24, host bits zero) or a range first-last of one family
// (10.2.0.10-10.2.0.20); mac is empty or six hex pairs separated by ':' or '-'; each line needs an
// account or a calling_id. Caps: kMaxStaticBindingsFileBytes, kMaxStaticBindings lines.
//
// Each binding becomes `login` records with event "bind", source "static": a single address in
// `ip`, a block in `ipv6_prefix` (as "10.1.0.0/24"; the identity index reads IPv4 blocks there
// too), a range as the fewest CIDR blocks that cover it exactly.
// Reload: StaticBindingsSource polls the file (size, mtime, inode) every poll_interval. A file
// that parses replaces the previous one: bindings no longer present get a "release", new ones a
// "bind", unchanged ones nothing. A file that does not parse is reported (log line and
// last_error()) and the last good bindings stay in force.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/ip_address.h"
#include "common/status.h"
#include "common/time.h"
#include "identity/identity_sink.h"

namespace netward::identity {

struct StaticBinding {
  std::string account;
  std::string calling_id;
  std::string mac;        // normalised aa:bb:cc:dd:ee:ff, or empty
  IpAddress first, last;  // inclusive; first == last for one address
  int line = 0;           // where it was read, for messages
};

inline constexpr size_t kMaxStaticBindingsFileBytes = 64 << 20;
inline constexpr size_t kMaxStaticBindings = 1 << 20;

// Parses the CSV text of `file_name` (used in messages). InvalidArgument("FILE:LINE", what) on
// the first bad line (bad header, wrong field count, bad address/CIDR/range/MAC, no account and
// no calling_id); ResourceExhausted over the caps.
Result<std::vector<StaticBinding>> ParseStaticBindings(std::string_view text,
                                                       std::string_view file_name);

// The login records (event "bind", source "static", ts) one binding stands for.
std::vector<record::LoginRecord> BindingRecords(const StaticBinding& binding, TimestampUs ts);

struct StaticBindingsOptions {
  std::string path;
  TimestampUs poll_interval = 2 * kUsPerSecond;
};

// Loads the file and keeps it in step with the sink. Start/Stop from one thread; the accessors
// are thread-safe. The sink must outlive the source.
class StaticBindingsSource {
 public:
  StaticBindingsSource(StaticBindingsOptions options, IdentitySink* sink);
  ~StaticBindingsSource();  // stops

  // Loads the file once (its error is returned: a probe should not start with a bad file), then
  // polls it on a thread of its own.
  Status Start();
  void Stop();

  // Checks the file now and reloads it if it changed (also used by the polling thread). Returns
  // the load's status (OK when unchanged); on error the previous bindings stay.
  Status Poll();

  uint64_t loads() const { return loads_.load(); }
  uint64_t errors() const { return errors_.load(); }
  size_t bindings() const;
  std::string last_error() const;

 private:
  Status Load();

  StaticBindingsOptions options_;
  IdentitySink* sink_;
  mutable std::mutex mu_;  // guards everything below except the atomics
  std::vector<StaticBinding> current_;
  bool have_stamp_ = false;
  uint64_t stamp_size_ = 0, stamp_inode_ = 0;
  int64_t stamp_mtime_ns_ = 0;
  std::string last_error_;
  std::atomic<uint64_t> loads_{0}, errors_{0};
  std::thread thread_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace netward::identity
