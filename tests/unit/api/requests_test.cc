// Request bodies: one case per wrong field, each naming the field.
#include "api/requests.h"

#include <gtest/gtest.h>

namespace netward::api {
namespace {

TEST(RequestsTest, ModerateMinimalAndFull) {
  ModerateRequest r;
  std::string field;
  ASSERT_TRUE(ParseModerateRequest(R"({"text":"你好"})", &r, &field).ok());
  EXPECT_EQ(r.text, "你好");
  EXPECT_EQ(r.scope, filter::Scope::kPostText);
  ModerateRequest f;
  Status st = ParseModerateRequest(
      R"({"text":"t","scope":"registration","metadata":{"account":"u1","src_ip":"198.51.100.7",
          "src_port":5555,"url":"https://bbs.example/t/1","board":"anything goes"}})",
      &f, &field);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(f.scope, filter::Scope::kRegistration);
  EXPECT_EQ(f.account, "u1");
  EXPECT_EQ(f.src_ip, *IpAddress::Parse("198.51.100.7"));
  EXPECT_EQ(f.src_port, 5555);
  EXPECT_EQ(f.url, "https://bbs.example/t/1");
}

struct BadCase {
  std::string body, field, want;
};

void ExpectBad(Status (*parse)(std::string_view, std::string*), const BadCase& c) {
  std::string field = "unset";
  Status st = parse(c.body, &field);
  ASSERT_FALSE(st.ok()) << c.body;
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(field, c.field) << c.body << " -> " << st.message();
  EXPECT_EQ(st.message().rfind(c.field + ": ", 0), 0u) << st.message();
  EXPECT_NE(st.message().find(c.want), std::string::npos) << st.message();
}

Status Moderate(std::string_view body, std::string* field) {
  ModerateRequest r;
  return ParseModerateRequest(body, &r, field);
}
Status Post(std::string_view body, std::string* field) {
  PostRequest r;
  return ParsePostRequest(body, &r, field);
}
Status Registration(std::string_view body, std::string* field) {
  RegistrationRequest r;
  return ParseRegistrationRequest(body, &r, field);
}

TEST(RequestsTest, ModerateBadFields) {
  for (const auto& c : std::vector<BadCase>{
           {"", "body", "invalid JSON"},
           {"{\"text\":", "body", "invalid JSON"},
           {"[1]", "body", "expected a JSON object"},
           {"\"text\"", "body", "expected a JSON object"},
           {"{\"text\":\"\xff\"}", "body", "invalid JSON"},  // not UTF-8
           {"{}", "text", "required"},
           {"{\"text\":5}", "text", "expected a string"},
           {"{\"text\":null}", "text", "expected a string"},
           {"{\"text\":\"a\",\"scope\":\"ip\"}", "scope", "not a text scope"},
           {"{\"text\":\"a\",\"scope\":\"bogus\"}", "scope", "not a text scope"},
           {"{\"text\":\"a\",\"scope\":1}", "scope", "expected a string"},
           {"{\"text\":\"a\",\"metadata\":[]}", "metadata", "expected an object"},
           {"{\"text\":\"a\",\"metadata\":{\"src_ip\":\"1.2.3\"}}", "metadata.src_ip",
            "not an IPv4 or IPv6"},
           {"{\"text\":\"a\",\"metadata\":{\"src_port\":70000}}", "metadata.src_port",
            "out of range"},
           {"{\"text\":\"a\",\"txet\":1}", "txet", "unknown member"},
           // A member with an empty name is named as written (found by fuzz_api_json).
           {"{\"text\":\"a\",\"\":1}", "\"\"", "unknown member"},
       }) {
    ExpectBad(Moderate, c);
  }
}

const char* kPost =
    R"({"account":"user42","src_ip":"2001:db8::7","src_port":40000,"url":"https://bbs.example/t/9",
        "title":"标题","content":"正文","time":"2026-11-23T08:30:00+08:00","post_id":12345})";

TEST(RequestsTest, PostFull) {
  PostRequest r;
  std::string field;
  Status st = ParsePostRequest(kPost, &r, &field);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.account, "user42");
  EXPECT_EQ(r.src_ip, *IpAddress::Parse("2001:db8::7"));
  EXPECT_EQ(r.src_port, 40000);
  EXPECT_EQ(r.title, "标题");
  EXPECT_EQ(r.content, "正文");
  EXPECT_EQ(r.ts, *ParseIso8601("2026-11-23T00:30:00Z"));
  EXPECT_EQ(r.post_id, "12345");
}

