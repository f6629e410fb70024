// Signing keys and signed checkpoints: the reference vector of Go's sumdb/note package, round
// trips, every kind of tampering, malformed notes and bodies, and the key files' permissions.
#include "store/checkpoint.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "store/base64.h"
#include "store/signing_key.h"

namespace netward::store {
namespace {

// golang.org/x/mod/sumdb/note, note_test.go and the package documentation.
const char kGoVkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const char kGoSkey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const char kGoText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const char kGoSigLine[] =
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "netward-ckpt-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

SigningKey TestKey(const std::string& name = "netward.test/site01") {
  auto key = SigningKey::Generate(name);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return *key;
}

VerifierKey VerifierOf(const SigningKey& key) {
  auto v = VerifierKey::Parse(key.VerifierKeyText());
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return *v;
}

Checkpoint TestCheckpoint() {
  return Checkpoint{"netward.test/site01/session", 20852163, HashLeaf("some root")};
}

std::string ExpectError(const Result<Checkpoint>& r, Status::Code code) {
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  return r.status().message();
}

TEST(CheckpointTest, GoNoteReferenceVectorByteForByte) {
  auto skey = SigningKey::Parse(kGoSkey);
  ASSERT_TRUE(skey.ok()) << skey.status().ToString();
  EXPECT_EQ(skey->name(), "PeterNeumann");
  EXPECT_EQ(skey->key_id(), 0xc74f20a3u);
  EXPECT_EQ(skey->VerifierKeyText(), kGoVkey);
  EXPECT_EQ(skey->PrivateKeyText(), kGoSkey);
  // Ed25519 is deterministic: the same key signs the same text to the same bytes as Go.
  std::string note = SignNote(kGoText, *skey);
  EXPECT_EQ(note, std::string(kGoText) + "\n" + kGoSigLine);

  auto vkey = VerifierKey::Parse(kGoVkey);
  ASSERT_TRUE(vkey.ok()) << vkey.status().ToString();
  EXPECT_EQ(vkey->name(), "PeterNeumann");
  EXPECT_EQ(vkey->key_id(), 0xc74f20a3u);
  EXPECT_EQ(vkey->public_key(), skey->public_key());
  EXPECT_EQ(vkey->Text(), kGoVkey);
  // The Go note verifies, and then fails only as a checkpoint body (its text is a quote).
  auto opened = OpenCheckpoint(note, *vkey);
  EXPECT_EQ(ExpectError(opened, Status::Code::kCorruption),
            "checkpoint: line 2: tree size is not a number");
}

TEST(CheckpointTest, VerifierKeyManglingsAreRejectedAsInGo) {
  // As note_test.go's TestNewVerifier: every proper substring and every byte + 1.
  const std::string vkey = kGoVkey;
  for (size_t i = 0; i <= vkey.size(); ++i) {
    for (size_t j = i + 1; j <= vkey.size(); ++j) {
      if (i == 0 && j == vkey.size()) continue;
      EXPECT_FALSE(VerifierKey::Parse(vkey.substr(i, j - i)).ok()) << vkey.substr(i, j - i);
    }
  }
  for (size_t i = 0; i < vkey.size(); ++i) {
    std::string bad = vkey;
    ++bad[i];
    EXPECT_FALSE(VerifierKey::Parse(bad).ok()) << bad;
  }
  // Wrong key length and unknown algorithm, each with a matching key hash (from Go's tests).
  EXPECT_FALSE(VerifierKey::Parse(
                   "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
                   .ok());
  EXPECT_FALSE(VerifierKey::Parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
                                  "LDE4izWy10TW")
                   .ok());
  // A trailing newline (as in a .pub file) is fine.
  EXPECT_TRUE(VerifierKey::Parse(vkey + "\n").ok());
}

TEST(CheckpointTest, SigningKeyManglingsAreRejectedAsInGo) {
  const std::string skey = kGoSkey;
  for (size_t i = 0; i <= skey.size(); ++i) {
    for (size_t j = i + 1; j <= skey.size(); ++j) {
      if (i == 0 && j == skey.size()) continue;
      EXPECT_FALSE(SigningKey::Parse(skey.substr(i, j - i)).ok()) << skey.substr(i, j - i);
    }
  }
  for (size_t i = 0; i < skey.size(); ++i) {
    std::string bad = skey;
    ++bad[i];
    EXPECT_FALSE(SigningKey::Parse(bad).ok()) << bad;
  }
  auto r = SigningKey::Parse(
      "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not match"), std::string::npos) << r.status().message();
}

TEST(CheckpointTest, KeyNames) {
  for (const char* good : {"a", "example.com/log42", "netward/site-01", "\xc3\xa9t\xc3\xa9"}) {
    EXPECT_TRUE(IsValidKeyName(good)) << good;
    EXPECT_TRUE(SigningKey::Generate(good).ok()) << good;
  }
  for (const char* bad : {"", "a b", "a+b", "a\tb", "a\nb",
                          "a\xc2\xa0"
                          "b" /* NBSP */,
                          "a\xe3\x80\x80"
                          "b" /* ideographic space */,
                          "a\xff"}) {
    EXPECT_FALSE(IsValidKeyName(bad)) << bad;
    auto r = SigningKey::Generate(bad);
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
  }
}

TEST(CheckpointTest, KeyIdAndTextFormats) {
  SigningKey key = TestKey("example.com/k");
  EXPECT_EQ(key.key_id(), Ed25519KeyId("example.com/k", key.public_key()));
  char id[9];
  std::snprintf(id, sizeof(id), "%08x", key.key_id());
  std::string raw_pub(1, '\x01');
  raw_pub.append(reinterpret_cast<const char*>(key.public_key().data()), 32);
  EXPECT_EQ(key.VerifierKeyText(),
            std::string("example.com/k+") + id + "+" + Base64Encode(raw_pub));
  EXPECT_EQ(key.PrivateKeyText().rfind(std::string("PRIVATE+KEY+example.com/k+") + id + "+", 0),
            0u);
  auto reparsed = SigningKey::Parse(key.PrivateKeyText());
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(reparsed->public_key(), key.public_key());
  EXPECT_EQ(reparsed->Sign("m"), key.Sign("m"));
  // Two generated keys differ.
  EXPECT_NE(TestKey("example.com/k").public_key(), key.public_key());
  // Signatures are 64 bytes and verify only for their message and key.
  std::string sig = key.Sign("message");
  ASSERT_EQ(sig.size(), 64u);
  VerifierKey v = VerifierOf(key);
  EXPECT_TRUE(v.Verify("message", sig));
  EXPECT_FALSE(v.Verify("messagf", sig));
  EXPECT_FALSE(v.Verify("message", sig.substr(0, 63)));
  EXPECT_FALSE(VerifierOf(TestKey("example.com/k")).Verify("message", sig));
}

TEST(CheckpointTest, BodyFormatAndRoundTrip) {
  Checkpoint cp = TestCheckpoint();
  std::string body = FormatCheckpointBody(cp);
  EXPECT_EQ(body,
            "netward.test/site01/session\n20852163\n" +
                Base64Encode(std::string_view(reinterpret_cast<const char*>(cp.root.data()), 32)) +
                "\n");
  auto parsed = ParseCheckpointBody(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, cp);
  // The C2SP example body.
  auto example = ParseCheckpointBody(
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  ASSERT_TRUE(example.ok()) << example.status().ToString();
  EXPECT_EQ(example->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(example->size, 20852163u);
  EXPECT_EQ(HashToHex(example->root),
            "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62");
  // Extension lines are accepted and ignored; size 0 and the largest size are fine.
  EXPECT_TRUE(ParseCheckpointBody(body + "ext one\next two\n").ok());
  Checkpoint empty{"o", 0, EmptyRoot()};
  EXPECT_EQ(*ParseCheckpointBody(FormatCheckpointBody(empty)), empty);
  Checkpoint max{"o", UINT64_MAX, EmptyRoot()};
  EXPECT_EQ(*ParseCheckpointBody(FormatCheckpointBody(max)), max);
}

TEST(CheckpointTest, MalformedBodiesSayWhichLine) {
  const std::string root = "\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
  struct Case {
    std::string body, message;
  };
  const Case cases[] = {
      {"", "body does not end in a newline"},
      {"o\n5" + root.substr(0, root.size() - 1), "body does not end in a newline"},
      {"o\n5\n", "body has 2 lines; a checkpoint needs origin, tree size and root hash"},
      {"\n5" + root, "line 1: origin is empty"},
      {"o\nfive" + root, "line 2: tree size is not a number"},
      {"o\n" + root.substr(1), "line 2: tree size is not a number"},
      {"o\n-5" + root, "line 2: tree size is not a number"},
      {"o\n+5" + root, "line 2: tree size is not a number"},
      {"o\n 5" + root, "line 2: tree size is not a number"},
      {"o\n05" + root, "line 2: tree size has a leading zero"},
      {"o\n18446744073709551616" + root, "line 2: tree size does not fit in 64 bits"},
      {"o\n123456789012345678901" + root, "line 2: tree size is not a number"},
      {"o\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n", "line 3: root hash is not base64"},
      {"o\n5\n47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "line 3: root hash is not base64"},
      {"o\n5\nAAAA\n", "line 3: root hash is 3 bytes, not 32"},
      {"o\n5" + root + "\n", "line 4: empty extension line"},
      {"o\x01\n5" + root, "body is not UTF-8 text without control characters"},
      {"o\xc0\xaf\n5" + root, "body is not UTF-8 text without control characters"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ExpectError(ParseCheckpointBody(c.body), Status::Code::kCorruption),
              "checkpoint: " + c.message)
        << c.body;
  }
}

TEST(CheckpointTest, SignAndOpenRoundTrip) {
  SigningKey key = TestKey();
  Checkpoint cp = TestCheckpoint();
  std::string body = FormatCheckpointBody(cp);
  std::string note = SignNote(body, key);
  ASSERT_EQ(note.rfind(body + "\n\xe2\x80\x94 netward.test/site01 ", 0), 0u) << note;
  ASSERT_EQ(note.back(), '\n');
  auto opened = OpenCheckpoint(note, VerifierOf(key));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, cp);

  // Signatures by other keys are ignored, before or after ours; a repeat of ours too.
  SigningKey witness = TestKey("witness.example");
  std::string witness_line = SignNote(body, witness).substr(body.size() + 1);
  std::string our_line = note.substr(body.size() + 1);
  for (const std::string& n :
       {note + witness_line, body + "\n" + witness_line + our_line, note + our_line}) {
    auto r = OpenCheckpoint(n, VerifierOf(key));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  // ...and the witness can open it with its own key.
  EXPECT_TRUE(OpenCheckpoint(note + witness_line, VerifierOf(witness)).ok());
}

TEST(CheckpointTest, TamperingIsDetected) {
  SigningKey key = TestKey();
  VerifierKey vkey = VerifierOf(key);
  Checkpoint cp = TestCheckpoint();
  std::string body = FormatCheckpointBody(cp);
  std::string note = SignNote(body, key);

  // A different size, origin or root under the original signature.
  char id[9];
  std::snprintf(id, sizeof(id), "%08x", key.key_id());
  const std::string does_not_verify =
      "checkpoint: signature by key netward.test/site01+" + std::string(id) + " does not verify";
  std::vector<Checkpoint> forged(3, cp);
  forged[0].size += 1;
  forged[1].origin += "x";
  forged[2].root[0] ^= 1;
  for (const Checkpoint& f : forged) {
    std::string forged_note = FormatCheckpointBody(f) + note.substr(body.size());
    EXPECT_EQ(ExpectError(OpenCheckpoint(forged_note, vkey), Status::Code::kCorruption),
              does_not_verify);
  }

  // A flipped bit anywhere in the signature bytes (after the key id).
  size_t sig_at = note.rfind(' ') + 1;
  std::string blob = *Base64Decode(std::string_view(note).substr(sig_at, note.size() - sig_at - 1));
  for (size_t i = 4; i < blob.size(); i += 7) {
    std::string bad_blob = blob;
    bad_blob[i] ^= 0x10;
    std::string bad = note.substr(0, sig_at) + Base64Encode(bad_blob) + "\n";
    EXPECT_EQ(ExpectError(OpenCheckpoint(bad, vkey), Status::Code::kCorruption), does_not_verify);
  }
  // A changed key id makes it someone else's signature: none by our key is left.
  std::string other_id = blob;
  other_id[0] ^= 1;
  std::string msg =
      ExpectError(OpenCheckpoint(note.substr(0, sig_at) + Base64Encode(other_id) + "\n", vkey),
                  Status::Code::kNotFound);
  EXPECT_EQ(msg.rfind("checkpoint: no signature by key netward.test/site01+", 0), 0u) << msg;

  // Another key of the same name (different id), and our key under another name.
  SigningKey impostor = TestKey("netward.test/site01");
  EXPECT_EQ(OpenCheckpoint(SignNote(body, impostor), vkey).status().code(),
            Status::Code::kNotFound);
  std::string renamed = note;
  renamed.replace(body.size() + 5, std::string("netward.test/site01").size(), "other");
  EXPECT_EQ(OpenCheckpoint(renamed, vkey).status().code(), Status::Code::kNotFound);
  // A different key claiming our name and id does not verify.
  std::string spoof = SignNote(body, impostor);
  size_t spoof_at = spoof.rfind(' ') + 1;
  std::string spoof_blob =
      *Base64Decode(std::string_view(spoof).substr(spoof_at, spoof.size() - spoof_at - 1));
  spoof_blob.replace(0, 4, blob.substr(0, 4));
  spoof = spoof.substr(0, spoof_at) + Base64Encode(spoof_blob) + "\n";
  EXPECT_EQ(ExpectError(OpenCheckpoint(spoof, vkey), Status::Code::kCorruption), does_not_verify);
}

TEST(CheckpointTest, MalformedNotes) {
  SigningKey key = TestKey();
  VerifierKey vkey = VerifierOf(key);
  std::string body = FormatCheckpointBody(TestCheckpoint());
  std::string note = SignNote(body, key);
  std::string sig_line = note.substr(body.size() + 1);
  std::string sig_b64 = sig_line.substr(sig_line.rfind(' ') + 1);
  sig_b64.pop_back();
  struct Case {
    std::string note, message;
  };
  const Case cases[] = {
      {"", "no blank line before the signatures"},
      {body, "no blank line before the signatures"},
      {body + "\n", "no signature lines after the blank line, or no final newline"},
      {note.substr(0, note.size() - 1),
       "no signature lines after the blank line, or no final newline"},
      {body + "\n- netward.test/site01 " + sig_b64 + "\n",
       "signature line 1: does not start with an em dash (U+2014) and a space"},
      {body + "\n\xe2\x80\x94netward.test/site01 " + sig_b64 + "\n",
       "signature line 1: does not start with an em dash (U+2014) and a space"},
      {note + "\xe2\x80\x94 a+b " + sig_b64 + "\n", "signature line 2: bad key name"},
      {note + "\xe2\x80\x94 name\n", "signature line 2: signature is not base64"},
      {note + "\xe2\x80\x94 name \n", "signature line 2: signature is not base64"},
      {note + "\xe2\x80\x94 name " + sig_b64 + " \n", "signature line 2: signature is not base64"},
      {note + "\xe2\x80\x94 name AAAAAA==\n", "signature line 2: signature is too short"},
      {body + "\r\n" + sig_line,
       "note is not UTF-8 text without control characters other than newline"},
      {note + "\xe2\x80\x94 name\t" + sig_b64 + "\n",
       "note is not UTF-8 text without control characters other than newline"},
      {"o\xff\n" + note, "note is not UTF-8 text without control characters other than newline"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ExpectError(OpenCheckpoint(c.note, vkey), Status::Code::kCorruption),
              "checkpoint: " + c.message)
        << c.note;
  }
  // At most 100 signature lines (Go's limit), even if ours is the first.
  std::string many = note;
  for (int i = 0; i < 100; ++i) many += "\xe2\x80\x94 other " + sig_b64 + "\n";
  EXPECT_EQ(ExpectError(OpenCheckpoint(many, vkey), Status::Code::kCorruption),
            "checkpoint: more than 100 signature lines");
  // A signed note whose text holds a blank line splits at the last one: the body above it is
  // then not what was signed.
  std::string two_blank = body + "\n" + sig_line + "\n" + sig_line;
  EXPECT_FALSE(OpenCheckpoint(two_blank, vkey).ok());
}

TEST(CheckpointTest, KeyFilesAreWrittenOnceWithPrivateModes) {
  TempDir dir;
  mode_t old_umask = ::umask(022);
  SigningKey key = TestKey();
  std::string priv = dir.File("signing.key"), pub = dir.File("signing.pub");
  ASSERT_TRUE(key.WriteFiles(priv, pub).ok());
  EXPECT_EQ(Mode(priv), 0600u);
  EXPECT_EQ(Mode(pub), 0644u);
  EXPECT_EQ(ReadFile(priv), key.PrivateKeyText() + "\n");
  EXPECT_EQ(ReadFile(pub), key.VerifierKeyText() + "\n");

  auto loaded = SigningKey::Load(priv);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->public_key(), key.public_key());
  EXPECT_EQ(loaded->name(), key.name());
  auto vloaded = VerifierKey::Load(pub);
  ASSERT_TRUE(vloaded.ok()) << vloaded.status().ToString();
  EXPECT_TRUE(vloaded->Verify("m", loaded->Sign("m")));

  // Refuses to overwrite either file, and leaves both as they were.
  SigningKey other = TestKey();
  for (auto [p, q] : {std::pair{priv, dir.File("new.pub")}, std::pair{dir.File("new.key"), pub}}) {
    Status s = other.WriteFiles(p, q);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(s.message().find("refusing to overwrite"), std::string::npos) << s.message();
    EXPECT_FALSE(std::filesystem::exists(dir.File("new.pub")));
    EXPECT_FALSE(std::filesystem::exists(dir.File("new.key")));
  }
  EXPECT_EQ(ReadFile(priv), key.PrivateKeyText() + "\n");
  EXPECT_EQ(ReadFile(pub), key.VerifierKeyText() + "\n");
  // An unwritable directory: IOError, and no half-written pair.
  Status s = other.WriteFiles(dir.File("missing/x.key"), dir.File("y.pub"));
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  s = other.WriteFiles(dir.File("z.key"), dir.File("missing/z.pub"));
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(dir.File("z.key")));
  ::umask(old_umask);
}

// A store creates its key on first open and may be killed at any moment (the store crash test
// found a kill that left an empty signing.key, which every later open refused). Children write a
// key pair and are SIGKILLed at random times: each file must be whole or absent, never partial.
TEST(CheckpointTest, KilledWriteFilesLeavesEachFileWholeOrAbsent) {
  TempDir dir;
  // How long one child takes from fork() to exit (the fsyncs dominate): kills land across it.
  const auto t0 = std::chrono::steady_clock::now();
  pid_t timed = ::fork();
  ASSERT_GE(timed, 0);
  if (timed == 0)
    _exit(TestKey().WriteFiles(dir.File("timed.key"), dir.File("timed.pub")).ok() ? 0 : 1);
  int timed_status = 0;
  ASSERT_EQ(::waitpid(timed, &timed_status, 0), timed);
  ASSERT_TRUE(WIFEXITED(timed_status) && WEXITSTATUS(timed_status) == 0);
  const auto child_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay_us(0, static_cast<int>(child_us * 5 / 4) + 50);
  int whole = 0, absent = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 300; ++i) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(60)) break;
    std::string priv = dir.File("k" + std::to_string(i) + ".key");
    std::string pub = dir.File("k" + std::to_string(i) + ".pub");
    SigningKey key = TestKey();
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(key.WriteFiles(priv, pub).ok() ? 0 : 1);
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "iteration " << i;
    }
    if (std::filesystem::exists(priv)) {
      auto loaded = SigningKey::Load(priv);
      ASSERT_TRUE(loaded.ok()) << "iteration " << i << ": " << loaded.status().ToString();
      EXPECT_EQ(loaded->public_key(), key.public_key());
      ++whole;
    } else {
      EXPECT_FALSE(std::filesystem::exists(pub)) << "iteration " << i;
      ++absent;
    }
    if (std::filesystem::exists(pub)) {
      EXPECT_EQ(ReadFile(pub), key.VerifierKeyText() + "\n") << "iteration " << i;
    }
  }
  // Only key files (no temporaries) are left in the directory.
  for (const auto& entry : std::filesystem::directory_iterator(dir.File(""))) {
    std::string ext = entry.path().extension().string();
    EXPECT_TRUE(ext == ".key" || ext == ".pub") << entry.path();
  }
  std::printf("key files: %d whole, %d never created (a child takes %lld us)\n", whole, absent,
              static_cast<long long>(child_us));
}

