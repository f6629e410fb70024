// The API over real HTTP on 127.0.0.1 (cpp-httplib's client): status codes, 413, keep-alive,
// and four client threads at once, every request recorded.
#include "api/api_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "api_test_util.h"

namespace netward::api {
namespace {

using testing::kForumKey;

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiServerOptions o;
    o.port = 0;
    o.threads = 4;
    o.max_body = 4096;
    auto started = ApiServer::Start(o, &service_);
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(*started);
  }
  httplib::Client Client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_keep_alive(true);
    c.set_tcp_nodelay(true);
    c.set_bearer_token_auth(kForumKey.c_str());
    return c;
  }

  ApiKeys keys_ = testing::TestKeys();
  FieldCipher cipher_ = FieldCipher::FromKey(std::array<uint8_t, 32>{9});
  testing::KeywordModerator moderator_;
  testing::CapturingWriter writer_;
  ApiService service_{ApiServiceOptions{"S0001", &keys_, &cipher_, &moderator_, &writer_}};
  std::unique_ptr<ApiServer> server_;
};

TEST_F(ApiServerTest, ServesEveryEndpoint) {
  auto c = Client();
  auto r = c.Post("/v1/moderate", R"({"text":"去赌博"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(nlohmann::json::parse(r->body)["verdict"], "block");
  r = c.Post("/v1/posts", R"({"account":"a","src_ip":"192.0.2.1","url":"u","content":"c"})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = c.Post("/v1/registrations",
             R"({"account":"a","name":"王五","id_type":"resident_id",
                 "id_number":"44030420000229456x","phone":"13700000000","src_ip":"192.0.2.1"})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;  // 456x: wrong check character (8 is right)
  r = c.Get("/v1/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = c.Get("/nowhere");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(nlohmann::json::parse(r->body).contains("error"));
  EXPECT_EQ(writer_.Of(record::StreamId::kPost).size(), 1u);
  EXPECT_EQ(writer_.Of(record::StreamId::kAlert).size(), 1u);
  EXPECT_EQ(writer_.Of(record::StreamId::kRegistration).size(), 0u);
}

TEST_F(ApiServerTest, XApiKeyHeaderAnd401) {
  httplib::Client c("127.0.0.1", server_->port());
  auto r = c.Post("/v1/posts", R"({"account":"a","src_ip":"192.0.2.1","url":"u","content":"c"})",
                  "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(nlohmann::json::parse(r->body).contains("error"));
  EXPECT_EQ(writer_.size(), 0u);
  httplib::Headers h{{"X-API-Key", kForumKey}};
  r = c.Post("/v1/posts", h, R"({"account":"a","src_ip":"192.0.2.1","url":"u","content":"c"})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(writer_.size(), 1u);
}

TEST_F(ApiServerTest, BodyOverMaxBodyIs413AndNothingRecorded) {
  auto c = Client();
  const std::string big = R"({"account":"a","src_ip":"192.0.2.1","url":"u","content":")" +
                          std::string(5000, 'x') + "\"}";
  auto r = c.Post("/v1/posts", big, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("max_body"), std::string::npos) << r->body;
  EXPECT_EQ(writer_.size(), 0u);
  // The same body under the limit is recorded.
  const std::string small = R"({"account":"a","src_ip":"192.0.2.1","url":"u","content":")" +
                            std::string(3000, 'x') + "\"}";
  auto c2 = Client();
  r = c2.Post("/v1/posts", small, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(writer_.size(), 1u);
}

TEST_F(ApiServerTest, FourClientThreadsAllRecorded) {
  constexpr int kThreads = 4, kEach = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = Client();
      for (int i = 0; i < kEach; ++i) {
        const std::string body = R"({"account":"t)" + std::to_string(t) +
                                 R"(","src_ip":"192.0.2.1","url":"u","content":"n)" +
                                 std::to_string(i) + R"(","post_id":)" + std::to_string(i) + "}";
        auto r = c.Post("/v1/posts", body, "application/json");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  auto posts = writer_.Of(record::StreamId::kPost);
  ASSERT_EQ(posts.size(), static_cast<size_t>(kThreads * kEach));
  // Every (account, post_id) exactly once.
  std::set<std::string> seen;
  for (const auto& p : posts) {
    auto j = nlohmann::json::parse(p.second);
    seen.insert(j["account"].get<std::string>() + "/" + j["post_id"].get<std::string>());
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(ApiServerTest, StopIsIdempotentAndPortInUseIsAnError) {
  ApiServerOptions o;
  o.port = server_->port();
  auto second = ApiServer::Start(o, &service_);
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(std::to_string(o.port)), std::string::npos);
  server_->Stop();
  server_->Stop();
}

}  // namespace
}  // namespace netward::api
