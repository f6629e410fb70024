// bench/store_bench.cc: netward's store against SQLite and ClickHouse on one generated data set
// (issue 3, "Speed and size"; bench/README.md, "Store"). Run by bench/store_run.sh.
//
//   store_bench [--records N] [--systems netward,sqlite,clickhouse] [--seed S] [--queries Q]
//               [--batch B] [--dir PARENT] [--cpu C] [--clickhouse-cpus LIST]
//               [--clickhouse-compression zstd|lz4] [--clickhouse-server PATH]
//               [--clickhouse-config DIR] [--markdown FILE] [--keep]
//               [--reuse DIR] [--only a,b,c] [--repeat R]
//
// One system at a time, in the order given: a fresh directory under PARENT; the generated records
// (store_bench_data.h) ingested in batches of B, timing only the system's own work; the size on
// disk; then each query kind with Q parameter sets, once to warm up and once timed. Every system
// must return the same number of rows for each parameter set as the first one did, or the bench
// fails (exit 1) after printing the table. The directory is removed after each system.
// The bench itself is pinned to CPU C (default 0), so netward and SQLite run on one core.
// For iterating on netward's queries: --reuse DIR keeps netward's store in DIR (DIR/store, and the
// query parameters in DIR/params.txt) and, when DIR/params.txt exists, queries that store
// instead of making it again (no ingest figures); --only runs some query kinds (a point,
// b account-day, c substring-day); --repeat R times each parameter set R times after its
// warm-up (every run a sample); --make-params writes DIR/params.txt from the generator alone (no
// ingest) for a store kept earlier with --keep from the same --records and --seed.
#include <sched.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/malloc_tuning.h"
#include "store_bench_data.h"
#include "store_bench_systems.h"

namespace netward::bench {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) total += it->file_size(e2);
  }
  return total;
}

namespace {

struct Options {
  uint64_t records = 50000000;
  std::vector<std::string> systems = {"netward", "sqlite", "clickhouse"};
  uint64_t seed = 1;
  size_t queries = 20;
  size_t batch = 65536;
  std::string parent_dir;
  int cpu = 0;
  std::string markdown;
  bool keep = false;
  std::string reuse;                   // netward's store and the query parameters, kept here
  bool kinds[3] = {true, true, true};  // --only
  size_t repeat = 1;
  bool make_params = false;  // --make-params
  SystemOptions system;
};

struct Latency {
  std::vector<double> ms;
  double Percentile(double p) const {  // nearest rank
    if (ms.empty()) return NAN;
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
  }
};

struct Outcome {
  std::string name;
  std::string setup;
  std::string skipped;  // why it did not run, or empty
  uint64_t records = 0;
  double ingest_seconds = 0;
  double compact_seconds = 0;
  uint64_t bytes = 0;
  Latency latency[3];
  Latency server[3];  // server-side, if reported
  std::vector<uint64_t> rows[3];
  bool completed = false;  // its last query ran
};

constexpr const char* kQueryNames[3] = {"a", "b", "c"};

[[noreturn]] void Usage(const char* why) {
  const bool help = std::string_view(why) == "--help";  // asked for: stdout, exit 0
  if (!help) std::fprintf(stderr, "store_bench: %s\n", why);
  std::fprintf(help ? stdout : stderr,
               "usage: store_bench [--records N] [--systems "
               "netward,sqlite,clickhouse] [--seed S] [--queries Q] [--batch B] [--dir PARENT] "
               "[--cpu C|-1] [--clickhouse-cpus LIST] [--clickhouse-compression zstd|lz4] "
               "[--clickhouse-server PATH] [--clickhouse-config DIR] [--markdown FILE] [--keep] "
               "[--reuse DIR [--make-params]] [--only a,b,c] [--repeat R]\n");
  std::exit(help ? 0 : 2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  o.system.clickhouse_cpus = std::thread::hardware_concurrency() >= 2 ? "1" : "0";
  const char* tmp = std::getenv("TMPDIR");
  o.parent_dir = tmp && *tmp ? tmp : "/tmp";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    auto number = [&]() {
      std::string v = value();
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);  // 5e7 and 50000000 alike
      if (!end || *end || d < 0) Usage(("bad number for " + a + ": " + v).c_str());
      return static_cast<uint64_t>(d);
    };
    if (a == "--records") {
      o.records = number();
    } else if (a == "--systems") {
      o.systems.clear();
      std::istringstream in(value());
      std::string s;
      while (std::getline(in, s, ',')) {
        if (s != "netward" && s != "sqlite" && s != "clickhouse")
          Usage(("unknown system " + s).c_str());
        o.systems.push_back(s);
      }
    } else if (a == "--seed") {
      o.seed = number();
    } else if (a == "--queries") {
      o.queries = number();
    } else if (a == "--batch") {
      o.batch = number();
    } else if (a == "--dir") {
      o.parent_dir = value();
    } else if (a == "--cpu") {
      o.cpu = std::atoi(value().c_str());
    } else if (a == "--clickhouse-cpus") {
      o.system.clickhouse_cpus = value();
    } else if (a == "--clickhouse-compression") {
      o.system.clickhouse_compression = value();
      if (o.system.clickhouse_compression != "zstd" && o.system.clickhouse_compression != "lz4")
        Usage("--clickhouse-compression is zstd or lz4");
    } else if (a == "--clickhouse-server") {
      o.system.clickhouse_server = value();
    } else if (a == "--clickhouse-config") {
      o.system.clickhouse_config_dir = value();
    } else if (a == "--markdown") {
      o.markdown = value();
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--reuse") {
      o.reuse = value();
    } else if (a == "--make-params") {
      o.make_params = true;
    } else if (a == "--only") {
      const std::string v = value();
      for (int k = 0; k < 3; ++k) o.kinds[k] = v.find(kQueryNames[k][0]) != std::string::npos;
      if (!o.kinds[0] && !o.kinds[1] && !o.kinds[2]) Usage("--only takes a, b and/or c");
    } else if (a == "--repeat") {
      o.repeat = number();
      if (o.repeat == 0) Usage("--repeat must be > 0");
    } else if (a == "--help" || a == "-h") {
      std::printf(
          "store_bench: issue 3's store benchmark: generated session and NAT records into "
          "netward's store, SQLite and ClickHouse side by side; ingest records/s, bytes per "
          "record and three searches (bench/README.md, \"Store\").\n");
      std::fflush(stdout);
      Usage("--help");
    } else {
      Usage(("unknown argument " + a).c_str());
    }
  }
  if (o.records == 0) Usage("--records must be > 0");
  if (o.batch == 0) Usage("--batch must be > 0");
  if (!o.reuse.empty() && o.systems != std::vector<std::string>{"netward"})
    Usage("--reuse is for --systems netward");
  if (o.make_params && o.reuse.empty()) Usage("--make-params needs --reuse DIR");
  return o;
}

