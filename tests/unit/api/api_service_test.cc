// The endpoints without HTTP: each happy path, 401 with nothing recorded, 400 per field, 503.
#include "api/api_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/resident_id.h"
#include "api_test_util.h"
#include "record/json_decoder.h"

namespace netward::api {
namespace {

using Json = nlohmann::json;
using testing::CapturingWriter;
using testing::KeywordModerator;
using testing::kForumKey;

TimestampUs FixedClock() { return *ParseIso8601("2026-11-23T01:02:03Z"); }

class ApiServiceTest : public ::testing::Test {
 protected:
  ApiServiceTest()
      : keys_(testing::TestKeys()),
        cipher_(FieldCipher::FromKey(std::array<uint8_t, 32>{1, 2, 3})),
        service_(ApiServiceOptions{"S0001", &keys_, &cipher_, &moderator_, &writer_, FixedClock}) {}

  ApiResponse Post(std::string_view path, std::string_view body,
                   std::string_view auth = "Bearer " + kForumKey) {
    return service_.Handle("POST", path, auth, "", body);
  }
  static Json Body(const ApiResponse& r) { return Json::parse(r.body); }

  ApiKeys keys_;
  FieldCipher cipher_;
  KeywordModerator moderator_;
  CapturingWriter writer_;
  ApiService service_;
};

const char* kPost =
    R"({"account":"user42","src_ip":"198.51.100.7","src_port":40000,
        "url":"https://bbs.example/t/9","title":"周末","content":"一起去赌博吧","post_id":"p-1"})";

std::string Registration(const std::string& id_type, const std::string& id_number) {
  return R"({"account":"user42","name":"张三","id_type":")" + id_type + R"(","id_number":")" +
         id_number + R"(","phone":"13800000000","src_ip":"192.0.2.10"})";
}

TEST_F(ApiServiceTest, ModerateAllowsCleanTextAndRecordsNothing) {
  ApiResponse r = Post("/v1/moderate", R"({"text":"hello world"})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["verdict"], "allow");
  ASSERT_EQ(j["matches"].size(), 1u);  // the log rule shows, but raises no alert
  EXPECT_EQ(j["matches"][0]["rule_id"], "log-1");
  EXPECT_EQ(j["matches"][0]["action"], "log");
  EXPECT_EQ(writer_.size(), 0u);
}

TEST_F(ApiServiceTest, ModerateBlockRecordsAnAlert) {
  ApiResponse r = Post("/v1/moderate", R"({"text":"去赌博","metadata":{"account":"u7",
      "src_ip":"198.51.100.8","url":"https://bbs.example/new"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["verdict"], "block");
  ASSERT_EQ(j["matches"].size(), 1u);
  EXPECT_EQ(j["matches"][0]["rule_id"], "gamb-1");
  EXPECT_EQ(j["matches"][0]["category"], "gambling");
  EXPECT_EQ(j["matches"][0]["excerpt"], "去赌博");
  auto alerts = writer_.Of(record::StreamId::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  record::AlertRecord a;
  ASSERT_TRUE(record::DecodeJsonLine(alerts[0].second, &a, nullptr, nullptr).ok());
  EXPECT_EQ(a.source, "api");
  EXPECT_EQ(a.rule_id, "gamb-1");
  EXPECT_EQ(a.action, "block");
  EXPECT_EQ(a.taken, "rejected");
  EXPECT_EQ(a.scope, "post_text");
  EXPECT_EQ(a.account, "u7");
  EXPECT_EQ(a.src_ip, *IpAddress::Parse("198.51.100.8"));
  EXPECT_EQ(a.url, "https://bbs.example/new");
  EXPECT_EQ(a.bundle_version, "test-1");
  EXPECT_EQ(a.ts, FixedClock());
}

TEST_F(ApiServiceTest, ReviewVerdict) {
  ApiResponse r = Post("/v1/moderate", R"({"text":"buy spam now, bad"})");
  Json j = Body(r);
  EXPECT_EQ(j["verdict"], "review");
  EXPECT_EQ(j["matches"].size(), 2u);
  EXPECT_EQ(writer_.Of(record::StreamId::kAlert).size(), 2u);  // review and alert
}

TEST_F(ApiServiceTest, PostIsRecordedWithItsVerdictEvenWhenBlocked) {
  ApiResponse r = Post("/v1/posts", kPost);
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["verdict"], "block");
  EXPECT_EQ(j["seq"], 100);
  auto posts = writer_.Of(record::StreamId::kPost);
  ASSERT_EQ(posts.size(), 1u);
  record::PostRecord p;
  std::string site;
  ASSERT_TRUE(record::DecodeJsonLine(posts[0].second, &p, &site, nullptr).ok());
  EXPECT_EQ(site, "S0001");
  EXPECT_EQ(p.app, "forum");
  EXPECT_EQ(p.account, "user42");
  EXPECT_EQ(p.post_id, "p-1");
  EXPECT_EQ(p.title, "周末");
  EXPECT_EQ(p.content, "一起去赌博吧");
  EXPECT_EQ(p.url, "https://bbs.example/t/9");
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.verdict, "block");
  EXPECT_EQ(p.rule_ids, std::vector<std::string>{"gamb-1"});
  EXPECT_EQ(p.ts, FixedClock());  // no time given: time received
  EXPECT_EQ(writer_.Of(record::StreamId::kAlert).size(), 1u);
}

