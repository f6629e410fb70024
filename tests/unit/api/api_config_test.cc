#include "api/api_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "api/field_cipher.h"

namespace netward::api {
namespace {

// Parses `text` as a whole config whose root knows only [api].
Status Read(const std::string& text, ApiConfig* c, bool* present) {
  auto doc = ConfigDocument::ParseString(text, "t.toml");
  if (!doc.ok()) return doc.status();
  std::vector<std::string> errors;
  ConfigSection root(&(*doc)->root(), "t.toml", "", &errors);
  *present = ReadApiConfig(**doc, &root, &errors, c);
  root.RejectUnknownKeys();
  return ConfigErrors(errors);
}

TEST(ApiConfigTest, AbsentSectionKeepsDefaults) {
  ApiConfig c;
  bool present = true;
  ASSERT_TRUE(Read("", &c, &present).ok());
  EXPECT_FALSE(present);
  EXPECT_EQ(c.listen, "127.0.0.1:8480");
  EXPECT_EQ(c.max_body, 1 << 20);
}

TEST(ApiConfigTest, ReadsEveryKey) {
  const std::string key = ::testing::TempDir() + "nw-api-config-" + std::to_string(getpid());
  std::remove(key.c_str());
  ASSERT_TRUE(FieldCipher::GenerateKeyFile(key).ok());
  ApiConfig c;
  bool present = false;
  Status st =
      Read("[api]\nlisten = \"[::1]:9000\"\nkeys_file = \"/k\"\nfield_key = \"" + key +
               "\"\nrules = \"/r\"\nrules_pubkey = \"/r.pub\"\nmax_body = 4096\nthreads = 2\n",
           &c, &present);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(present);
  EXPECT_EQ(c.listen, "[::1]:9000");
  EXPECT_EQ(c.keys_file, "/k");
  EXPECT_EQ(c.field_key, key);
  EXPECT_EQ(c.rules, "/r");
  EXPECT_EQ(c.rules_pubkey, "/r.pub");
  EXPECT_EQ(c.max_body, 4096);
  EXPECT_EQ(c.threads, 2);
  // A field key others can read is refused, as the store's signing key is.
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  st = Read("[api]\nkeys_file = \"/k\"\nfield_key = \"" + key + "\"\n", &c, &present);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("[api] field_key"), std::string::npos);
  EXPECT_NE(st.message().find("chmod 600"), std::string::npos);
  std::remove(key.c_str());
}

TEST(ApiConfigTest, ReportsEveryMistake) {
  ApiConfig c;
  bool present = false;
  Status st = Read(
      "[api]\nlisten = \"localhost\"\nrules = \"/r\"\nmax_body = 10\nthreads = \"4\"\nbogus = "
      "1\nfield_key = \"/nonexistent/field.key\"\n",
      &c, &present);
  ASSERT_FALSE(st.ok());
  const std::string m = st.message();
  for (const char* want : {"[api] listen", "[api] keys_file", "[api] rules_pubkey",
                           "[api] max_body", "[api] threads", "bogus", "[api] field_key"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << " in " << m;
  }
}

TEST(ApiConfigTest, ListenAddresses) {
  std::string host;
  int port = 0;
  EXPECT_TRUE(SplitListenAddress("127.0.0.1:8480", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8480);
  EXPECT_TRUE(SplitListenAddress("[::1]:0", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad : {"", ":80", "127.0.0.1", "127.0.0.1:", "::1:80", "host:80",
                          "127.0.0.1:65536", "127.0.0.1:8o", "[::1:80"}) {
    EXPECT_FALSE(SplitListenAddress(bad, &host, &port)) << bad;
  }
}

}  // namespace
}  // namespace netward::api
