// src/filter/inline_blocker.cc: blocked-flow marks, drop verdicts and answering resets.
#include "filter/inline_blocker.h"

#include <array>
#include <cstring>

namespace netward::filter {

size_t InlineBlocker::KeyHash::operator()(const Key& k) const {
  IpAddressHash h;
  return h(k.a) * 31 + h(k.b) + ((size_t{k.pa} << 24) ^ (size_t{k.pb} << 8) ^ k.proto);
}

InlineBlocker::Key InlineBlocker::MakeKey(const IpAddress& x, uint16_t px, const IpAddress& y,
                                          uint16_t py, uint8_t proto) {
  Key k;
  k.proto = proto;
  bool swap = y < x || (y == x && py < px);
  k.a = swap ? y : x;
  k.pa = swap ? py : px;
  k.b = swap ? x : y;
  k.pb = swap ? px : py;
  return k;
}

Result<std::unique_ptr<InlineBlocker>> InlineBlocker::Open(const InlineBlockerOptions& options) {
  auto injector = PacketInjector::OpenRouted();
  if (!injector.ok()) return injector.status();
  return std::make_unique<InlineBlocker>(std::move(*injector), options);
}

InlineBlocker::InlineBlocker(std::unique_ptr<PacketInjector> injector,
                             const InlineBlockerOptions& options)
    : injector_(std::move(injector)),
      options_(options),
      tcp_(injector_.get(), options.tcp),
      dns_(injector_.get(), options.dns) {
  if (options_.max_flows == 0) options_.max_flows = 1;
}

PacketInjector::Stats InlineBlocker::send_stats() const {
  return injector_ ? injector_->stats() : PacketInjector::Stats{};
}

Result<std::string> InlineBlocker::Block(const BlockRequest& request) {
  const bool dns = request.kind == BlockRequest::Kind::kDns;
  Key key = MakeKey(request.client_ip, request.client_port, request.server_ip, request.server_port,
                    dns ? capture::kIpProtoUdp : capture::kIpProtoTcp);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const TimestampUs now = NowUs();
    if (marks_.size() >= options_.max_flows && marks_.find(key) == marks_.end()) {
      // Full (rare: a mark lives `hold` after its flow's last packet): drop expired marks,
      // then the least recently seen one.
      std::erase_if(marks_,
                    [&](const auto& kv) { return now - kv.second.last_seen > options_.hold; });
      if (marks_.size() >= options_.max_flows) {
        auto oldest = marks_.begin();
        for (auto it = marks_.begin(); it != marks_.end(); ++it) {
          if (it->second.last_seen < oldest->second.last_seen) oldest = it;
        }
        marks_.erase(oldest);
      }
    }
    marks_[key].last_seen = now;
    count_.store(marks_.size(), std::memory_order_relaxed);
  }
  std::string taken = "nfqueue_drop";
  if (injector_) {
    auto sent = dns ? dns_.Block(request) : tcp_.Block(request);
    if (sent.ok()) taken += "+" + *sent;
  }
  return taken;
}

bool InlineBlocker::ShouldDrop(const capture::DecodedPacket& packet, TimestampUs now) {
  if (count_.load(std::memory_order_relaxed) == 0) return false;
  if (packet.ip_proto != capture::kIpProtoTcp && packet.ip_proto != capture::kIpProtoUdp) {
    return false;
  }
  Key key =
      MakeKey(packet.src_ip, packet.src_port, packet.dst_ip, packet.dst_port, packet.ip_proto);
  bool answer = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = marks_.find(key);
    if (it == marks_.end()) return false;
    if (now - it->second.last_seen > options_.hold) {
      // Expired: let the flow go.
      marks_.erase(it);
      count_.store(marks_.size(), std::memory_order_relaxed);
      return false;
    }
    it->second.last_seen = now;
    if (packet.ip_proto == capture::kIpProtoTcp && !(packet.tcp_flags & capture::kTcpRst) &&
        it->second.resets_sent < options_.max_resets_per_flow) {
      ++it->second.resets_sent;
      answer = true;
    }
  }
  if (answer && injector_) ResetSender(packet);
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void InlineBlocker::ResetSender(const capture::DecodedPacket& p) {
  ForgedPacket r;
  r.src_ip = p.dst_ip;
  r.dst_ip = p.src_ip;
  r.src_port = p.dst_port;
  r.dst_port = p.src_port;
  r.ip_id = ip_id_.fetch_add(1, std::memory_order_relaxed);
  if (p.tcp_flags & capture::kTcpAck) {
    r.seq = p.tcp_ack;  // exactly what the sender expects from us next
    r.tcp_flags = capture::kTcpRst;
  } else {
    r.seq = 0;
    r.ack = p.tcp_seq + p.payload_wire_len + ((p.tcp_flags & capture::kTcpSyn) ? 1 : 0) +
            ((p.tcp_flags & capture::kTcpFin) ? 1 : 0);
    r.tcp_flags = capture::kTcpRst | capture::kTcpAck;
  }
  FrameL2 l2;
  if (p.has_mac) {
    std::memcpy(l2.dst_mac.data(), p.src_mac, 6);
    std::memcpy(l2.src_mac.data(), p.dst_mac, 6);
  }
  l2.vlan = p.vlan;
  std::array<uint8_t, 128> frame;
  size_t n = BuildTcpFrame(l2, r, frame);
  if (n != 0) (void)injector_->Send({frame.data(), n});  // failures are counted by the injector
}

}  // namespace netward::filter
