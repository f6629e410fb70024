// A thread-safe IdentitySink for the NAT source tests: keeps every nat record it is given.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "identity/identity_sink.h"

namespace netward::identity::testing {

class CollectingNatSink : public IdentitySink {
 public:
  void OnLogin(const record::LoginRecord&) override {}
  void OnNat(const record::NatRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    nat_.push_back(record);
    cv_.notify_all();
  }
  // Waits (bounded) until at least `n` records arrived; returns a copy of all of them.
  std::vector<record::NatRecord> WaitFor(size_t n, int timeout_ms = 5000) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return nat_.size() >= n; });
    return nat_;
  }
  std::vector<record::NatRecord> records() {
    std::lock_guard<std::mutex> lock(mu_);
    return nat_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<record::NatRecord> nat_;
};

}  // namespace netward::identity::testing
