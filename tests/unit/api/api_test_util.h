// Stand-ins for the site API's tests: a keyword moderator and a writer that keeps what it gets.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "api/api_keys.h"
#include "api/moderator.h"
#include "api/record_writer.h"

namespace netward::api::testing {

// Rules: "赌博" block (gambling), "spam" review, "bad" alert, "hello" log, all scopes but ip;
// 203.0.113.0/24 alert (scope ip).
class KeywordModerator : public Moderator {
 public:
  void Moderate(std::span<const ModerationText> texts, const IpAddress* ip,
                Moderation* out) const override {
    struct Kw {
      const char* word;
      const char* id;
      const char* category;
      filter::Action action;
    };
    static const Kw kRules[] = {{"赌博", "gamb-1", "gambling", filter::Action::kBlock},
                                {"spam", "spam-1", "spam", filter::Action::kReview},
                                {"bad", "bad-1", "abuse", filter::Action::kAlert},
                                {"hello", "log-1", "test", filter::Action::kLog}};
    *out = Moderation{};
    out->bundle_version = "test-1";
    auto add = [&](const char* id, const char* category, filter::Action action, filter::Scope scope,
                   std::string excerpt) {
      for (const auto& m : out->matches) {
        if (m.rule_id == id) return;
      }
      out->matched = true;
      if (action > out->action) out->action = action;
      out->matches.push_back(ModerationMatch{id, category, filter::Severity::kHigh, action, scope,
                                             std::move(excerpt)});
    };
    for (const auto& t : texts) {
      for (const auto& r : kRules) {
        if (t.text.find(r.word) != std::string_view::npos) {
          add(r.id, r.category, r.action, t.scope, std::string(t.text.substr(0, 64)));
        }
      }
    }
    if (ip && ip->is_v4() && ip->ToString().rfind("203.0.113.", 0) == 0) {
      add("net-1", "bad-network", filter::Action::kAlert, filter::Scope::kIp, ip->ToString());
    }
  }
  std::string RulesVersion() const override { return "test-1"; }
  size_t RuleCount() const override { return 5; }
};

// Keeps every batch's lines per stream; fails (IOError) while `fail` is set.
class CapturingWriter : public RecordWriter {
 public:
  Status Write(const record::RecordBatch& batch, record::StreamId seq_stream,
               std::optional<uint64_t>* seq) override {
    std::lock_guard<std::mutex> lock(mu);
    if (fail) return Status::IOError("store", "disk full (test)");
    for (size_t i = 0; i <= record::kStreamCount; ++i) {  // seq_stream first, as the store
      auto id = i == 0 ? seq_stream : static_cast<record::StreamId>(i - 1);
      if (i > 0 && id == seq_stream) continue;
      std::string_view lines = batch.lines(id);
      size_t pos = 0;
      while (pos < lines.size()) {
        size_t end = lines.find('\n', pos);
        if (id == seq_stream && seq && !seq->has_value()) *seq = next_seq;
        records.push_back({id, std::string(lines.substr(pos, end - pos))});
        ++next_seq;
        pos = end + 1;
      }
    }
    return Status::OK();
  }
  std::vector<std::pair<record::StreamId, std::string>> Of(record::StreamId id) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::pair<record::StreamId, std::string>> out;
    for (const auto& r : records) {
      if (r.first == id) out.push_back(r);
    }
    return out;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return records.size();
  }

  std::mutex mu;
  bool fail = false;
  uint64_t next_seq = 100;
  std::vector<std::pair<record::StreamId, std::string>> records;
};

inline const std::string kForumKey = "nwk_test-forum-key";
inline const std::string kAuditorKey = "nwk_test-auditor-key";

inline ApiKeys TestKeys() {
  return *ApiKeys::Parse(
      "forum " + ApiKeyHashHex(kForumKey) + "\nauditor " + ApiKeyHashHex(kAuditorKey) + " reveal\n",
      "test.keys");
}

}  // namespace netward::api::testing
