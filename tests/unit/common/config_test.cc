#include "common/config.h"

#include <gtest/gtest.h>

namespace netward {
namespace {

struct Parsed {
  std::vector<std::string> errors;
  std::string name = "demo";
  int64_t workers = 1;
  int64_t timeout = 0;
  std::vector<std::string> ifaces;
};

Parsed Read(const std::string& text) {
  Parsed p;
  auto doc = ConfigDocument::ParseString(text, "t.toml");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  ConfigSection root(&(*doc)->root(), "t.toml", "", &p.errors);
  root.String("name", &p.name);
  root.Int("workers", &p.workers, 1, 64);
  ConfigSection cap = root.Section("capture");
  cap.StringList("interfaces", &p.ifaces);
  cap.Duration("timeout", &p.timeout, 1000000, 3600000000LL);
  cap.RejectUnknownKeys();
  root.RejectUnknownKeys();
  return p;
}

TEST(ConfigTest, ReadsValuesAndKeepsDefaults) {
  Parsed p = Read("workers = 4\n[capture]\ninterfaces = [\"eth1\", \"eth2\"]\ntimeout = \"5m\"\n");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.name, "demo");
  EXPECT_EQ(p.workers, 4);
  EXPECT_EQ(p.ifaces, (std::vector<std::string>{"eth1", "eth2"}));
  EXPECT_EQ(p.timeout, 300000000);
}

TEST(ConfigTest, UnknownKeyNamesFileSectionKeyAndAllowedKeys) {
  Parsed p = Read("[capture]\ninterface = \"eth1\"\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0],
            "t.toml: [capture] interface: unknown key; allowed here: interfaces, timeout");
}

TEST(ConfigTest, WrongTypeAndRangeAreReportedTogether) {
  Parsed p = Read("workers = \"four\"\nname = 3\n[capture]\ntimeout = \"soon\"\n");
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_NE(p.errors[0].find("name: expected a string, got an integer 3"), std::string::npos);
  EXPECT_NE(p.errors[1].find("workers: expected an integer from 1 to 64, got a string \"four\""),
            std::string::npos);
  EXPECT_NE(p.errors[2].find("[capture] timeout: expected a duration"), std::string::npos);
  Parsed q = Read("workers = 100\n");
  ASSERT_EQ(q.errors.size(), 1u);
  EXPECT_NE(q.errors[0].find("got 100"), std::string::npos);
  EXPECT_EQ(q.workers, 1);  // unchanged on error
}

TEST(ConfigTest, SyntaxErrorNamesLineAndColumn) {
  auto doc = ConfigDocument::ParseString("a = 1\nb = = 2\n", "bad.toml");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("bad.toml: line 2"), std::string::npos)
      << doc.status().message();
}

TEST(ConfigTest, MissingFileIsIOError) {
  auto doc = ConfigDocument::ParseFile("/nonexistent/netward.toml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Status::Code::kIOError);
}

TEST(ConfigTest, DurationParsing) {
  int64_t us = 0;
  EXPECT_TRUE(ParseDuration("250ms", &us));
  EXPECT_EQ(us, 250000);
  EXPECT_TRUE(ParseDuration("2h", &us));
  EXPECT_EQ(us, 7200000000LL);
  EXPECT_TRUE(ParseDuration("45", &us));
  EXPECT_EQ(us, 45000000);
  EXPECT_FALSE(ParseDuration("5 minutes", &us));
  EXPECT_FALSE(ParseDuration("", &us));
  EXPECT_FALSE(ParseDuration("m", &us));
  // Found by fuzz_config: huge values must be refused, not overflow.
  EXPECT_FALSE(ParseDuration("99999999999999d", &us));
}

TEST(ConfigTest, HugeIntegerDurationIsAnErrorNotAnOverflow) {
  Parsed p = Read("[capture]\ntimeout = 9223372036854775807\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(p.errors[0].find("[capture] timeout: expected a duration"), std::string::npos);
  Parsed q = Read("[capture]\ntimeout = -5\n");
  ASSERT_EQ(q.errors.size(), 1u);
}

}  // namespace
}  // namespace netward
