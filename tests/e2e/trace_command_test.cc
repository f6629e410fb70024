// `netward trace` on a store filled by `netward ingest` with crafted login, nat and session
// records: the full chain, a port block, and each missing-link message with its exit status.
#include <gtest/gtest.h>

#include <fstream>

#include "e2e_util.h"

namespace netward::e2e {
namespace {

std::string Netward(const std::string& args) { return std::string(NW_BINARY) + " " + args; }

class TraceCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = dir_.path() + "/store";
    Ingest("login",
           // alice logs in at 09:00 and stays; bob logs in at 09:00 and out at 09:30.
           "{\"ts\":\"2026-11-22T09:00:00Z\",\"event\":\"start\",\"account\":\"alice\","
           "\"calling_id\":\"79001112233\",\"ip\":\"100.64.0.5\",\"mac\":\"aa:bb:cc:00:00:05\","
           "\"session_id\":\"s-a\",\"source\":\"radius\"}\n"
           "{\"ts\":\"2026-11-22T09:00:00Z\",\"event\":\"start\",\"account\":\"bob\","
           "\"calling_id\":\"79004445566\",\"ip\":\"100.64.0.6\",\"session_id\":\"s-b\","
           "\"source\":\"radius\"}\n"
           "{\"ts\":\"2026-11-22T09:30:00Z\",\"event\":\"stop\",\"account\":\"bob\","
           "\"calling_id\":\"79004445566\",\"ip\":\"100.64.0.6\",\"session_id\":\"s-b\","
           "\"source\":\"radius\"}\n");
    Ingest("nat",
           // alice's flow to 198.51.100.1:80 left as 203.0.113.7:40123 (the router's clock is
           // 1 s behind: the mapping starts "after" B saw the connection).
           "{\"ts\":\"2026-11-22T10:00:01Z\",\"end_ts\":\"2026-11-22T10:00:30Z\",\"proto\":\"tcp\","
           "\"inside_ip\":\"100.64.0.5\",\"inside_port\":51515,\"outside_ip\":\"203.0.113.7\","
           "\"outside_port\":40123,\"remote_ip\":\"198.51.100.1\",\"remote_port\":80,"
           "\"source\":\"conntrack\"}\n"
           // a later flow of alice's, with no session recorded around it
           "{\"ts\":\"2026-11-22T10:20:00Z\",\"end_ts\":\"2026-11-22T10:20:05Z\",\"proto\":\"udp\","
           "\"inside_ip\":\"100.64.0.5\",\"inside_port\":5353,\"outside_ip\":\"203.0.113.7\","
           "\"outside_port\":40200,\"source\":\"conntrack\"}\n"
           // bob's port block, still allocated after his logout
           "{\"ts\":\"2026-11-22T09:00:00Z\",\"end_ts\":\"2026-11-22T11:00:00Z\",\"proto\":\"tcp\","
           "\"inside_ip\":\"100.64.0.6\",\"inside_port\":0,\"outside_ip\":\"203.0.113.7\","
           "\"outside_port\":2048,\"outside_port_end\":2111,\"source\":\"syslog\"}\n");
    Ingest("session",
           "{\"ts\":\"2026-11-22T10:00:00Z\",\"end_ts\":\"2026-11-22T10:00:29Z\",\"proto\":\"tcp\","
           "\"src_ip\":\"100.64.0.5\",\"src_port\":51515,\"nat_ip\":\"203.0.113.7\","
           "\"nat_port\":40123,\"dst_ip\":\"198.51.100.1\",\"dst_port\":80,\"account\":\"alice\","
           "\"calling_id\":\"79001112233\",\"app\":\"http\",\"host\":\"b.example\","
           "\"bytes_up\":120,\"bytes_down\":5400}\n"
           "{\"ts\":\"2026-11-22T08:00:00Z\",\"proto\":\"tcp\",\"src_ip\":\"100.64.0.5\","
           "\"src_port\":40000,\"dst_ip\":\"198.51.100.1\",\"dst_port\":443}\n");
  }

