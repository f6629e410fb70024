#include "probe/worker.h"

#include <algorithm>
#include <cstdio>

#include "common/ip_proto.h"

namespace netward::probe {

// The app-layer state of one flow, created when its first payload arrives (flows that never
// carry payload, e.g. scans, cost nothing here).
// Detection (holding a few first bytes while they are too few to tell) and the analyzer itself
// live in the forwarder, the same one HTTP uses for CONNECT tunnels.
struct Worker::FlowApp : flow::FlowExtension {
  analyzers::FlowEndpoints endpoints;
  analyzers::SessionHints hints;
  analyzers::DetectingForwarder forwarder;
  // With a FilterRuntime only: the filter lives in the same allocation (WithFilter below), so a
  // filtered flow pays no second allocation and an unfiltered one carries no unused filter.
  filter::FlowFilter* filter = nullptr;
  struct WithFilter;

  // DetectingForwarder::Factory: the registry's analyzer, and the session's `app` named after it.
  static std::unique_ptr<analyzers::Analyzer> MakeAnalyzer(analyzers::AppProtocol proto,
                                                           void* user) {
    auto analyzer = analyzers::CreateAnalyzer(proto);
    if (analyzer) static_cast<FlowApp*>(user)->hints.app = analyzers::AppProtocolName(proto);
    return analyzer;
  }
};

struct Worker::FlowApp::WithFilter final : Worker::FlowApp {
  explicit WithFilter(const filter::FilterConfig* config) : storage(config) { filter = &storage; }
  filter::FlowFilter storage;
};

namespace {

flow::FlowTableOptions TableOptions(const ProbeConfig& c) {
  flow::FlowTableOptions o;
  o.max_flows = c.max_flows;
  o.vlan_in_key = c.vlan_in_key;
  o.tcp_idle_timeout = c.tcp_idle_timeout;
  o.tcp_closed_timeout = c.tcp_closed_timeout;
  o.udp_idle_timeout = c.udp_idle_timeout;
  o.other_idle_timeout = c.other_idle_timeout;
  o.active_timeout = c.active_timeout;
  o.reassembly_flow_cap = c.reassembly_flow_cap;
  o.reassembly_global_cap = c.reassembly_global_cap;
  return o;
}

}  // namespace

Worker::Worker(const ProbeConfig& config, record::RecordSink* sink, DnsNameCache* names,
               bool feed_names, const record::RecordEnricher* enricher,
               filter::FilterRuntime* filter)
    : sink_(sink),
      names_(names),
      dns_observer_(feed_names ? names : nullptr),
      batch_(config.site),
      table_(std::make_unique<flow::FlowTable>(TableOptions(config), this)),
      filter_(filter) {
  batch_.set_enricher(enricher);
}

Worker::~Worker() = default;

Worker::FlowApp* Worker::AppOf(flow::Flow& f) {
  if (!f.ext) {
    std::unique_ptr<FlowApp> app;
    if (filter_) {
      app = std::make_unique<FlowApp::WithFilter>(&filter_->config());
    } else {
      app = std::make_unique<FlowApp>();
    }
    app->endpoints.client_ip = f.client_ip();
    app->endpoints.server_ip = f.server_ip();
    app->endpoints.client_port = f.client_port();
    app->endpoints.server_port = f.server_port();
    app->endpoints.ip_proto = f.key.ip_proto;
    app->forwarder.Start(f.key.ip_proto, f.server_port(), &FlowApp::MakeAnalyzer, app.get());
    f.ext = std::move(app);
  }
  return static_cast<FlowApp*>(f.ext.get());
}

void Worker::Deliver(flow::Flow& f, int direction, std::span<const uint8_t> data) {
  if (data.empty()) return;
  FlowApp* app = AppOf(f);
  if (app->filter) {
    // The rules as of this packet: a reload applies to the next data of every open flow.
    app->filter->SetRules(rules_);
    app->filter->CheckServerIp(FilterEnv(*app, now_));
  }
  analyzers::AnalyzerContext ctx = ContextFor(*app, now_);
  // Body pieces decoded from this data are scanned together when it is done (flow_filter.h).
  if (app->filter) app->filter->BeginDelivery();
  app->forwarder.Deliver(ctx, static_cast<analyzers::Direction>(direction), data);
  if (app->filter) app->filter->EndDelivery(FilterEnv(*app, now_));
}

filter::FlowFilterEnv Worker::FilterEnv(FlowApp& app, TimestampUs now) {
  filter::FlowFilterEnv env;
  env.flow = &app.endpoints;
  env.hints = &app.hints;
  env.now = now;
  env.out = &batch_;
  env.events = this;
  return env;
}

void Worker::ContentHook(void* user, std::string_view what, std::string_view bytes) {
  auto* w = static_cast<Worker*>(user);
  FlowApp* app = w->hook_app_;
  if (app && app->filter) app->filter->OnContent(w->FilterEnv(*app, w->hook_now_), what, bytes);
}

void Worker::CarryOutBlock(flow::Flow& f, int direction, const capture::DecodedPacket& p) {
  FlowApp* app = static_cast<FlowApp*>(f.ext.get());
  filter::BlockRequest r;
  r.kind = app->filter->block_kind();
  r.client_ip = f.client_ip();
  r.server_ip = f.server_ip();
  r.client_port = f.client_port();
  r.server_port = f.server_port();
  if (p.has_mac) {  // the packet's own link layer, turned to the client / server sides
    const uint8_t* from = p.src_mac;
    const uint8_t* to = p.dst_mac;
    std::copy_n(direction == 0 ? from : to, 6, r.client_mac.begin());
    std::copy_n(direction == 0 ? to : from, 6, r.server_mac.begin());
  }
  r.vlan = p.vlan;
  if (f.is_tcp()) {
    const filter::FilterConfig& c = filter_->config();
    r.http_block_page = c.block_page && app->hints.app == "http";
    // Next sequence numbers: the reassemblers have consumed this packet. A side not seen yet
    // (midstream pickup) is known from the packet's acknowledgment number.
    const flow::TcpReassembler& cs = f.stream(0);
    const flow::TcpReassembler& ss = f.stream(1);
    const bool ack = p.tcp_flags & capture::kTcpAck;
    bool client_known = cs.started(), server_known = ss.started();
    r.client_next_seq = cs.next_seq();
    r.server_next_seq = ss.next_seq();
    if (!server_known && direction == 0 && ack) r.server_next_seq = p.tcp_ack, server_known = true;
    if (!client_known && direction == 1 && ack) r.client_next_seq = p.tcp_ack, client_known = true;
    r.tcp_state_known = client_known && server_known;
  } else if (r.kind == filter::BlockRequest::Kind::kDns && direction == 0) {
    r.dns_query = std::string_view(reinterpret_cast<const char*>(p.payload), p.payload_len);
  }
  std::string taken = "alerted";  // block = off: block rules alert only
  if (filter::Blocker* blocker = filter_->blocker()) {
    auto done = blocker->Block(r);
    taken = done.ok() ? *done : "block_failed: " + done.status().message();
  }
  app->filter->FinishBlock(FilterEnv(*app, p.ts), taken);
}

analyzers::AnalyzerContext Worker::ContextFor(FlowApp& app, TimestampUs now) {
  analyzers::AnalyzerContext ctx;
  ctx.flow = &app.endpoints;
  ctx.now = now;
  ctx.out = &batch_;
  ctx.hints = &app.hints;
  ctx.dns_observer = dns_observer_;
  ctx.events = this;
  if (app.filter) {
    ctx.content_hook = &Worker::ContentHook;
    ctx.content_hook_user = this;
    hook_app_ = &app;
    hook_now_ = now;
  }
  return ctx;
}

void Worker::Process(const capture::DecodedPacket& p) {
  if (p.pppoe_ethertype != 0) {
    // PPPoE discovery / PPP control: no flow; all such frames hash to one worker.
    analyzers::PppoeFrame frame{p.ts, p.pppoe_ethertype, p.src_mac, p.dst_mac,
                                std::span<const uint8_t>(p.payload, p.payload_len)};
    ++stats_.packets;
    pppoe_.Process(frame, &batch_, this);
    if (batch_.full()) HandOver();
    return;
  }
  // Expire first (cheap: the table looks only at its list heads), so a flow idle past its
  // timeout ends before this packet could extend it, whichever thread layout is used.
  table_->Expire(p.ts);
  now_ = p.ts;
  if (filter_) {  // a relaxed load per packet; the rules pointer only when they changed
    const uint64_t gen = filter_->generation();
    if (gen != rules_gen_) {
      rules_gen_ = gen;
      rules_ = filter_->engine()->Current();
    }
  }
  ++stats_.packets;
  stats_.bytes += p.ip_len;
  int direction = 0;
  bool created = false;
  flow::Flow* f = table_->Track(p, &direction, &created);
  if (created) ++stats_.flows;
  if (p.ip_proto == capture::kIpProtoTcp) {
    current_flow_ = f;
    table_->AddTcpSegment(f, direction, p, this);
    current_flow_ = nullptr;
  } else if (p.ip_proto == capture::kIpProtoUdp && p.payload_len > 0) {
    Deliver(*f, direction, std::span<const uint8_t>(p.payload, p.payload_len));
  }
  if (filter_ && f->ext) {
    FlowApp* app = static_cast<FlowApp*>(f->ext.get());
    if (app->filter && app->filter->block_pending()) CarryOutBlock(*f, direction, p);
  }
  if (batch_.full()) HandOver();
}

void Worker::OnStreamData(int direction, std::span<const uint8_t> data) {
  if (current_flow_) Deliver(*current_flow_, direction, data);
}

void Worker::OnStreamGap(int direction, uint64_t length) {
  if (!current_flow_ || !current_flow_->ext) return;
  FlowApp* app = static_cast<FlowApp*>(current_flow_->ext.get());
  analyzers::AnalyzerContext ctx = ContextFor(*app, now_);
  app->forwarder.Gap(ctx, static_cast<analyzers::Direction>(direction), length);
}

void Worker::Count(std::string_view event_name) {
  auto it = stats_.events.find(event_name);
  if (it == stats_.events.end()) {
    stats_.events.emplace(std::string(event_name), 1);
  } else {
    ++it->second;
  }
}

void Worker::OnFlowClose(flow::Flow& f, flow::CloseReason reason) {
  const bool final = reason != flow::CloseReason::kActiveTimeout;
  FlowApp* app = f.ext ? static_cast<FlowApp*>(f.ext.get()) : nullptr;
  if (final && f.is_tcp()) {
    // Whatever is still buffered out of order goes to the analyzer before it finishes.
    flow::Flow* saved = current_flow_;
    current_flow_ = &f;
    f.stream(0).Flush(this, 0);
    f.stream(1).Flush(this, 1);
    current_flow_ = saved;
  }
  if (final && app) {
    // Decides with any first bytes still held, then lets the analyzer emit what is pending.
    analyzers::AnalyzerContext ctx = ContextFor(*app, f.last_ts);
    app->forwarder.Finish(ctx);
    if (app->filter && app->filter->block_pending()) {  // matched in what the close flushed
      app->filter->FinishBlock(FilterEnv(*app, f.last_ts), "block_failed: the flow had ended");
    }
  }

  record::SessionRecord s;
  s.ts = f.interval_start_ts;
  s.end_ts = f.last_ts;
  char proto_buf[4];
  s.proto = IpProtoName(f.key.ip_proto, proto_buf);
  s.src_ip = f.client_ip();
  s.src_port = f.client_port();
  s.dst_ip = f.server_ip();
  s.dst_port = f.server_port();
  s.vlan = f.vlan;
  if (f.has_client_mac) {
    // aa:bb:cc:dd:ee:ff by hand (snprintf cost more than the rest of the record).
    static constexpr char kHex[] = "0123456789abcdef";
    char mac[17];
    const uint8_t* m = f.client_mac;
    for (int i = 0; i < 6; ++i) {
      mac[3 * i] = kHex[m[i] >> 4];
      mac[3 * i + 1] = kHex[m[i] & 15];
      if (i < 5) mac[3 * i + 2] = ':';
    }
    s.mac.assign(mac, sizeof(mac));
  }
  if (app) {
    s.app = app->hints.app;
    s.host = app->hints.host;
    s.url = app->hints.url;
  }
  if (s.host.empty() && names_) s.host = names_->Lookup(s.src_ip, s.dst_ip, f.first_ts);
  s.bytes_up = f.bytes[0];
  s.bytes_down = f.bytes[1];
  s.pkts_up = f.packets[0];
  s.pkts_down = f.packets[1];
  s.close = flow::CloseReasonName(reason);
  batch_.Add(s);
  // Expire and CloseAll close many flows without returning to Process: hand a full batch over
  // here, so the batch stays near its capacity instead of growing with every flow of the table.
  if (batch_.full()) HandOver();
}

void Worker::HandOver() {
  if (batch_.empty()) return;
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    stats_.records[i] += batch_.count(static_cast<record::StreamId>(i));
  }
  sink_->Consume(batch_);
  batch_.Clear();
}

void Worker::Tick(TimestampUs packet_now, bool flush_due) {
  if (packet_now > 0) table_->Expire(packet_now);
  if (flush_due || batch_.full()) HandOver();
}

void Worker::Finish(TimestampUs final_clock) {
  if (final_clock > 0) table_->Expire(final_clock);
  table_->CloseAll(flow::CloseReason::kEof);
  HandOver();
}

}  // namespace netward::probe
