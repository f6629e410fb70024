#include "identity/radius_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "analyzers/radius_wire.h"
#include "common/logging.h"

namespace netward::identity {

namespace rw = analyzers::radius;

namespace {

constexpr size_t kMaxLogEntries = 4096;
constexpr TimestampUs kLogInterval = 60 * kUsPerSecond;

struct Network {
  IpAddress base;
  unsigned prefix = 128;  // over the 16-byte form (IPv4 is ::ffff:a.b.c.d, prefix + 96)
  std::string secret;
};

bool InNetwork(const IpAddress& a, const Network& n) {
  unsigned full = n.prefix / 8, rest = n.prefix % 8;
  if (std::memcmp(a.bytes, n.base.bytes, full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a.bytes[full] & mask) == (n.base.bytes[full] & mask);
}

Result<Network> ParseNetwork(const RadiusClientConfig& c) {
  Network n;
  std::string text = c.network;
  std::string addr = text;
  int prefix = -1;
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    addr = text.substr(0, slash);
    std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos)
      return Status::InvalidArgument("radius client " + text, "bad prefix length");
    prefix = std::stoi(p);
  }
  auto ip = IpAddress::Parse(addr);
  if (!ip) return Status::InvalidArgument("radius client " + text, "not an address or network");
  n.base = *ip;
  const int max = ip->is_v4() ? 32 : 128;
  if (prefix < 0) prefix = max;
  if (prefix > max) return Status::InvalidArgument("radius client " + text, "prefix too long");
  n.prefix = static_cast<unsigned>(prefix + (ip->is_v4() ? 96 : 0));
  if (c.secret.empty()) return Status::InvalidArgument("radius client " + text, "empty secret");
  n.secret = c.secret;
  return n;
}

// "1.2.3.4:1813", "[::1]:1813" -> sockaddr.
Result<sockaddr_storage> ParseListen(const std::string& text, socklen_t* len) {
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string::npos) return Status::InvalidArgument("radius listen " + text, "");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon)
      return Status::InvalidArgument("radius listen " + text, "expected ADDR:PORT or [V6]:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
    return Status::InvalidArgument("radius listen " + text, "bad port");
  sockaddr_storage ss{};
  const uint16_t p = static_cast<uint16_t>(std::stoi(port));
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(p);
    *len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(p);
    *len = sizeof(sockaddr_in6);
  } else {
    return Status::InvalidArgument("radius listen " + text, "bad address");
  }
  return ss;
}

IpAddress FromSockaddr(const sockaddr_storage& ss, uint16_t* port) {
  if (ss.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&ss);
    *port = ntohs(v4->sin_port);
    return IpAddress::FromV4(reinterpret_cast<const uint8_t*>(&v4->sin_addr));
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  *port = ntohs(v6->sin6_port);
  return IpAddress::FromV6(reinterpret_cast<const uint8_t*>(&v6->sin6_addr));
}

std::string Endpoint(const IpAddress& ip, uint16_t port) {
  return ip.is_v4() ? ip.ToString() + ":" + std::to_string(port)
                    : "[" + ip.ToString() + "]:" + std::to_string(port);
}

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Status::IOError(path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path, "not a regular file");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    return Status::InvalidArgument(path,
                                   "secret file must not be accessible to group or others "
                                   "(chmod 600)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path, "cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret = ss.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return Status::InvalidArgument(path, "empty secret");
  return secret;
}

class RadiusServer::Impl {
 public:
  Impl(const RadiusServerConfig& config, IdentitySink* sink) : config_(config), sink_(sink) {}

  ~Impl() {
    Stop();
    for (int fd : fds_) close(fd);
    if (wake_[0] >= 0) close(wake_[0]);
    if (wake_[1] >= 0) close(wake_[1]);
  }

  Status Open() {
    for (const auto& c : config_.clients) {
      Result<Network> n = ParseNetwork(c);
      if (!n.ok()) return n.status();
      clients_.push_back(std::move(*n));
    }
    if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return Status::IOError("radius", "pipe");
    for (const std::string& l : config_.listen) {
      socklen_t len = 0;
      Result<sockaddr_storage> addr = ParseListen(l, &len);
      if (!addr.ok()) return addr.status();
      int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd < 0) return Status::IOError("radius listen " + l, std::strerror(errno));
      fds_.push_back(fd);
      int one = 1;
      if (addr->ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (bind(fd, reinterpret_cast<sockaddr*>(&*addr), len) != 0)
        return Status::IOError("radius listen " + l, std::strerror(errno));
      sockaddr_storage bound{};
      socklen_t blen = sizeof(bound);
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
      uint16_t port = 0;
      IpAddress ip = FromSockaddr(bound, &port);
      bound_.push_back(Endpoint(ip, port));
    }
    thread_ = std::thread([this] { Run(); });
    return Status::OK();
  }

