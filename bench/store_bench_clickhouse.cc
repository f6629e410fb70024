// bench/store_bench_clickhouse.cc: store_bench's ClickHouse system: a private server
// (bench/lib/clickhouse_server.h) fed RowBinary over HTTP in INSERTs of ~1 M rows and queried
// over one keep-alive HTTP/1.1 connection (TabSeparated results), on the CPUs given (default:
// one), with max_threads set to their number.
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "clickhouse_server.h"
#include "store_bench_systems.h"

namespace netward::bench {
namespace {

constexpr const char* kSessionTable = R"sql(CREATE TABLE session (
  ts Int64, end_ts Int64, proto String, src_ip UInt32, src_port UInt16, nat_ip UInt32,
  nat_port UInt16, dst_ip UInt32, dst_port UInt16, vlan UInt16, mac String, account String,
  calling_id String, app String, host String, url String, bytes_up UInt64, bytes_down UInt64,
  pkts_up UInt64, pkts_down UInt64, close String, site String)
ENGINE = MergeTree PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts, 1000000)))
ORDER BY (src_ip, ts))sql";
constexpr const char* kNatTable = R"sql(CREATE TABLE nat (
  ts Int64, end_ts Int64, proto String, inside_ip UInt32, inside_port UInt16, outside_ip UInt32,
  outside_port UInt16, remote_ip UInt32, remote_port UInt16, source String, site String)
ENGINE = MergeTree PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts, 1000000)))
ORDER BY (inside_ip, ts))sql";

class ClickHouseSystem : public System {
 public:
  explicit ClickHouseSystem(const SystemOptions& options) : options_(options) {}
  ~ClickHouseSystem() override { (void)Close(); }

  std::string_view name() const override { return "ClickHouse"; }
  std::string setup() const override {
    return "ClickHouse " + server_.version() + " (a private server, " +
           (options_.clickhouse_cpus.empty() ? std::string("all CPUs")
                                             : "pinned to CPU " + options_.clickhouse_cpus) +
           ", max_threads=" + std::to_string(server_.max_threads()) + ", " +
           options_.clickhouse_compression +
           " compression): tables `session` ORDER BY (src_ip, ts) and `nat` ORDER BY "
           "(inside_ip, ts), both MergeTree PARTITION BY toYYYYMMDD(ts), ts as Int64 "
           "microseconds, addresses as UInt32 (IPv4 only, which favours ClickHouse). The sort "
           "key serves the point search (a); (b) and (c) read the columns of one day's "
           "partition (18.16 has no data-skipping indexes). Ingest: RowBinary over HTTP, " +
           std::to_string(options_.clickhouse_insert_rows) +
           " rows per INSERT; the rate is rows / the time the INSERTs took, the server parsing "
           "and writing with its own threads. Size: system.parts bytes_on_disk of the active "
           "parts after OPTIMIZE TABLE ... FINAL per partition (before it: " +
           std::to_string(bytes_before_optimize_) + " bytes). Queries over one keep-alive HTTP " +
           "connection, TabSeparated.";
  }

  Status Open() override {
    ClickHouseServer::Options o;
    o.binary = options_.clickhouse_server;
    o.config_dir = options_.clickhouse_config_dir;
    o.dir = options_.dir;
    o.cpus = options_.clickhouse_cpus;
    o.compression = options_.clickhouse_compression;
    if (Status s = server_.Start(o); !s.ok()) return s;
    for (const char* sql : {kSessionTable, kNatTable}) {
      if (Status s = Exec(sql, nullptr); !s.ok()) return s;
    }
    return Status::OK();
  }

  Status Ingest(const Batch& batch, double* seconds) override {
    for (const SessionRow& r : batch.sessions) {
      std::string* o = &session_rows_;
      PutLe<int64_t>(o, r.ts);
      PutLe<int64_t>(o, r.end_ts);
      PutString(o, r.proto);
      PutLe<uint32_t>(o, r.src_ip);
      PutLe<uint16_t>(o, r.src_port);
      PutLe<uint32_t>(o, r.nat_ip);
      PutLe<uint16_t>(o, r.nat_port);
      PutLe<uint32_t>(o, r.dst_ip);
      PutLe<uint16_t>(o, r.dst_port);
      PutLe<uint16_t>(o, r.vlan);
      PutString(o, r.mac);
      PutString(o, r.account);
      PutString(o, r.calling_id);
      PutString(o, r.app);
      PutString(o, r.host);
      PutString(o, r.url);
      PutLe<uint64_t>(o, r.bytes_up);
      PutLe<uint64_t>(o, r.bytes_down);
      PutLe<uint64_t>(o, r.pkts_up);
      PutLe<uint64_t>(o, r.pkts_down);
      PutString(o, r.close);
      PutString(o, kSite);
    }
    session_count_ += batch.sessions.size();
    for (const NatRow& r : batch.nats) {
      std::string* o = &nat_rows_;
      PutLe<int64_t>(o, r.ts);
      PutLe<int64_t>(o, r.end_ts);
      PutString(o, r.proto);
      PutLe<uint32_t>(o, r.inside_ip);
      PutLe<uint16_t>(o, r.inside_port);
      PutLe<uint32_t>(o, r.outside_ip);
      PutLe<uint16_t>(o, r.outside_port);
      PutLe<uint32_t>(o, r.remote_ip);
      PutLe<uint16_t>(o, r.remote_port);
      PutString(o, r.source);
      PutString(o, kSite);
    }
    nat_count_ += batch.nats.size();
    if (session_count_ >= options_.clickhouse_insert_rows) {
      if (Status s = Insert("session", &session_rows_, &session_count_, seconds); !s.ok()) return s;
    }
    if (nat_count_ >= options_.clickhouse_insert_rows) {
      if (Status s = Insert("nat", &nat_rows_, &nat_count_, seconds); !s.ok()) return s;
    }
    return Status::OK();
  }

