#include "identity/conntrack_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "collecting_nat_sink.h"

namespace netward::identity {
namespace {

bool Have(const char* tool) {
  return system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

int Sh(const std::string& cmd) { return system(cmd.c_str()); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Three namespaces: client C (10.251.1.2) -> router R (masquerade to ports 20000-20099) ->
// server S (10.251.2.2). Removed by the destructor, also when an assertion fails.
class NatNamespaces {
 public:
  NatNamespaces() : prefix_("nw-ct-" + std::to_string(getpid())) {}
  ~NatNamespaces() {
    for (const char* n : {"-c", "-r", "-s"}) Sh("ip netns del " + prefix_ + n + " 2>/dev/null");
  }
  std::string c() const { return prefix_ + "-c"; }
  std::string r() const { return prefix_ + "-r"; }
  std::string s() const { return prefix_ + "-s"; }
  bool Setup() {
    const std::string script =
        "set -e; ip netns add " + c() + "; ip netns add " + r() + "; ip netns add " + s() +
        "; ip -n " + r() + " link add rc type veth peer name c0 netns " + c() + "; ip -n " + r() +
        " link add rs type veth peer name s0 netns " + s() + "; ip -n " + c() +
        " addr add 10.251.1.2/24 dev c0; ip -n " + r() + " addr add 10.251.1.1/24 dev rc; ip -n " +
        r() + " addr add 10.251.2.1/24 dev rs; ip -n " + s() +
        " addr add 10.251.2.2/24 dev s0; for n in " + c() + " " + r() + " " + s() +
        "; do ip -n $n link set lo up; done; ip -n " + c() + " link set c0 up; ip -n " + r() +
        " link set rc up; ip -n " + r() + " link set rs up; ip -n " + s() +
        " link set s0 up; ip -n " + c() + " route add default via 10.251.1.1; ip netns exec " +
        r() + " sysctl -qw net.ipv4.ip_forward=1; printf 'table ip nat {\\n chain post {\\n  " +
        "type nat hook postrouting priority srcnat;\\n  oifname \"rs\" meta l4proto tcp masquerade "
        "to " +
        ":20000-20099\\n }\\n}\\n' | ip netns exec " + r() + " nft -f -";
    return Sh("bash -c '" + Escape(script) + "' >/dev/null 2>&1") == 0;
  }

 private:
  static std::string Escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
      if (ch == '\'') {
        out += "'\\''";
      } else {
        out += ch;
      }
    }
    return out;
  }
  std::string prefix_;
};

TEST(ConntrackSource, ReportsMasqueradeMappingInRouterNamespace) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, ctnetlink)";
  for (const char* tool : {"ip", "nft"}) {
    if (!Have(tool)) GTEST_SKIP() << tool << " missing (scripts/setup-deps installs it)";
  }
  const char* py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  NatNamespaces ns;
  ASSERT_TRUE(ns.Setup()) << "namespace setup failed";

  // Start the source inside the router's namespace: the netlink socket stays bound to it.
  testing::CollectingNatSink sink;
  const int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int router = open(("/run/netns/" + ns.r()).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(self, 0);
  ASSERT_GE(router, 0);
  ASSERT_EQ(setns(router, CLONE_NEWNET), 0);
  auto source = ConntrackSource::Start(ConntrackOptions{}, &sink);
  ASSERT_EQ(setns(self, CLONE_NEWNET), 0);
  close(router);
  close(self);
  ASSERT_TRUE(source.ok()) << source.status().ToString();

  const std::string dir = "/tmp/nw-ct-" + std::to_string(getpid());
  Sh("mkdir -p " + dir);
  Sh("ip netns exec " + ns.s() + " timeout 10 " + py +
     " -c \"import socket;s=socket.socket();s.bind(('10.251.2.2',8080));s.listen();"
     "open('" +
     dir + "/ready','w').close();c,a=s.accept();open('" + dir +
     "/server','w').write('%s %d' % a)\" &");
  // Connect only once the server listens: an attempt before that would be refused, yet still
  // leave its own conntrack NEW/DESTROY events ahead of the real connection's.
  for (int i = 0; i < 100 && access((dir + "/ready").c_str(), F_OK) != 0; ++i) usleep(50000);
  std::string client;
  for (int i = 0; i < 50 && client.empty(); ++i) {  // until the server listens (bounded)
    Sh("ip netns exec " + ns.c() + " timeout 5 " + py +
       " -c \"import socket;s=socket.create_connection(('10.251.2.2',8080),timeout=2);"
       "open('" +
       dir + "/client','w').write('%s %d' % s.getsockname())\" 2>/dev/null");
    client = ReadFile(dir + "/client");
    if (client.empty()) usleep(100000);
  }
  ASSERT_FALSE(client.empty()) << "client could not connect through the router";
  std::string server;
  for (int i = 0; i < 50 && server.empty(); ++i) {
    server = ReadFile(dir + "/server");
    if (server.empty()) usleep(100000);
  }
  Sh("rm -rf " + dir);
  ASSERT_FALSE(server.empty());
  std::istringstream cs(client), ss(server);
  std::string client_ip, seen_ip;
  int client_port = 0, seen_port = 0;
  cs >> client_ip >> client_port;
  ss >> seen_ip >> seen_port;
  ASSERT_EQ(client_ip, "10.251.1.2");
  ASSERT_EQ(seen_ip, "10.251.2.1");
  ASSERT_GE(seen_port, 20000);
  ASSERT_LE(seen_port, 20099);

  std::vector<record::NatRecord> got = sink.WaitFor(1);
  ASSERT_FALSE(got.empty()) << "no conntrack NEW event seen";
  const record::NatRecord r = got[0];
  EXPECT_EQ(r.source, "conntrack");
  EXPECT_EQ(r.proto, "tcp");
  EXPECT_EQ(r.inside_ip, *IpAddress::Parse("10.251.1.2"));
  EXPECT_EQ(r.inside_port, client_port);
  EXPECT_EQ(r.outside_ip, *IpAddress::Parse("10.251.2.1"));
  EXPECT_EQ(r.outside_port, seen_port);
  EXPECT_EQ(r.remote_ip, *IpAddress::Parse("10.251.2.2"));
  EXPECT_EQ(r.remote_port, 8080);
  EXPECT_GT(r.ts, NowUs() - 60 * kUsPerSecond);
  EXPECT_EQ(r.end_ts, 0);

  // Deleting the entry produces DESTROY: the same mapping, closed, paired with its start.
  if (Have("conntrack")) {
    Sh("ip netns exec " + ns.r() + " conntrack -D >/dev/null 2>&1");
    got = sink.WaitFor(2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].outside_port, seen_port);
    EXPECT_EQ(got[1].ts, r.ts);
    EXPECT_GE(got[1].end_ts, r.ts);
  }
  (*source)->Stop();
  ConntrackStats st = (*source)->stats();
  EXPECT_GE(st.nat_new, 1u);
}

}  // namespace
}  // namespace netward::identity
