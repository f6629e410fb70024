#include "probe/identity_router.h"

#include "record/json_decoder.h"

namespace netward::probe {
namespace {

// Calls f(line) for each '\n'-terminated line of `lines`.
template <typename F>
void ForEachLine(std::string_view lines, F&& f) {
  while (!lines.empty()) {
    size_t nl = lines.find('\n');
    std::string_view line = lines.substr(0, nl);
    f(line);
    if (nl == std::string_view::npos) break;
    lines.remove_prefix(nl + 1);
  }
}

}  // namespace

IdentityRouter::IdentityRouter(std::string site, record::RecordSink* out,
                               identity::IdentityIndex* index, size_t batch_bytes)
    : out_(out), index_(index), batch_(std::move(site), batch_bytes) {}

IdentityRouter::~IdentityRouter() = default;

void IdentityRouter::OnLogin(const record::LoginRecord& record) {
  logins_.fetch_add(1, std::memory_order_relaxed);
  if (index_) index_->AddLogin(record);
  std::lock_guard<std::mutex> lock(mu_);
  batch_.Add(record);
  if (batch_.full()) HandOverLocked();
}

void IdentityRouter::OnNat(const record::NatRecord& record) {
  nats_.fetch_add(1, std::memory_order_relaxed);
  if (index_) index_->AddNat(record);
  std::lock_guard<std::mutex> lock(mu_);
  batch_.Add(record);
  if (batch_.full()) HandOverLocked();
}

void IdentityRouter::Consume(const record::RecordBatch& batch) {
  if (index_) {
    if (batch.count(record::StreamId::kLogin) > 0) {
      thread_local record::LoginRecord login;
      ForEachLine(batch.lines(record::StreamId::kLogin), [&](std::string_view line) {
        if (line.empty()) return;
        if (record::DecodeJsonLine(line, &login, nullptr, nullptr).ok()) {
          index_->AddLogin(login);
        } else {
          decode_errors_.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    if (batch.count(record::StreamId::kNat) > 0) {
      thread_local record::NatRecord nat;
      ForEachLine(batch.lines(record::StreamId::kNat), [&](std::string_view line) {
        if (line.empty()) return;
        if (record::DecodeJsonLine(line, &nat, nullptr, nullptr).ok()) {
          index_->AddNat(nat);
        } else {
          decode_errors_.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
  }
  out_->Consume(batch);
}

void IdentityRouter::HandOverLocked() {
  if (batch_.empty()) return;
  out_->Consume(batch_);
  batch_.Clear();
}

Status IdentityRouter::Flush() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    HandOverLocked();
  }
  return out_->Flush();
}

Status IdentityRouter::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    HandOverLocked();
  }
  return out_->Close();
}

}  // namespace netward::probe
