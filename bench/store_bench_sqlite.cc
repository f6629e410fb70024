// bench/store_bench_sqlite.cc: SQLite in process, one table per stream, prepared INSERTs in one
// transaction per batch, with the indexes the three queries need. Set up to be generous:
// journal_mode=OFF, synchronous=OFF, a 1 GiB page cache, addresses as INTEGER (v4 only).
#include <sqlite3.h>

#include <optional>
#include <string>

#include "store_bench_systems.h"

namespace netward::bench {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE session(ts INTEGER, end_ts INTEGER, proto TEXT, src_ip INTEGER, src_port INTEGER,
  nat_ip INTEGER, nat_port INTEGER, dst_ip INTEGER, dst_port INTEGER, vlan INTEGER, mac TEXT,
  account TEXT, calling_id TEXT, app TEXT, host TEXT, url TEXT, bytes_up INTEGER,
  bytes_down INTEGER, pkts_up INTEGER, pkts_down INTEGER, close TEXT, site TEXT);
CREATE INDEX session_src_ip_ts ON session(src_ip, ts);
CREATE INDEX session_account_ts ON session(account, ts);
CREATE INDEX session_ts ON session(ts);
CREATE TABLE nat(ts INTEGER, end_ts INTEGER, proto TEXT, inside_ip INTEGER, inside_port INTEGER,
  outside_ip INTEGER, outside_port INTEGER, remote_ip INTEGER, remote_port INTEGER, source TEXT,
  site TEXT);
CREATE INDEX nat_inside_ip_ts ON nat(inside_ip, ts);
CREATE INDEX nat_ts ON nat(ts);
)sql";

class SqliteSystem : public System {
 public:
  explicit SqliteSystem(const SystemOptions& options) : path_(options.dir + "/bench.sqlite") {}
  ~SqliteSystem() override { (void)Close(); }

  std::string_view name() const override { return "SQLite"; }
  std::string setup() const override {
    return "SQLite " + std::string(sqlite3_libversion()) +
           " in process: tables `session` and `nat`; indexes session(src_ip, ts), "
           "session(account, ts), session(ts), nat(inside_ip, ts), nat(ts), present during the "
           "ingest; journal_mode=OFF, synchronous=OFF, cache_size 1 GiB; one prepared INSERT "
           "per record, one transaction per batch of 65,536 records; addresses stored as "
           "INTEGER (IPv4 only, which favours SQLite); size = the database file.";
  }

  Status Open() override {
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      return Error("open " + path_);
    }
    for (const char* sql :
         {"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-1048576",
          "PRAGMA locking_mode=EXCLUSIVE", "PRAGMA temp_store=MEMORY", kSchema}) {
      if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Error(sql);
    }
    if (Status s =
            Prepare("INSERT INTO session VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    &insert_session_);
        !s.ok())
      return s;
    if (Status s = Prepare("INSERT INTO nat VALUES(?,?,?,?,?,?,?,?,?,?,?)", &insert_nat_); !s.ok())
      return s;
    if (Status s = Prepare("SELECT * FROM session WHERE src_ip = ?1 AND ts >= ?2 AND ts < ?3",
                           &point_session_);
        !s.ok())
      return s;
    if (Status s =
            Prepare("SELECT * FROM nat WHERE inside_ip = ?1 AND ts >= ?2 AND ts < ?3", &point_nat_);
        !s.ok())
      return s;
    if (Status s =
            Prepare("SELECT * FROM session WHERE account = ?1 AND ts >= ?2 AND ts < ?3", &account_);
        !s.ok())
      return s;
    // instr() is case-sensitive, as netward's `contains` is (LIKE is not).
    return Prepare(
        "SELECT * FROM session WHERE ts >= ?2 AND ts < ?3 AND "
        "(instr(host, ?1) > 0 OR instr(url, ?1) > 0)",
        &substring_);
  }

