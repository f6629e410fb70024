// bench/store_bench_clickhouse.cc: a private ClickHouse server (bench/clickhouse/*.xml) on
// 127.0.0.1 with free ports, fed RowBinary over HTTP in INSERTs of ~1 M rows and queried over one
// keep-alive HTTP/1.1 connection (TabSeparated results). The server runs on the CPUs given
// (default: one), with max_threads set to their number; it is stopped with SIGTERM on Close()
// and receives SIGTERM too if the bench dies (PR_SET_PDEATHSIG).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store_bench_systems.h"

namespace netward::bench {
namespace {

// ---- a minimal HTTP/1.1 client (keep-alive; Content-Length, chunked or close-delimited) ----

class HttpConnection {
 public:
  explicit HttpConnection(int port) : port_(port) {}
  ~HttpConnection() { Disconnect(); }

  // POSTs `body` to `target` ("/?query=..."); sets *status and *response (the decoded body).
  Status Post(const std::string& target, std::string_view body, int* status,
              std::string* response) {
    // A kept-alive connection the server has closed meanwhile fails at once: try once more on
    // a fresh one.
    for (int attempt = 0;; ++attempt) {
      const bool reused = fd_ >= 0;
      if (!reused) {
        if (Status s = Connect(); !s.ok()) return s;
      }
      std::string head = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n";
      Status s = SendAll(head);
      if (s.ok()) s = SendAll(body);
      if (s.ok()) s = ReadResponse(status, response);
      if (s.ok()) return s;
      Disconnect();
      if (!reused || attempt > 0) return s;
    }
  }

  void Disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

 private:
  Status Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Status::IOError("clickhouse: socket", std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Status s = Status::IOError("clickhouse: connect 127.0.0.1:" + std::to_string(port_),
                                 std::strerror(errno));
      Disconnect();
      return s;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return Status::OK();
  }

  Status SendAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::IOError("clickhouse: send", std::strerror(errno));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  // Appends what the socket has to buffer_; false at EOF.
  Status Fill(bool* eof) {
    char chunk[1 << 16];
    for (;;) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IOError("clickhouse: recv", std::strerror(errno));
      *eof = n == 0;
      buffer_.append(chunk, static_cast<size_t>(n));
      return Status::OK();
    }
  }

  // Makes buffer_ hold at least `n` bytes.
  Status Need(size_t n) {
    while (buffer_.size() < n) {
      bool eof = false;
      if (Status s = Fill(&eof); !s.ok()) return s;
      if (eof) return Status::IOError("clickhouse: response", "connection closed early");
    }
    return Status::OK();
  }

  // Returns the position of `delim` in buffer_, reading as needed.
  Status Find(std::string_view delim, size_t* pos) {
    size_t from = 0;
    for (;;) {
      size_t p = buffer_.find(delim, from);
      if (p != std::string::npos) {
        *pos = p;
        return Status::OK();
      }
      from = buffer_.size() > delim.size() ? buffer_.size() - delim.size() : 0;
      bool eof = false;
      if (Status s = Fill(&eof); !s.ok()) return s;
      if (eof) return Status::IOError("clickhouse: response", "connection closed early");
    }
  }

  Status ReadResponse(int* status, std::string* body) {
    body->clear();
    size_t end = 0;
    if (Status s = Find("\r\n\r\n", &end); !s.ok()) return s;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    if (head.compare(0, 5, "HTTP/") != 0 || head.size() < 12)
      return Status::Corruption("clickhouse: response", "not HTTP: " + head.substr(0, 40));
    *status = std::atoi(head.c_str() + 9);
    bool chunked = false, close = false;
    long long length = -1;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string key = line.substr(0, colon), value = line.substr(colon + 1);
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (key == "content-length") length = std::atoll(value.c_str());
      if (key == "transfer-encoding" && value.find("chunked") != std::string::npos) chunked = true;
      if (key == "connection" && (value == "close" || value == "Close")) close = true;
    }
    if (chunked) {
      for (;;) {
        size_t eol = 0;
        if (Status s = Find("\r\n", &eol); !s.ok()) return s;
        size_t size = std::strtoull(buffer_.c_str(), nullptr, 16);
        buffer_.erase(0, eol + 2);
        if (Status s = Need(size + 2); !s.ok()) return s;
        body->append(buffer_, 0, size);
        buffer_.erase(0, size + 2);
        if (size == 0) break;  // no trailers from ClickHouse
      }
    } else if (length >= 0) {
      if (Status s = Need(static_cast<size_t>(length)); !s.ok()) return s;
      body->assign(buffer_, 0, static_cast<size_t>(length));
      buffer_.erase(0, static_cast<size_t>(length));
    } else {
      bool eof = false;
      while (!eof) {
        if (Status s = Fill(&eof); !s.ok()) return s;
      }
      *body = std::move(buffer_);
      buffer_.clear();
      close = true;
    }
    if (close) Disconnect();
    return Status::OK();
  }

  int port_;
  int fd_ = -1;
  std::string buffer_;
};

std::string UrlEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// A port nobody listens on now (the kernel's choice for a bind to port 0).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

// "1", "0-3", "0,2" -> a CPU set; false if malformed.
bool ParseCpus(const std::string& text, cpu_set_t* set, int* count) {
  CPU_ZERO(set);
  *count = 0;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    int lo, hi;
    char dash;
    std::istringstream p(part);
    if (!(p >> lo)) return false;
    hi = lo;
    if (p >> dash) {
      if (dash != '-' || !(p >> hi)) return false;
    }
    if (lo < 0 || hi < lo || hi >= CPU_SETSIZE) return false;
    for (int c = lo; c <= hi; ++c) {
      if (!CPU_ISSET(c, set)) ++*count;
      CPU_SET(c, set);
    }
  }
  return *count > 0;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