TEST_F(ApiServiceTest, PostTimeAndAuthorAddress) {
  ApiResponse r = Post("/v1/posts", R"({"account":"a","src_ip":"203.0.113.9","url":"u",
      "content":"clean","time":"2026-11-22T20:00:00+08:00"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["verdict"], "allow");
  record::PostRecord p;
  ASSERT_TRUE(
      record::DecodeJsonLine(writer_.Of(record::StreamId::kPost)[0].second, &p, nullptr, nullptr)
          .ok());
  EXPECT_EQ(p.ts, *ParseIso8601("2026-11-22T12:00:00Z"));
  EXPECT_EQ(p.rule_ids, std::vector<std::string>{"net-1"});  // src_ip checked with scope ip
  auto alerts = writer_.Of(record::StreamId::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].second.find("\"scope\":\"ip\""), std::string::npos);
}

TEST_F(ApiServiceTest, RegistrationIsEncryptedAndMasked) {
  ApiResponse r = Post("/v1/registrations", Registration("resident_id", "110105199003071239"));
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["verdict"], "allow");
  EXPECT_EQ(j["id_number_masked"], "1101**********1239");
  EXPECT_EQ(j["phone_masked"], "138****0000");
  EXPECT_EQ(r.body.find("110105199003071239"), std::string::npos);
  auto regs = writer_.Of(record::StreamId::kRegistration);
  ASSERT_EQ(regs.size(), 1u);
  // Neither plaintext reaches the record.
  EXPECT_EQ(regs[0].second.find("110105199003071239"), std::string::npos);
  EXPECT_EQ(regs[0].second.find("13800000000"), std::string::npos);
  record::RegistrationRecord rec;
  ASSERT_TRUE(record::DecodeJsonLine(regs[0].second, &rec, nullptr, nullptr).ok());
  EXPECT_EQ(rec.app, "forum");
  EXPECT_EQ(rec.name, "张三");
  EXPECT_EQ(rec.id_type, "resident_id");
  EXPECT_EQ(rec.id_number_masked, "1101**********1239");
  EXPECT_EQ(*cipher_.Decrypt(rec.id_number, "id_number"), "110105199003071239");
  EXPECT_EQ(*cipher_.Decrypt(rec.phone, "phone"), "13800000000");
}

TEST_F(ApiServiceTest, RegistrationResidentIdCheckDigit) {
  ApiResponse r = Post("/v1/registrations", Registration("resident_id", "110105199003071238"));
  ASSERT_EQ(r.status, 400);
  Json j = Body(r);
  EXPECT_EQ(j["field"], "id_number");
  EXPECT_NE(j["error"].get<std::string>().find("check character"), std::string::npos);
  // A passport number is not held to the resident ID rules.
  EXPECT_EQ(Post("/v1/registrations", Registration("passport", "E12345678")).status, 200);
  EXPECT_EQ(writer_.Of(record::StreamId::kRegistration).size(), 1u);
}

