// bench/store_bench_systems.h: the systems bench/store_bench.cc measures, behind one interface:
// netward's store, SQLite (in process) and ClickHouse (a private server over HTTP).
// One System at a time, one thread; every call that fails returns a Status naming the system.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store_bench_data.h"

namespace netward::bench {

struct SystemOptions {
  std::string dir;  // an empty directory of the system's own; the caller removes it afterwards
  std::string clickhouse_server = "/usr/sbin/clickhouse-server";
  std::string clickhouse_config_dir = "bench/clickhouse";  // config.xml and users.xml templates
  std::string clickhouse_cpus;  // CPUs the server may run on ("1", "0-1"); empty: all
  std::string clickhouse_compression = "zstd";  // or lz4 (ClickHouse's default)
  size_t clickhouse_insert_rows = 1 << 20;      // rows per INSERT
  size_t netward_append_lines = 1000;           // lines per Store::AppendLines call
};

class System {
 public:
  virtual ~System() = default;
  virtual std::string_view name() const = 0;
  // How it was set up (tables, indexes, settings), one Markdown paragraph for the report.
  virtual std::string setup() const = 0;

  virtual Status Open() = 0;
  // Ingests `batch`. Adds to *seconds the wall time the system spent, not the time spent turning
  // the batch into the system's input form (JSON lines, RowBinary, bound parameters).
  virtual Status Ingest(const Batch& batch, double* seconds) = 0;
  // Ends the ingest: whatever is still buffered is written and made durable (counted as ingest).
  virtual Status FinishIngest(double* seconds) = 0;
  // Optional compaction after the ingest (ClickHouse's OPTIMIZE ... FINAL), reported apart.
  virtual Status Compact(double* seconds) {
    *seconds = 0;
    return Status::OK();
  }
  virtual Result<uint64_t> BytesOnDisk() = 0;

  // The three queries. Each fetches every matching record in full and sets *rows to their
  // number. `tag` names the call (unique within a run) for ServerMillis().
  virtual Status Point(const PointQuery& q, const std::string& tag, uint64_t* rows) = 0;
  virtual Status Account(const AccountQuery& q, const std::string& tag, uint64_t* rows) = 0;
  virtual Status Substring(const SubstringQuery& q, const std::string& tag, uint64_t* rows) = 0;
  // Server-side milliseconds by tag, for systems that report them (ClickHouse); else empty.
  virtual Result<std::map<std::string, double>> ServerMillis() {
    return std::map<std::string, double>();
  }

  // Stops what Open() started. The directory is left for the caller to remove.
  virtual Status Close() = 0;
};

// NotSupported when the system cannot run in this build (netward before store.cc and the
// session/nat schema fields exist), with the reason.
Result<std::unique_ptr<System>> MakeSqlite(const SystemOptions& options);
Result<std::unique_ptr<System>> MakeClickHouse(const SystemOptions& options);
Result<std::unique_ptr<System>> MakeNetward(const SystemOptions& options);

// Seconds on a monotonic clock.
double NowSeconds();
// Sum of the sizes of the regular files under `dir`.
uint64_t DirectoryBytes(const std::string& dir);

}  // namespace netward::bench