  void Stop() {
    if (!thread_.joinable()) return;
    stop_.store(true);
    char c = 1;
    (void)!write(wake_[1], &c, 1);
    thread_.join();
  }

  const std::vector<std::string>& bound() const { return bound_; }

  RadiusServerStats stats() const {
    std::lock_guard<std::mutex> lock(stats_mu_);
    return stats_;
  }

 private:
  void Run() {
    std::vector<pollfd> pfds;
    for (int fd : fds_) pfds.push_back({fd, POLLIN, 0});
    pfds.push_back({wake_[0], POLLIN, 0});
    while (!stop_.load()) {
      int n = poll(pfds.data(), pfds.size(), 1000);
      if (n < 0 && errno != EINTR) break;
      if (stop_.load()) break;
      for (size_t i = 0; i + 1 < pfds.size(); ++i) {
        if (!(pfds[i].revents & POLLIN)) continue;
        // Drain what is queued, bounded so one busy socket cannot starve Stop().
        for (int k = 0; k < 256 && !stop_.load(); ++k) {
          sockaddr_storage from{};
          socklen_t flen = sizeof(from);
          ssize_t got = recvfrom(pfds[i].fd, buf_, sizeof(buf_), MSG_TRUNC,
                                 reinterpret_cast<sockaddr*>(&from), &flen);
          if (got < 0) break;
          Handle(pfds[i].fd, from, flen, static_cast<size_t>(got));
        }
      }
    }
  }

