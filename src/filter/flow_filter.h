// src/filter/flow_filter.h: the content filter inside the probe (docs/rules.md, "In the probe").
// A FlowFilter is one flow's scanning state: it receives what the flow's analyzers report through
// AnalyzerContext::content_hook (analyzer.h lists the names), checks the scopes that have rules
// (CompiledRules::HasScope; nothing else is normalized or scanned), and writes one `alert` record
// per rule per flow. Bodies (HTTP both directions, after dechunking and decompression; SMTP) are
// scanned piece by piece as they are decoded (the pieces of one delivery together, see
// BeginDelivery): each piece is scanned together with the last `body_overlap_bytes` of the
// previous one (cut on a character boundary of the body's charset), so a keyword split across
// packets is found, and no byte is scanned more than twice. At most `max_body_scan_bytes` of
// bodies are scanned per direction per flow.
//
// A match of a `block` rule is held: block_pending() turns true, the worker fills a BlockRequest
// from the packet and the flow's TCP state, asks the Blocker, and reports what was done with
// FinishBlock(), which writes the alerts (taken = what the Blocker returned) and stops all
// scanning of the flow. log -> taken "logged", alert and review -> "alerted".
//
// FilterRuntime is shared by every worker of a probe (thread-safe); a FlowFilter belongs to one
// flow and is used by its worker's thread only. Allocation: a flow's filter allocates only for
// the body tails it keeps (up to body_overlap_bytes per body stream) and its alerts; body pieces
// gathered during a delivery go to a per-thread buffer (BeginDelivery).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/analyzer.h"
#include "common/time.h"
#include "filter/block_action.h"
#include "filter/filter_config.h"
#include "filter/mail_mime_reader.h"
#include "filter/rule_engine.h"
#include "record/record_batch.h"
#include "record/schema.h"

namespace netward::filter {

// The probe-wide part: the engine holding the current rules, the configured Blocker (null:
// block rules only alert), the [filter] settings, and a generation number that changes whenever
// the engine's rules change (workers compare it per packet, a relaxed load, and fetch
// RuleEngine::Current() only when it moved).
class FilterRuntime {
 public:
  // `engine` and `blocker` are not owned and must outlive the runtime; blocker may be null.
  FilterRuntime(FilterConfig config, RuleEngine* engine, Blocker* blocker)
      : config_(std::move(config)), engine_(engine), blocker_(blocker) {}

  const FilterConfig& config() const { return config_; }
  RuleEngine* engine() const { return engine_; }
  Blocker* blocker() const { return blocker_; }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Call after the engine's rules changed (Reload succeeded, Install).
  void RulesChanged() { generation_.fetch_add(1, std::memory_order_acq_rel); }
  // engine()->Install(rules) + RulesChanged().
  void Install(std::shared_ptr<const CompiledRules> rules);

 private:
  FilterConfig config_;
  RuleEngine* engine_;
  Blocker* blocker_;
  std::atomic<uint64_t> generation_{1};
};

// What a FlowFilter needs from its flow at each call; all pointers owned by the caller.
struct FlowFilterEnv {
  const analyzers::FlowEndpoints* flow = nullptr;
  const analyzers::SessionHints* hints = nullptr;  // may be null
  TimestampUs now = 0;
  record::RecordBatch* out = nullptr;         // alert records go here
  analyzers::EventCounter* events = nullptr;  // may be null: "filter.body_scan_truncated"
};

class FlowFilter {
 public:
  explicit FlowFilter(const FilterConfig* config) : config_(config) {}
  ~FlowFilter();
  FlowFilter(const FlowFilter&) = delete;
  FlowFilter& operator=(const FlowFilter&) = delete;

  // One delivery of data to the flow's analyzers (a packet's payload): body pieces reported
  // between BeginDelivery and EndDelivery are gathered per body and scanned at EndDelivery (or
  // before any other content of the flow, or when 64 KiB have gathered) as one window: the body's
  // tail followed by all of them, so that many small pieces (chunks, decoder outputs) cost one
  // scan rather than one each with its own overlap. Every piece is still scanned before
  // EndDelivery returns, so a block is carried out after the same packet. Outside a delivery
  // each piece is scanned as it comes. The gathering buffer is per thread: a thread must end one
  // flow's delivery before it begins another's.
  void BeginDelivery() { delivering_ = true; }
  void EndDelivery(const FlowFilterEnv& env);

