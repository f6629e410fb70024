#include "analyzers/http.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "analyzers/detecting_forwarder.h"
#include "analyzers/http_body_decoder.h"
#include "analyzers/registry.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

using detail::ContentCoding;
using detail::HttpBodyDecoder;

constexpr size_t kMaxLine = 8192;
constexpr int kMaxHeaders = 128;
constexpr uint64_t kMaxPending = 64;
constexpr size_t kMaxMethod = 32;
// Tunnels inside tunnels analysed at most (a CONNECT through a CONNECT tunnel is depth 2).
constexpr int kMaxTunnelDepth = 2;
// Client bytes sent after a CONNECT request, before its answer, kept for the tunnel (or, when
// the CONNECT is refused, parsed as HTTP); beyond this they are a gap.
constexpr size_t kMaxConnectHold = kMaxLine;
constexpr uint16_t kDefaultConnectPort = 443;

// The port of a CONNECT target ("host:port", "[v6]:port", maybe followed by " /"); 443 when it
// names none or an invalid one.
uint16_t ConnectPort(std::string_view uri) {
  std::string_view target = uri.substr(0, uri.find(' '));
  size_t colon = target.rfind(':');
  size_t bracket = target.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && bracket > colon))
    return kDefaultConnectPort;
  std::string_view digits = target.substr(colon + 1);
  if (digits.empty() || digits.size() > 5) return kDefaultConnectPort;
  uint32_t port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return kDefaultConnectPort;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  return port == 0 || port > 65535 ? kDefaultConnectPort : static_cast<uint16_t>(port);
}