  Status Ingest(const Batch& batch, double* seconds) override {
    const double t0 = NowSeconds();
    if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return Error("BEGIN");
    sqlite3_stmt* st = insert_session_;
    for (const SessionRow& r : batch.sessions) {
      int i = 0;
      sqlite3_bind_int64(st, ++i, r.ts);
      sqlite3_bind_int64(st, ++i, r.end_ts);
      Text(st, ++i, r.proto);
      sqlite3_bind_int64(st, ++i, r.src_ip);
      sqlite3_bind_int(st, ++i, r.src_port);
      sqlite3_bind_int64(st, ++i, r.nat_ip);
      sqlite3_bind_int(st, ++i, r.nat_port);
      sqlite3_bind_int64(st, ++i, r.dst_ip);
      sqlite3_bind_int(st, ++i, r.dst_port);
      sqlite3_bind_int(st, ++i, r.vlan);
      Text(st, ++i, r.mac);
      Text(st, ++i, r.account);
      Text(st, ++i, r.calling_id);
      Text(st, ++i, r.app);
      Text(st, ++i, r.host);
      Text(st, ++i, r.url);
      sqlite3_bind_int64(st, ++i, static_cast<sqlite3_int64>(r.bytes_up));
      sqlite3_bind_int64(st, ++i, static_cast<sqlite3_int64>(r.bytes_down));
      sqlite3_bind_int64(st, ++i, static_cast<sqlite3_int64>(r.pkts_up));
      sqlite3_bind_int64(st, ++i, static_cast<sqlite3_int64>(r.pkts_down));
      Text(st, ++i, r.close);
      Text(st, ++i, kSite);
      if (sqlite3_step(st) != SQLITE_DONE) return Error("insert into session");
      sqlite3_reset(st);
    }
    st = insert_nat_;
    for (const NatRow& r : batch.nats) {
      int i = 0;
      sqlite3_bind_int64(st, ++i, r.ts);
      sqlite3_bind_int64(st, ++i, r.end_ts);
      Text(st, ++i, r.proto);
      sqlite3_bind_int64(st, ++i, r.inside_ip);
      sqlite3_bind_int(st, ++i, r.inside_port);
      sqlite3_bind_int64(st, ++i, r.outside_ip);
      sqlite3_bind_int(st, ++i, r.outside_port);
      sqlite3_bind_int64(st, ++i, r.remote_ip);
      sqlite3_bind_int(st, ++i, r.remote_port);
      Text(st, ++i, r.source);
      Text(st, ++i, kSite);
      if (sqlite3_step(st) != SQLITE_DONE) return Error("insert into nat");
      sqlite3_reset(st);
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return Error("COMMIT");
    *seconds += NowSeconds() - t0;
    return Status::OK();
  }

  Status FinishIngest(double* seconds) override {
    *seconds = 0;  // every batch was committed; with synchronous=OFF there is nothing to sync
    return Status::OK();
  }

  Result<uint64_t> BytesOnDisk() override {
    return DirectoryBytes(path_.substr(0, path_.rfind('/')));
  }

  Status Point(const PointQuery& q, const std::string&, uint64_t* rows) override {
    uint64_t a = 0, b = 0;
    if (Status s = Run(point_session_, q.ip, q.from, q.to, &a); !s.ok()) return s;
    if (Status s = Run(point_nat_, q.ip, q.from, q.to, &b); !s.ok()) return s;
    *rows = a + b;
    return Status::OK();
  }
  Status Account(const AccountQuery& q, const std::string&, uint64_t* rows) override {
    Text(account_, 1, q.account);
    return Run(account_, std::nullopt, q.from, q.to, rows);
  }
  Status Substring(const SubstringQuery& q, const std::string&, uint64_t* rows) override {
    Text(substring_, 1, q.needle);
    return Run(substring_, std::nullopt, q.from, q.to, rows);
  }

  Status Close() override {
    for (sqlite3_stmt** st :
         {&insert_session_, &insert_nat_, &point_session_, &point_nat_, &account_, &substring_}) {
      sqlite3_finalize(*st);
      *st = nullptr;
    }
    if (db_ && sqlite3_close(db_) != SQLITE_OK) return Error("close");
    db_ = nullptr;
    return Status::OK();
  }

 private:
  static void Text(sqlite3_stmt* st, int i, std::string_view v) {
    sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  Status Error(std::string_view what) const {
    return Status::IOError("sqlite: " + std::string(what), db_ ? sqlite3_errmsg(db_) : "no memory");
  }
  Status Prepare(const char* sql, sqlite3_stmt** st) {
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, st, nullptr) != SQLITE_OK)
      return Error(sql);
    return Status::OK();
  }
  // Binds ?1 (when given), ?2, ?3, steps through every row reading every column.
  Status Run(sqlite3_stmt* st, std::optional<uint32_t> first, TimestampUs from, TimestampUs to,
             uint64_t* rows) {
    if (first) sqlite3_bind_int64(st, 1, *first);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    uint64_t n = 0;
    size_t bytes = 0;
    int rc;
    const int columns = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      ++n;
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(st, c) == SQLITE_TEXT) {
          sqlite3_column_text(st, c);
          bytes += static_cast<size_t>(sqlite3_column_bytes(st, c));
        } else {
          bytes += static_cast<size_t>(sqlite3_column_int64(st, c) & 1);
        }
      }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return Error("query");
    sink_ += bytes;
    *rows = n;
    return Status::OK();
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_session_ = nullptr;
  sqlite3_stmt* insert_nat_ = nullptr;
  sqlite3_stmt* point_session_ = nullptr;
  sqlite3_stmt* point_nat_ = nullptr;
  sqlite3_stmt* account_ = nullptr;
  sqlite3_stmt* substring_ = nullptr;
  size_t sink_ = 0;  // keeps the column reads from being optimized away
};

}  // namespace

Result<std::unique_ptr<System>> MakeSqlite(const SystemOptions& options) {
  return std::unique_ptr<System>(std::make_unique<SqliteSystem>(options));
}

}  // namespace netward::bench
