#include "analyzers/detecting_forwarder.h"

#include <utility>

namespace netward::analyzers {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

void DetectingForwarder::Start(uint8_t ip_proto, uint16_t server_port, Factory factory,
                               void* factory_user) {
  started_ = true;
  ip_proto_ = ip_proto;
  detected_ = false;
  finished_ = false;
  server_port_ = server_port;
  proto_ = AppProtocol::kNone;
  factory_ = factory;
  factory_user_ = factory_user;
  held_.clear();
  held_dir_ = -1;
  inner_.reset();
}

void DetectingForwarder::Deliver(AnalyzerContext& ctx, Direction dir,
                                 std::span<const uint8_t> data) {
  if (!started_ || finished_ || data.empty()) return;
  if (detected_) {
    if (inner_) inner_->Deliver(ctx, dir, data);
    return;
  }
  const int d = static_cast<int>(dir);
  // Over TCP the bytes of the direction that spoke first accumulate; bytes of the other
  // direction, and every UDP datagram, are judged alone.
  const bool same = ip_proto_ == 6 && (held_dir_ < 0 || held_dir_ == d);
  std::span<const uint8_t> sample = data;
  if (same) {
    held_dir_ = d;
    if (!held_.empty()) {
      held_.append(reinterpret_cast<const char*>(data.data()), data.size());
      sample = Bytes(held_);
    }
  }
  const AppProtocol proto = Detect(ip_proto_, server_port_, dir, sample);
  if (proto == AppProtocol::kNone && same && sample.size() < kMaxHeldBytes) {
    if (held_.empty()) held_.assign(reinterpret_cast<const char*>(data.data()), data.size());
    return;  // too few bytes to tell yet: hold them
  }
  const bool data_was_held = same && !held_.empty();
  Decide(ctx, proto);  // replays what was held, `data` included when data_was_held
  if (!data_was_held && inner_) inner_->Deliver(ctx, dir, data);
}

void DetectingForwarder::Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) {
  if (!started_ || finished_) return;
  if (!detected_) {
    // Bytes after a hole cannot be appended to the held ones: decide with what there is (with
    // nothing held, Detect() goes by the port alone).
    const Direction held_dir = held_dir_ < 0 ? dir : static_cast<Direction>(held_dir_);
    Decide(ctx, Detect(ip_proto_, server_port_, held_dir, Bytes(held_)));
  }
  if (inner_) inner_->Gap(ctx, dir, length);
}

void DetectingForwarder::Finish(AnalyzerContext& ctx) {
  if (!started_ || finished_) return;
  if (!detected_ && !held_.empty()) {
    Decide(ctx, Detect(ip_proto_, server_port_, static_cast<Direction>(held_dir_), Bytes(held_)));
  }
  detected_ = true;
  finished_ = true;
  if (inner_) inner_->Finish(ctx);
}

void DetectingForwarder::Decide(AnalyzerContext& ctx, AppProtocol proto) {
  detected_ = true;
  proto_ = proto;
  if (proto != AppProtocol::kNone) {
    inner_ = factory_ ? factory_(proto, factory_user_) : CreateAnalyzer(proto);
  }
  std::string held = std::move(held_);
  held_ = std::string();
  if (inner_ && !held.empty()) inner_->Deliver(ctx, static_cast<Direction>(held_dir_), Bytes(held));
}

}  // namespace netward::analyzers