bool IEquals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lower[i]) return false;
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view lower) {
  if (lower.size() > hay.size()) return false;
  for (size_t i = 0; i + lower.size() <= hay.size(); ++i)
    if (IEquals(hay.substr(i, lower.size()), lower)) return true;
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Methods an HTTP/0.9-style request line (no version) may carry, and LooksLikeHttp's list.
constexpr std::string_view kKnownMethods[] = {"GET",     "POST",    "HEAD",  "PUT",   "DELETE",
                                              "OPTIONS", "CONNECT", "TRACE", "PATCH", "PROPFIND"};

bool IsKnownMethod(std::string_view m) {
  for (std::string_view k : kKnownMethods)
    if (m == k) return true;
  return false;
}

// Decimal Content-Length; false on anything but 1..19 digits (no value over 2^63 fits badly).
bool ParseContentLength(std::string_view v, uint64_t* out) {
  v = Trim(v);
  if (v.empty() || v.size() > 18) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

// Chunk-size line: hex digits, then optional whitespace / ";ext". At most 15 hex digits.
bool ParseChunkSize(std::string_view line, uint64_t* out) {
  line = Trim(line);
  uint64_t n = 0;
  size_t digits = 0;
  size_t i = 0;
  for (; i < line.size(); ++i) {
    char c = line[i];
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      break;
    if (++digits > 15) return false;  // 2^60 and beyond: overflow attempts, not real chunks
    n = n * 16 + static_cast<uint64_t>(v);
  }
  if (digits == 0) return false;
  std::string_view rest = Trim(line.substr(i));
  if (!rest.empty() && rest.front() != ';') return false;
  *out = n;
  return true;
}

// One request/response pair. Ring slots are reused so their strings keep their capacity.
struct Txn {
  TimestampUs ts = 0;
  std::string method, uri, version, host, user_agent, referrer, req_content_type, resp_content_type,
      resp_version;
  uint16_t status = 0;
  uint64_t req_body_len = 0, resp_body_len = 0;
  uint16_t connect_port = 0;  // CONNECT: the target's port
  bool is_head = false, is_connect = false, is_09 = false;

  void Reset(TimestampUs now) {
    ts = now;
    method.clear(), uri.clear(), version.clear(), host.clear(), user_agent.clear();
    referrer.clear(), req_content_type.clear(), resp_content_type.clear(), resp_version.clear();
    status = 0;
    req_body_len = resp_body_len = 0;
    connect_port = 0;
    is_head = is_connect = is_09 = false;
  }
};

enum class State : uint8_t {
  kFirstLine,  // request or status line (empty lines before it are skipped)
  kHeaders,
  kBody,  // `remaining` bytes of Content-Length body
  kChunkSize,
  kChunkData,  // `remaining` bytes of the current chunk
  kChunkEnd,   // the CRLF after a chunk's data
  kTrailers,
  kUntilClose,   // response body delimited by the end of the flow
  kConnectWait,  // request side after a CONNECT: hold bytes until its answer
  kTunnel,       // CONNECT accepted: bytes go to tunnel_
  kStopped,      // not HTTP any more (101 upgrade, garbage, gap): ignore the rest
};

// Per-direction parser state.
struct Side {
  State state = State::kFirstLine;
  std::string line;  // a partial line, reused
  bool line_overflow = false;
  uint64_t remaining = 0;
  int header_count = 0;
  bool chunked = false, have_cl = false, bad_cl = false;
  uint64_t cl = 0;
  uint16_t status = 0;  // response side: the current message's status
  ContentCoding coding = ContentCoding::kIdentity;
  HttpBodyDecoder decoder;
  char tail[16];  // the last bytes of an over-long line, where its " HTTP/1.1" is
  uint8_t tail_len = 0;

  void StartMessage() {
    header_count = 0;
    chunked = have_cl = bad_cl = false;
    cl = 0;
    status = 0;
    coding = ContentCoding::kIdentity;
  }
};

class HttpAnalyzer final : public Analyzer {
 public:
  // `depth`: how many CONNECT tunnels this flow is inside (0 for a real TCP flow).
  explicit HttpAnalyzer(int depth = 0) : depth_(depth) {}

  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override {
    const int d = static_cast<int>(dir);
    Side& s = side_[d];
    while (!data.empty() && s.state != State::kStopped) {
      switch (s.state) {
        case State::kBody:
        case State::kChunkData: {
          size_t take = static_cast<size_t>(std::min<uint64_t>(s.remaining, data.size()));
          Body(ctx, dir, data.first(take));
          data = data.subspan(take);
          s.remaining -= take;
          if (s.remaining == 0) {
            if (s.state == State::kBody)
              MessageDone(ctx, dir);
            else
              s.state = State::kChunkEnd;
          }
          break;
        }
        case State::kUntilClose:
          Body(ctx, dir, data);
          data = {};
          break;
        case State::kTunnel:
          tunnel_.Deliver(ctx, dir, data);
          data = {};
          break;
        case State::kConnectWait: {
          size_t room = kMaxConnectHold - std::min(kMaxConnectHold, wait_buf_.size());
          size_t take = wait_lost_ ? 0 : std::min(room, data.size());  // nothing after a hole
          wait_buf_.append(reinterpret_cast<const char*>(data.data()), take);
          wait_lost_ += data.size() - take;
          data = {};
          break;
        }
        default: {
          if (dir == Direction::kToClient && s.state == State::kFirstLine && s.line.empty()) {
            Txn* t = head_seq_ < tail_seq_ ? &Slot(head_seq_) : nullptr;
            if (t && t->is_09) {  // an HTTP/0.9 response is the raw body, until close
              resp_orphan_ = false;
              s.StartMessage();
              s.state = State::kUntilClose;
              s.decoder.Start(ContentCoding::kIdentity);
              break;
            }
          }
          std::string_view line;
          if (!TakeLine(ctx, s, &data, &line)) break;  // all of data went into the buffer
          HandleLine(ctx, dir, line);
          s.line.clear();
          s.line_overflow = false;
          s.tail_len = 0;
        }
      }
    }
  }

  void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) override {
    Side& s = side_[static_cast<int>(dir)];
    if (s.state == State::kStopped) return;
    if (s.state == State::kTunnel) {
      tunnel_.Gap(ctx, dir, length);
      return;
    }
    if (s.state == State::kConnectWait) {
      wait_lost_ += length;
      return;
    }
    if ((s.state == State::kBody || s.state == State::kChunkData) && s.line.empty()) {
      uint64_t skip = std::min(length, s.remaining);
      FlushBody(ctx, dir);                        // what arrived before the hole is decoded,
      CountBody(dir, skip);                       // sent but never seen: counted raw,
      s.decoder.Start(ContentCoding::kIdentity);  // and decoding cannot resume after a hole
      s.remaining -= skip;
      length -= skip;
      if (s.remaining == 0) {
        if (s.state == State::kBody)
          MessageDone(ctx, dir);
        else
          s.state = State::kChunkEnd;
      }
      if (length == 0) return;
    } else if (s.state == State::kUntilClose) {
      CountBody(dir, length);
      return;
    }
    ctx.Event("http.content_gap");
    s.state = State::kStopped;
  }

  void Finish(AnalyzerContext& ctx) override {
    FlushBody(ctx, Direction::kToServer);  // a gzip body cut short by the end of the flow
    FlushBody(ctx, Direction::kToClient);
    tunnel_.Finish(ctx);
    Side& r = side_[1];
    if (r.state == State::kUntilClose) MessageDone(ctx, Direction::kToClient);
    if (resp_orphan_) {
      Emit(ctx, orphan_);
      resp_orphan_ = false;
    }
    while (head_seq_ < tail_seq_) Emit(ctx, Slot(head_seq_++));
    side_[0].state = side_[1].state = State::kStopped;
  }

 private:
  Txn& Slot(uint64_t seq) {
    size_t i = static_cast<size_t>(seq % kMaxPending);
    if (i >= ring_.size()) ring_.resize(i + 1);
    return ring_[i];
  }
  // The transaction the request side is filling, or null (dropped, or already emitted).
  Txn* ReqTxn() {
    if (!req_active_ || req_seq_ < head_seq_) return nullptr;
    return &Slot(req_seq_);
  }
  // The transaction the response side is answering, or null.
  Txn* RespTxn() {
    if (resp_orphan_) return &orphan_;
    return head_seq_ < tail_seq_ ? &Slot(head_seq_) : nullptr;
  }

  // Cuts the next line out of *data. True with *line set (CR LF / LF stripped) when a whole
  // line is there; false when all of *data was buffered. Over kMaxLine the line is truncated.
  bool TakeLine(AnalyzerContext& ctx, Side& s, std::span<const uint8_t>* data,
                std::string_view* line) {
    const uint8_t* begin = data->data();
    const uint8_t* lf = static_cast<const uint8_t*>(std::memchr(begin, '\n', data->size()));
    size_t n = lf ? static_cast<size_t>(lf - begin) : data->size();
    if (lf && s.line.empty() && !s.line_overflow && n <= kMaxLine) {
      *line = std::string_view(reinterpret_cast<const char*>(begin), n);
    } else {
      size_t room = kMaxLine - std::min(kMaxLine, s.line.size());
      if (n > room && !s.line_overflow) {
        s.line_overflow = true;
        ctx.Event("http.line_too_long");
      }
      s.line.append(reinterpret_cast<const char*>(begin), std::min(n, room));
      if (s.line_overflow) KeepTail(s, reinterpret_cast<const char*>(begin), n);
      *line = s.line;
    }
    *data = data->subspan(lf ? n + 1 : n);
    if (!lf) return false;
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    return true;
  }

  static void KeepTail(Side& s, const char* p, size_t n) {
    constexpr size_t kCap = sizeof s.tail;
    if (n >= kCap) {
      std::memcpy(s.tail, p + n - kCap, kCap);
      s.tail_len = kCap;
      return;
    }
    size_t keep = std::min<size_t>(s.tail_len, kCap - n);
    std::memmove(s.tail, s.tail + s.tail_len - keep, keep);
    std::memcpy(s.tail + keep, p, n);
    s.tail_len = static_cast<uint8_t>(keep + n);
  }

  void HandleLine(AnalyzerContext& ctx, Direction dir, std::string_view line) {
    Side& s = side_[static_cast<int>(dir)];
    switch (s.state) {
      case State::kFirstLine:
        if (line.empty()) return;
        if (dir == Direction::kToServer)
          RequestLine(ctx, line);
        else
          StatusLine(ctx, line);
        return;
      case State::kHeaders:
        if (line.empty()) {
          if (dir == Direction::kToServer)
            EndOfRequestHeaders(ctx);
          else
            EndOfResponseHeaders(ctx);
        } else {
          Header(ctx, dir, line);
        }
        return;
      case State::kChunkEnd:
        if (line.empty()) {
          s.state = State::kChunkSize;
          return;
        }
        [[fallthrough]];  // lenient: a chunk-size line without the CRLF before it
      case State::kChunkSize: {
        uint64_t size = 0;
        if (!ParseChunkSize(line, &size)) {
          ctx.Event("http.bad_chunk_size");
          MessageDone(ctx, dir);  // end the body here; parsing resumes at the next message
        } else if (size == 0) {
          s.state = State::kTrailers;
        } else {
          s.remaining = size;
          s.state = State::kChunkData;
        }
        return;
      }
      case State::kTrailers:
        if (line.empty())
          MessageDone(ctx, dir);
        else if (++s.header_count == kMaxHeaders + 1)
          ctx.Event("http.too_many_headers");
        return;
      default:
        return;
    }
  }

  void RequestLine(AnalyzerContext& ctx, std::string_view line) {
    Side& s = side_[0];
    size_t sp = line.find(' ');
    std::string_view method = line.substr(0, sp);
    std::string_view rest =
        sp == std::string_view::npos ? std::string_view() : Trim(line.substr(sp + 1));
    bool ok = !method.empty() && method.size() <= kMaxMethod &&
              std::all_of(method.begin(), method.end(), IsTokenChar);
    std::string_view uri, version;
    std::string_view tail(s.tail, s.tail_len);
    if (tail.size() && tail.back() == '\r') tail.remove_suffix(1);
    size_t vpos = tail.rfind(" HTTP/");
    if (ok && s.line_overflow && vpos != std::string_view::npos) {
      uri = rest;  // truncated; its version survived in the tail
      version = tail.substr(vpos + 6);
    } else if (ok) {
      size_t last = rest.rfind(' ');
      std::string_view tail = last == std::string_view::npos ? rest : rest.substr(last + 1);
      if (tail.size() > 5 && tail.substr(0, 5) == "HTTP/") {
        version = tail.substr(5);
        uri = last == std::string_view::npos ? std::string_view() : Trim(rest.substr(0, last));
      } else {  // HTTP/0.9: "GET /path"
        uri = rest;
        ok = !uri.empty() && IsKnownMethod(method);
      }
    }
    if (!ok) {
      ctx.Event("http.bad_request_line");
      s.state = State::kStopped;
      if (head_seq_ == tail_seq_ && !resp_orphan_) side_[1].state = State::kStopped;
      return;
    }
    if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "http";
    Txn* t = &scratch_;
    req_active_ = false;
    if (tail_seq_ - head_seq_ >= kMaxPending) {
      ctx.Event("http.too_many_pending");  // parsed but not recorded
    } else {
      req_seq_ = tail_seq_++;
      req_active_ = true;
      t = &Slot(req_seq_);
    }
    t->Reset(ctx.now);
    t->method.assign(method);
    t->uri.assign(uri);
    t->is_09 = version.empty();
    t->version.assign(t->is_09 ? std::string_view("0.9") : version);
    t->is_head = method == "HEAD";
    t->is_connect = method == "CONNECT";
    if (t->is_connect) t->connect_port = ConnectPort(t->uri);
    req_is_connect_ = t->is_connect;
    s.StartMessage();
    if (t->is_09) {
      SetUrlHint(ctx, *t);
      HookRequest(ctx, *t);
      req_active_ = false;  // no headers, no body
      return;
    }
    s.state = State::kHeaders;
  }

  void StatusLine(AnalyzerContext& ctx, std::string_view line) {
    Side& s = side_[1];
    // "HTTP/" version SP 3DIGIT [SP reason]
    size_t sp = line.find(' ');
    std::string_view version = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    bool ok = version.size() > 5 && version.substr(0, 5) == "HTTP/" && rest.size() >= 3 &&
              (rest.size() == 3 || rest[3] == ' ' || rest[3] == '\t');
    uint16_t status = 0;
    for (size_t i = 0; ok && i < 3; ++i) {
      if (rest[i] < '0' || rest[i] > '9')
        ok = false;
      else
        status = static_cast<uint16_t>(status * 10 + (rest[i] - '0'));
    }
    if (!ok) {
      ctx.Event("http.bad_status_line");
      s.state = State::kStopped;
      return;
    }
    if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "http";
    if (!resp_orphan_ && head_seq_ == tail_seq_) {
      ctx.Event("http.unmatched_response");
      orphan_.Reset(ctx.now);
      resp_orphan_ = true;
    }
    Txn* t = RespTxn();
    if (t->resp_version.empty()) t->resp_version.assign(version.substr(5));
    s.StartMessage();
    s.status = status;
    s.state = State::kHeaders;
  }

  void Header(AnalyzerContext& ctx, Direction dir, std::string_view line) {
    Side& s = side_[static_cast<int>(dir)];
    if (++s.header_count > kMaxHeaders) {
      if (s.header_count == kMaxHeaders + 1) ctx.Event("http.too_many_headers");
      return;
    }
    if (line.front() == ' ' || line.front() == '\t') return;  // obsolete line folding
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;  // not a header; ignored like Zeek does
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    Txn* t = dir == Direction::kToServer ? ReqTxn() : RespTxn();
    if (!t) t = &scratch_;
    if (ctx.content_hook && !IEquals(name, "host"))  // Host goes as "http.host" with the URL
      ctx.content_hook(ctx.content_hook_user, "http.header", line);
    auto set_first = [&](std::string& field) {
      if (field.empty()) field.assign(value);
    };
    if (IEquals(name, "content-length")) {
      uint64_t n = 0;
      if (!ParseContentLength(value, &n) || (s.have_cl && n != s.cl)) {
        ctx.Event("http.bad_content_length");
        s.bad_cl = true;
      } else {
        s.have_cl = true;
        s.cl = n;
      }
    } else if (IEquals(name, "transfer-encoding")) {
      if (IContains(value, "chunked")) s.chunked = true;
    } else if (IEquals(name, "content-encoding")) {
      s.coding = detail::ParseContentCoding(value);
    } else if (IEquals(name, "content-type")) {
      set_first(dir == Direction::kToServer ? t->req_content_type : t->resp_content_type);
    } else if (dir == Direction::kToServer) {
      if (IEquals(name, "host"))
        set_first(t->host);
      else if (IEquals(name, "user-agent"))
        set_first(t->user_agent);
      else if (IEquals(name, "referer"))
        set_first(t->referrer);
    }
  }

  // Picks how the body after the headers is framed; false if there is no body.
  bool StartBody(AnalyzerContext& ctx, Side& s, bool until_close_allowed) {
    if (s.chunked) {
      if (s.have_cl || s.bad_cl) ctx.Event("http.te_cl_conflict");  // TE wins
      s.state = State::kChunkSize;
    } else if (s.have_cl && !s.bad_cl) {
      if (s.cl == 0) return false;
      s.remaining = s.cl;
      s.state = State::kBody;
    } else if (until_close_allowed) {
      s.state = State::kUntilClose;
    } else {
      return false;
    }
    s.decoder.Start(s.coding,
                    s.state == State::kBody ? s.remaining : HttpBodyDecoder::kUnknownLength);
    return true;
  }

  void EndOfRequestHeaders(AnalyzerContext& ctx) {
    Side& s = side_[0];
    Txn* t = ReqTxn();
    if (t) SetUrlHint(ctx, *t);
    if (ctx.content_hook) HookRequest(ctx, t ? *t : scratch_);
    if (!StartBody(ctx, s, false)) {
      MessageDone(ctx, Direction::kToServer);
    } else if (ctx.content_hook) {  // before the body: its Content-Type (charset, is it HTML)
      ctx.content_hook(ctx.content_hook_user, "http.req_content_type",
                       t ? t->req_content_type : scratch_.req_content_type);
    }
  }

  // The content filter's view of a request (analyzer.h): "http.host" (Host header, if any) and
  // "http.url" (http://host/uri, or the absolute URI of a proxy request).
  void HookRequest(AnalyzerContext& ctx, const Txn& t) {
    if (!ctx.content_hook || t.is_connect) return;
    if (!t.host.empty()) ctx.content_hook(ctx.content_hook_user, "http.host", t.host);
    if (t.uri.compare(0, 7, "http://") == 0 || t.uri.compare(0, 8, "https://") == 0) {
      ctx.content_hook(ctx.content_hook_user, "http.url", t.uri);
      return;
    }
    hook_url_.assign("http://");
    if (!t.host.empty()) {
      hook_url_ += t.host;
    } else {
      char buf[kMaxIpTextLength];
      hook_url_.append(buf, ctx.flow->server_ip.Format(buf));
    }
    hook_url_ += t.uri;
    ctx.content_hook(ctx.content_hook_user, "http.url", hook_url_);
  }

  void EndOfResponseHeaders(AnalyzerContext& ctx) {
    Side& s = side_[1];
    Txn* t = RespTxn();
    if (s.status >= 100 && s.status < 200 && s.status != 101) {
      s.state = State::kFirstLine;  // interim (100 Continue): the final response follows
      return;
    }
    t->status = s.status;
    const bool is_connect = t->is_connect;
    const uint16_t connect_port = t->connect_port;
    if (is_connect && s.status >= 200 && s.status < 300) {
      MessageDone(ctx, Direction::kToClient);
      StartTunnel(ctx, connect_port);
      return;
    }
    if (s.status == 101) {  // protocol upgrade (WebSocket, h2c): not followed
      MessageDone(ctx, Direction::kToClient);
      side_[0].state = side_[1].state = State::kStopped;
      return;
    }
    if (t->is_head || s.status == 204 || s.status == 304 ||
        !StartBody(ctx, s, /*until_close_allowed=*/true)) {
      MessageDone(ctx, Direction::kToClient);
    } else if (ctx.content_hook) {  // before the body: its Content-Type (charset, is it HTML)
      ctx.content_hook(ctx.content_hook_user, "http.resp_content_type", t->resp_content_type);
    }
    if (is_connect) ReleaseConnectWait(ctx);  // refused: the client goes on speaking HTTP
  }

  // The CONNECT was accepted: from here both directions carry the tunnel's bytes, handed to the
  // analyzer detected for them (as the probe detects a new flow's protocol, with the target's
  // port). Client bytes sent before the answer go first.
  void StartTunnel(AnalyzerContext& ctx, uint16_t port) {
    side_[0].state = side_[1].state = State::kStopped;
    if (depth_ >= kMaxTunnelDepth) {
      ctx.Event("http.tunnel_too_deep");
      wait_buf_.clear();
      wait_lost_ = 0;
      return;
    }
    side_[0].state = side_[1].state = State::kTunnel;
    tunnel_.Start(6, port, &HttpAnalyzer::MakeInner, this);
    if (!wait_buf_.empty()) {
      tunnel_.Deliver(ctx, Direction::kToServer,
                      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(wait_buf_.data()),
                                               wait_buf_.size()));
    }
    if (wait_lost_) tunnel_.Gap(ctx, Direction::kToServer, wait_lost_);
    wait_buf_.clear();
    wait_lost_ = 0;
  }

  // The CONNECT was refused: what the client sent meanwhile is parsed as HTTP. Must be the last
  // thing the response side does for this message (the replay may grow the ring).
  void ReleaseConnectWait(AnalyzerContext& ctx) {
    if (side_[0].state != State::kConnectWait) return;
    side_[0].state = State::kFirstLine;
    replay_buf_.swap(wait_buf_);  // the replay may hold bytes again (another CONNECT)
    const uint64_t lost = wait_lost_;
    wait_buf_.clear();
    wait_lost_ = 0;
    if (!replay_buf_.empty()) {
      Deliver(ctx, Direction::kToServer,
              std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(replay_buf_.data()),
                                       replay_buf_.size()));
    }
    if (lost) Gap(ctx, Direction::kToServer, lost);
    replay_buf_.clear();
  }

  // Inner analyzers for tunnels: HTTP inside a tunnel knows its depth.
  static std::unique_ptr<Analyzer> MakeInner(AppProtocol proto, void* user) {
    if (proto == AppProtocol::kHttp)
      return std::make_unique<HttpAnalyzer>(static_cast<HttpAnalyzer*>(user)->depth_ + 1);
    return CreateAnalyzer(proto);
  }

  void MessageDone(AnalyzerContext& ctx, Direction dir) {
    Side& s = side_[static_cast<int>(dir)];
    s.state = State::kFirstLine;
    if (dir == Direction::kToServer) {
      req_active_ = false;
      if (req_is_connect_) s.state = State::kConnectWait;  // what follows may be the tunnel
      return;
    }
    if (resp_orphan_) {
      Emit(ctx, orphan_);
      resp_orphan_ = false;
    } else if (head_seq_ < tail_seq_) {
      Emit(ctx, Slot(head_seq_++));
    }
  }

  struct SinkArg {
    HttpAnalyzer* self;
    AnalyzerContext* ctx;
    Direction dir;
  };

  static void OnDecoded(void* user, std::span<const uint8_t> bytes) {
    auto* a = static_cast<SinkArg*>(user);
    a->self->CountBody(a->dir, bytes.size());
    const AnalyzerContext& ctx = *a->ctx;
    if (ctx.content_hook) {
      ctx.content_hook(ctx.content_hook_user,
                       a->dir == Direction::kToServer ? "http.req_body" : "http.resp_body",
                       std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }
  }

  void Body(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> bytes) {
    SinkArg arg{this, &ctx, dir};
    if (!side_[static_cast<int>(dir)].decoder.Feed(bytes, &HttpAnalyzer::OnDecoded, &arg))
      ctx.Event("http.bad_content_encoding");
  }

  // Decodes a gzip body the decoder holds back for one-shot decoding (http_body_decoder.h)
  // when it ends before its Content-Length.
  void FlushBody(AnalyzerContext& ctx, Direction dir) {
    SinkArg arg{this, &ctx, dir};
    if (!side_[static_cast<int>(dir)].decoder.Flush(&HttpAnalyzer::OnDecoded, &arg))
      ctx.Event("http.bad_content_encoding");
  }

  void CountBody(Direction dir, uint64_t n) {
    Txn* t = dir == Direction::kToServer ? ReqTxn() : RespTxn();
    if (!t) return;
    (dir == Direction::kToServer ? t->req_body_len : t->resp_body_len) += n;
  }

  void SetUrlHint(AnalyzerContext& ctx, const Txn& t) {
    if (!ctx.hints) return;
    SessionHints& h = *ctx.hints;
    if (h.host.empty()) {
      if (!t.host.empty()) {
        h.host = t.host;
      } else if (t.is_connect) {  // CONNECT names its target in the request line
        h.host.assign(std::string_view(t.uri).substr(0, t.uri.find(' ')));
      }
    }
    if (!h.url.empty() || t.is_connect) return;
    if (t.uri.compare(0, 7, "http://") == 0 || t.uri.compare(0, 8, "https://") == 0) {
      h.url = t.uri;  // absolute form (proxy request)
      return;
    }
    h.url = "http://";
    if (!t.host.empty()) {
      h.url += t.host;
    } else {
      char buf[kMaxIpTextLength];
      h.url.append(buf, ctx.flow->server_ip.Format(buf));
    }
    h.url += t.uri;
  }

  void Emit(AnalyzerContext& ctx, const Txn& t) {
    const FlowEndpoints& f = *ctx.flow;
    rec_.ts = t.ts;
    rec_.src_ip = f.client_ip;
    rec_.src_port = f.client_port;
    rec_.dst_ip = f.server_ip;
    rec_.dst_port = f.server_port;
    rec_.method = t.method;
    rec_.host = t.host;
    rec_.uri = t.uri;
    rec_.version = t.version.empty() ? t.resp_version : t.version;
    rec_.status = t.status;
    rec_.user_agent = t.user_agent;
    rec_.referrer = t.referrer;
    rec_.content_type = t.resp_content_type.empty() ? t.req_content_type : t.resp_content_type;
    rec_.req_body_len = t.req_body_len;
    rec_.resp_body_len = t.resp_body_len;
    ctx.out->Add(rec_);
  }

  Side side_[2];
  std::vector<Txn> ring_;  // outstanding requests, seq % kMaxPending; grows to kMaxPending
  uint64_t head_seq_ = 0;  // oldest request not yet emitted
  uint64_t tail_seq_ = 0;  // next request's seq
  uint64_t req_seq_ = 0;   // the request being parsed, if req_active_
  bool req_active_ = false;
  bool resp_orphan_ = false;  // the response being parsed answers no seen request: orphan_
  Txn orphan_;
  Txn scratch_;                  // requests over the pending cap are parsed into this
  record::HttpRecord rec_;       // reused for every record
  const int depth_;              // tunnels around this flow
  bool req_is_connect_ = false;  // the last request line was a CONNECT
  std::string wait_buf_;         // kConnectWait's bytes (at most kMaxConnectHold)
  uint64_t wait_lost_ = 0;       // kConnectWait's bytes beyond the cap or missing
  std::string replay_buf_;       // wait_buf_ being parsed as HTTP after a refused CONNECT
  std::string hook_url_;         // "http.url" for the content hook, reused
  DetectingForwarder tunnel_;
};

}  // namespace

std::unique_ptr<Analyzer> NewHttpAnalyzer() { return std::make_unique<HttpAnalyzer>(); }

bool LooksLikeHttp(Direction dir, std::span<const uint8_t> first_bytes) {
  std::string_view b(reinterpret_cast<const char*>(first_bytes.data()), first_bytes.size());
  if (dir == Direction::kToClient) {
    return b.size() >= 10 && b.substr(0, 7) == "HTTP/1." && b[7] >= '0' && b[7] <= '9' &&
           b[8] == ' ' && b[9] >= '1' && b[9] <= '5';
  }
  for (std::string_view m : kKnownMethods) {
    if (b.size() >= m.size() + 2 && b.substr(0, m.size()) == m && b[m.size()] == ' ') {
      char c = b[m.size() + 1];
      return c > ' ' && c < 0x7F;
    }
  }
  return false;
}

}  // namespace netward::analyzers
