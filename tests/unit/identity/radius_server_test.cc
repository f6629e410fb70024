// The RADIUS accounting server against a hand-made client (authenticators, retransmissions,
// Proxy-State, refusals) and against the real peers: radclient, and FreeRADIUS proxying
// accounting to it (RECIPES.md). The real-peer tests skip when the tools are missing.
#include "identity/radius_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "analyzers/radius_wire.h"

namespace netward::identity {
namespace {

namespace rw = analyzers::radius;
namespace fs = std::filesystem;

class CollectingLoginSink : public IdentitySink {
 public:
  void OnLogin(const record::LoginRecord& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    logins_.push_back(r);
    cv_.notify_all();
  }
  void OnNat(const record::NatRecord&) override {}
  std::vector<record::LoginRecord> WaitFor(size_t n, int timeout_ms = 5000) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return logins_.size() >= n; });
    return logins_;
  }
  std::vector<record::LoginRecord> records() {
    std::lock_guard<std::mutex> lock(mu_);
    return logins_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<record::LoginRecord> logins_;
};

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// An Accounting-Request signed with `secret` (RFC 2866 3); with a Message-Authenticator when
// `with_ma` (RFC 3579, authenticator zeroed as FreeRADIUS does for accounting).
std::string AcctRequest(uint8_t id, uint32_t status, const std::string& secret,
                        bool with_ma = false, const std::string& proxy_state = "") {
  std::string p = {rw::kAccountingRequest, static_cast<char>(id), 0, 0};
  p.append(16, '\0');
  auto attr = [&](uint8_t t, const std::string& v) {
    p += static_cast<char>(t);
    p += static_cast<char>(v.size() + 2);
    p += v;
  };
  auto u32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  attr(rw::kUserName, "alice");
  attr(rw::kAcctStatusType, u32(status));
  attr(rw::kAcctSessionId, "sess-1");
  attr(rw::kCallingStationId, "79001234567");
  attr(rw::kFramedIpAddress, std::string("\x0a\x00\x00\x05", 4));
  if (!proxy_state.empty()) attr(rw::kProxyState, proxy_state);
  size_t ma = 0;
  if (with_ma) {
    ma = p.size() + 2;
    attr(rw::kMessageAuthenticator, std::string(16, '\0'));
  }
  p[2] = static_cast<char>(p.size() >> 8);
  p[3] = static_cast<char>(p.size() & 0xff);
  if (with_ma) {
    rw::Digest m = rw::MessageAuthenticator(Span(p), ma, true, secret);
    std::memcpy(p.data() + ma, m.data(), 16);
  }
  rw::Digest a = rw::AccountingRequestAuthenticator(Span(p), secret);
  std::memcpy(p.data() + 4, a.data(), 16);
  return p;
}