  template <typename F>
  void Count(F&& f) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    f(stats_);
  }

  // One warning per client address per minute.
  void LogLimited(const IpAddress& from, const std::string& what) {
    const TimestampUs now = NowUs();
    auto it = last_log_.find(from);
    if (it != last_log_.end() && now - it->second < kLogInterval) return;
    if (last_log_.size() >= kMaxLogEntries) last_log_.clear();
    last_log_[from] = now;
    LogWarning("radius: " + from.ToString() + ": " + what +
               " (no answer sent; repeats are counted, not logged, for a minute)");
  }

  const Network* FindClient(const IpAddress& ip) const {
    const Network* best = nullptr;
    for (const Network& n : clients_)
      if (InNetwork(ip, n) && (!best || n.prefix > best->prefix)) best = &n;
    return best;
  }

  // Forgets retransmission keys older than the window, and the oldest beyond the cap.
  void Expire(TimestampUs now) {
    while (!seen_order_.empty() && (seen_order_.front().first + config_.retransmit_window < now ||
                                    seen_order_.size() > config_.max_remembered)) {
      auto it = seen_.find(seen_order_.front().second);
      if (it != seen_.end() && it->second == seen_order_.front().first) seen_.erase(it);
      seen_order_.pop_front();
    }
  }

  void Handle(int fd, const sockaddr_storage& from, socklen_t flen, size_t size) {
    uint16_t port = 0;
    const IpAddress src = FromSockaddr(from, &port);
    const Network* client = FindClient(src);
    if (!client) {
      Count([](RadiusServerStats& s) { ++s.unknown_client; });
      LogLimited(src, "packet from an unknown client");
      return;
    }
    if (size > sizeof(buf_)) {
      Count([](RadiusServerStats& s) { ++s.malformed; });
      LogLimited(src, "datagram over 4096 bytes");
      return;
    }
    std::span<const uint8_t> data(buf_, size);
    if (rw::ParseRadius(data, &packet_) != rw::ParseError::kOk) {
      Count([](RadiusServerStats& s) { ++s.malformed; });
      LogLimited(src, "malformed RADIUS packet");
      return;
    }
    if (packet_.code != rw::kAccountingRequest) {
      Count([](RadiusServerStats& s) { ++s.unsupported_code; });
      LogLimited(src, "RADIUS code " + std::to_string(packet_.code) + " is not accounting");
      return;
    }
    const rw::Digest expect = rw::AccountingRequestAuthenticator(packet_.bytes, client->secret);
    bool ok = rw::DigestEquals(expect, packet_.authenticator());
    rw::ExtractRadiusFields(packet_, &fields_);
    if (ok && fields_.has_message_authenticator) {
      rw::Digest ma = rw::MessageAuthenticator(packet_.bytes, fields_.message_authenticator_offset,
                                               true, client->secret);
      ok = rw::DigestEquals(ma, packet_.bytes.subspan(fields_.message_authenticator_offset, 16));
    }
    if (!ok) {
      Count([](RadiusServerStats& s) { ++s.bad_authenticator; });
      LogLimited(src, "bad authenticator (wrong shared secret?)");
      return;
    }

    const TimestampUs now = NowUs();
    Expire(now);
    std::string key = Endpoint(src, port);
    key.push_back(static_cast<char>(packet_.id));
    key.append(reinterpret_cast<const char*>(packet_.authenticator().data()), 16);
    auto seen = seen_.find(key);
    if (seen != seen_.end()) {
      Count([](RadiusServerStats& s) { ++s.retransmissions; });
    } else {
      std::string_view event = rw::AcctStatusEvent(fields_.status_type);
      if (event.empty()) {
        Count([](RadiusServerStats& s) { ++s.other_status; });
      } else {
        rw::FillLoginRecord(fields_, &rec_);
        rec_.ts = rw::RadiusEventTime(fields_, now);
        rec_.event = event;
        sink_->OnLogin(rec_);  // taken before we answer
        Count([](RadiusServerStats& s) { ++s.recorded; });
      }
      seen_[key] = now;
      seen_order_.emplace_back(now, std::move(key));
    }
    Answer(fd, from, flen, client->secret);
  }

  // Accounting-Response: same identifier, Proxy-State attributes copied in order (RFC 2865 5.33).
  void Answer(int fd, const sockaddr_storage& to, socklen_t tlen, const std::string& secret) {
    uint8_t out[rw::kMaxPacketSize];
    size_t len = rw::kHeaderSize;
    for (const rw::Attribute& a : packet_.attributes) {
      if (a.type != rw::kProxyState) continue;
      out[len] = a.type;
      out[len + 1] = static_cast<uint8_t>(a.value.size() + 2);
      std::memcpy(out + len + 2, a.value.data(), a.value.size());
      len += a.value.size() + 2;
    }
    out[0] = rw::kAccountingResponse;
    out[1] = packet_.id;
    out[2] = static_cast<uint8_t>(len >> 8);
    out[3] = static_cast<uint8_t>(len & 0xFF);
    std::span<const uint8_t> resp(out, len);
    rw::Digest auth = rw::ResponseAuthenticator(resp, packet_.authenticator(), secret);
    std::memcpy(out + 4, auth.data(), 16);
    if (sendto(fd, out, len, 0, reinterpret_cast<const sockaddr*>(&to), tlen) ==
        static_cast<ssize_t>(len)) {
      Count([](RadiusServerStats& s) { ++s.answered; });
    }
  }

  RadiusServerConfig config_;
  IdentitySink* sink_;
  std::vector<Network> clients_;
  std::vector<int> fds_;
  std::vector<std::string> bound_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex stats_mu_;
  RadiusServerStats stats_;
  // Serving-thread state.
  uint8_t buf_[rw::kMaxPacketSize];
  rw::Packet packet_;
  rw::RadiusFields fields_;
  record::LoginRecord rec_;
  std::unordered_map<std::string, TimestampUs> seen_;
  std::deque<std::pair<TimestampUs, std::string>> seen_order_;
  std::map<IpAddress, TimestampUs> last_log_;
};

Result<std::unique_ptr<RadiusServer>> RadiusServer::Start(const RadiusServerConfig& config,
                                                          IdentitySink* sink) {
  auto impl = std::make_unique<Impl>(config, sink);
  Status s = impl->Open();
  if (!s.ok()) return s;
  return std::unique_ptr<RadiusServer>(new RadiusServer(std::move(impl)));
}

RadiusServer::RadiusServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RadiusServer::~RadiusServer() = default;
void RadiusServer::Stop() { impl_->Stop(); }
const std::vector<std::string>& RadiusServer::bound_addresses() const { return impl_->bound(); }
RadiusServerStats RadiusServer::stats() const { return impl_->stats(); }

}  // namespace netward::identity
