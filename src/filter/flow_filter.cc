#include "filter/flow_filter.h"

#include <algorithm>

namespace netward::filter {
namespace {

// Per-thread scratch: the window (tail + piece) of the body being scanned and the verdict, so a
// flow's filter owns no buffer of its own beyond its tails.
thread_local std::string tl_window;
thread_local Verdict tl_verdict;

// Within a delivery (BeginDelivery .. EndDelivery), the body whose pieces are being gathered:
// its tail followed by the pieces so far, for one filter and one of its bodies at a time.
struct PendingBody {
  std::string window;
  const void* owner = nullptr;  // the FlowFilter, or null: nothing gathered
  int body = 0;
  Scope scope = Scope::kHttpBody;
};
thread_local PendingBody tl_pending;
// A window this long is scanned without waiting for the end of the delivery.
constexpr size_t kMaxPendingBytes = 64 << 10;
constexpr size_t kKeepPendingBytes = 1 << 20;  // larger buffers are released after a scan

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"')) s.remove_suffix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i)
    if (Lower(s[i]) != lower_prefix[i]) return false;
  return true;
}

// Whether `s` is UTF-8 (a sequence cut short at the end counts as valid).
bool LooksUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0) return false;
    for (size_t k = 1; k < n; ++k) {
      if (i + k >= s.size()) return true;
      if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

void FilterRuntime::Install(std::shared_ptr<const CompiledRules> rules) {
  engine_->Install(std::move(rules));
  RulesChanged();
}

class FlowFilter::MailSink : public MailMimeReader::Sink {
 public:
  MailSink(FlowFilter* filter, const FlowFilterEnv* env) : filter_(filter), env_(env) {}
  void OnPartStart(const MailMimeReader::Part& part) override {
    filter_->FlushPending(*env_);  // the part before ends
    filter_->StartBody(filter_->bodies()[kMailBody], part.content_type);
  }
  void OnPartBytes(std::string_view decoded) override {
    filter_->ScanBody(*env_, filter_->bodies()[kMailBody], Scope::kMailBody, decoded);
  }

 private:
  FlowFilter* filter_;
  const FlowFilterEnv* env_;
};

void FlowFilter::StartBody(BodyStream& b, std::string_view content_type) {
  b.tail.clear();
  b.charset.clear();
  b.cut = Cut::kUnknown;
  const std::string_view media = TrimSpaces(content_type.substr(0, content_type.find(';')));
  b.html = StartsWithNoCase(media, "text/html") || StartsWithNoCase(media, "application/xhtml");
  // Media that carry no text a keyword could be found in: not scanned (nor counted).
  b.binary = false;
  for (std::string_view m :
       {"image/", "audio/", "video/", "font/", "application/octet-stream", "application/zip",
        "application/gzip", "application/x-gzip", "application/x-7z", "application/x-rar",
        "application/vnd.rar", "application/wasm", "application/x-protobuf", "application/grpc"}) {
    if (StartsWithNoCase(media, m)) b.binary = true;
  }
  // charset=... among the parameters
  for (size_t pos = content_type.find(';'); pos != std::string_view::npos;
       pos = content_type.find(';', pos + 1)) {
    std::string_view param = TrimSpaces(content_type.substr(pos + 1));
    param = param.substr(0, param.find(';'));
    if (!StartsWithNoCase(param, "charset=")) continue;
    std::string_view value = TrimSpaces(param.substr(8));
    b.charset.resize(std::min<size_t>(value.size(), 32));
    std::transform(value.begin(), value.begin() + static_cast<ptrdiff_t>(b.charset.size()),
                   b.charset.begin(), Lower);
    break;
  }
  const std::string_view cs = b.charset;
  if (cs.empty()) return;
  if (cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii") {
    b.cut = Cut::kUtf8;
  } else if (cs.starts_with("gb") || cs.starts_with("big5") || cs.starts_with("euc") ||
             cs.starts_with("shift") || cs == "sjis" || cs == "cp936" || cs == "x-gbk" ||
             cs == "windows-936" || cs == "cp950") {
    b.cut = Cut::kMultiByte;
  } else {
    b.cut = Cut::kAny;  // single-byte charsets: any byte is a character boundary
  }
}

FlowFilter::~FlowFilter() {
  if (tl_pending.owner == this) tl_pending.owner = nullptr;
}

void FlowFilter::EndDelivery(const FlowFilterEnv& env) {
  delivering_ = false;
  FlushPending(env);
}

void FlowFilter::FlushPending(const FlowFilterEnv& env) {
  PendingBody& pd = tl_pending;
  if (pd.owner != this) return;
  pd.owner = nullptr;
  if (!stopped_) ScanWindow(env, bodies()[pd.body], pd.scope, pd.window);
  if (pd.window.capacity() > kKeepPendingBytes) std::string().swap(pd.window);
}

void FlowFilter::ScanBody(const FlowFilterEnv& env, BodyStream& b, Scope scope,
                          std::string_view piece) {
  if (!rules_ || b.binary || !rules_->HasScope(scope) || piece.empty()) return;
  const size_t cap = config_->max_body_scan_bytes;
  if (b.scanned >= cap) return;
  if (piece.size() > cap - b.scanned) {  // the rest of this direction's bodies goes unscanned
    piece = piece.substr(0, static_cast<size_t>(cap - b.scanned));
    b.truncated = true;
    if (env.events) env.events->Count("filter.body_scan_truncated");
  }
  b.scanned += piece.size();
  body_scanned_total_ += piece.size();
  if (b.cut == Cut::kUnknown) {
    const bool high = std::any_of(piece.begin(), piece.end(),
                                  [](char c) { return static_cast<uint8_t>(c) >= 0x80; });
    if (high) b.cut = LooksUtf8(piece) ? Cut::kUtf8 : Cut::kMultiByte;
  }
  if (delivering_) {  // gathered, scanned at the end of the delivery as one window
    PendingBody& pd = tl_pending;
    const int body = static_cast<int>(&b - bodies());
    if (pd.owner != this || pd.body != body) {
      FlushPending(env);  // another body of this flow (nothing if it belongs to none)
      pd.owner = this;
      pd.body = body;
      pd.scope = scope;
      pd.window.assign(b.tail);
    }
    pd.window.append(piece);
    if (pd.window.size() >= kMaxPendingBytes) FlushPending(env);
    return;
  }
  std::string_view text = piece;
  if (!b.tail.empty()) {
    tl_window.assign(b.tail);
    tl_window.append(piece);
    text = tl_window;
  }
  ScanWindow(env, b, scope, text);
}

void FlowFilter::ScanWindow(const FlowFilterEnv& env, BodyStream& b, Scope scope,
                            std::string_view text) {
  NormalizeOptions options;
  options.declared_charset = b.charset;
  options.is_html = b.html;
  CheckText(env, scope, text, options);
  if (stopped_) return;

  // The next piece is scanned together with the end of this one, cut on a character boundary.
  const size_t overlap = config_->body_overlap_bytes;
  size_t start = text.size() > overlap ? text.size() - overlap : 0;
  switch (b.cut) {
    case Cut::kUtf8:
      while (start < text.size() && (static_cast<uint8_t>(text[start]) & 0xc0) == 0x80) ++start;
      break;
    case Cut::kMultiByte: {  // GBK / GB18030 / Big5 ...: walk from the (aligned) window start
      size_t i = 0;
      while (i < start) {
        const auto c = static_cast<uint8_t>(text[i]);
        if (c < 0x80) {
          ++i;
        } else if (i + 1 < text.size() && static_cast<uint8_t>(text[i + 1]) >= 0x30 &&
                   static_cast<uint8_t>(text[i + 1]) <= 0x39) {
          i += 4;  // GB18030 four-byte sequence
        } else {
          i += 2;
        }
      }
      start = std::min(i, text.size());
      break;
    }
    case Cut::kAny:
    case Cut::kUnknown:  // only ASCII so far
      break;
  }
  if (b.truncated) {
    std::string().swap(b.tail);  // nothing more will be scanned here
  } else {
    b.tail.assign(text.substr(start));
  }
}

void FlowFilter::CheckText(const FlowFilterEnv& env, Scope scope, std::string_view text,
                           const NormalizeOptions& options) {
  if (!rules_ || stopped_ || !rules_->HasScope(scope)) return;
  Verdict& v = tl_verdict;
  v.matched = false;
  v.action = Action::kLog;
  v.matches.clear();
  rules_->Check(scope, text, options, &v);
  if (!v.matches.empty()) Report(env, v);
}

void FlowFilter::OnContent(const FlowFilterEnv& env, std::string_view what,
                           std::string_view bytes) {
  if (stopped_ || !rules_) return;
  // Most frequent first: body pieces (body state only for flows whose bodies are scanned).
  const bool http_bodies = rules_->HasScope(Scope::kHttpBody);
  if (what == "http.resp_body") {
    if (http_bodies) ScanBody(env, bodies()[kRespBody], Scope::kHttpBody, bytes);
    return;
  }
  if (what == "http.req_body") {
    if (http_bodies) ScanBody(env, bodies()[kReqBody], Scope::kHttpBody, bytes);
    return;
  }
  const bool mail_body = what == "smtp.body";
  if (!mail_body) {
    // Anything else first scans the body pieces gathered so far, so alerts keep their order and
    // the URL and host of the request they belong to (a mail part's start flushes its own).
    FlushPending(env);
    if (stopped_) return;
  }
  if (mail_body || what == "smtp.header") {
    if (!rules_->HasScope(Scope::kMailBody)) return;
    MailSink sink(this, &env);
    if (mail_body) {
      mail().BodyPiece(bytes, &sink);
    } else {
      mail().HeaderLine(bytes, &sink);
    }
    return;
  }
  NormalizeOptions options;
  if (what == "http.header") return CheckText(env, Scope::kHttpHeader, bytes, options);
  // Kept whatever the rules, so a reload that adds body rules finds the body's charset.
  if (what == "http.resp_content_type") return StartBody(bodies()[kRespBody], bytes);
  if (what == "http.req_content_type") return StartBody(bodies()[kReqBody], bytes);
  if (what == "http.url") {
    last_url_.assign(bytes);
    options.is_url = true;
    return CheckText(env, Scope::kUrl, bytes, options);
  }
  if (what == "http.host") {
    last_host_.assign(bytes);
    return CheckText(env, Scope::kHost, bytes, options);
  }
  if (what == "dns.query") {
    last_host_.assign(bytes);
    return CheckText(env, Scope::kDns, bytes, options);
  }
  if (what == "tls.sni") {
    last_host_.assign(bytes);
    return CheckText(env, Scope::kSni, bytes, options);
  }
  if (what == "mail.subject") return CheckText(env, Scope::kMailSubject, bytes, options);
  if (what == "ftp.file") return CheckText(env, Scope::kFtpFile, bytes, options);
}

void FlowFilter::CheckServerIp(const FlowFilterEnv& env) {
  if (ip_checked_ || stopped_ || !rules_) return;
  ip_checked_ = true;
  if (!rules_->HasScope(Scope::kIp)) return;
  Verdict& v = tl_verdict;
  v.matched = false;
  v.action = Action::kLog;
  v.matches.clear();
  rules_->CheckIp(env.flow->server_ip, &v);
  if (!v.matches.empty()) Report(env, v);
}

void FlowFilter::Report(const FlowFilterEnv& env, const Verdict& verdict) {
  for (const Match& m : verdict.matches) {
    if (!m.rule) continue;
    const Rule& rule = *m.rule;
    if (std::find(alerted_.begin(), alerted_.end(), rule.id) != alerted_.end()) continue;
    alerted_.push_back(rule.id);
    record::AlertRecord a;
    a.ts = env.now;
    a.source = "filter";
    a.rule_id = rule.id;
    a.category = rule.category;
    a.severity = SeverityName(rule.severity);
    a.action = ActionName(rule.action);
    a.scope = ScopeName(m.scope);
    a.excerpt = m.excerpt;
    a.bundle_version = rules_->version();
    const analyzers::FlowEndpoints& f = *env.flow;
    a.proto = f.ip_proto == 6 ? "tcp" : f.ip_proto == 17 ? "udp" : "";
    a.src_ip = f.client_ip;
    a.src_port = f.client_port;
    a.dst_ip = f.server_ip;
    a.dst_port = f.server_port;
    a.host = !last_host_.empty() ? last_host_ : env.hints ? env.hints->host : std::string();
    a.url = !last_url_.empty() ? last_url_ : env.hints ? env.hints->url : std::string();
    if (rule.action == Action::kBlock) {
      if (pending_.empty()) {
        block_kind_ = m.scope == Scope::kDns && f.ip_proto == 17 ? BlockRequest::Kind::kDns
                                                                 : BlockRequest::Kind::kTcp;
      }
      pending_.push_back(std::move(a));
      continue;
    }
    a.taken = rule.action == Action::kLog ? "logged" : "alerted";
    env.out->Add(a);
  }
}

void FlowFilter::FinishBlock(const FlowFilterEnv& env, std::string_view taken) {
  for (record::AlertRecord& a : pending_) {
    a.taken.assign(taken);
    env.out->Add(a);
  }
  pending_.clear();
  stopped_ = true;
  if (tl_pending.owner == this) tl_pending.owner = nullptr;
  body_state_.reset();  // the tails: nothing more is scanned
}

}  // namespace netward::filter