TEST(RequestsTest, PostBadFields) {
  const std::string ok_rest = R"("src_ip":"192.0.2.1","url":"u","content":"c")";
  for (const auto& c : std::vector<BadCase>{
           {"{" + ok_rest + "}", "account", "required"},
           {R"({"account":"","src_ip":"192.0.2.1","url":"u","content":"c"})", "account",
            "must not be empty"},
           {R"({"account":"a","url":"u","content":"c"})", "src_ip", "required"},
           {R"({"account":"a","src_ip":"","url":"u","content":"c"})", "src_ip", "empty"},
           {R"({"account":"a","src_ip":"999.1.1.1","url":"u","content":"c"})", "src_ip",
            "not an IPv4"},
           {R"({"account":"a","src_ip":7,"url":"u","content":"c"})", "src_ip", "expected a string"},
           {R"({"account":"a","src_ip":"192.0.2.1","content":"c"})", "url", "required"},
           {R"({"account":"a","src_ip":"192.0.2.1","url":"u"})", "content", "required"},
           {R"({"account":"a","src_ip":"192.0.2.1","url":"u","content":["c"]})", "content",
            "expected a string"},
           {"{\"account\":\"a\"," + ok_rest + ",\"title\":false}", "title", "expected a string"},
           {"{\"account\":\"a\"," + ok_rest + ",\"src_port\":-1}", "src_port", "out of range"},
           {"{\"account\":\"a\"," + ok_rest + ",\"src_port\":1.5}", "src_port", "integer"},
           {"{\"account\":\"a\"," + ok_rest + ",\"src_port\":\"80\"}", "src_port", "integer"},
           {"{\"account\":\"a\"," + ok_rest + ",\"time\":\"yesterday\"}", "time", "ISO-8601"},
           {"{\"account\":\"a\"," + ok_rest + ",\"post_id\":-3}", "post_id", "non-negative"},
           {"{\"account\":\"a\"," + ok_rest + ",\"post_id\":{}}", "post_id", "non-negative"},
           {"{\"account\":\"a\"," + ok_rest + ",\"board\":\"b\"}", "board", "unknown member"},
       }) {
    ExpectBad(Post, c);
  }
}

TEST(RequestsTest, RegistrationFullAndBad) {
  RegistrationRequest r;
  std::string field;
  Status st = ParseRegistrationRequest(
      R"({"account":"user42","name":"张三","id_type":"resident_id","id_number":"110105199003071239",
          "phone":"+8613800000000","src_ip":"192.0.2.1","time":"2026-11-23T00:00:00Z"})",
      &r, &field);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.name, "张三");
  EXPECT_EQ(r.phone, "+8613800000000");
  const std::string rest = R"("id_number":"E1234567","phone":"13800000000","src_ip":"192.0.2.1")";
  for (
      const auto& c : std::vector<BadCase>{
          {R"({"name":"n","id_type":"passport",)" + rest + "}", "account", "required"},
          {R"({"account":"a","id_type":"passport",)" + rest + "}", "name", "required"},
          {R"({"account":"a","name":"n",)" + rest + "}", "id_type", "required"},
          {R"({"account":"a","name":"n","id_type":"Passport",)" + rest + "}", "id_type",
           "not an id type"},
          {R"({"account":"a","name":"n","id_type":"passport","id_number":"","phone":"13800000000","src_ip":"192.0.2.1"})",
           "id_number", "empty"},
          {R"({"account":"a","name":"n","id_type":"passport","id_number":"E1","phone":"138-0000-0000","src_ip":"192.0.2.1"})",
           "phone", "digits"},
          {R"({"account":"a","name":"n","id_type":"passport","id_number":"E1","phone":"1234","src_ip":"192.0.2.1"})",
           "phone", "digits"},
          {R"({"account":"a","name":"n","id_type":"passport","id_number":"E1","phone":13800000000,"src_ip":"192.0.2.1"})",
           "phone", "expected a string"},
          {R"({"account":"a","name":"n","id_type":"passport","id_number":"E1","phone":"13800000000"})",
           "src_ip", "required"},
          {R"({"account":"a","name":"n","id_type":"passport",)" + rest + R"(,"time":5})", "time",
           "expected a string"},
          {R"({"account":"a","name":"n","id_type":"passport",)" + rest + R"(,"email":"x"})",
           "email", "unknown member"},
      }) {
    ExpectBad(Registration, c);
  }
}

}  // namespace
}  // namespace netward::api