  void Ingest(const std::string& stream, const std::string& lines) {
    std::string file = dir_.path() + "/" + stream + ".jsonl";
    std::ofstream(file) << lines;
    auto r = RunCommand(
        Netward("ingest --store " + Quote(store_) + " --stream " + stream + " " + Quote(file)));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  CommandResult Trace(const std::string& args) {
    return RunCommand(Netward("trace --store " + Quote(store_) + " " + args));
  }

  TempDir dir_;
  std::string store_;
};

TEST_F(TraceCommandTest, PublicAddressPortAndTimeNameTheSubscriber) {
  auto r = Trace("--ip 203.0.113.7 --port 40123 --at 2026-11-22T10:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* want :
       {"203.0.113.7:40123 <- 100.64.0.5:51515 tcp to 198.51.100.1:80", "source conntrack",
        "inside      100.64.0.5", "account alice", "calling_id 79001112233",
        "mac aa:bb:cc:00:00:05", "source radius", "login 2026-11-22T09:00:00.000000Z",
        "no logout seen", "sessions    1 between", "100.64.0.5:51515 -> 198.51.100.1:80",
        "b.example"}) {
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n" << r.output;
  }
  EXPECT_EQ(r.output.find("missing"), std::string::npos) << r.output;
  // The 08:00 session is outside the window.
  EXPECT_EQ(r.output.find(":40000"), std::string::npos) << r.output;
}

TEST_F(TraceCommandTest, JsonForPrograms) {
  auto r = Trace("--ip 203.0.113.7 --port 40123 --at 2026-11-22T10:00:00Z --format json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["nat"]["inside_ip"], "100.64.0.5");
  EXPECT_EQ(j["nat"]["inside_port"], 51515);
  EXPECT_EQ(j["inside_ip"], "100.64.0.5");
  EXPECT_EQ(j["subscriber"]["account"], "alice");
  EXPECT_EQ(j["subscriber"]["calling_id"], "79001112233");
  EXPECT_EQ(j["subscriber"]["login_ts"], "2026-11-22T09:00:00.000000Z");
  EXPECT_TRUE(j["subscriber"]["logout_ts"].is_null());
  ASSERT_EQ(j["sessions"].size(), 1u);
  EXPECT_EQ(j["sessions"][0]["host"], "b.example");
  EXPECT_TRUE(j["missing"].is_null());
}

TEST_F(TraceCommandTest, NoNatMappingIsTheMissingLink) {
  auto r = Trace("--ip 203.0.113.7 --port 40124 --at 2026-11-22T10:00:00Z");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("missing     no NAT mapping for 203.0.113.7:40124 at "
                          "2026-11-22T10:00:00.000000Z"),
            std::string::npos)
      << r.output;
  // After the mapping ended (and the skew) there is none either.
  auto late = Trace("--ip 203.0.113.7 --port 40123 --at 2026-11-22T10:00:40Z --format json");
  EXPECT_EQ(late.exit_code, 3) << late.output;
  auto j = nlohmann::json::parse(late.output);
  EXPECT_TRUE(j["nat"].is_null());
  EXPECT_NE(j["missing"].get<std::string>().find("no NAT mapping"), std::string::npos);
}

TEST_F(TraceCommandTest, PortBlockLeadsToAnInsideAddressWithNoSubscriberThen) {
  auto r = Trace("--ip 203.0.113.7 --port 2050 --at 2026-11-22T10:00:00Z");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("203.0.113.7:2048-2111 (port block) <- 100.64.0.6:0"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("missing     no subscriber for inside address 100.64.0.6 at "
                          "2026-11-22T10:00:00.000000Z"),
            std::string::npos)
      << r.output;
  // While bob was logged in, the same block names him.
  auto earlier = Trace("--ip 203.0.113.7 --port 2111 --at 2026-11-22T09:10:00Z");
  EXPECT_EQ(earlier.exit_code, 0) << earlier.output;
  EXPECT_NE(earlier.output.find("account bob"), std::string::npos) << earlier.output;
  EXPECT_NE(earlier.output.find("logout 2026-11-22T09:30:00.000000Z"), std::string::npos);
}

TEST_F(TraceCommandTest, NoSessionsIsSaidButTheSubscriberIsFound) {
  auto r = Trace("--ip 203.0.113.7 --port 40200 --at 2026-11-22T10:20:02Z --proto udp");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("account alice"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("missing     no sessions of account alice between "
                          "2026-11-22T10:15:02.000000Z and 2026-11-22T10:25:02.000000Z"),
            std::string::npos)
      << r.output;
  // The same port over tcp is another mapping: none.
  EXPECT_EQ(Trace("--ip 203.0.113.7 --port 40200 --at 2026-11-22T10:20:02Z --proto tcp").exit_code,
            3);
}

TEST_F(TraceCommandTest, InsideAddressWithoutPort) {
  auto r = Trace("--ip 100.64.0.5 --at 2026-11-22T10:00:00Z --window 3h");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("account alice"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sessions    2 between"), std::string::npos) << r.output;
  // Before alice logged in: nobody.
  auto before = Trace("--ip 100.64.0.5 --at 2026-11-22T08:00:00Z");
  EXPECT_EQ(before.exit_code, 3);
  EXPECT_NE(before.output.find("no subscriber for inside address 100.64.0.5"), std::string::npos);
}

TEST_F(TraceCommandTest, BadOptionsExitTwo) {
  EXPECT_EQ(Trace("--ip 203.0.113 --port 1 --at now").exit_code, 2);
  EXPECT_EQ(Trace("--ip 203.0.113.7 --port 1 --at yesterday").exit_code, 2);
  EXPECT_EQ(Trace("--ip 203.0.113.7 --port 70000 --at now").exit_code, 2);
  EXPECT_EQ(Trace("--ip 203.0.113.7 --at now --window forever").exit_code, 2);
}

}  // namespace
}  // namespace netward::e2e
