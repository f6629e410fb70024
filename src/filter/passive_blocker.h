// src/filter/passive_blocker.h: the mirror-port Blocker (docs/blocking.md, "Passive mode"):
// one injection interface; TCP requests go to a TcpResetBlocker, DNS requests to a DnsBlocker,
// both sending through the same PacketInjector. Thread-safe (block_action.h).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "filter/block_action.h"
#include "filter/dns_blocker.h"
#include "filter/packet_injector.h"
#include "filter/tcp_reset_blocker.h"

namespace netward::filter {

struct PassiveBlockerOptions {
  std::string interface;  // where forged frames go out (usually the capture interface)
  TcpResetOptions tcp;
  DnsAnswerOptions dns;
};

class PassiveBlocker : public Blocker {
 public:
  // Opens the injector (PacketInjector::Open's errors).
  static Result<std::unique_ptr<PassiveBlocker>> Open(const PassiveBlockerOptions& options);
  // Uses `injector` (owned) instead of opening one (tests).
  PassiveBlocker(std::unique_ptr<PacketInjector> injector, const PassiveBlockerOptions& options);

  // kTcp: TcpResetBlocker::Block; kDns: DnsBlocker::Block.
  Result<std::string> Block(const BlockRequest& request) override;
  PacketInjector::Stats stats() const { return injector_->stats(); }

 private:
  std::unique_ptr<PacketInjector> injector_;
  TcpResetBlocker tcp_;
  DnsBlocker dns_;
};

}  // namespace netward::filter