  // The rules to check what comes next against (null: none). Cheap when unchanged (a pointer
  // compare); the worker calls it before every delivery, so a reload applies to new data of
  // flows already open. Body state (tails, byte counts) carries over.
  void SetRules(const std::shared_ptr<const CompiledRules>& rules) {
    if (rules.get() != rules_.get()) rules_ = rules;
  }
  const CompiledRules* rules() const { return rules_.get(); }

  // One content hook call: `what` as listed in analyzer.h, `bytes` valid during the call.
  // Unknown names are ignored.
  void OnContent(const FlowFilterEnv& env, std::string_view what, std::string_view bytes);
  // Checks the flow's server address against kIp rules; only the first call per flow does.
  void CheckServerIp(const FlowFilterEnv& env);

  // A block rule matched; the caller must call FinishBlock.
  bool block_pending() const { return !pending_.empty(); }
  // What the pending block concerns: kDns when a DNS query over UDP matched, else kTcp.
  BlockRequest::Kind block_kind() const { return block_kind_; }
  // Writes the held alerts with taken = `taken` and stops scanning this flow.
  void FinishBlock(const FlowFilterEnv& env, std::string_view taken);
  // Blocked: nothing more is scanned.
  bool stopped() const { return stopped_; }

  // Body bytes scanned so far (each byte once, overlaps not counted), for tests and benches.
  uint64_t body_bytes_scanned() const { return body_scanned_total_; }

 private:
  // One body being scanned piece by piece: HTTP request bodies, response bodies, mail bodies.
  enum class Cut : uint8_t { kUnknown, kAny, kUtf8, kMultiByte };
  struct BodyStream {
    std::string tail;      // the end of the previous piece (starts on a character boundary)
    uint64_t scanned = 0;  // bytes scanned, against max_body_scan_bytes
    std::string charset;   // declared charset, lower case, may be empty
    bool html = false;
    bool binary = false;  // image/, video/ ...: not scanned
    Cut cut = Cut::kUnknown;
    bool truncated = false;  // the cap was reached (counted once)
  };
  enum BodyIndex { kReqBody = 0, kRespBody = 1, kMailBody = 2 };

  class MailSink;  // feeds decoded mail parts (mail()) into bodies()[kMailBody]
  friend class MailSink;

  void StartBody(BodyStream& b, std::string_view content_type);
  void ScanBody(const FlowFilterEnv& env, BodyStream& b, Scope scope, std::string_view piece);
  // Scans `text` (the body's tail + new bytes) and keeps its end as the next tail.
  void ScanWindow(const FlowFilterEnv& env, BodyStream& b, Scope scope, std::string_view text);
  // Scans the pieces gathered in this delivery, if any.
  void FlushPending(const FlowFilterEnv& env);
  void CheckText(const FlowFilterEnv& env, Scope scope, std::string_view text,
                 const NormalizeOptions& options);
  void Report(const FlowFilterEnv& env, const Verdict& verdict);

  const FilterConfig* config_;
  std::shared_ptr<const CompiledRules> rules_;
  // What only flows with bodies need, allocated at their first body content (most flows, DNS
  // and TLS among them, never have any; a flow's filter is created with the flow).
  struct BodyState {
    BodyStream streams[3];
    MailMimeReader mail;  // MIME structure of the mail bodies (base64/QP parts decoded)
  };
  BodyStream* bodies() {
    if (!body_state_) body_state_ = std::make_unique<BodyState>();
    return body_state_->streams;
  }
  MailMimeReader& mail() {
    bodies();
    return body_state_->mail;
  }
  std::unique_ptr<BodyState> body_state_;
  std::string last_host_;             // HTTP Host, DNS query or SNI last seen: the alerts' `host`
  std::string last_url_;              // the current HTTP request's URL: the alerts' `url`
  std::vector<std::string> alerted_;  // rule ids already reported in this flow
  std::vector<record::AlertRecord> pending_;  // alerts of block rules, until FinishBlock
  uint64_t body_scanned_total_ = 0;
  BlockRequest::Kind block_kind_ = BlockRequest::Kind::kTcp;
  bool ip_checked_ = false;
  bool stopped_ = false;
  bool delivering_ = false;  // between BeginDelivery and EndDelivery
};

}  // namespace netward::filter
