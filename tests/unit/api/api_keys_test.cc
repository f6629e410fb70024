#include "api/api_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace netward::api {
namespace {

TEST(ApiKeysTest, AuthenticatesByHash) {
  const std::string forum = "nwk_forum-secret", shop = "nwk_shop-secret";
  auto keys = ApiKeys::Parse("# apps\n\nforum " + ApiKeyHashHex(forum) + " reveal\nshop  " +
                                 ApiKeyHashHex(shop) + "   # the shop\n",
                             "keys");
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->entries().size(), 2u);
  const ApiKeyEntry* a = keys->Authenticate(forum);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name, "forum");
  EXPECT_TRUE(a->HasRole("reveal"));
  const ApiKeyEntry* b = keys->Authenticate(shop);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->name, "shop");
  EXPECT_FALSE(b->HasRole("reveal"));
  EXPECT_EQ(keys->Authenticate("nwk_forum-secreT"), nullptr);
  EXPECT_EQ(keys->Authenticate(""), nullptr);
  EXPECT_EQ(keys->Authenticate(ApiKeyHashHex(forum)), nullptr);  // the hash is not the key
}

TEST(ApiKeysTest, BadLinesNameTheLine) {
  const std::string h = ApiKeyHashHex("k");
  struct Case {
    std::string text, want;
  } cases[] = {
      {"forum\n", "keys:1"},
      {"\nfor um " + h + "\n", "keys:2"},
      {"bad/name " + h + "\n", "application name"},
      {"forum " + h.substr(1) + "\n", "64 hex"},
      {"forum " + h.substr(1) + "g\n", "64 hex"},
      {"forum " + h + " Reveal\n", "role"},
      {"forum " + h + " reveal,\n", "role"},
      {"forum " + h + "\nforum " + h + "\n", "twice"},
      {"forum " + h + " reveal extra\n", "expected NAME"},
  };
  for (const auto& c : cases) {
    auto keys = ApiKeys::Parse(c.text, "keys");
    ASSERT_FALSE(keys.ok()) << c.text;
    EXPECT_NE(keys.status().message().find(c.want), std::string::npos) << keys.status().message();
  }
}

TEST(ApiKeysTest, GeneratedKeysAreFreshAndWellFormed) {
  const std::string a = GenerateApiKey(), b = GenerateApiKey();
  EXPECT_EQ(a.size(), 4u + 64u);
  EXPECT_EQ(a.rfind("nwk_", 0), 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(ApiKeyHashHex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeysTest, AddAppendsHashOnly) {
  const std::string path =
      ::testing::TempDir() + "nw-api-keys-" + std::to_string(::getpid()) + ".keys";
  std::remove(path.c_str());
  auto k1 = AddApiKey(path, "forum", {});
  ASSERT_TRUE(k1.ok()) << k1.status().message();
  auto k2 = AddApiKey(path, "auditor", {"reveal"});
  ASSERT_TRUE(k2.ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  EXPECT_EQ(text.str().find(*k1), std::string::npos);  // the key itself is never written
  EXPECT_NE(text.str().find(ApiKeyHashHex(*k1)), std::string::npos);
  auto keys = ApiKeys::Load(path);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->Authenticate(*k1)->name, "forum");
  EXPECT_EQ(keys->Authenticate(*k2)->name, "auditor");
  EXPECT_TRUE(keys->Authenticate(*k2)->HasRole("reveal"));
  // A name twice, a bad name, a bad role: refused, file unchanged.
  EXPECT_EQ(AddApiKey(path, "forum", {}).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AddApiKey(path, "a b", {}).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AddApiKey(path, "x", {"Bad"}).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ApiKeys::Load(path)->entries().size(), 2u);
  std::remove(path.c_str());
  EXPECT_EQ(ApiKeys::Load(path).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace netward::api