// A UDP client socket on 127.0.0.1 that talks to `server` ("127.0.0.1:PORT").
class UdpClient {
 public:
  explicit UdpClient(const std::string& server) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    to_.sin_family = AF_INET;
    size_t colon = server.rfind(':');
    inet_pton(AF_INET, server.substr(0, colon).c_str(), &to_.sin_addr);
    to_.sin_port = htons(static_cast<uint16_t>(std::stoi(server.substr(colon + 1))));
    timeval tv{0, 300000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~UdpClient() { close(fd_); }
  // Sends `req` and returns the answer, or "" after 300 ms.
  std::string Exchange(const std::string& req) {
    sendto(fd_, req.data(), req.size(), 0, reinterpret_cast<sockaddr*>(&to_), sizeof(to_));
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  int fd_;
  sockaddr_in to_{};
};

std::unique_ptr<RadiusServer> StartServer(CollectingLoginSink* sink,
                                          const std::string& network = "127.0.0.0/8",
                                          const std::string& secret = "s3cret") {
  RadiusServerConfig c;
  c.listen = {"127.0.0.1:0"};
  c.clients = {{"192.0.2.0/24", "other"}, {network, secret}};
  auto s = RadiusServer::Start(c, sink);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

bool ResponseVerifies(const std::string& resp, const std::string& req, const std::string& secret) {
  if (resp.size() < 20) return false;
  std::string zeroed = resp;
  rw::Digest d = rw::ResponseAuthenticator(Span(zeroed), Span(req).subspan(4, 16), secret);
  return rw::DigestEquals(d, Span(resp).subspan(4, 16));
}

TEST(RadiusServerTest, StartIsRecordedThenAnsweredWithAValidAuthenticator) {
  CollectingLoginSink sink;
  auto server = StartServer(&sink);
  ASSERT_TRUE(server);
  UdpClient client(server->bound_addresses()[0]);
  std::string req = AcctRequest(7, 1, "s3cret", false, "ps-1");
  std::string resp = client.Exchange(req);
  ASSERT_GE(resp.size(), 20u);
  EXPECT_EQ(resp[0], rw::kAccountingResponse);
  EXPECT_EQ(resp[1], 7);
  EXPECT_TRUE(ResponseVerifies(resp, req, "s3cret"));
  EXPECT_NE(resp.find("ps-1"), std::string::npos);  // Proxy-State echoed
  auto recs = sink.records();                       // recorded before the answer was sent
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event, "start");
  EXPECT_EQ(recs[0].account, "alice");
  EXPECT_EQ(recs[0].calling_id, "79001234567");
  EXPECT_EQ(recs[0].ip.ToString(), "10.0.0.5");
  EXPECT_EQ(recs[0].session_id, "sess-1");
  EXPECT_EQ(recs[0].source, "radius");
  EXPECT_NEAR(static_cast<double>(recs[0].ts), static_cast<double>(NowUs()), 5e6);
}

TEST(RadiusServerTest, RetransmissionIsAnsweredAgainButRecordedOnce) {
  CollectingLoginSink sink;
  auto server = StartServer(&sink);
  ASSERT_TRUE(server);
  UdpClient client(server->bound_addresses()[0]);
  std::string req = AcctRequest(9, 3, "s3cret");
  EXPECT_FALSE(client.Exchange(req).empty());
  EXPECT_FALSE(client.Exchange(req).empty());
  EXPECT_FALSE(client.Exchange(AcctRequest(10, 3, "s3cret")).empty());
  EXPECT_EQ(sink.records().size(), 2u);
  RadiusServerStats st = server->stats();
  for (int i = 0; i < 100 && st.answered < 3; ++i) {  // counted just after the send
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    st = server->stats();
  }
  EXPECT_EQ(st.retransmissions, 1u);
  EXPECT_EQ(st.answered, 3u);
  EXPECT_EQ(st.recorded, 2u);
}

TEST(RadiusServerTest, WrongSecretUnknownClientAndGarbageGetNoAnswer) {
  CollectingLoginSink sink;
  auto server = StartServer(&sink);
  ASSERT_TRUE(server);
  UdpClient client(server->bound_addresses()[0]);
  EXPECT_EQ(client.Exchange(AcctRequest(1, 1, "wrong")), "");
  std::string bad_ma = AcctRequest(2, 1, "s3cret", true);
  bad_ma[bad_ma.size() - 1] ^= 1;  // breaks the Message-Authenticator...
  rw::Digest a = rw::AccountingRequestAuthenticator(Span(bad_ma), "s3cret");
  std::memcpy(bad_ma.data() + 4, a.data(), 16);  // ...under a valid Request Authenticator
  EXPECT_EQ(client.Exchange(bad_ma), "");
  EXPECT_EQ(client.Exchange("garbage"), "");
  std::string access = AcctRequest(3, 1, "s3cret");
  access[0] = rw::kAccessRequest;
  EXPECT_EQ(client.Exchange(access), "");
  EXPECT_FALSE(client.Exchange(AcctRequest(4, 1, "s3cret", true)).empty());  // a good MA
  RadiusServerStats st = server->stats();
  EXPECT_EQ(st.bad_authenticator, 2u);
  EXPECT_EQ(st.malformed, 1u);
  EXPECT_EQ(st.unsupported_code, 1u);
  EXPECT_EQ(sink.records().size(), 1u);

  CollectingLoginSink sink2;
  auto other = StartServer(&sink2, "10.0.0.0/8");  // 127.0.0.1 is not a client
  ASSERT_TRUE(other);
  UdpClient c2(other->bound_addresses()[0]);
  EXPECT_EQ(c2.Exchange(AcctRequest(1, 1, "s3cret")), "");
  EXPECT_EQ(other->stats().unknown_client, 1u);
  EXPECT_TRUE(sink2.records().empty());
}

TEST(RadiusServerTest, AccountingOnIsAnsweredNotRecorded) {
  CollectingLoginSink sink;
  auto server = StartServer(&sink);
  ASSERT_TRUE(server);
  UdpClient client(server->bound_addresses()[0]);
  EXPECT_FALSE(client.Exchange(AcctRequest(1, 7, "s3cret")).empty());
  EXPECT_EQ(server->stats().other_status, 1u);
  EXPECT_TRUE(sink.records().empty());
}

TEST(RadiusServerTest, ConfigErrorsAndStop) {
  CollectingLoginSink sink;
  RadiusServerConfig c;
  c.listen = {"127.0.0.1:0"};
  c.clients = {{"10.0.0.0/33", "x"}};
  EXPECT_FALSE(RadiusServer::Start(c, &sink).ok());
  c.clients = {{"10.0.0.0/8", ""}};
  EXPECT_FALSE(RadiusServer::Start(c, &sink).ok());
  c.clients = {{"10.0.0.0/8", "x"}};
  c.listen = {"127.0.0.1"};
  EXPECT_FALSE(RadiusServer::Start(c, &sink).ok());
  c.listen = {"[::1]:0", "127.0.0.1:0"};
  auto s = RadiusServer::Start(c, &sink);
  if (!s.ok()) GTEST_SKIP() << "no IPv6 loopback: " << s.status().ToString();
  EXPECT_EQ((*s)->bound_addresses().size(), 2u);
  EXPECT_EQ((*s)->bound_addresses()[0].rfind("[::1]:", 0), 0u);
  auto t0 = std::chrono::steady_clock::now();
  (*s)->Stop();
  (*s)->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
}

TEST(RadiusServerTest, SecretFileMustBePrivate) {
  std::string path =
      (fs::temp_directory_path() / ("nw-radius-secret-" + std::to_string(getpid()))).string();
  std::ofstream(path) << "topsecret\n";
  chmod(path.c_str(), 0644);
  EXPECT_FALSE(ReadSecretFile(path).ok());
  chmod(path.c_str(), 0600);
  auto s = ReadSecretFile(path);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, "topsecret");
  fs::remove(path);
  EXPECT_FALSE(ReadSecretFile(path).ok());
}

// ---- Real peers ----

struct Cmd {
  int code;
  std::string out;
};
Cmd Shell(const std::string& command) {
  Cmd r{-1, ""};
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool Have(const char* tool) { return Shell(std::string("command -v ") + tool).code == 0; }

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "nw-radius-XXXXXX").string();
    if (mkdtemp(t.data())) path_ = t;
    chmod(path_.c_str(), 0755);  // FreeRADIUS drops to its own user
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sends one accounting request with radclient; its exit code (0: answered).
int Radclient(const std::string& dir, const std::string& server, const std::string& secret,
              const std::string& attrs) {
  std::ofstream(dir + "/attrs.txt") << attrs;
  Cmd c =
      Shell("radclient -r 1 -t 2 -x " + server + " acct " + secret + " < " + dir + "/attrs.txt");
  return c.code;
}

const char kStart[] =
    "User-Name = \"bob@isp\"\nAcct-Status-Type = Start\nAcct-Session-Id = \"0A1B\"\n"
    "Calling-Station-Id = \"00-11-22-33-44-55\"\nFramed-IP-Address = 100.64.0.9\n"
    "Framed-IPv6-Prefix = 2001:db8:9::/64\nDelegated-IPv6-Prefix = 2001:db8:100::/56\n"
    "NAS-IP-Address = 192.0.2.1\nNAS-Port = 77\n";

TEST(RadiusServerRealPeerTest, RadclientStartInterimStop) {
  if (!Have("radclient")) GTEST_SKIP() << "radclient missing (freeradius-utils)";
  CollectingLoginSink sink;
  auto server = StartServer(&sink, "127.0.0.1", "testing-secret");
  ASSERT_TRUE(server);
  TempDir dir;
  const std::string addr = server->bound_addresses()[0];
  EXPECT_EQ(Radclient(dir.path(), addr, "testing-secret", kStart), 0);
  EXPECT_EQ(Radclient(dir.path(), addr, "testing-secret",
                      std::string(kStart) + "Acct-Status-Type = Interim-Update\n"
                                            "Acct-Input-Octets = 1000\nAcct-Input-Gigawords = 1\n"
                                            "Acct-Output-Octets = 2000\nAcct-Session-Time = 60\n"),
            0);
  EXPECT_EQ(Radclient(dir.path(), addr, "testing-secret",
                      std::string(kStart) + "Acct-Status-Type = Stop\nAcct-Session-Time = 120\n"
                                            "Acct-Terminate-Cause = User-Request\n"),
            0);
  // The wrong secret: radclient hears nothing and gives up; nothing is recorded.
  EXPECT_NE(Radclient(dir.path(), addr, "wrong-secret", kStart), 0);
  auto recs = sink.records();
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].event, "start");
  EXPECT_EQ(recs[1].event, "interim");
  EXPECT_EQ(recs[2].event, "stop");
  for (const auto& r : recs) {
    EXPECT_EQ(r.account, "bob@isp");
    EXPECT_EQ(r.calling_id, "00-11-22-33-44-55");
    EXPECT_EQ(r.mac, "00:11:22:33:44:55");
    EXPECT_EQ(r.ip.ToString(), "100.64.0.9");
    EXPECT_EQ(r.ipv6_prefix, "2001:db8:100::/56,2001:db8:9::/64");
    EXPECT_EQ(r.nas_ip.ToString(), "192.0.2.1");
    EXPECT_EQ(r.nas_port, 77u);
    EXPECT_EQ(r.session_id, "0A1B");
  }
  EXPECT_EQ(recs[1].bytes_in, (1ull << 32) + 1000);
  EXPECT_EQ(recs[1].bytes_out, 2000u);
  EXPECT_EQ(recs[1].duration_s, 60u);
  EXPECT_EQ(recs[2].terminate_cause, "User-Request");
  EXPECT_GE(server->stats().bad_authenticator, 1u);
}