TEST(CheckpointTest, LoadRefusesKeysOthersCanReadOrWrite) {
  TempDir dir;
  SigningKey key = TestKey();
  std::string priv = dir.File("k.key");
  ASSERT_TRUE(key.WriteFiles(priv, dir.File("k.pub")).ok());
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0660, 0666}) {
    ASSERT_EQ(::chmod(priv.c_str(), mode), 0);
    auto r = SigningKey::Load(priv);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    char want[8];
    std::snprintf(want, sizeof(want), "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(r.status().message().find(std::string("mode ") + want), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("chmod 600 " + priv), std::string::npos)
        << r.status().message();
  }
  ASSERT_EQ(::chmod(priv.c_str(), 0400), 0);
  EXPECT_TRUE(SigningKey::Load(priv).ok());
  ASSERT_EQ(::chmod(priv.c_str(), 0600), 0);
  EXPECT_TRUE(SigningKey::Load(priv).ok());

  EXPECT_EQ(SigningKey::Load(dir.File("none.key")).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(VerifierKey::Load(dir.File("none.pub")).status().code(), Status::Code::kNotFound);
  // A directory is not a key; a garbled key names the file.
  std::filesystem::create_directory(dir.File("d"));
  ::chmod(dir.File("d").c_str(), 0700);
  EXPECT_EQ(SigningKey::Load(dir.File("d")).status().code(), Status::Code::kInvalidArgument);
  std::string garbled = dir.File("g.key");
  std::ofstream(garbled) << "PRIVATE+KEY+x+00000000+AAAA\n";
  ::chmod(garbled.c_str(), 0600);
  auto g = SigningKey::Load(garbled);
  EXPECT_EQ(g.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(g.status().message().rfind(garbled + ": signing key: ", 0), 0u) << g.status().message();
}

TEST(CheckpointTest, Base64MatchesRfc4648) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::optional<std::string>(plain));
  }
  for (const char* bad : {"Zg", "Zg=", "Z===", "====", "Zm9v\n", "Zm 9", "Zg==Zg==", "Zm-_"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace netward::store
