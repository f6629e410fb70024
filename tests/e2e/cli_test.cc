// The `netward` command line as an operator meets it: help at every level, clear errors with
// the right exit status for bad input, and records from the bundled demo capture.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "e2e_util.h"

namespace netward::e2e {
namespace {

std::string Netward(const std::string& args) { return std::string(NW_BINARY) + " " + args; }

TEST(CliTest, HelpAtEveryLevel) {
  auto top = RunCommand(Netward("--help"));
  EXPECT_EQ(top.exit_code, 0);
  for (const char* word : {"replay", "probe", "schema", "Examples"}) {
    EXPECT_NE(top.output.find(word), std::string::npos) << word;
  }
  auto replay = RunCommand(Netward("replay --help"));
  EXPECT_EQ(replay.exit_code, 0);
  for (const char* word : {"--json", "--workers", "--config", "Exit status"}) {
    EXPECT_NE(replay.output.find(word), std::string::npos) << word;
  }
  auto probe = RunCommand(Netward("probe --help"));
  EXPECT_EQ(probe.exit_code, 0);
  EXPECT_NE(probe.output.find("SIGTERM"), std::string::npos);
  auto none = RunCommand(Netward(""));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.output.find("subcommand"), std::string::npos) << none.output;
  auto bad_workers = RunCommand(Netward("replay x.pcap --workers 0"));
  EXPECT_EQ(bad_workers.exit_code, 2);
  EXPECT_NE(bad_workers.output.find("--workers"), std::string::npos) << bad_workers.output;
}

TEST(CliTest, ReplayOfTheDemoCaptureWritesEveryStream) {
  TempDir out;
  auto r = RunCommand(Netward("replay " + std::string(NW_SOURCE_DIR) + "/demo/demo.pcap --json " +
                              Quote(out.path()) + " --site DEMO01"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Gbit/s"), std::string::npos);
  for (const char* stream : {"session", "dns", "http", "tls", "mail", "ftp"}) {
    auto recs = ReadRecords(out.path(), stream);
    EXPECT_FALSE(recs.empty()) << stream;
    for (const auto& rec : recs) EXPECT_EQ(rec["site"], "DEMO01");
  }
  // The demo's real clients: curl to nginx, swaks to Postfix, an FTP download.
  bool saw_nginx_page = false;
  for (const auto& h : ReadRecords(out.path(), "http")) {
    if (h["host"] == "www.example.test" && h["status"] == 200) saw_nginx_page = true;
  }
  EXPECT_TRUE(saw_nginx_page);
  auto mail = ReadRecords(out.path(), "mail");
  ASSERT_FALSE(mail.empty());
  EXPECT_EQ(mail[0]["mail_from"], "alice@example.test");
  // Replaying again appends instead of overwriting.
  size_t sessions = ReadRecords(out.path(), "session").size();
  ASSERT_EQ(RunCommand(Netward("replay " + std::string(NW_SOURCE_DIR) +
                               "/demo/demo.pcap -q --json " + Quote(out.path())))
                .exit_code,
            0);
  EXPECT_EQ(ReadRecords(out.path(), "session").size(), 2 * sessions);
}

TEST(CliTest, MissingAndBogusCaptureFilesAreNamedWithExitOne) {
  TempDir dir;
  auto missing = RunCommand(Netward("replay " + dir.path() + "/nope.pcap"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("nope.pcap"), std::string::npos) << missing.output;
  std::string text = dir.path() + "/notes.pcap";
  std::ofstream(text) << "this is not a capture\n";
  auto bogus = RunCommand(Netward("replay " + Quote(text)));
  EXPECT_EQ(bogus.exit_code, 1);
  EXPECT_NE(bogus.output.find("notes.pcap: not a pcap or pcapng file"), std::string::npos)
      << bogus.output;
}

TEST(CliTest, TruncatedCaptureKeepsItsRecordsAndSaysWhere) {
  TempDir dir;
  std::string src = std::string(NW_SOURCE_DIR) + "/demo/demo.pcap";
  std::string cut = dir.path() + "/cut.pcap";
  std::filesystem::copy_file(src, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(src) * 2 / 3 + 5);
  auto r = RunCommand(Netward("replay " + Quote(cut) + " --json " + Quote(dir.path() + "/out")));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cut.pcap"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("records of the packets before it were written"), std::string::npos);
  EXPECT_NE(r.output.find("packets "), std::string::npos) << "the summary is still printed";
  // Everything before the damage was recorded and every line is whole JSON.
  EXPECT_GT(ReadRecords(dir.path() + "/out", "session").size(), 10u);
  EXPECT_GT(ReadRecords(dir.path() + "/out", "http").size(), 3u);
}

TEST(CliTest, BadConfigurationListsEveryMistakeWithExitTwo) {
  TempDir dir;
  std::string config = dir.path() + "/probe.toml";
  std::ofstream(config) << "workers = \"four\"\n[capture]\ninterface = \"eth1\"\n";
  auto r = RunCommand(Netward("probe --config " + Quote(config)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("probe.toml: workers: expected an integer from 1 to 256"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("probe.toml: [capture] interface: unknown key; allowed here:"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("[capture] interfaces: required"), std::string::npos) << r.output;

  std::ofstream(config, std::ios::trunc)
      << "site = \"S1\"\n[capture]\ninterfaces = [\"lo\"]\n[output]\njson_dir = \"" << dir.path()
      << "/rec\"\n";
  auto ok = RunCommand(Netward("probe --check --config " + Quote(config)));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("OK"), std::string::npos);
}

TEST(CliTest, UnwritableOutputIsAnErrorNotSilence) {
  TempDir dir;
  std::string file = dir.path() + "/plain-file";
  std::ofstream(file) << "x";
  auto r = RunCommand(
      Netward("replay " + std::string(NW_SOURCE_DIR) + "/demo/demo.pcap --json " + Quote(file)));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("plain-file"), std::string::npos) << r.output;
}

TEST(CliTest, SchemaCommandPrintsEveryStream) {
  auto r = RunCommand(Netward("schema"));
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"### session", "### dns", "### http", "### tls", "### mail", "### ftp"}) {
    EXPECT_NE(r.output.find(s), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace netward::e2e

namespace netward::e2e {
namespace {

// The demo capture into a store, then the store commands an operator uses on it: a substring
// search in named fields (and the mistakes around it) and where the bytes go.
TEST(CliTest, StoreQueryInFieldsAndColumnStats) {
  TempDir dir;
  const std::string store = Quote(dir.path() + "/store");
  auto r = RunCommand(std::string(NW_BINARY) + " replay " + std::string(NW_SOURCE_DIR) +
                      "/demo/demo.pcap -q --store " + store + " --site DEMO01");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto count = [&](const std::string& args) {
    auto q = RunCommand(std::string(NW_BINARY) + " query --store " + store +
                        " --stream http --format json " + args);
    EXPECT_EQ(q.exit_code, 0) << q.output;
    size_t records = 0;  // JSON lines (the output also holds the "N records" summary)
    for (size_t at = 0; at < q.output.size(); at = q.output.find('\n', at) + 1) {
      records += q.output[at] == '{';
      if (q.output.find('\n', at) == std::string::npos) break;
    }
    return records;
  };
  // "example.test" is in the demo's HTTP hosts (and URLs); not in the user agent.
  const size_t in_host = count("--contains example.test --in host");
  EXPECT_GT(in_host, 0u);
  EXPECT_EQ(count("--contains example.test --in user_agent"), 0u);
  EXPECT_GE(count("--contains example.test"), in_host);
  auto bad = RunCommand(std::string(NW_BINARY) + " query --store " + store +
                        " --stream http --contains x --in status");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;  // a bad option
  EXPECT_NE(bad.output.find("no text field \"status\""), std::string::npos) << bad.output;
  auto lonely =
      RunCommand(std::string(NW_BINARY) + " query --store " + store + " --stream http --in host");
  EXPECT_EQ(lonely.exit_code, 2) << lonely.output;
  EXPECT_NE(lonely.output.find("give --contains"), std::string::npos) << lonely.output;

  auto stats =
      RunCommand(std::string(NW_BINARY) + " stats --store " + store + " --columns --stream http");
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  for (const char* word : {"http: ", "(Bloom filters)", "host", "user_agent", "(all blocks)"}) {
    EXPECT_NE(stats.output.find(word), std::string::npos) << word << "\n" << stats.output;
  }
}

}  // namespace
}  // namespace netward::e2e
