// Creating and reading secret files (common/secret_file.h).
#include "common/secret_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace netward {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nw-secret-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string File(const std::string& name) const { return dir_ + "/" + name; }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static unsigned Mode(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 01000;
  }
  std::string dir_;
};

TEST_F(SecretFileTest, CreatesWithTheContentAndMode) {
  mode_t old = ::umask(022);
  ASSERT_TRUE(CreateFileExclusive(File("a.key"), 0600, true, "secret\n", "exists").ok());
  EXPECT_EQ(Read(File("a.key")), "secret\n");
  EXPECT_EQ(Mode(File("a.key")), 0600u);
  // exact_mode: the umask does not narrow it; without, it does.
  ::umask(077);
  ASSERT_TRUE(CreateFileExclusive(File("b.pub"), 0644, true, "pub\n", "exists").ok());
  EXPECT_EQ(Mode(File("b.pub")), 0644u);
  ASSERT_TRUE(CreateFileExclusive(File("c.pub"), 0644, false, "pub\n", "exists").ok());
  EXPECT_EQ(Mode(File("c.pub")), 0600u);
  ::umask(old);
  auto back = ReadSecretFile(File("a.key"), "test key", 100);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, "secret\n");
  // Nothing else is left in the directory (the content was written in an unnamed file).
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 3);
}

TEST_F(SecretFileTest, NeverOverwritesAndNamesTheFile) {
  ASSERT_TRUE(CreateFileExclusive(File("k"), 0600, true, "first", "exists").ok());
  Status s = CreateFileExclusive(File("k"), 0600, true, "second", "is there; never overwritten");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find(File("k")), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("never overwritten"), std::string::npos) << s.message();
  EXPECT_EQ(Read(File("k")), "first");
  // A dangling symbolic link counts as existing: nothing is created through it.
  ASSERT_EQ(::symlink(File("target").c_str(), File("link").c_str()), 0);
  EXPECT_EQ(CreateFileExclusive(File("link"), 0600, true, "x", "exists").code(),
            Status::Code::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(File("target")));
}

TEST_F(SecretFileTest, MissingDirectoryIsAnIoError) {
  Status s = CreateFileExclusive(File("no/such/dir/k"), 0600, true, "x", "exists");
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("no/such/dir/k"), std::string::npos) << s.message();
}

TEST_F(SecretFileTest, ReadRefusesWhatOthersMayRead) {
  ASSERT_TRUE(CreateFileExclusive(File("k"), 0644, true, "x", "exists").ok());
  auto r = ReadSecretFile(File("k"), "test key", 100);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos) << r.status().message();
  EXPECT_EQ(ReadSecretFile(File("none"), "test key", 100).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace netward
