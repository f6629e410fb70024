#include "identity/static_bindings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

namespace netward::identity {
namespace {

class CollectingLoginSink : public IdentitySink {
 public:
  void OnLogin(const record::LoginRecord& r) override {
    std::lock_guard<std::mutex> lock(mu);
    logins.push_back(r);
  }
  void OnNat(const record::NatRecord&) override {}
  std::vector<record::LoginRecord> Take() {
    std::lock_guard<std::mutex> lock(mu);
    auto out = std::move(logins);
    logins.clear();
    return out;
  }
  std::mutex mu;
  std::vector<record::LoginRecord> logins;
};

std::string Describe(const record::LoginRecord& r) {
  std::string ip = r.ip.is_unspecified() ? r.ipv6_prefix : r.ip.ToString();
  return r.event + " " + r.account + " " + ip;
}

TEST(StaticBindingsParseTest, AddressCidrRangeAndQuoting) {
  auto r = ParseStaticBindings(
      "# site bindings\n"
      "account, calling_id, ip, mac\n"
      "\n"
      "alice,0571-1234,10.0.0.5,AA-BB-CC-DD-EE-FF\n"
      "\"bob, jr\",,10.1.0.0/24,\n"
      "carol,\"x\"\"y\",10.2.0.10-10.2.0.20,\r\n"
      "dave,,2001:db8::/48,00:11:22:33:44:55\n",
      "b.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].mac, "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ((*r)[0].line, 4);
  EXPECT_EQ((*r)[1].account, "bob, jr");
  EXPECT_EQ((*r)[1].last.ToString(), "10.1.0.255");
  EXPECT_EQ((*r)[2].calling_id, "x\"y");
  EXPECT_EQ((*r)[2].first.ToString(), "10.2.0.10");
  EXPECT_EQ((*r)[2].last.ToString(), "10.2.0.20");

  std::vector<std::string> got;
  for (const auto& b : *r)
    for (const auto& rec : BindingRecords(b, 5)) got.push_back(Describe(rec));
  std::vector<std::string> want = {
      "bind alice 10.0.0.5",     "bind bob, jr 10.1.0.0/24", "bind carol 10.2.0.10/31",
      "bind carol 10.2.0.12/30", "bind carol 10.2.0.16/30",  "bind carol 10.2.0.20",
      "bind dave 2001:db8::/48",
  };
  EXPECT_EQ(got, want);
  auto recs = BindingRecords((*r)[0], 5);
  EXPECT_EQ(recs[0].source, "static");
  EXPECT_EQ(recs[0].calling_id, "0571-1234");
  EXPECT_EQ(recs[0].ts, 5);
}

TEST(StaticBindingsParseTest, ColumnsInAnyOrderAndWholeSpaces) {
  auto r = ParseStaticBindings("ip,mac,account,calling_id\n0.0.0.0/0,,all,\n::/0,,all6,\n", "f");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto v4 = BindingRecords((*r)[0], 1);
  ASSERT_EQ(v4.size(), 1u);
  EXPECT_EQ(v4[0].ipv6_prefix, "0.0.0.0/0");
  auto v6 = BindingRecords((*r)[1], 1);
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6[0].ipv6_prefix, "::/0");
}

TEST(StaticBindingsParseTest, ErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"", "f:0: no header line"},
      {"account,ip,mac\n", "f:1: header must name"},
      {"account,calling_id,ip,phone\n", "f:1: header column 'phone'"},
      {"account,calling_id,ip,mac\na,,10.0.0.1\n", "f:2: expected 4 fields, found 3"},
      {"account,calling_id,ip,mac\n,,10.0.0.1,\n", "f:2: needs an account or a calling_id"},
      {"account,calling_id,ip,mac\na,,10.0.0.300,\n", "f:2: bad address '10.0.0.300'"},
      {"account,calling_id,ip,mac\na,,10.0.0.1/24,\n", "f:2: host bits set"},
      {"account,calling_id,ip,mac\na,,10.0.0.0/33,\n", "f:2: bad prefix length"},
      {"account,calling_id,ip,mac\na,,10.0.0.9-10.0.0.1,\n", "f:2: range '10.0.0.9-10.0.0.1' ends"},
      {"account,calling_id,ip,mac\na,,10.0.0.1-::5,\n", "mixes families"},
      {"account,calling_id,ip,mac\n# c\na,,10.0.0.1,aa:bb\n", "f:3: bad MAC 'aa:bb'"},
      {"account,calling_id,ip,mac\n\"a,,10.0.0.1,\n", "f:2: unclosed quote"},
  };
  for (const auto& c : cases) {
    auto r = ParseStaticBindings(c.text, "f");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << c.text;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << r.status().message() << " / expected " << c.expect;
  }
}

class StaticBindingsSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nw-static-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "bindings.csv").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Writes by rename, as editors and config tools do, so the inode (and the stamp) changes.
  void Write(const std::string& text) {
    std::string tmp = path_ + ".tmp";
    std::ofstream(tmp) << text;
    std::filesystem::rename(tmp, path_);
  }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StaticBindingsSourceTest, ReloadsOnChangeAndKeepsTheLastGoodFile) {
  Write("account,calling_id,ip,mac\nalice,,10.0.0.5,\nbob,,10.0.0.6,\n");
  CollectingLoginSink sink;
  StaticBindingsSource src({path_, 3600 * kUsPerSecond}, &sink);
  ASSERT_TRUE(src.Start().ok());
  auto first = sink.Take();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(Describe(first[0]), "bind alice 10.0.0.5");
  EXPECT_EQ(src.loads(), 1u);

  ASSERT_TRUE(src.Poll().ok());  // unchanged: nothing
  EXPECT_TRUE(sink.Take().empty());

  // bob leaves, carol arrives, alice stays.
  Write("account,calling_id,ip,mac\nalice,,10.0.0.5,\ncarol,,10.0.0.7,\n");
  ASSERT_TRUE(src.Poll().ok());
  auto second = sink.Take();
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(Describe(second[0]), "release bob 10.0.0.6");
  EXPECT_EQ(Describe(second[1]), "bind carol 10.0.0.7");

  // A bad file: reported with its line, nothing sent, the last good bindings stay.
  Write("account,calling_id,ip,mac\nalice,,10.0.0.5,\nmallory,,10.0.0.300,\n");
  Status s = src.Poll();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(src.last_error().find("bindings.csv:3: bad address '10.0.0.300'"), std::string::npos)
      << src.last_error();
  EXPECT_TRUE(sink.Take().empty());
  EXPECT_EQ(src.bindings(), 2u);
  EXPECT_EQ(src.errors(), 1u);
  EXPECT_TRUE(src.Poll().ok());  // the same bad file is not re-read

  // Fixed: the diff is against the last good file.
  Write("account,calling_id,ip,mac\nalice,,10.0.0.5,\ncarol,,10.0.0.7,\ndave,,10.0.0.8,\n");
  ASSERT_TRUE(src.Poll().ok());
  auto third = sink.Take();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(Describe(third[0]), "bind dave 10.0.0.8");
  EXPECT_TRUE(src.last_error().empty());
  src.Stop();
}

TEST_F(StaticBindingsSourceTest, StartFailsOnAMissingOrBadFileAndThePollThreadReloads) {
  CollectingLoginSink sink;
  {
    StaticBindingsSource missing({path_, kUsPerSecond}, &sink);
    EXPECT_EQ(missing.Start().code(), Status::Code::kIOError);
  }
  Write("account,calling_id,ip\n");
  {
    StaticBindingsSource bad({path_, kUsPerSecond}, &sink);
    EXPECT_EQ(bad.Start().code(), Status::Code::kInvalidArgument);
  }
  Write("account,calling_id,ip,mac\nalice,,10.0.0.5,\n");
  StaticBindingsSource src({path_, 20000}, &sink);  // polls every 20 ms
  ASSERT_TRUE(src.Start().ok());
  EXPECT_EQ(sink.Take().size(), 1u);
  Write("account,calling_id,ip,mac\nalice,,10.0.0.5,\nbob,,10.0.0.6,\n");
  for (int i = 0; i < 250 && src.loads() < 2; ++i) usleep(20000);  // at most 5 s
  EXPECT_EQ(src.loads(), 2u);
  src.Stop();
  auto got = sink.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Describe(got[0]), "bind bob 10.0.0.6");
}

}  // namespace
}  // namespace netward::identity
