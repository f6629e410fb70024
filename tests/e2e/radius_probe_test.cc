// `netward probe` with a [radius] section: radclient sends Start and Stop to the probe's
// accounting server, which records them through the probe's identity router into the probe's
// output (login.jsonl, with the site stamped) before answering. Needs root (capture on lo) and
// radclient (freeradius-utils); skips otherwise.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e_util.h"

namespace netward::e2e {
namespace {

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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RadiusProbeTest, RadclientAccountingReachesTheProbeOutput) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to capture on lo";
  if (RunCommand("command -v radclient").exit_code != 0) GTEST_SKIP() << "radclient missing";
  TempDir dir;
  const int port = FreeUdpPort();
  const std::string out = dir.path() + "/records";
  std::ofstream(dir.path() + "/probe.toml")
      << "site = \"RAD01\"\n[capture]\ninterfaces = [\"lo\"]\nbpf_filter = \"udp port " << port
      << "\"\n[output]\njson_dir = \"" << out << "\"\nflush_interval = \"100ms\"\n"
      << "[radius]\nlisten = [\"127.0.0.1:" << port << "\"]\n[radius.clients]\n"
      << "\"127.0.0.0/8\" = \"probe-secret\"\n";
  const std::string log = dir.path() + "/probe.log";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FILE* f = freopen(log.c_str(), "w", stderr);
    (void)f;
    execl(NW_BINARY, "netward", "probe", "--config", (dir.path() + "/probe.toml").c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
  } reaper{pid};
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    up = ReadAll(log).find("probe capturing") != std::string::npos;
  }
  ASSERT_TRUE(up) << ReadAll(log);
  EXPECT_NE(ReadAll(log).find("radius accounting server on 127.0.0.1:" + std::to_string(port)),
            std::string::npos);

  const std::string attrs = dir.path() + "/attrs.txt";
  auto send = [&](const std::string& status, const std::string& secret) {
    std::ofstream(attrs) << "User-Name = \"carol\"\nAcct-Status-Type = " << status
                         << "\nAcct-Session-Id = \"E2E-1\"\nCalling-Station-Id = \"79005550101\"\n"
                         << "Framed-IP-Address = 100.64.7.7\nNAS-IP-Address = 127.0.0.1\n";
    return RunCommand("radclient -r 1 -t 2 -x 127.0.0.1:" + std::to_string(port) + " acct " +
                      secret + " < " + Quote(attrs))
        .exit_code;
  };
  EXPECT_EQ(send("Start", "probe-secret"), 0);
  EXPECT_EQ(send("Stop", "probe-secret"), 0);
  EXPECT_NE(send("Start", "not-the-secret"), 0);  // no answer, nothing recorded

  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  reaper.pid = 0;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadAll(log);
  auto logins = ReadRecords(out, "login");
  ASSERT_EQ(logins.size(), 2u) << ReadAll(log);
  EXPECT_EQ(logins[0]["event"], "start");
  EXPECT_EQ(logins[1]["event"], "stop");
  for (const auto& r : logins) {
    EXPECT_EQ(r["account"], "carol");
    EXPECT_EQ(r["calling_id"], "79005550101");
    EXPECT_EQ(r["ip"], "100.64.7.7");
    EXPECT_EQ(r["session_id"], "E2E-1");
    EXPECT_EQ(r["source"], "radius");
    EXPECT_EQ(r["site"], "RAD01");
  }
  EXPECT_NE(ReadAll(log).find("bad authenticator"), std::string::npos);
}

}  // namespace
}  // namespace netward::e2e
