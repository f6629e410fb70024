// BundleWatcher: the first load (signed bundle required), a change picked up by Poll(), a bad
// or unsigned new bundle refused with the old rules kept, a maintenance record for each, and
// the watcher thread reloading on RequestReload() (SIGHUP).
#include "filter/bundle_watcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "unit/filter/rule_test_util.h"

namespace netward::filter {
namespace {

using testing::TempDir;

class MaintenanceSink : public record::RecordSink {
 public:
  void Consume(const record::RecordBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu);
    std::istringstream in{std::string(batch.lines(record::StreamId::kMaintenance))};
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu);
    return lines;
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

std::string Field(std::string_view line, std::string_view name) {
  std::string key = "\"" + std::string(name) + "\":\"";
  size_t p = line.find(key);
  if (p == std::string_view::npos) return "<missing>";
  p += key.size();
  return std::string(line.substr(p, line.find('"', p) - p));
}

std::string Bundle(const std::string& version, const std::string& keyword) {
  return "version = \"" + version + "\"\n[[rule]]\nid = \"r\"\ncategory = \"c\"\n" +
         "scopes = [\"http_body\"]\nkeyword = \"" + keyword + "\"\n";
}

class BundleWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = store::SigningKey::Generate("netward.test/rules");
    ASSERT_TRUE(key.ok());
    key_ = std::make_unique<store::SigningKey>(key.value());
    pubkey_ = dir_.Write("rules.pub", key_->VerifierKeyText() + "\n");
    bundle_ = dir_.File("rules.toml");
    WriteSigned("v1", "第一");
    config_.enabled = true;
    config_.bundle = bundle_;
    config_.pubkey = pubkey_;
    config_.reload_interval = 0;
    runtime_ = std::make_unique<FilterRuntime>(config_, &engine_, nullptr);
  }
  void WriteSigned(const std::string& version, const std::string& keyword) {
    dir_.Write("rules.toml", Bundle(version, keyword));
    ASSERT_TRUE(SignBundle(bundle_, *key_).ok());
  }
  // Makes the next write look changed even within the file system's timestamp granularity.
  void Touch() {
    auto t = std::filesystem::last_write_time(bundle_);
    std::filesystem::last_write_time(bundle_, t + std::chrono::seconds(1));
  }

  TempDir dir_;
  std::unique_ptr<store::SigningKey> key_;
  std::string pubkey_, bundle_;
  FilterConfig config_;
  RuleEngine engine_;
  std::unique_ptr<FilterRuntime> runtime_;
  MaintenanceSink sink_;
};

TEST_F(BundleWatcherTest, LoadsThenReloadsOnChangeAndKeepsTheOldRulesOnFailure) {
  BundleWatcher w(runtime_.get(), &sink_, "S1");
  const uint64_t gen0 = runtime_->generation();
  ASSERT_TRUE(w.LoadInitial().ok());
  EXPECT_EQ(w.version(), "v1");
  EXPECT_NE(runtime_->generation(), gen0);
  ASSERT_TRUE(engine_.Current());
  EXPECT_EQ(engine_.Current()->version(), "v1");
  EXPECT_FALSE(w.Poll());  // nothing changed

  WriteSigned("v2", "第二");
  Touch();
  const uint64_t gen1 = runtime_->generation();
  EXPECT_TRUE(w.Poll());
  EXPECT_EQ(engine_.Current()->version(), "v2");
  EXPECT_NE(runtime_->generation(), gen1);

  // Changed after signing: refused, v2 stays.
  dir_.Write("rules.toml", Bundle("v3", "第三"));
  Touch();
  const uint64_t gen2 = runtime_->generation();
  EXPECT_TRUE(w.Poll());
  EXPECT_EQ(engine_.Current()->version(), "v2");
  EXPECT_EQ(runtime_->generation(), gen2);
  EXPECT_EQ(w.version(), "v2");

  auto lines = sink_.Lines();
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& l : lines) {
    EXPECT_EQ(Field(l, "component"), "probe");
    EXPECT_EQ(Field(l, "action"), "rule_change");
    EXPECT_EQ(Field(l, "object"), bundle_);
  }
  EXPECT_NE(Field(lines[0], "detail").find("v1"), std::string::npos);
  EXPECT_EQ(Field(lines[1], "detail").rfind("v1 -> v2", 0), 0u) << lines[1];
  EXPECT_EQ(Field(lines[2], "detail").rfind("reload failed, keeping version v2", 0), 0u)
      << lines[2];
}

TEST_F(BundleWatcherTest, UnsignedBundleIsRefusedAtStart) {
  std::filesystem::remove(bundle_ + ".sig");
  BundleWatcher w(runtime_.get(), &sink_, "S1");
  Status st = w.LoadInitial();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("rules.toml"), std::string::npos) << st.message();
  EXPECT_FALSE(engine_.Current());
  EXPECT_TRUE(sink_.Lines().empty());
}

TEST_F(BundleWatcherTest, MissingPublicKeyIsNamed) {
  config_.pubkey = dir_.File("nope.pub");
  FilterRuntime runtime(config_, &engine_, nullptr);
  BundleWatcher w(&runtime, &sink_, "S1");
  Status st = w.LoadInitial();
  EXPECT_EQ(st.code(), Status::Code::kNotFound);
  EXPECT_NE(st.message().find("nope.pub"), std::string::npos) << st.message();
}

TEST_F(BundleWatcherTest, ThreadReloadsOnRequestAndOnItsInterval) {
  BundleWatcher w(runtime_.get(), &sink_, "S1");
  ASSERT_TRUE(w.LoadInitial().ok());
  w.Start();
  WriteSigned("v2", "第二");
  w.RequestReload();  // SIGHUP: even without a visible change
  for (int i = 0; i < 100 && engine_.Current()->version() != "v2"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(engine_.Current()->version(), "v2");
  w.Stop();
  EXPECT_EQ(sink_.Lines().size(), 2u);
}

}  // namespace
}  // namespace netward::filter
