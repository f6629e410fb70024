// The site API end to end: `netward api` serving real HTTP on 127.0.0.1 with a signed rule
// bundle, keys and a field key made by the CLI; records checked in the store and the JSON files;
// `netward query` masking registrations and `--reveal` logging itself first. Made-up people only.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "e2e_util.h"

namespace netward::e2e {
namespace {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string FirstLineStarting(const std::string& text, const std::string& prefix) {
  size_t pos = text.find(prefix);
  if (pos == std::string::npos) return {};
  return text.substr(pos, text.find('\n', pos) - pos);
}

class ApiE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string& d = dir_.path();
    const std::string nw = NW_BINARY;
    ASSERT_EQ(RunCommand(nw + " keygen --name test/rules --out " + d + "/rs").exit_code, 0);
    WriteFile(d + "/rules.toml", R"(version = "e2e-1"
[[rule]]
id = "gambling-1"
category = "gambling"
severity = "high"
action = "block"
scopes = ["post_text", "registration"]
keyword = "网上赌博"
[[rule]]
id = "invoice-1"
category = "fraud"
action = "review"
scopes = ["post_text"]
regex = "代[开办]发票"
[[rule]]
id = "net-1"
category = "bad-network"
action = "alert"
scopes = ["ip"]
cidr = "203.0.113.0/24"
)");
    auto signed_ = RunCommand(nw + " rules sign " + d + "/rules.toml --key " + d + "/rs.key");
    ASSERT_EQ(signed_.exit_code, 0) << signed_.output;
    auto added = RunCommand(nw + " api-key add forum --keys-file " + d + "/api.keys");
    ASSERT_EQ(added.exit_code, 0) << added.output;
    key_ = FirstLineStarting(added.output, "nwk_");
    ASSERT_EQ(key_.size(), 68u) << added.output;
    added = RunCommand(nw + " api-key add auditor --role reveal --keys-file " + d + "/api.keys");
    ASSERT_EQ(added.exit_code, 0) << added.output;
    auditor_key_ = FirstLineStarting(added.output, "nwk_");
    ASSERT_EQ(auditor_key_.size(), 68u) << added.output;
    ASSERT_EQ(RunCommand(nw + " api-key field-key " + d + "/field.key").exit_code, 0);
    port_ = FreePort();
    ASSERT_GT(port_, 0);
    WriteFile(d + "/api.toml",
              "site = \"S0001\"\n[output]\njson_dir = \"" + d + "/out\"\n[store]\ndir = \"" + d +
                  "/store\"\n[api]\nlisten = \"127.0.0.1:" + std::to_string(port_) +
                  "\"\nkeys_file = \"" + d + "/api.keys\"\nfield_key = \"" + d +
                  "/field.key\"\nrules = \"" + d + "/rules.toml\"\nrules_pubkey = \"" + d +
                  "/rs.pub\"\n");
    auto check = RunCommand(nw + " api --check --config " + d + "/api.toml");
    ASSERT_EQ(check.exit_code, 0) << check.output;
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string log = d + "/api.log";
      freopen(log.c_str(), "w", stderr);
      ::execl(nw.c_str(), nw.c_str(), "api", "--config", (d + "/api.toml").c_str(), nullptr);
      ::_exit(127);
    }
    httplib::Client c("127.0.0.1", port_);
    for (int i = 0; i < 200; ++i) {  // up to 10 s
      auto r = c.Get("/v1/health");
      if (r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the API did not come up";
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int StopServer() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  httplib::Client Client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_bearer_token_auth(key_.c_str());
    return c;
  }

  TempDir dir_;
  std::string key_;
  std::string auditor_key_;  // role reveal
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(ApiE2eTest, PostsRegistrationsAndReveal) {
  const std::string& d = dir_.path();
  const std::string nw = NW_BINARY;
  auto c = Client();
  auto r = c.Get("/v1/health");
  ASSERT_TRUE(r);
  auto health = nlohmann::json::parse(r->body);
  EXPECT_EQ(health["rules_version"], "e2e-1");
  EXPECT_EQ(health["rule_count"], 3);

  // Evasion by traditional characters and separators is normalized away.
  r = c.Post("/v1/moderate", R"({"text":"歡迎來 網.上.賭.博"})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["verdict"], "block");

  r = c.Post("/v1/posts",
             R"({"account":"user42","src_ip":"203.0.113.5","src_port":50000,
                 "url":"https://bbs.example/t/1","title":"便宜","content":"可以代开发票",
                 "time":"2026-11-23T08:00:00+08:00","post_id":"p1"})",
             "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto post = nlohmann::json::parse(r->body);
  EXPECT_EQ(post["verdict"], "review");
  EXPECT_EQ(post["seq"], 0);
  EXPECT_EQ(post["matches"].size(), 2u);  // invoice-1 (content) and net-1 (src_ip)

  r = c.Post("/v1/registrations",
             R"({"account":"user42","name":"张三","id_type":"resident_id",
                 "id_number":"110105199003071239","phone":"13800000000","src_ip":"192.0.2.10"})",
             "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto reg = nlohmann::json::parse(r->body);
  EXPECT_EQ(reg["id_number_masked"], "1101**********1239");
  EXPECT_EQ(reg["phone_masked"], "138****0000");

  // No key: 401, nothing recorded (checked below: exactly one post, one registration).
  httplib::Client anon("127.0.0.1", port_);
  r = anon.Post("/v1/posts",
                R"({"account":"x","src_ip":"192.0.2.1","url":"u","content":"网上赌博"})",
                "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  // Bad check digit: 400 naming id_number.
  r = c.Post("/v1/registrations",
             R"({"account":"user43","name":"李四","id_type":"resident_id",
                 "id_number":"110105199003071238","phone":"13900000000","src_ip":"192.0.2.11"})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(nlohmann::json::parse(r->body)["field"], "id_number");

  // Lookup over HTTP: the forum's key lacks role reveal (403); the auditor's sees the record
  // masked, then revealed, and the running service logs the reveal in its own store.
  const std::string lookup = R"({"account":"user42","reveal":true,"actor":"auditor:wang"})";
  r = c.Post("/v1/registrations/lookup", lookup, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  httplib::Client auditor("127.0.0.1", port_);
  auditor.set_bearer_token_auth(auditor_key_.c_str());
  r = auditor.Post("/v1/registrations/lookup", R"({"account":"user42"})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto found = nlohmann::json::parse(r->body);
  ASSERT_EQ(found["count"], 1);
  EXPECT_EQ(found["registrations"][0]["id_number"], "1101**********1239");
  r = auditor.Post("/v1/registrations/lookup", lookup, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  found = nlohmann::json::parse(r->body);
  EXPECT_EQ(found["revealed"], true);
  EXPECT_EQ(found["registrations"][0]["id_number"], "110105199003071239");
  EXPECT_EQ(found["registrations"][0]["phone"], "13800000000");

  ASSERT_EQ(StopServer(), 0);

  // The JSON files and the store hold the same records.
  auto posts = ReadRecords(d + "/out", "post");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["app"], "forum");
  EXPECT_EQ(posts[0]["verdict"], "review");
  EXPECT_EQ(posts[0]["ts"], "2026-11-23T00:00:00.000000Z");
  EXPECT_EQ(posts[0]["site"], "S0001");
  auto alerts = ReadRecords(d + "/out", "alert");
  ASSERT_EQ(alerts.size(), 3u);  // moderate: gambling-1; post: invoice-1, net-1
  for (const auto& a : alerts) EXPECT_EQ(a["source"], "api");
  auto regs = ReadRecords(d + "/out", "registration");
  ASSERT_EQ(regs.size(), 1u);
  EXPECT_EQ(regs[0]["id_number"].get<std::string>().rfind("enc1:", 0), 0u);

  auto q = RunCommand(nw + " query --store " + d + "/store --stream post");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("可以代开发票"), std::string::npos);
  // Registrations print masked without --reveal.
  q = RunCommand(nw + " query --store " + d + "/store --stream registration");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("\"id_number\":\"1101**********1239\""), std::string::npos) << q.output;
  EXPECT_EQ(q.output.find("110105199003071239"), std::string::npos);
  EXPECT_EQ(q.output.find("enc1:"), std::string::npos);
  // --reveal without an actor is refused.
  q = RunCommand(nw + " query --store " + d + "/store --stream registration --reveal " +
                 "--field-key " + d + "/field.key");
  EXPECT_EQ(q.exit_code, 2);
  EXPECT_EQ(q.output.find("110105199003071239"), std::string::npos);
  // With it: decrypted, and a maintenance record says who, what and when.
  q = RunCommand(nw + " query --store " + d + "/store --stream registration --reveal " +
                 "--field-key " + d + "/field.key --actor auditor1");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("\"id_number\":\"110105199003071239\""), std::string::npos);
  EXPECT_NE(q.output.find("\"phone\":\"13800000000\""), std::string::npos);
  q = RunCommand(nw + " query --store " + d + "/store --stream maintenance --where action=reveal");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("\"component\":\"api\""), std::string::npos) << q.output;
  EXPECT_NE(q.output.find("\"actor\":\"auditor: auditor:wang\""), std::string::npos);
  EXPECT_NE(q.output.find("\"component\":\"query\""), std::string::npos) << q.output;
  EXPECT_NE(q.output.find("\"actor\":\"auditor1\""), std::string::npos);
  EXPECT_NE(q.output.find("\"object\":\"registration seq 0..0\""), std::string::npos);
  // The store still verifies after the reveal was logged.
  q = RunCommand(nw + " verify --store " + d + "/store --pubkey " + d + "/store/keys/signing.pub");
  EXPECT_EQ(q.exit_code, 0) << q.output;
}

}  // namespace
}  // namespace netward::e2e