// Rough disk need per record, with room to spare (SQLite with five indexes is the largest).
uint64_t BytesPerRecordNeeded(const std::string& system) {
  return system == "sqlite" ? 300 : system == "clickhouse" ? 120 : 150;
}

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string Rate(double per_second) {
  if (per_second >= 1e6) return Fmt("%.2f M", per_second / 1e6);
  if (per_second >= 1e3) return Fmt("%.0f k", per_second / 1e3);
  return Fmt("%.0f", per_second);
}

std::string Ms(double ms) {
  return ms < 1     ? Fmt("%.3f", ms)
         : ms < 10  ? Fmt("%.2f", ms)
         : ms < 100 ? Fmt("%.1f", ms)
                    : Fmt("%.0f", ms);
}

// --reuse's query parameters: one line per query, "a IP FROM TO", "b ACCOUNT FROM TO",
// "c NEEDLE FROM TO" (account names and needles hold no spaces).
bool WriteParams(const std::string& path, const QueryParams& p) {
  std::ofstream f(path, std::ios::trunc);
  for (const PointQuery& q : p.point) f << "a " << q.ip << ' ' << q.from << ' ' << q.to << '\n';
  for (const AccountQuery& q : p.account)
    f << "b " << q.account << ' ' << q.from << ' ' << q.to << '\n';
  for (const SubstringQuery& q : p.substring)
    f << "c " << q.needle << ' ' << q.from << ' ' << q.to << '\n';
  return static_cast<bool>(f);
}

bool ReadParams(const std::string& path, QueryParams* p) {
  std::ifstream f(path);
  std::string kind;
  *p = QueryParams();
  while (f >> kind) {
    if (kind == "a") {
      PointQuery q;
      if (!(f >> q.ip >> q.from >> q.to)) return false;
      p->point.push_back(q);
    } else if (kind == "b") {
      AccountQuery q;
      if (!(f >> q.account >> q.from >> q.to)) return false;
      p->account.push_back(q);
    } else if (kind == "c") {
      SubstringQuery q;
      if (!(f >> q.needle >> q.from >> q.to)) return false;
      p->substring.push_back(q);
    } else {
      return false;
    }
  }
  return !p->point.empty();
}

