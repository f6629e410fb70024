// src/filter/passive_blocker.cc: dispatch by request kind.
#include "filter/passive_blocker.h"

namespace netward::filter {

Result<std::unique_ptr<PassiveBlocker>> PassiveBlocker::Open(const PassiveBlockerOptions& options) {
  auto injector = PacketInjector::Open(options.interface);
  if (!injector.ok()) return injector.status();
  return std::make_unique<PassiveBlocker>(std::move(*injector), options);
}

PassiveBlocker::PassiveBlocker(std::unique_ptr<PacketInjector> injector,
                               const PassiveBlockerOptions& options)
    : injector_(std::move(injector)),
      tcp_(injector_.get(), options.tcp),
      dns_(injector_.get(), options.dns) {}

Result<std::string> PassiveBlocker::Block(const BlockRequest& request) {
  if (request.kind == BlockRequest::Kind::kDns) return dns_.Block(request);
  return tcp_.Block(request);
}

}  // namespace netward::filter
