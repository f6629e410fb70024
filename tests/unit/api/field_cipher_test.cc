#include "api/field_cipher.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "store/base64.h"

namespace netward::api {
namespace {

std::array<uint8_t, 32> Key(uint8_t fill) {
  std::array<uint8_t, 32> k;
  k.fill(fill);
  return k;
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "nw-api-cipher-" + std::to_string(::getpid()) + "-" + name;
}

TEST(FieldCipherTest, RoundTrip) {
  FieldCipher c = FieldCipher::FromKey(Key(7));
  for (std::string plain : {std::string("110105199003071239"), std::string("13800000000"),
                            std::string(""), std::string(1000, 'x'), std::string("张三")}) {
    auto enc = c.Encrypt(plain, "id_number");
    ASSERT_TRUE(enc.ok());
    EXPECT_EQ(enc->rfind("enc1:", 0), 0u);
    EXPECT_EQ(enc->find(plain.empty() ? "\x01" : plain), std::string::npos);
    auto dec = c.Decrypt(*enc, "id_number");
    ASSERT_TRUE(dec.ok()) << dec.status().message();
    EXPECT_EQ(*dec, plain);
  }
}

TEST(FieldCipherTest, FreshNonceEachTime) {
  FieldCipher c = FieldCipher::FromKey(Key(7));
  EXPECT_NE(*c.Encrypt("13800000000", "phone"), *c.Encrypt("13800000000", "phone"));
}

TEST(FieldCipherTest, EveryFlippedByteIsRefused) {
  FieldCipher c = FieldCipher::FromKey(Key(7));
  const std::string enc = *c.Encrypt("110105199003071239", "id_number");
  const std::string raw = *store::Base64Decode(enc.substr(5));
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string bad = raw;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto dec = c.Decrypt("enc1:" + store::Base64Encode(bad), "id_number");
    ASSERT_FALSE(dec.ok()) << "byte " << i;
    EXPECT_EQ(dec.status().code(), Status::Code::kCorruption);
  }
  // Truncated.
  EXPECT_FALSE(
      c.Decrypt("enc1:" + store::Base64Encode(raw.substr(0, raw.size() - 1)), "id_number").ok());
}

TEST(FieldCipherTest, WrongKeyOrFieldIsRefused) {
  FieldCipher a = FieldCipher::FromKey(Key(7)), b = FieldCipher::FromKey(Key(8));
  const std::string enc = *a.Encrypt("13800000000", "phone");
  EXPECT_EQ(b.Decrypt(enc, "phone").status().code(), Status::Code::kCorruption);
  // Copied into another field: refused (the field name is the associated data).
  EXPECT_EQ(a.Decrypt(enc, "id_number").status().code(), Status::Code::kCorruption);
}

TEST(FieldCipherTest, MalformedTextIsInvalidArgument) {
  FieldCipher c = FieldCipher::FromKey(Key(7));
  for (const char* text : {"", "13800000000", "enc1:", "enc1:!!!!", "enc1:AAAA", "enc2:AAAA"}) {
    auto dec = c.Decrypt(text, "phone");
    ASSERT_FALSE(dec.ok()) << text;
    EXPECT_EQ(dec.status().code(), Status::Code::kInvalidArgument) << text;
  }
}

TEST(FieldCipherTest, KeyFileMustBePrivate) {
  const std::string path = TempPath("key");
  std::remove(path.c_str());
  ASSERT_TRUE(FieldCipher::GenerateKeyFile(path).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = FieldCipher::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  auto again = FieldCipher::Load(path);
  EXPECT_EQ(*again->Decrypt(*loaded->Encrypt("x", "phone"), "phone"), "x");
  // Never overwritten.
  EXPECT_EQ(FieldCipher::GenerateKeyFile(path).code(), Status::Code::kInvalidArgument);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto refused = FieldCipher::Load(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("0640"), std::string::npos);
  EXPECT_NE(refused.status().message().find("chmod 600"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_EQ(FieldCipher::Load(path).status().code(), Status::Code::kNotFound);
}

TEST(FieldCipherTest, KeyFileFormats) {
  const std::string path = TempPath("raw");
  std::remove(path.c_str());
  { std::ofstream(path, std::ios::binary) << std::string(32, '\x07'); }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto raw = FieldCipher::Load(path);
  ASSERT_TRUE(raw.ok()) << raw.status().message();
  // Same key as FromKey(7): decrypts what that encrypted.
  EXPECT_EQ(*raw->Decrypt(*FieldCipher::FromKey(Key(7)).Encrypt("y", "phone"), "phone"), "y");
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string(64, '0') << "\n"; }
  EXPECT_TRUE(FieldCipher::Load(path).ok());
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << "too short\n"; }
  EXPECT_EQ(FieldCipher::Load(path).status().code(), Status::Code::kInvalidArgument);
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string(63, '0') << "g\n"; }
  EXPECT_EQ(FieldCipher::Load(path).status().code(), Status::Code::kInvalidArgument);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace netward::api