Status Ingest(const Options& options, System& sys, Outcome* out, QueryParams* params);
Status RunQueries(const Options& options, System& sys, Outcome* out, const QueryParams& params);

// Runs one system from an empty directory to its last query. Fills `out`; an error ends it.
Status RunSystem(const Options& options, const std::string& which, const std::string& dir,
                 Outcome* out, QueryParams* params) {
  SystemOptions so = options.system;
  so.dir = dir;
  Result<std::unique_ptr<System>> made = which == "netward"  ? MakeNetward(so)
                                         : which == "sqlite" ? MakeSqlite(so)
                                                             : MakeClickHouse(so);
  if (!made.ok()) {
    out->skipped = made.status().message();
    return Status::OK();
  }
  System& sys = **made;
  out->name = std::string(sys.name());
  if (Status s = sys.Open(); !s.ok()) return s;
  const std::string params_file = options.reuse.empty() ? "" : options.reuse + "/params.txt";
  if (options.make_params) {  // a store kept earlier: its records are generated, not stored
    Generator gen(options.records, options.seed, options.queries);
    Batch batch;
    while (gen.Fill(options.batch, &batch)) {
    }
    if (!WriteParams(params_file, gen.params())) {
      return Status::Corruption("store_bench", "cannot write " + params_file);
    }
  }
  if (!params_file.empty() && std::filesystem::exists(params_file)) {
    // A store made by an earlier run: only its queries.
    double finish = 0;
    if (Status s = sys.FinishIngest(&finish); !s.ok()) return s;
    if (!ReadParams(params_file, params)) {
      return Status::Corruption("store_bench", "cannot read " + params_file);
    }
    out->records = options.records;
    Result<uint64_t> bytes = sys.BytesOnDisk();
    if (!bytes.ok()) return bytes.status();
    out->bytes = *bytes;
    out->setup = sys.setup();
  } else {
    if (Status s = Ingest(options, sys, out, params); !s.ok()) return s;
    if (!params_file.empty() && !WriteParams(params_file, *params)) {
      return Status::Corruption("store_bench", "cannot write " + params_file);
    }
  }
  return RunQueries(options, sys, out, *params);
}

// Makes the records and ingests them; the size on disk; the query parameters.
Status Ingest(const Options& options, System& sys, Outcome* out, QueryParams* params) {
  Generator gen(options.records, options.seed, options.queries);
  Batch batch;
  double seconds = 0;
  const double wall0 = NowSeconds();
  uint64_t next_report = options.records / 10;
  while (gen.Fill(options.batch, &batch)) {
    if (Status s = sys.Ingest(batch, &seconds); !s.ok()) return s;
    if (gen.produced() >= next_report) {
      if (seconds > 0) {
        std::fprintf(stderr, "store_bench: %s: %llu records, %s records/s\n", out->name.c_str(),
                     static_cast<unsigned long long>(gen.produced()),
                     Rate(static_cast<double>(gen.produced()) / seconds).c_str());
      }
      while (next_report <= gen.produced()) next_report += options.records / 10 + 1;
    }
  }
  double finish = 0;
  if (Status s = sys.FinishIngest(&finish); !s.ok()) return s;
  out->records = gen.produced();
  out->ingest_seconds = seconds + finish;
  std::fprintf(stderr,
               "store_bench: %s: ingest %.2f s timed (%.2f s of it finishing), %.2f s wall with "
               "generation\n",
               out->name.c_str(), out->ingest_seconds, finish, NowSeconds() - wall0);
  if (Status s = sys.Compact(&out->compact_seconds); !s.ok()) return s;
  Result<uint64_t> bytes = sys.BytesOnDisk();
  if (!bytes.ok()) return bytes.status();
  out->bytes = *bytes;
  out->setup = sys.setup();

  if (params->point.empty() && params->account.empty() && params->substring.empty()) {
    *params = gen.params();
  } else if (!(*params == gen.params())) {
    return Status::Corruption("store_bench", "the generator gave other query parameters this time");
  }
  return Status::OK();
}