TEST_F(ApiServiceTest, RegistrationModeratesAccountAndName) {
  ApiResponse r = Post("/v1/registrations",
                       R"({"account":"spam_king","name":"李四","id_type":"passport",
                           "id_number":"E12345678","phone":"13900000000","src_ip":"192.0.2.1"})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["verdict"], "review");
  EXPECT_EQ(Body(r)["matches"][0]["scope"], "registration");
}

TEST_F(ApiServiceTest, RegistrationWithoutFieldKeyIs503) {
  ApiService no_key(ApiServiceOptions{"S", &keys_, nullptr, &moderator_, &writer_, FixedClock});
  ApiResponse r = no_key.Handle("POST", "/v1/registrations", "Bearer " + kForumKey, "",
                                Registration("passport", "E12345678"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("field_key"), std::string::npos);
  EXPECT_EQ(writer_.size(), 0u);
}

TEST_F(ApiServiceTest, MissingOrWrongKeyIs401AndRecordsNothing) {
  for (const char* path : {"/v1/moderate", "/v1/posts", "/v1/registrations"}) {
    for (std::string auth : {std::string(), std::string("Bearer nwk_wrong"),
                             std::string("Basic ") + kForumKey, kForumKey, std::string("Bearer")}) {
      ApiResponse r = service_.Handle("POST", path, auth, "", kPost);
      EXPECT_EQ(r.status, 401) << path << " " << auth;
      EXPECT_TRUE(Body(r).contains("error"));
    }
    // A bad key in X-API-Key, and a bad bearer with a good X-API-Key (the bearer wins).
    EXPECT_EQ(service_.Handle("POST", path, "", "nwk_wrong", kPost).status, 401);
    EXPECT_EQ(service_.Handle("POST", path, "Bearer nwk_wrong", kForumKey, kPost).status, 401);
  }
  EXPECT_EQ(writer_.size(), 0u);
  // The good key in either header works.
  EXPECT_EQ(service_.Handle("POST", "/v1/posts", "", kForumKey, kPost).status, 200);
  EXPECT_EQ(service_.Handle("POST", "/v1/posts", "bearer  " + kForumKey + " ", "", kPost).status,
            200);
}

TEST_F(ApiServiceTest, BadBodiesAre400NamingTheFieldAndRecordNothing) {
  struct Case {
    const char* path;
    std::string body, field;
  } cases[] = {
      {"/v1/moderate", "{", "body"},
      {"/v1/moderate", "{\"text\":1}", "text"},
      {"/v1/posts", "[]", "body"},
      {"/v1/posts", R"({"account":"a","src_ip":"x","url":"u","content":"c"})", "src_ip"},
      {"/v1/posts", R"({"account":"a","src_ip":"192.0.2.1","url":"u"})", "content"},
      {"/v1/registrations", Registration("resident_id", "1101"), "id_number"},
      {"/v1/registrations", Registration("", "E1"), "id_type"},
  };
  for (const auto& c : cases) {
    ApiResponse r = Post(c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(Body(r)["field"], c.field) << r.body;
  }
  EXPECT_EQ(writer_.size(), 0u);
}

TEST_F(ApiServiceTest, WriteFailureIs503) {
  writer_.fail = true;
  ApiResponse r = Post("/v1/posts", kPost);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(Body(r)["error"].get<std::string>().find("not recorded"), std::string::npos);
  EXPECT_EQ(Post("/v1/moderate", R"({"text":"赌博"})").status, 503);   // its alert is lost
  EXPECT_EQ(Post("/v1/moderate", R"({"text":"clean"})").status, 200);  // nothing to record
}

TEST_F(ApiServiceTest, RoutingAndHealth) {
  EXPECT_EQ(service_.Handle("GET", "/v1/posts", "Bearer " + kForumKey, "", "").status, 405);
  EXPECT_EQ(service_.Handle("POST", "/v1/nothing", "", "", "").status, 404);
  ApiResponse h = service_.Handle("GET", "/v1/health", "", "", "");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(Body(h)["status"], "ok");
  EXPECT_EQ(Body(h)["rules_version"], "test-1");
  EXPECT_EQ(Body(h)["rule_count"], 5);
}

// StoreSinkWriter against a real store: the records are in the store, seq is the leaf index.
TEST(StoreSinkWriterTest, AppendsToTheStoreWithSeq) {
  const std::string dir = ::testing::TempDir() + "nw-api-store-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  store::StoreOptions so;
  so.dir = dir;
  so.background = false;
  auto st = store::Store::Open(so);
  ASSERT_TRUE(st.ok()) << st.status().message();
  StoreSinkWriter writer(st->get(), nullptr);
  ApiKeys keys = testing::TestKeys();
  KeywordModerator moderator;
  ApiService service(ApiServiceOptions{"S0001", &keys, nullptr, &moderator, &writer, FixedClock});
  for (int i = 0; i < 3; ++i) {
    ApiResponse r = service.Handle("POST", "/v1/posts", "Bearer " + kForumKey, "", kPost);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json::parse(r.body)["seq"], i);
  }
  ASSERT_TRUE((*st)->Sync().ok());
  auto reader = store::StoreReader::Open(dir);
  ASSERT_TRUE(reader.ok());
  store::QuerySpec q;
  q.stream = record::StreamId::kPost;
  int n = 0;
  ASSERT_TRUE((*reader)
                  ->Query(q,
                          [&](uint64_t, std::string_view line) {
                            EXPECT_NE(line.find("一起去赌博吧"), std::string::npos);
                            ++n;
                            return true;
                          })
                  .ok());
  EXPECT_EQ(n, 3);
  q.stream = record::StreamId::kAlert;
  n = 0;
  ASSERT_TRUE((*reader)->Query(q, [&](uint64_t, std::string_view) { return ++n, true; }).ok());
  EXPECT_EQ(n, 3);
  (void)(*st)->Close();
  std::filesystem::remove_all(dir);
}

// POST /v1/registrations/lookup against a real store: role, masking, reveal logged first.
class LookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "nw-api-lookup-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    store::StoreOptions so;
    so.dir = dir_;
    so.background = false;
    auto opened = store::Store::Open(so);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(*opened);
    writer_ = std::make_unique<StoreSinkWriter>(store_.get(), nullptr);
    finder_ = std::make_unique<StoreRecordFinder>(store_.get());
    service_ = std::make_unique<ApiService>(ApiServiceOptions{
        "S0001", &keys_, &cipher_, &moderator_, writer_.get(), FixedClock, finder_.get()});
  }
  void TearDown() override {
    if (store_) (void)store_->Close();
    std::filesystem::remove_all(dir_);
  }
  static Json Body(const ApiResponse& r) { return Json::parse(r.body); }
  ApiResponse Call(std::string_view path, std::string_view body, const std::string& key) {
    return service_->Handle("POST", path, "Bearer " + key, "", body);
  }
  void Register(const std::string& account, const std::string& id, const std::string& phone,
                const std::string& time) {
    const std::string body =
        R"({"account":")" + account + R"(","name":"李四","id_type":"resident_id","id_number":")" +
        id + R"(","phone":")" + phone + R"(","src_ip":"192.0.2.10","time":")" + time + R"("})";
    ApiResponse r = Call("/v1/registrations", body, kForumKey);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  size_t Count(record::StreamId stream) {
    EXPECT_TRUE(store_->Sync().ok());
    auto reader = store::StoreReader::Open(dir_);
    EXPECT_TRUE(reader.ok());
    store::QuerySpec q;
    q.stream = stream;
    size_t n = 0;
    EXPECT_TRUE((*reader)->Query(q, [&](uint64_t, std::string_view) { return ++n, true; }).ok());
    return n;
  }

  std::string dir_;
  ApiKeys keys_ = testing::TestKeys();
  FieldCipher cipher_ = FieldCipher::FromKey(std::array<uint8_t, 32>{7, 7, 7});
  KeywordModerator moderator_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<StoreSinkWriter> writer_;
  std::unique_ptr<StoreRecordFinder> finder_;
  std::unique_ptr<ApiService> service_;
};