  Status FinishIngest(double* seconds) override {
    *seconds = 0;
    if (Status s = Insert("session", &session_rows_, &session_count_, seconds); !s.ok()) return s;
    return Insert("nat", &nat_rows_, &nat_count_, seconds);
  }

  Status Compact(double* seconds) override {
    Result<uint64_t> before = BytesOnDisk();
    if (!before.ok()) return before.status();
    bytes_before_optimize_ = *before;
    const double t0 = NowSeconds();
    std::string partitions;
    if (Status s = Exec("SELECT DISTINCT table, partition FROM system.parts WHERE active AND "
                        "database = 'default' AND table IN ('session', 'nat') FORMAT TabSeparated",
                        &partitions);
        !s.ok())
      return s;
    std::istringstream lines(partitions);
    std::string line;
    while (std::getline(lines, line)) {
      size_t tab = line.find('\t');
      if (tab == std::string::npos) continue;
      if (Status s = Exec("OPTIMIZE TABLE " + line.substr(0, tab) + " PARTITION " +
                              line.substr(tab + 1) + " FINAL",
                          nullptr);
          !s.ok())
        return s;
    }
    *seconds = NowSeconds() - t0;
    return Status::OK();
  }

  Result<uint64_t> BytesOnDisk() override {
    std::string out;
    if (Status s = Exec(
            "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'default' "
            "AND table IN ('session', 'nat') FORMAT TabSeparated",
            &out);
        !s.ok())
      return s;
    return static_cast<uint64_t>(std::strtoull(out.c_str(), nullptr, 10));
  }

  Status Point(const PointQuery& q, const std::string& tag, uint64_t* rows) override {
    uint64_t a = 0, b = 0;
    std::string range =
        " AND ts >= " + std::to_string(q.from) + " AND ts < " + std::to_string(q.to);
    if (Status s = Select("SELECT * FROM session WHERE src_ip = " + std::to_string(q.ip) + range,
                          tag + "~s", &a);
        !s.ok())
      return s;
    if (Status s = Select("SELECT * FROM nat WHERE inside_ip = " + std::to_string(q.ip) + range,
                          tag + "~n", &b);
        !s.ok())
      return s;
    *rows = a + b;
    return Status::OK();
  }
  Status Account(const AccountQuery& q, const std::string& tag, uint64_t* rows) override {
    return Select("SELECT * FROM session WHERE account = '" + q.account +
                      "' AND ts >= " + std::to_string(q.from) + " AND ts < " + std::to_string(q.to),
                  tag, rows);
  }
  Status Substring(const SubstringQuery& q, const std::string& tag, uint64_t* rows) override {
    // position() is case-sensitive, as netward's `contains` is.
    return Select("SELECT * FROM session WHERE ts >= " + std::to_string(q.from) + " AND ts < " +
                      std::to_string(q.to) + " AND (position(host, '" + q.needle +
                      "') > 0 OR position(url, '" + q.needle + "') > 0)",
                  tag, rows);
  }

  Result<std::map<std::string, double>> ServerMillis() override {
    if (Status s = Exec("SYSTEM FLUSH LOGS", nullptr); !s.ok()) return s;
    std::string out;
    if (Status s =
            Exec("SELECT query_id, query_duration_ms FROM system.query_log WHERE type = 2 AND "
                 "query_id LIKE 'nwb-%' FORMAT TabSeparated",
                 &out);
        !s.ok())
      return s;
    std::map<std::string, double> ms;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      size_t tab = line.find('\t');
      if (tab == std::string::npos) continue;
      std::string id = line.substr(4, tab - 4);  // without "nwb-"
      id = id.substr(0, id.find('~'));           // the two halves of (a) add up
      ms[id] += std::atof(line.c_str() + tab + 1);
    }
    return ms;
  }

  Status Close() override {
    server_.Stop();
    return Status::OK();
  }

 private:
  Status Exec(const std::string& sql, std::string* out, const std::string& query_id = "") {
    return server_.Query(sql, out, query_id);
  }

  Status Select(const std::string& sql, const std::string& tag, uint64_t* rows) {
    if (Status s = Exec(sql + " FORMAT TabSeparated", &result_, "nwb-" + tag); !s.ok()) return s;
    uint64_t n = 0;
    for (char c : result_) n += c == '\n';
    *rows = n;
    return Status::OK();
  }

  Status Insert(const char* table, std::string* rows, size_t* count, double* seconds) {
    if (*count == 0) return Status::OK();
    const double t0 = NowSeconds();
    Status s = server_.Insert(std::string("INSERT INTO ") + table + " FORMAT RowBinary", *rows);
    *seconds += NowSeconds() - t0;
    if (!s.ok()) return s;
    rows->clear();
    *count = 0;
    return Status::OK();
  }

  SystemOptions options_;
  ClickHouseServer server_;
  std::string session_rows_, nat_rows_, result_;
  size_t session_count_ = 0, nat_count_ = 0;
  uint64_t bytes_before_optimize_ = 0;
};

}  // namespace

Result<std::unique_ptr<System>> MakeClickHouse(const SystemOptions& options) {
  if (::access(options.clickhouse_server.c_str(), X_OK) != 0) {
    return Status::NotSupported("clickhouse", options.clickhouse_server + " is not installed");
  }
  return std::unique_ptr<System>(std::make_unique<ClickHouseSystem>(options));
}

}  // namespace netward::bench