// Each query kind asked: a warm-up pass, then the timed passes (--repeat).
Status RunQueries(const Options& options, System& sys, Outcome* out, const QueryParams& p) {
  const QueryParams* params = &p;
  for (int kind = 0; kind < 3; ++kind) {
    if (!options.kinds[kind]) continue;
    const size_t n = kind == 0   ? params->point.size()
                     : kind == 1 ? params->account.size()
                                 : params->substring.size();
    for (size_t pass = 0; pass < 1 + options.repeat; ++pass) {
      for (size_t k = 0; k < n; ++k) {
        std::string tag =
            std::string(kQueryNames[kind]) + "-" + std::to_string(k) + (pass == 0 ? "-w" : "");
        uint64_t rows = 0;
        const double t0 = NowSeconds();
        Status s = kind == 0   ? sys.Point(params->point[k], tag, &rows)
                   : kind == 1 ? sys.Account(params->account[k], tag, &rows)
                               : sys.Substring(params->substring[k], tag, &rows);
        const double ms = (NowSeconds() - t0) * 1e3;
        if (!s.ok()) return s;
        if (pass == 0) {
          out->rows[kind].push_back(rows);
        } else {
          out->latency[kind].ms.push_back(ms);
          if (rows != out->rows[kind][k]) {
            return Status::Corruption(
                out->name + ": query (" + kQueryNames[kind] + ") #" + std::to_string(k),
                "returned " + std::to_string(rows) + " rows, then " +
                    std::to_string(out->rows[kind][k]));
          }
        }
      }
    }
  }
  out->completed = true;
  Result<std::map<std::string, double>> server = sys.ServerMillis();
  if (!server.ok()) return server.status();
  for (const auto& [tag, ms] : *server) {
    if (tag.size() >= 2 && tag.compare(tag.size() - 2, 2, "-w") == 0) continue;
    for (int kind = 0; kind < 3; ++kind)
      if (tag[0] == kQueryNames[kind][0]) out->server[kind].ms.push_back(ms);
  }
  return sys.Close();
}

bool PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

}  // namespace
}  // namespace netward::bench

