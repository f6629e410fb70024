// The independent verifier (tests/tools/verify_checkpoint.py, pure Python) against leaves,
// frontiers and checkpoints made by netward's C++ code: it must accept what netward signs and
// reject every change to leaves, signature or key. Skipped where python3 is missing.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "store/base64.h"
#include "store/checkpoint.h"
#include "store/merkle.h"
#include "store/signing_key.h"

namespace netward::store {
namespace {

const std::string kScript = NW_SOURCE_DIR "/tests/tools/verify_checkpoint.py";

struct ScriptRun {
  int exit_code = -1;
  std::string output;
};

// The interpreter's own path (resolved once: wrappers such as pyenv's shims cost ~1 s a start),
// or "" if there is no python3.
const std::string& Python() {
  static const std::string path = [] {
    std::string out;
    FILE* p = ::popen("python3 -c 'import hashlib, sys; print(sys.executable)' 2>/dev/null", "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    if (::pclose(p) != 0) out.clear();
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }();
  return path;
}

class PythonVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Python().empty()) GTEST_SKIP() << "python3 not found";
    std::string tmpl = (std::filesystem::temp_directory_path() / "netward-pyv-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto key = SigningKey::Generate("netward.test/site01");
    ASSERT_TRUE(key.ok());
    key_.emplace(*key);
    for (int i = 0; i < 45; ++i) {
      // Canonical record lines, with non-ASCII text and an escaped invalid byte.
      leaves_.push_back("{\"ts\":\"2026-11-22T10:04:05." + std::to_string(100000 + i) +
                        "Z\",\"query\":\"h\xc3\xa9llo" + std::to_string(i) +
                        ".example\",\"note\":\"\\\\xff\",\"site\":\"S1\"}");
    }
    Write("k.pub", key_->VerifierKeyText() + "\n");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, const std::string& data) const {
    std::ofstream(Path(name), std::ios::binary) << data;
  }

  Hash Root(size_t size) const {
    CompactRange range;
    for (size_t i = 0; i < size; ++i) range.Append(HashLeaf(leaves_[i]));
    return range.Root();
  }
  std::string SignedCheckpoint(uint64_t size) const {
    return SignNote(FormatCheckpointBody({"netward.test/site01/dns", size, Root(size)}), *key_);
  }
  // "#frontier" line for the first `dropped` leaves, then the leaves [dropped, end).
  std::string LeavesFile(const std::vector<std::string>& leaves, size_t dropped, size_t end) const {
    std::string out;
    if (dropped > 0) {
      CompactRange range;
      for (size_t i = 0; i < dropped; ++i) range.Append(HashLeaf(leaves[i]));
      out = "#frontier " + std::to_string(dropped) + " ";
      for (size_t i = 0; i < range.nodes().size(); ++i) {
        out += (i ? "," : "") + HashToHex(range.nodes()[i]);
      }
      out += "\n";
    }
    for (size_t i = dropped; i < end; ++i) out += leaves[i] + "\n";
    return out;
  }

  ScriptRun Verify(const std::string& leaves, const std::string& checkpoint,
                   const std::string& pub = "k.pub") const {
    Write("leaves", leaves);
    Write("checkpoint", checkpoint);
    std::string cmd = Python() + " " + kScript + " " + Path("leaves") + " " + Path("checkpoint") +
                      " " + Path(pub) + " 2>&1";
    ScriptRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
    int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return r;
  }

  void ExpectFail(const ScriptRun& r, const std::string& why) const {
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output.rfind("FAIL: ", 0), 0u) << r.output;
    EXPECT_NE(r.output.find(why), std::string::npos) << r.output;
  }

  std::string dir_;
  std::optional<SigningKey> key_;
  std::vector<std::string> leaves_;
};

std::string B64(const Hash& h) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

TEST_F(PythonVerifierTest, AcceptsWhatNetwardSigns) {
  ScriptRun r = Verify(LeavesFile(leaves_, 0, 37), SignedCheckpoint(37));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "OK netward.test/site01/dns 37 " + B64(Root(37)) + "\n");
  // Leaves past the checkpoint's size are ignored; a tree of one leaf works.
  EXPECT_EQ(Verify(LeavesFile(leaves_, 0, 45), SignedCheckpoint(37)).exit_code, 0);
  EXPECT_EQ(Verify(LeavesFile(leaves_, 0, 1), SignedCheckpoint(1)).exit_code, 0);
  // The empty tree, from an empty file.
  ScriptRun empty = Verify("", SignedCheckpoint(0));
  EXPECT_EQ(empty.exit_code, 0) << empty.output;
  EXPECT_EQ(empty.output, "OK netward.test/site01/dns 0 " + B64(EmptyRoot()) + "\n");
}

