// `netward keygen` as an operator runs it: a key pair with the right modes and formats, the
// public key on stdout, no overwriting, clear errors and exit statuses.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "e2e_util.h"
#include "store/checkpoint.h"
#include "store/signing_key.h"

namespace netward::e2e {
namespace {

std::string Netward(const std::string& args) { return std::string(NW_BINARY) + " " + args; }

unsigned Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(KeygenTest, HelpSaysWhatTheKeyIsFor) {
  auto help = RunCommand(Netward("keygen --help"));
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"--name", "--out", "checkpoint", "private", ".pub", "Exit status"}) {
    EXPECT_NE(help.output.find(word), std::string::npos) << word << "\n" << help.output;
  }
  EXPECT_NE(RunCommand(Netward("--help")).output.find("keygen"), std::string::npos);
}

TEST(KeygenTest, WritesAKeyPairThatSignsAndVerifies) {
  TempDir dir;
  std::string prefix = dir.path() + "/site01";
  auto r = RunCommand("umask 022 && " +
                      Netward("keygen --name example.com/netward/site01 --out " + Quote(prefix)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Mode(prefix + ".key"), 0600u);
  EXPECT_EQ(Mode(prefix + ".pub"), 0644u);

  auto key = store::SigningKey::Load(prefix + ".key");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto vkey = store::VerifierKey::Load(prefix + ".pub");
  ASSERT_TRUE(vkey.ok()) << vkey.status().ToString();
  EXPECT_EQ(key->name(), "example.com/netward/site01");
  EXPECT_EQ(vkey->key_id(), key->key_id());
  // The public key line is printed, and is the .pub file's content.
  EXPECT_EQ(ReadAll(prefix + ".pub"), key->VerifierKeyText() + "\n");
  EXPECT_NE(r.output.find(key->VerifierKeyText() + "\n"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("PRIVATE+KEY"), std::string::npos) << "the private key is never printed";

  store::Checkpoint cp{"example.com/netward/site01/dns", 3, store::HashLeaf("r")};
  auto opened =
      store::OpenCheckpoint(store::SignNote(store::FormatCheckpointBody(cp), *key), *vkey);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, cp);
}

TEST(KeygenTest, RefusesToOverwriteEitherFile) {
  TempDir dir;
  std::string prefix = dir.path() + "/k";
  ASSERT_EQ(RunCommand(Netward("keygen --name a --out " + Quote(prefix))).exit_code, 0);
  std::string key_before = ReadAll(prefix + ".key");
  auto again = RunCommand(Netward("keygen --name a --out " + Quote(prefix)));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find(prefix + ".key: already exists; refusing to overwrite"),
            std::string::npos)
      << again.output;
  EXPECT_EQ(ReadAll(prefix + ".key"), key_before);

  // Only the .pub exists: still refused, and no .key is left behind.
  std::filesystem::remove(prefix + ".key");
  auto pub_only = RunCommand(Netward("keygen --name a --out " + Quote(prefix)));
  EXPECT_EQ(pub_only.exit_code, 1);
  EXPECT_NE(pub_only.output.find(".pub: already exists"), std::string::npos) << pub_only.output;
  EXPECT_FALSE(std::filesystem::exists(prefix + ".key"));
}

TEST(KeygenTest, BadUsage) {
  TempDir dir;
  std::string prefix = Quote(dir.path() + "/k");
  auto bad_name = RunCommand(Netward("keygen --name 'two words' --out " + prefix));
  EXPECT_EQ(bad_name.exit_code, 2);
  EXPECT_NE(bad_name.output.find("--name"), std::string::npos) << bad_name.output;
  auto plus = RunCommand(Netward("keygen --name a+b --out " + prefix));
  EXPECT_EQ(plus.exit_code, 2);
  EXPECT_EQ(RunCommand(Netward("keygen --out " + prefix)).exit_code, 2);
  EXPECT_EQ(RunCommand(Netward("keygen --name a")).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/k.key"));
  // A directory that does not exist: a run-time failure.
  auto missing = RunCommand(Netward("keygen --name a --out " + Quote(dir.path() + "/no/k")));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("/no/k.key"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace netward::e2e
