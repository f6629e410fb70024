// Every event the code can count is documented: analyzer events in docs/events.md, decode
// events in docs/decoding.md. The analyzer list is read from the sources themselves (each
// Event("...") literal and each event-name table), so a new event cannot slip by undocumented.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "analyzers/dhcp.h"
#include "analyzers/dhcpv6.h"
#include "analyzers/dns.h"
#include "analyzers/ftp.h"
#include "analyzers/http.h"
#include "analyzers/imap.h"
#include "analyzers/pop3.h"
#include "analyzers/pppoe.h"
#include "analyzers/radius.h"
#include "analyzers/smtp.h"
#include "analyzers/tls.h"
#include "capture/decode_events.h"

namespace netward {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(EventsDocTest, EveryAnalyzerEventIsInEventsMd) {
  std::string doc = ReadFile(std::string(NW_SOURCE_DIR) + "/docs/events.md");
  ASSERT_FALSE(doc.empty());
  std::set<std::string> names;
  std::regex literal("Event\\(\"([a-z0-9_]+\\.[a-z0-9_]+)\"\\)|return \"(dns\\.[a-z0-9_]+)\"");
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(NW_SOURCE_DIR) + "/src/analyzers")) {
    std::string src = ReadFile(entry.path());
    for (auto it = std::sregex_iterator(src.begin(), src.end(), literal);
         it != std::sregex_iterator(); ++it) {
      names.insert((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
    }
  }
  for (auto n : analyzers::kDnsEvents) names.insert(std::string(n));
  for (auto n : analyzers::kHttpEvents) names.insert(std::string(n));
  for (auto n : analyzers::kTlsEventNames) names.insert(std::string(n));
  for (auto n : analyzers::kSmtpEventNames) names.insert(std::string(n));
  for (auto n : analyzers::kFtpEventNames) names.insert(std::string(n));
  for (auto n : analyzers::kPop3EventNames) names.insert(std::string(n));
  for (auto n : analyzers::kImapEventNames) names.insert(std::string(n));
  for (auto n : analyzers::kDhcpEvents) names.insert(std::string(n));
  for (auto n : analyzers::kDhcpv6Events) names.insert(std::string(n));
  for (auto n : analyzers::kPppoeEvents) names.insert(std::string(n));
  for (auto n : analyzers::kRadiusEvents) names.insert(std::string(n));
  EXPECT_GT(names.size(), 25u);
  for (const auto& n : names) {
    EXPECT_NE(doc.find("`" + n + "`"), std::string::npos) << n << " is missing from docs/events.md";
  }
}

TEST(EventsDocTest, EveryDecodeEventIsInDecodingMd) {
  std::string doc = ReadFile(std::string(NW_SOURCE_DIR) + "/docs/decoding.md");
  ASSERT_FALSE(doc.empty());
  for (size_t i = 0; i < capture::kNumDecodeEvents; ++i) {
    std::string n(capture::DecodeEventName(static_cast<capture::DecodeEvent>(i)));
    EXPECT_NE(doc.find("`" + n + "`"), std::string::npos)
        << n << " is missing from docs/decoding.md";
  }
}

}  // namespace
}  // namespace netward