TEST_F(LookupTest, NeedsTheRevealRole) {
  Register("user42", "110105199003071239", "13800000000", "2026-11-01T08:00:00Z");
  ApiResponse r = Call("/v1/registrations/lookup", R"({"account":"user42"})", kForumKey);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(Body(r)["error"].get<std::string>().find("role reveal"), std::string::npos);
  EXPECT_EQ(r.body.find("1101"), std::string::npos);
  // Without a key: 401, as every endpoint.
  EXPECT_EQ(service_->Handle("POST", "/v1/registrations/lookup", "", "", "{}").status, 401);
}

TEST_F(LookupTest, MaskedByDefaultAndFoundRightAfterWriting) {
  Register("user42", "110105199003071239", "13800000000", "2026-11-01T08:00:00Z");
  Register("user7", "11010519491231002X", "13911112222", "2026-11-01T09:00:00Z");
  Register("user42", "110105199003071239", "13800000001", "2026-11-02T08:00:00Z");
  // No Sync by the test: the lookup must see what the API just recorded.
  ApiResponse r = Call("/v1/registrations/lookup", R"({"account":"user42"})", testing::kAuditorKey);
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["revealed"], false);
  ASSERT_EQ(j["registrations"].size(), 2u);
  EXPECT_EQ(j["registrations"][0]["account"], "user42");
  EXPECT_EQ(j["registrations"][0]["id_number"], "1101**********1239");
  EXPECT_EQ(j["registrations"][0]["phone"], "138****0000");
  EXPECT_EQ(j["registrations"][1]["phone"], "138****0001");
  EXPECT_EQ(j["registrations"][0]["seq"], 0);
  EXPECT_EQ(j["registrations"][1]["seq"], 2);
  EXPECT_EQ(r.body.find("enc1:"), std::string::npos);  // no ciphertext leaves either
  EXPECT_EQ(r.body.find("13800000000"), std::string::npos);
  EXPECT_EQ(Count(record::StreamId::kMaintenance), 0u);  // nothing revealed, nothing logged

  // Time range and limit.
  r = Call("/v1/registrations/lookup",
           R"({"account":"user42","from":"2026-11-02T00:00:00Z","to":"2026-11-03T00:00:00Z"})",
           testing::kAuditorKey);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["count"], 1);
  EXPECT_EQ(Body(r)["registrations"][0]["seq"], 2);
  r = Call("/v1/registrations/lookup", R"({"account":"user42","limit":1})", testing::kAuditorKey);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["count"], 1);
  EXPECT_EQ(Body(r)["truncated"], true);
  r = Call("/v1/registrations/lookup", R"({"account":"nobody"})", testing::kAuditorKey);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["count"], 0);
}

