#include "clickhouse_server.h"

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
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace netward::bench {
namespace {

double NowSeconds() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

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

bool WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  for (size_t p = 0; (p = s->find(from, p)) != std::string::npos; p += to.size())
    s->replace(p, from.size(), to);
}

}  // namespace

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

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

void PutString(std::string* out, std::string_view s) {
  uint64_t n = s.size();
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  out->append(s);
}

class ClickHouseServer::Http : public HttpConnection {
 public:
  using HttpConnection::HttpConnection;
};

ClickHouseServer::ClickHouseServer() = default;
ClickHouseServer::~ClickHouseServer() { Stop(); }

Status ClickHouseServer::Start(const Options& options) {
  const std::string& dir = options.dir;
  std::string config, users;
  if (!ReadFile(options.config_dir + "/config.xml", &config) ||
      !ReadFile(options.config_dir + "/users.xml", &users)) {
    return Status::IOError("clickhouse: templates",
                           "cannot read " + options.config_dir + "/{config,users}.xml");
  }
  http_port_ = FreePort();
  int tcp_port = FreePort();
  while (tcp_port == http_port_) tcp_port = FreePort();
  if (http_port_ < 0 || tcp_port < 0) return Status::IOError("clickhouse: no free port");
  ReplaceAll(&config, "@DIR@", dir);
  ReplaceAll(&config, "@HTTP_PORT@", std::to_string(http_port_));
  ReplaceAll(&config, "@TCP_PORT@", std::to_string(tcp_port));
  ReplaceAll(&config, "@COMPRESSION@", options.compression);
  ::mkdir((dir + "/log").c_str(), 0755);
  if (!WriteFile(dir + "/config.xml", config) || !WriteFile(dir + "/users.xml", users))
    return Status::IOError("clickhouse: write config", dir);

  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  threads_ = static_cast<int>(std::thread::hardware_concurrency());
  if (options.cpus.empty()) {  // all of them, whatever the bench is pinned to
    for (int c = 0; c < threads_ && c < CPU_SETSIZE; ++c) CPU_SET(c, &cpus);
  } else if (!ParseCpus(options.cpus, &cpus, &threads_)) {
    return Status::InvalidArgument("clickhouse: cpus", "bad CPU list " + options.cpus);
  }
  max_threads_ = options.max_threads > 0 ? options.max_threads : threads_;
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
    ::execl(options.binary.c_str(), "clickhouse-server", arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  http_ = std::make_unique<Http>(http_port_);
  const double deadline = NowSeconds() + 60;
  for (;;) {
    std::string body;
    int status = 0;
    if (http_->Post("/?query=SELECT%20version()", "", &status, &body).ok() && status == 200) {
      version_ = body.substr(0, body.find('\n'));
      return Status::OK();
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
}

void ClickHouseServer::Stop() {
  http_.reset();
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int ws;
    for (int i = 0; i < 600 && ::waitpid(pid_, &ws, WNOHANG) == 0; ++i) ::usleep(100000);
    if (::waitpid(pid_, &ws, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &ws, 0);
    }
    pid_ = -1;
  }
}

std::string ClickHouseServer::Target() const {
  return "/?max_threads=" + std::to_string(max_threads_);
}

Status ClickHouseServer::Query(const std::string& sql, std::string* out,
                               const std::string& query_id) {
  if (!http_) return Status::IOError("clickhouse", "not started");
  std::string target = Target();
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

Status ClickHouseServer::Insert(const std::string& sql, std::string_view data) {
  if (!http_) return Status::IOError("clickhouse", "not started");
  const std::string target = Target() + "&query=" + UrlEncode(sql);
  std::string body;
  int status = 0;
  if (Status s = http_->Post(target, data, &status, &body); !s.ok()) return s;
  if (status != 200)
    return Status::IOError("clickhouse: " + sql.substr(0, 60),
                           "HTTP " + std::to_string(status) + ": " + body.substr(0, 300));
  return Status::OK();
}

}  // namespace netward::bench
