// src/analyzers/detecting_forwarder.h: hands a flow's payload to the analyzer its first bytes
// call for: registry.h's Detect(ip_proto, server_port, dir, first_bytes), then an analyzer for
// it. Used by the probe for every new flow and by HTTP for the stream inside a CONNECT tunnel.
// Over TCP, until Detect names a protocol, the first bytes of one direction are held, at most
// kMaxHeldBytes (a client typing one byte a segment); then the held bytes are replayed to the new
// analyzer, followed by the rest. A UDP datagram is judged alone. When nothing fits, the payload
// is dropped (no analyzer).
// Gap() and Finish() are forwarded. The inner analyzer gets the caller's AnalyzerContext as is
// (same flow endpoints, hints, batch). One per outer analyzer, one thread; allocates only while
// holding (a few bytes) and for the inner analyzer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "analyzers/analyzer.h"
#include "analyzers/registry.h"

namespace netward::analyzers {

class DetectingForwarder {
 public:
  // Makes the analyzer for a detected protocol (never called with kNone); may return null (the
  // stream is then dropped). `user` is Start()'s factory_user. Null factory: CreateAnalyzer().
  using Factory = std::unique_ptr<Analyzer> (*)(AppProtocol proto, void* user);

  // TCP: detection is retried until this many bytes were held.
  static constexpr size_t kMaxHeldBytes = 16;

  // Begins forwarding a flow of `ip_proto` (6 TCP, 17 UDP) whose server listens on
  // `server_port` (used for port-based detection). Forgets any earlier stream. Until Start(),
  // Deliver/Gap/Finish do nothing.
  void Start(uint8_t ip_proto, uint16_t server_port, Factory factory = nullptr,
             void* factory_user = nullptr);

  bool started() const { return started_; }
  // The protocol detected, kNone while undecided or when nothing fitted.
  AppProtocol protocol() const { return proto_; }

  // The next in-order bytes of `dir`; valid only during the call.
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data);
  // `length` bytes of `dir` are missing. Before detection, decides with what is held.
  void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length);
  // The outer flow ended: decides with what is held if still undecided, then finishes the inner
  // analyzer. Idempotent.
  void Finish(AnalyzerContext& ctx);

 private:
  // Ends detection with `proto`: creates the analyzer and replays the held bytes to it.
  void Decide(AnalyzerContext& ctx, AppProtocol proto);

  bool started_ = false;
  bool detected_ = false;
  bool finished_ = false;
  uint8_t ip_proto_ = 6;
  uint16_t server_port_ = 0;
  AppProtocol proto_ = AppProtocol::kNone;
  Factory factory_ = nullptr;
  void* factory_user_ = nullptr;
  std::string held_;  // first bytes of held_dir_, while undecided
  int held_dir_ = -1;
  std::unique_ptr<Analyzer> inner_;
};

}  // namespace netward::analyzers