// A free UDP port on 127.0.0.1 (bound then released: good enough for a test).
int FreeUdpPort() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

TEST(RadiusServerRealPeerTest, FreeRadiusProxiesAccountingToUs) {
  if (!Have("radclient") || !Have("freeradius") || !fs::exists("/etc/freeradius/3.0"))
    GTEST_SKIP() << "freeradius or radclient missing";
  CollectingLoginSink sink;
  auto server = StartServer(&sink, "127.0.0.1", "home-secret");
  ASSERT_TRUE(server);
  const std::string ours = server->bound_addresses()[0];
  const std::string our_port = ours.substr(ours.rfind(':') + 1);
  TempDir dir;
  const std::string raddb = dir.path() + "/raddb";
  ASSERT_EQ(Shell("cp -a /etc/freeradius/3.0 " + raddb).code, 0);
  const int auth_port = FreeUdpPort(), acct_port = FreeUdpPort();
  {
    std::ifstream in(raddb + "/sites-available/default");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    s = std::regex_replace(s, std::regex("ipaddr = \\*"), "ipaddr = 127.0.0.1");
    s = std::regex_replace(s, std::regex("ipv6addr = ::(\\s)"), "ipv6addr = ::1$1");
    // Listen sections in order: auth v4, acct v4, auth v6, acct v6.
    const int ports[4] = {auth_port, acct_port, auth_port, acct_port};
    for (int p : ports) {
      size_t at = s.find("\tport = 0\n");
      ASSERT_NE(at, std::string::npos);
      s.replace(at, 10, "\tport = " + std::to_string(p) + "\n");
    }
    size_t pre = s.find("preacct {\n");
    ASSERT_NE(pre, std::string::npos);
    s.insert(pre + 10, "\tupdate control {\n\t\t&Proxy-To-Realm := \"netward\"\n\t}\n");
    std::ofstream(raddb + "/sites-available/default") << s;
  }
  {
    std::ofstream(raddb + "/proxy.conf", std::ios::app)
        << "home_server netward_home {\n type = acct\n ipaddr = 127.0.0.1\n port = " << our_port
        << "\n secret = home-secret\n response_window = 5\n status_check = none\n}\n"
        << "home_server_pool netward_pool {\n type = fail-over\n home_server = netward_home\n}\n"
        << "realm netward {\n acct_pool = netward_pool\n nostrip\n}\n";
  }
  const std::string log = dir.path() + "/freeradius.log";
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execlp("freeradius", "freeradius", "-X", "-d", raddb.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  struct Killer {
    pid_t pid;
    ~Killer() {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  } killer{pid};
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {  // up to 10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    ready = ss.str().find("Ready to process requests") != std::string::npos;
    if (waitpid(pid, nullptr, WNOHANG) == pid) break;
  }
  if (!ready) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    FAIL() << "freeradius did not start:\n"
           << text.substr(text.size() > 3000 ? text.size() - 3000 : 0);
  }
  const std::string fr = "127.0.0.1:" + std::to_string(acct_port);
  EXPECT_EQ(Radclient(dir.path(), fr, "testing123", kStart), 0);
  auto recs = sink.WaitFor(1);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event, "start");
  EXPECT_EQ(recs[0].account, "bob@isp");
  EXPECT_EQ(recs[0].calling_id, "00-11-22-33-44-55");
  EXPECT_EQ(recs[0].ip.ToString(), "100.64.0.9");
  EXPECT_EQ(recs[0].session_id, "0A1B");
  EXPECT_EQ(server->stats().bad_authenticator, 0u);
}

}  // namespace
}  // namespace netward::identity