int main(int argc, char** argv) {
  netward::TuneMalloc();  // as the netward binary runs (common/malloc_tuning.h)
  using namespace netward::bench;
  Options options = ParseArgs(argc, argv);
  if (options.cpu >= 0 && !PinTo(options.cpu)) {
    std::fprintf(stderr, "store_bench: cannot pin to CPU %d\n", options.cpu);
    return 2;
  }
  std::string top = options.parent_dir + "/store-bench-XXXXXX";
  if (!mkdtemp(top.data())) {
    std::fprintf(stderr, "store_bench: cannot create a directory under %s\n",
                 options.parent_dir.c_str());
    return 2;
  }

  std::vector<Outcome> outcomes;
  QueryParams params;
  std::string failure;
  for (const std::string& which : options.systems) {
    Outcome& out = outcomes.emplace_back();
    out.name = which;
    struct statvfs vfs;
    const uint64_t need = options.records * BytesPerRecordNeeded(which);
    if (statvfs(top.c_str(), &vfs) == 0 &&
        static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize < need) {
      failure = which + ": about " + std::to_string(need >> 30) + " GiB of disk needed under " +
                options.parent_dir + ", less is free";
      break;
    }
    const std::string dir = options.reuse.empty() ? top + "/" + which : options.reuse;
    std::filesystem::create_directories(dir);
    std::fprintf(stderr, "store_bench: %s: %llu records into %s\n", which.c_str(),
                 static_cast<unsigned long long>(options.records), dir.c_str());
    netward::Status s = RunSystem(options, which, dir, &out, &params);
    if (!options.keep && options.reuse.empty()) std::filesystem::remove_all(dir);
    if (!s.ok()) {
      failure = out.name + ": " + s.ToString();
      break;
    }
    if (!out.skipped.empty()) {
      std::fprintf(stderr, "store_bench: %s skipped: %s\n", which.c_str(), out.skipped.c_str());
    }
  }
  if (!options.keep) std::filesystem::remove_all(top);

  // Every system must agree with the first one that ran on each query's row count.
  const Outcome* reference = nullptr;
  for (const Outcome& o : outcomes) {
    if (!o.skipped.empty() || o.latency[0].ms.empty()) continue;
    if (!reference) {
      reference = &o;
      continue;
    }
    for (int kind = 0; kind < 3 && failure.empty(); ++kind) {
      for (size_t k = 0; k < o.rows[kind].size(); ++k) {
        if (o.rows[kind][k] != reference->rows[kind][k]) {
          failure = "query (" + std::string(kQueryNames[kind]) + ") #" + std::to_string(k) + ": " +
                    reference->name + " returned " + std::to_string(reference->rows[kind][k]) +
                    " rows, " + o.name + " " + std::to_string(o.rows[kind][k]);
          break;
        }
      }
    }
  }

  // ---- report ----
  std::ostringstream md;
  md << "| system | ingest records/s | bytes/record | (a) point p50 / p90 ms | "
        "(b) account-day p50 / p90 ms | (c) substring-day p50 / p90 ms |\n";
  md << "| --- | --- | --- | --- | --- | --- |\n";
  const Outcome* clickhouse = nullptr;
  const Outcome* netward_out = nullptr;
  for (const Outcome& o : outcomes) {
    if (!o.skipped.empty()) {
      md << "| " << o.name << " | - | - | - | - | skipped: " << o.skipped << " |\n";
      continue;
    }
    if (!o.completed) {
      md << "| " << o.name << " | - | - | - | - | failed, see the log |\n";
      continue;
    }
    if (o.name == "ClickHouse") clickhouse = &o;
    if (o.name == "netward" && o.ingest_seconds > 0) netward_out = &o;
    md << "| " << o.name << " | "
       << (o.ingest_seconds > 0 ? Rate(static_cast<double>(o.records) / o.ingest_seconds)
                                : std::string("- (reused)"))
       << " | " << Fmt("%.1f", static_cast<double>(o.bytes) / static_cast<double>(o.records));
    for (int kind = 0; kind < 3; ++kind) {
      if (o.latency[kind].ms.empty()) {
        md << " | -";
        continue;
      }
      md << " | " << Ms(o.latency[kind].Percentile(0.5)) << " / "
         << Ms(o.latency[kind].Percentile(0.9));
    }
    md << " |\n";
  }
  if (reference) {
    md << "\nRows returned per query (mean of the " << options.queries
       << " parameter sets, the same count in every system for every set):";
    for (int kind = 0; kind < 3; ++kind) {
      double sum = 0;
      for (uint64_t r : reference->rows[kind]) sum += static_cast<double>(r);
      md << " (" << kQueryNames[kind] << ") "
         << Fmt("%.1f", reference->rows[kind].empty() ? 0 : sum / reference->rows[kind].size())
         << (kind < 2 ? "," : ".");
    }
    md << "\n";
  }
  if (clickhouse) {
    md << "\nClickHouse server-side time (system.query_log, whole ms) p50 / p90:";
    for (int kind = 0; kind < 3; ++kind)
      md << " (" << kQueryNames[kind] << ") " << Ms(clickhouse->server[kind].Percentile(0.5))
         << " / " << Ms(clickhouse->server[kind].Percentile(0.9)) << (kind < 2 ? "," : ";");
    md << " OPTIMIZE ... FINAL after the ingest took " << Fmt("%.1f", clickhouse->compact_seconds)
       << " s (not counted as ingest).\n";
  }
  if (netward_out) {
    const double rate = static_cast<double>(netward_out->records) / netward_out->ingest_seconds;
    const double bpr =
        static_cast<double>(netward_out->bytes) / static_cast<double>(netward_out->records);
    const double point = netward_out->latency[0].Percentile(0.5);
    md << "\nTargets (issue 3): ingest >= 1 M records/s on one core: "
       << (rate >= 1e6 ? "met" : "NOT met") << " (" << Rate(rate)
       << "/s); point search <= 10 ms: " << (point <= 10 ? "met" : "NOT met") << " (p50 "
       << Ms(point) << " ms)";
    if (clickhouse) {
      const double ch_bpr =
          static_cast<double>(clickhouse->bytes) / static_cast<double>(clickhouse->records);
      const double ch_point = clickhouse->latency[0].Percentile(0.5);
      md << "; bytes/record <= ClickHouse's: " << (bpr <= ch_bpr ? "met" : "NOT met") << " ("
         << Fmt("%.1f", bpr) << " vs " << Fmt("%.1f", ch_bpr)
         << "); point search >= 10x faster than ClickHouse: "
         << (ch_point >= 10 * point ? "met" : "NOT met") << " (" << Fmt("%.1f", ch_point / point)
         << "x at p50)";
    }
    md << ".\n";
  }
  md << "\nSetups:\n";
  for (const Outcome& o : outcomes) {
    if (!o.setup.empty()) md << "\n- " << o.setup << "\n";
  }
  const std::string report = md.str();
  std::fputs(report.c_str(), stdout);
  if (!options.markdown.empty()) {
    std::ofstream f(options.markdown, std::ios::trunc);
    f << report;
    if (!f) {
      std::fprintf(stderr, "store_bench: cannot write %s\n", options.markdown.c_str());
      return 1;
    }
  }
  if (!failure.empty()) {
    std::fprintf(stderr, "store_bench: FAILED: %s\n", failure.c_str());
    return 1;
  }
  return 0;
}
