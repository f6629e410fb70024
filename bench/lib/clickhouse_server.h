// bench/lib/clickhouse_server.h: a private ClickHouse server for the benchmarks that compare
// netward with ClickHouse (store_bench, identity_bench): Debian's clickhouse-server started from
// the templates in bench/clickhouse/ (@DIR@, @HTTP_PORT@, @TCP_PORT@, @COMPRESSION@) on
// 127.0.0.1 with free ports, on the CPUs given, queried over one keep-alive HTTP/1.1 connection
// of its own (a minimal client: nothing of an HTTP library in the timings). The server gets
// SIGTERM on Stop() and if the bench dies (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace netward::bench {

class ClickHouseServer {
 public:
  struct Options {
    std::string binary = "/usr/bin/clickhouse-server";
    std::string config_dir;  // holds config.xml and users.xml (templates)
    std::string dir;         // the server's data, logs and config; must exist
    std::string cpus;        // "1", "0-3", "0,2": pinned there; "" = every CPU
    std::string compression = "zstd";
    int max_threads = 0;  // the queries' max_threads setting; 0 = the number of CPUs it runs on
  };

  ClickHouseServer();
  ~ClickHouseServer();
  ClickHouseServer(const ClickHouseServer&) = delete;
  ClickHouseServer& operator=(const ClickHouseServer&) = delete;

  // Starts the server and waits (up to 60 s) until it answers; the error says why not (the
  // tail of its log when it exited).
  Status Start(const Options& options);
  // SIGTERM, up to 60 s, then SIGKILL. Idempotent.
  void Stop();

  // Runs `sql`; the response body goes to *out when given. Fails on any status but 200.
  Status Query(const std::string& sql, std::string* out, const std::string& query_id = "");
  // Sends `data` as the body of `sql` ("INSERT INTO t FORMAT RowBinary").
  Status Insert(const std::string& sql, std::string_view data);

  const std::string& version() const { return version_; }
  int threads() const { return threads_; }  // CPUs it runs on
  int max_threads() const { return max_threads_; }

 private:
  class Http;
  std::string Target() const;

  pid_t pid_ = -1;
  int http_port_ = -1;
  int threads_ = 1;
  int max_threads_ = 1;
  std::string version_ = "?";
  std::unique_ptr<Http> http_;
};

// ---- RowBinary (little endian, as x86-64) ----
template <typename T>
void PutLe(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}
// A string: varint length, then its bytes.
void PutString(std::string* out, std::string_view s);

bool ReadFile(const std::string& path, std::string* out);
std::string UrlEncode(std::string_view s);

}  // namespace netward::bench