TEST_F(PythonVerifierTest, AcceptsAFrontierOfDroppedLeaves) {
  for (size_t dropped : {1, 21, 32, 36, 37}) {
    ScriptRun r = Verify(LeavesFile(leaves_, dropped, 45), SignedCheckpoint(37));
    EXPECT_EQ(r.exit_code, 0) << dropped << ": " << r.output;
  }
  // The checkpoint predates the frontier: it cannot be checked from this file.
  ExpectFail(Verify(LeavesFile(leaves_, 40, 45), SignedCheckpoint(37)),
             "the first 40 were dropped");
  // A changed frontier node, or one node too few.
  std::string file = LeavesFile(leaves_, 21, 45);
  std::string bad = file;
  bad[20] = bad[20] == 'a' ? 'b' : 'a';  // inside the first node's hex
  ExpectFail(Verify(bad, SignedCheckpoint(37)), "root mismatch");
  std::string short_frontier = file;
  short_frontier.erase(short_frontier.find(','), 65);
  ExpectFail(Verify(short_frontier, SignedCheckpoint(37)), "needs 3 32-byte nodes, has 2");
}

TEST_F(PythonVerifierTest, RejectsChangedLeaves) {
  const std::string checkpoint = SignedCheckpoint(37);
  // A flipped byte in one leaf.
  std::vector<std::string> flipped = leaves_;
  flipped[17][30] ^= 0x01;
  ExpectFail(Verify(LeavesFile(flipped, 0, 37), checkpoint), "root mismatch at tree size 37");
  // A removed leaf: too few leaves, or (with more following) the wrong ones.
  std::vector<std::string> removed = leaves_;
  removed.erase(removed.begin() + 5);
  ExpectFail(Verify(LeavesFile(removed, 0, 36), checkpoint), "1 missing");
  ExpectFail(Verify(LeavesFile(removed, 0, 44), checkpoint), "root mismatch");
  // Two leaves swapped.
  std::vector<std::string> swapped = leaves_;
  std::swap(swapped[3], swapped[4]);
  ExpectFail(Verify(LeavesFile(swapped, 0, 37), checkpoint), "root mismatch");
  // A leaf inserted.
  std::vector<std::string> inserted = leaves_;
  inserted.insert(inserted.begin() + 30, leaves_[30]);
  ExpectFail(Verify(LeavesFile(inserted, 0, 45), checkpoint), "root mismatch");
  // A changed leaf after a frontier.
  ExpectFail(Verify(LeavesFile(flipped, 10, 37), checkpoint), "root mismatch");
}

TEST_F(PythonVerifierTest, RejectsAWrongKeyOrChangedCheckpoint) {
  const std::string leaves = LeavesFile(leaves_, 0, 37);
  const std::string checkpoint = SignedCheckpoint(37);
  // Another key, even one with the same name.
  auto other = SigningKey::Generate("netward.test/site01");
  ASSERT_TRUE(other.ok());
  Write("other.pub", other->VerifierKeyText() + "\n");
  ExpectFail(Verify(leaves, checkpoint, "other.pub"), "no signature by netward.test/site01+");
  // A flipped bit in the signature.
  size_t at = checkpoint.rfind(' ') + 1;
  std::string blob = *Base64Decode(checkpoint.substr(at, checkpoint.size() - at - 1));
  blob[20] ^= 0x04;
  ExpectFail(Verify(leaves, checkpoint.substr(0, at) + Base64Encode(blob) + "\n"),
             "does not verify");
  // The body changed under the signature (a larger tree size, and a different root).
  std::string resized = checkpoint;
  resized.replace(resized.find("\n37\n"), 4, "\n38\n");
  ExpectFail(Verify(LeavesFile(leaves_, 0, 45), resized), "does not verify");
  std::string body38 = FormatCheckpointBody({"netward.test/site01/dns", 37, Root(38)});
  ExpectFail(Verify(leaves, body38 + checkpoint.substr(checkpoint.find("\n\n") + 1)),
             "does not verify");
  // A checkpoint signed by the other key for these very leaves, checked with our key.
  ExpectFail(
      Verify(leaves,
             SignNote(FormatCheckpointBody({"netward.test/site01/dns", 37, Root(37)}), *other)),
      "no signature by");
  // A garbled public key file.
  Write("bad.pub", "netward.test/site01+00000000+AAAA\n");
  ExpectFail(Verify(leaves, checkpoint, "bad.pub"), "public key");
}

}  // namespace
}  // namespace netward::store