TEST_F(LookupTest, RevealIsLoggedBeforeDecrypting) {
  Register("user42", "110105199003071239", "13800000000", "2026-11-01T08:00:00Z");
  Register("user42", "110105199003071239", "13800000001", "2026-11-02T08:00:00Z");
  ApiResponse r =
      Call("/v1/registrations/lookup",
           R"({"account":"user42","reveal":true,"actor":"auditor:wang"})", testing::kAuditorKey);
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["revealed"], true);
  EXPECT_EQ(j["registrations"][0]["id_number"], "110105199003071239");
  EXPECT_EQ(j["registrations"][0]["phone"], "13800000000");
  EXPECT_EQ(j["registrations"][1]["phone"], "13800000001");
  EXPECT_TRUE(j["errors"].empty());

  // The maintenance record names who, through which application, and which records.
  auto reader = store::StoreReader::Open(dir_);
  ASSERT_TRUE(reader.ok());
  store::QuerySpec q;
  q.stream = record::StreamId::kMaintenance;
  std::vector<std::string> lines;
  ASSERT_TRUE((*reader)
                  ->Query(q,
                          [&](uint64_t, std::string_view line) {
                            lines.emplace_back(line);
                            return true;
                          })
                  .ok());
  ASSERT_EQ(lines.size(), 1u);  // durable before the answer: synced, read by a new reader
  record::MaintenanceRecord m;
  ASSERT_TRUE(record::DecodeJsonLine(lines[0], &m, nullptr, nullptr).ok());
  EXPECT_EQ(m.component, "api");
  EXPECT_EQ(m.action, "reveal");
  EXPECT_EQ(m.actor, "auditor: auditor:wang");
  EXPECT_EQ(m.object, "registration seq 0..1");
  EXPECT_NE(m.detail.find("2 registration records of account user42"), std::string::npos);
  EXPECT_EQ(lines[0].find("110105199003071239"), std::string::npos);
}