bool WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  for (size_t p = 0; (p = s->find(from, p)) != std::string::npos; p += to.size())
    s->replace(p, from.size(), to);
}

// ---- RowBinary ----

template <typename T>
void PutLe(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // x86-64 is little endian, as RowBinary is
  out->append(b, sizeof(T));
}
void PutString(std::string* out, std::string_view s) {
  uint64_t n = s.size();
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  out->append(s);
}

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
    return "ClickHouse " + version_ + " (a private server, " +
           (options_.clickhouse_cpus.empty() ? std::string("all CPUs")
                                             : "pinned to CPU " + options_.clickhouse_cpus) +
           ", max_threads=" + std::to_string(threads_) + ", " + options_.clickhouse_compression +
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
    const std::string& dir = options_.dir;
    std::string config, users;
    if (!ReadFile(options_.clickhouse_config_dir + "/config.xml", &config) ||
        !ReadFile(options_.clickhouse_config_dir + "/users.xml", &users)) {
      return Status::IOError(
          "clickhouse: templates",
          "cannot read " + options_.clickhouse_config_dir + "/{config,users}.xml");
    }
    http_port_ = FreePort();
    int tcp_port = FreePort();
    while (tcp_port == http_port_) tcp_port = FreePort();
    if (http_port_ < 0 || tcp_port < 0) return Status::IOError("clickhouse: no free port");
    ReplaceAll(&config, "@DIR@", dir);
    ReplaceAll(&config, "@HTTP_PORT@", std::to_string(http_port_));
    ReplaceAll(&config, "@TCP_PORT@", std::to_string(tcp_port));
    ReplaceAll(&config, "@COMPRESSION@", options_.clickhouse_compression);
    ::mkdir((dir + "/log").c_str(), 0755);
    if (!WriteFile(dir + "/config.xml", config) || !WriteFile(dir + "/users.xml", users))
      return Status::IOError("clickhouse: write config", dir);

    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    threads_ = static_cast<int>(std::thread::hardware_concurrency());
    if (options_.clickhouse_cpus.empty()) {  // all of them, whatever the bench is pinned to
      for (int c = 0; c < threads_ && c < CPU_SETSIZE; ++c) CPU_SET(c, &cpus);
    } else if (!ParseCpus(options_.clickhouse_cpus, &cpus, &threads_)) {
      return Status::InvalidArgument("clickhouse: cpus",
                                     "bad CPU list " + options_.clickhouse_cpus);
    }
    const std::string arg = "--config-file=" + dir + "/config.xml";
    const std::string out = dir + "/log/stdout.log";
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) return Status::IOError("clickhouse: fork", std::strerror(errno));
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) _exit(127);
      ::sched_setaffinity(0, sizeof cpus, &cpus);
      int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execl(options_.clickhouse_server.c_str(), "clickhouse-server", arg.c_str(),
              static_cast<char*>(nullptr));
      _exit(127);
    }
    http_ = std::make_unique<HttpConnection>(http_port_);
    const double deadline = NowSeconds() + 60;
    for (;;) {
      std::string body;
      int status = 0;
      if (http_->Post("/?query=SELECT%20version()", "", &status, &body).ok() && status == 200) {
        version_ = body.substr(0, body.find('\n'));
        break;
      }
      int wstatus;
      if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
        pid_ = -1;
        std::string log;
        ReadFile(out, &log);
        return Status::IOError("clickhouse: server exited at start",
                               log.substr(log.size() > 600 ? log.size() - 600 : 0));
      }
      if (NowSeconds() > deadline) return Status::IOError("clickhouse: server", "not up in 60 s");
      ::usleep(50000);
    }
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
    http_.reset();
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      const double deadline = NowSeconds() + 60;
      int wstatus;
      while (::waitpid(pid_, &wstatus, WNOHANG) == 0) {
        if (NowSeconds() > deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &wstatus, 0);
          break;
        }
        ::usleep(50000);
      }
      pid_ = -1;
    }
    return Status::OK();
  }

 private:
  std::string Settings() const { return "max_threads=" + std::to_string(threads_); }

  // Runs `sql`; the response body goes to *out when given. Fails on any status but 200.
  Status Exec(const std::string& sql, std::string* out, const std::string& query_id = "") {
    std::string target = "/?" + Settings();
    if (!query_id.empty()) target += "&query_id=" + UrlEncode(query_id);
    std::string body;
    int status = 0;
    if (Status s = http_->Post(target, sql, &status, &body); !s.ok()) return s;
    if (status != 200)
      return Status::IOError("clickhouse: " + sql.substr(0, 60),
                             "HTTP " + std::to_string(status) + ": " + body.substr(0, 300));
    if (out) *out = std::move(body);
    return Status::OK();
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
    const std::string target = "/?" + Settings() + "&query=" +
                               UrlEncode(std::string("INSERT INTO ") + table + " FORMAT RowBinary");
    const double t0 = NowSeconds();
    std::string body;
    int status = 0;
    if (Status s = http_->Post(target, *rows, &status, &body); !s.ok()) return s;
    *seconds += NowSeconds() - t0;
    if (status != 200)
      return Status::IOError(std::string("clickhouse: insert into ") + table,
                             "HTTP " + std::to_string(status) + ": " + body.substr(0, 300));
    rows->clear();
    *count = 0;
    return Status::OK();
  }

  SystemOptions options_;
  pid_t pid_ = -1;
  int http_port_ = -1;
  int threads_ = 1;
  std::string version_ = "?";
  std::unique_ptr<HttpConnection> http_;
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