TEST_F(LookupTest, RevealWithAnotherKeyShowsMaskedAndSaysWhy) {
  Register("user42", "110105199003071239", "13800000000", "2026-11-01T08:00:00Z");
  FieldCipher other = FieldCipher::FromKey(std::array<uint8_t, 32>{9});
  ApiService wrong_key(ApiServiceOptions{"S0001", &keys_, &other, &moderator_, writer_.get(),
                                         FixedClock, finder_.get()});
  ApiResponse r =
      wrong_key.Handle("POST", "/v1/registrations/lookup", "Bearer " + testing::kAuditorKey, "",
                       R"({"account":"user42","reveal":true,"actor":"x"})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Body(r);
  EXPECT_EQ(j["registrations"][0]["id_number"], "1101**********1239");
  ASSERT_EQ(j["errors"].size(), 2u);
  EXPECT_EQ(j["errors"][0]["seq"], 0);
  EXPECT_NE(j["errors"][0]["error"].get<std::string>().find("authentication failed"),
            std::string::npos);
}

TEST_F(LookupTest, RevealThatCannotBeLoggedRevealsNothing) {
  Register("user42", "110105199003071239", "13800000000", "2026-11-01T08:00:00Z");
  testing::CapturingWriter failing;
  failing.fail = true;
  ApiService service(ApiServiceOptions{"S0001", &keys_, &cipher_, &moderator_, &failing, FixedClock,
                                       finder_.get()});
  ApiResponse r =
      service.Handle("POST", "/v1/registrations/lookup", "Bearer " + testing::kAuditorKey, "",
                     R"({"account":"user42","reveal":true,"actor":"x"})");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(Body(r)["error"].get<std::string>().find("nothing was revealed"), std::string::npos);
  EXPECT_EQ(r.body.find("110105199003071239"), std::string::npos);
  EXPECT_EQ(r.body.find("13800000000"), std::string::npos);
}

TEST_F(LookupTest, BadRequestsAre400NamingTheField) {
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {
      {R"({})", "account"},
      {R"({"account":""})", "account"},
      {R"({"account":"a","reveal":true})", "actor"},
      {R"({"account":"a","reveal":"yes","actor":"x"})", "reveal"},
      {R"({"account":"a","limit":0})", "limit"},
      {R"({"account":"a","limit":1001})", "limit"},
      {R"({"account":"a","limit":-1})", "limit"},
      {R"({"account":"a","limit":2.5})", "limit"},
      {R"({"account":"a","from":"yesterday"})", "from"},
      {R"({"account":"a","from":"2026-11-02T00:00:00Z","to":"2026-11-01T00:00:00Z"})", "to"},
      {R"({"account":"a","id_number":"1"})", "id_number"},
      {R"([1])", "body"},
  };
  for (const auto& c : cases) {
    ApiResponse r = Call("/v1/registrations/lookup", c.body, testing::kAuditorKey);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_EQ(Body(r)["field"], c.field) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(Count(record::StreamId::kMaintenance), 0u);
}

TEST_F(LookupTest, WithoutAStoreIs503) {
  ApiService no_store(ApiServiceOptions{"S0001", &keys_, &cipher_, &moderator_, writer_.get(),
                                        FixedClock, nullptr});
  ApiResponse r = no_store.Handle("POST", "/v1/registrations/lookup",
                                  "Bearer " + testing::kAuditorKey, "", R"({"account":"a"})");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("store"), std::string::npos);
}

}  // namespace
}  // namespace netward::api
