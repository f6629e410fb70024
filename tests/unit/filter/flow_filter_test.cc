// FlowFilter with real compiled rules: a keyword split across deliveries (found once), GBK and
// HTML bodies with the charset from Content-Type, a gzip + chunked body decoded by the HTTP
// analyzer, the name scopes (dns, sni, mail subject, ftp file, host, url), the server address,
// one alert per rule per flow, nothing scanned for scopes without rules, the body cap, hot
// reload mid-flow, and the block hand-off.
#include "filter/flow_filter.h"

#include <gtest/gtest.h>
#include <iconv.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "analyzers/http.h"
#include "unit/filter/rule_test_util.h"

namespace netward::filter {
namespace {

using testing::CompileToml;

// A field's value in one JSON line (string fields only; no escapes in what the tests use).
std::string Field(std::string_view line, std::string_view name) {
  std::string key = "\"" + std::string(name) + "\":\"";
  size_t p = line.find(key);
  if (p == std::string_view::npos) return "<missing>";
  p += key.size();
  return std::string(line.substr(p, line.find('"', p) - p));
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  return out;
}

std::string ToGbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  std::string in = utf8, out(utf8.size() * 2 + 16, '\0');
  char* ip = in.data();
  char* op = out.data();
  size_t il = in.size(), ol = out.size();
  EXPECT_NE(iconv(cd, &ip, &il, &op, &ol), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - ol);
  return out;
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(compressBound(data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

class FlowFilterTest : public ::testing::Test, public analyzers::EventCounter {
 public:
  void SetUp() override {
    endpoints_.client_ip = *IpAddress::Parse("10.0.0.7");
    endpoints_.server_ip = *IpAddress::Parse("192.0.2.80");
    endpoints_.client_port = 40000;
    endpoints_.server_port = 80;
    endpoints_.ip_proto = 6;
    hints_.app = "http";
  }
  void Count(std::string_view name) override { events_.emplace_back(name); }

  FlowFilterEnv Env() {
    FlowFilterEnv env;
    env.flow = &endpoints_;
    env.hints = &hints_;
    env.now = 1700000000000000;
    env.out = &batch_;
    env.events = this;
    return env;
  }
  void Give(FlowFilter& f, std::string_view what, std::string_view bytes) {
    f.OnContent(Env(), what, bytes);
  }
  std::vector<std::string> Alerts() { return Lines(batch_.lines(record::StreamId::kAlert)); }

  FilterConfig config_;
  analyzers::FlowEndpoints endpoints_;
  analyzers::SessionHints hints_;
  record::RecordBatch batch_{"S1"};
  std::vector<std::string> events_;
};

constexpr const char* kGambling = R"(
version = "v1"
[[rule]]
id = "gamble"
category = "gambling"
severity = "high"
action = "alert"
scopes = ["http_body", "mail_body"]
keyword = "赌博"
)";

TEST_F(FlowFilterTest, KeywordSplitAcrossDeliveriesIsFoundOnce) {
  auto rules = CompileToml(kGambling);
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  Give(f, "http.resp_content_type", "text/plain; charset=utf-8");
  const std::string text = "欢迎来到赌博网站";  // 赌 = e8 b5 8c, 博 = e5 8d 9a
  const size_t cut = text.find("博") + 1;       // inside 博's bytes
  Give(f, "http.resp_body", text.substr(0, cut));
  EXPECT_TRUE(Alerts().empty());
  Give(f, "http.resp_body", text.substr(cut));
  auto alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0], "rule_id"), "gamble");
  EXPECT_EQ(Field(alerts[0], "source"), "filter");
  EXPECT_EQ(Field(alerts[0], "category"), "gambling");
  EXPECT_EQ(Field(alerts[0], "severity"), "high");
  EXPECT_EQ(Field(alerts[0], "action"), "alert");
  EXPECT_EQ(Field(alerts[0], "taken"), "alerted");
  EXPECT_EQ(Field(alerts[0], "scope"), "http_body");
  EXPECT_EQ(Field(alerts[0], "bundle_version"), "v1");
  EXPECT_EQ(Field(alerts[0], "proto"), "tcp");
  EXPECT_EQ(Field(alerts[0], "src_ip"), "10.0.0.7");
  EXPECT_EQ(Field(alerts[0], "dst_ip"), "192.0.2.80");
  EXPECT_NE(Field(alerts[0], "excerpt").find("赌博"), std::string::npos);
  // Again in the same flow, other body, other direction: still one alert for the rule.
  Give(f, "http.req_content_type", "");
  Give(f, "http.req_body", "赌博赌博");
  Give(f, "http.resp_body", "又是赌博");
  EXPECT_EQ(Alerts().size(), 1u);
}

TEST_F(FlowFilterTest, SplitKeywordOneByteAtATimeIsFound) {
  auto rules = CompileToml(kGambling);
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  Give(f, "http.resp_content_type", "text/plain");  // no charset: detected
  const std::string text = "一二三四五六七八九十赌博";
  for (char c : text) Give(f, "http.resp_body", std::string_view(&c, 1));
  EXPECT_EQ(Alerts().size(), 1u);
  EXPECT_EQ(f.body_bytes_scanned(), text.size());
}

TEST_F(FlowFilterTest, GbkHtmlBodyIsDecodedWithTheDeclaredCharset) {
  auto rules = CompileToml(kGambling);
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  Give(f, "http.resp_content_type", "text/html; charset=\"GBK\"");
  // Long enough that the keyword lies past the first overlap window; tags between its characters.
  std::string html = "<html><body><p>";
  for (int i = 0; i < 100; ++i) html += "这是一个普通的段落。";
  html += "欢迎来到赌<b>博</b>网站</p></body></html>";
  const std::string gbk = ToGbk(html);
  ASSERT_EQ(gbk.find("赌"), std::string::npos);  // really not UTF-8 any more
  // Odd-sized pieces: GBK characters (2 bytes) split across deliveries.
  for (size_t pos = 0; pos < gbk.size(); pos += 37) Give(f, "http.resp_body", gbk.substr(pos, 37));
  auto alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0], "rule_id"), "gamble");
}

TEST_F(FlowFilterTest, GzipChunkedBodyThroughTheHttpAnalyzer) {
  auto rules = CompileToml(kGambling);
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  std::string body_text;
  for (int i = 0; i < 200; ++i) body_text += "这是一个普通的段落。";
  body_text += "欢迎来到赌博网站";
  const std::string gz = Gzip(ToGbk(body_text));
  // Chunked: the compressed bytes in chunks of 100.
  std::string chunked;
  for (size_t pos = 0; pos < gz.size(); pos += 100) {
    std::string piece = gz.substr(pos, 100);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    chunked += size + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  const std::string request = "GET /page HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=gbk\r\n"
      "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunked;

  struct HookArg {
    FlowFilterTest* test;
    FlowFilter* filter;
  } arg{this, &f};
  analyzers::AnalyzerContext ctx;
  ctx.flow = &endpoints_;
  ctx.out = &batch_;
  ctx.hints = &hints_;
  ctx.content_hook = [](void* user, std::string_view what, std::string_view bytes) {
    auto* a = static_cast<HookArg*>(user);
    a->filter->OnContent(a->test->Env(), what, bytes);
  };
  ctx.content_hook_user = &arg;
  auto http = analyzers::NewHttpAnalyzer();
  auto deliver = [&](analyzers::Direction dir, const std::string& bytes, size_t step) {
    for (size_t pos = 0; pos < bytes.size(); pos += step) {
      std::string_view piece = std::string_view(bytes).substr(pos, step);
      http->Deliver(
          ctx, dir,
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(piece.data()), piece.size()));
    }
  };
  deliver(analyzers::Direction::kToServer, request, request.size());
  deliver(analyzers::Direction::kToClient, response, 61);
  http->Finish(ctx);
  auto alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0], "rule_id"), "gamble");
  EXPECT_EQ(Field(alerts[0], "scope"), "http_body");
  EXPECT_EQ(Field(alerts[0], "host"), "www.example.com");
  EXPECT_EQ(Field(alerts[0], "url"), "http://www.example.com/page");
  // Every decoded byte was scanned, none twice (overlaps are not counted).
  EXPECT_EQ(f.body_bytes_scanned(), ToGbk(body_text).size());
}

TEST_F(FlowFilterTest, NameScopes) {
  auto rules = CompileToml(R"(
version = "v1"
[[rule]]
id = "dns-evil"
category = "malware"
action = "alert"
scopes = ["dns", "sni", "host"]
domain = "evil.example"
[[rule]]
id = "subject"
category = "fraud"
action = "log"
scopes = ["mail_subject"]
keyword = "发票"
[[rule]]
id = "ftp"
category = "piracy"
action = "review"
scopes = ["ftp_file"]
keyword = "cracked"
[[rule]]
id = "url"
category = "gambling"
action = "alert"
scopes = ["url"]
url_prefix = "http://casino.example/play"
[[rule]]
id = "hdr"
category = "bot"
action = "alert"
scopes = ["http_header"]
keyword = "evilbot"
)");
  ASSERT_TRUE(rules);
  auto one = [&](std::string_view what, std::string_view bytes) {
    batch_.Clear();
    FlowFilter f(&config_);
    f.SetRules(rules);
    Give(f, what, bytes);
    return Alerts();
  };
  auto a = one("dns.query", "www.Evil.example");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "rule_id"), "dns-evil");
  EXPECT_EQ(Field(a[0], "scope"), "dns");
  EXPECT_EQ(Field(a[0], "host"), "www.Evil.example");
  a = one("tls.sni", "evil.example");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "scope"), "sni");
  a = one("http.host", "cdn.evil.example");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "scope"), "host");
  EXPECT_TRUE(one("dns.query", "notevil.example").empty());
  a = one("mail.subject", "代开发票 优惠");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "scope"), "mail_subject");
  EXPECT_EQ(Field(a[0], "taken"), "logged");
  a = one("ftp.file", "/pub/Cracked-Game.zip");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "scope"), "ftp_file");
  EXPECT_EQ(Field(a[0], "action"), "review");
  EXPECT_EQ(Field(a[0], "taken"), "alerted");  // review is an alert on the wire
  a = one("http.url", "http://casino.example/play?id=1");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "scope"), "url");
  EXPECT_EQ(Field(a[0], "url"), "http://casino.example/play?id=1");
  a = one("http.header", "User-Agent: EvilBot/1.0");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "scope"), "http_header");
  // A keyword of one scope does not fire in another.
  EXPECT_TRUE(one("ftp.file", "发票.txt").empty());
  EXPECT_TRUE(one("http.header", "X-Url: http://casino.example/play").empty());
}

TEST_F(FlowFilterTest, ServerAddressIsCheckedOncePerFlow) {
  auto rules = CompileToml(R"(
version = "v1"
[[rule]]
id = "net"
category = "c2"
action = "alert"
scopes = ["ip"]
cidr = "192.0.2.0/24"
)");
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  f.CheckServerIp(Env());
  f.CheckServerIp(Env());
  auto a = Alerts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "scope"), "ip");
  endpoints_.server_ip = *IpAddress::Parse("198.51.100.1");
  batch_.Clear();
  FlowFilter g(&config_);
  g.SetRules(rules);
  g.CheckServerIp(Env());
  EXPECT_TRUE(Alerts().empty());
}

TEST_F(FlowFilterTest, ScopesWithoutRulesAreNotScanned) {
  auto rules = CompileToml(R"(
version = "v1"
[[rule]]
id = "dns-only"
category = "x"
scopes = ["dns"]
keyword = "赌博"
)");
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  Give(f, "http.resp_content_type", "text/html");
  Give(f, "http.resp_body", "赌博赌博");
  Give(f, "http.header", "X-A: 赌博");
  Give(f, "mail.subject", "赌博");
  EXPECT_EQ(f.body_bytes_scanned(), 0u);
  EXPECT_TRUE(Alerts().empty());
  // Binary media are not scanned even when body rules exist.
  auto body_rules = CompileToml(kGambling);
  ASSERT_TRUE(body_rules);
  FlowFilter img(&config_);
  img.SetRules(body_rules);
  Give(img, "http.resp_content_type", "image/png");
  Give(img, "http.resp_body", "赌博");
  EXPECT_EQ(img.body_bytes_scanned(), 0u);
  Give(img, "http.resp_content_type", "text/plain");  // the next body of the flow is
  Give(img, "http.resp_body", "赌博");
  EXPECT_EQ(img.body_bytes_scanned(), 6u);
  EXPECT_EQ(Alerts().size(), 1u);
  // No rules at all: nothing either.
  FlowFilter none(&config_);
  Give(none, "http.resp_body", "赌博");
  EXPECT_EQ(none.body_bytes_scanned(), 0u);
}

TEST_F(FlowFilterTest, BodyScanStopsAtTheCap) {
  auto rules = CompileToml(kGambling);
  ASSERT_TRUE(rules);
  config_.max_body_scan_bytes = 4096;
  FlowFilter f(&config_);
  f.SetRules(rules);
  Give(f, "http.resp_content_type", "text/plain; charset=utf-8");
  std::string filler(4000, 'a');
  Give(f, "http.resp_body", filler);
  Give(f, "http.resp_body", filler + "赌博");  // past the cap
  EXPECT_TRUE(Alerts().empty());
  EXPECT_EQ(f.body_bytes_scanned(), 4096u);
  EXPECT_EQ(events_, std::vector<std::string>{"filter.body_scan_truncated"});
  // The other direction has its own budget.
  Give(f, "http.req_body", "赌博");
  EXPECT_EQ(Alerts().size(), 1u);
}

TEST_F(FlowFilterTest, HotReloadMidFlowAppliesToNewData) {
  auto v1 = CompileToml(kGambling);
  auto v2 = CompileToml(R"(
version = "v2"
[[rule]]
id = "fraud"
category = "fraud"
action = "alert"
scopes = ["http_body"]
keyword = "发票"
)");
  ASSERT_TRUE(v1 && v2);
  FlowFilter f(&config_);
  f.SetRules(v1);
  Give(f, "http.resp_content_type", "text/plain; charset=utf-8");
  Give(f, "http.resp_body", "代开发");
  EXPECT_TRUE(Alerts().empty());
  f.SetRules(v2);  // the keyword's second half comes under the new rules: the tail carries over
  Give(f, "http.resp_body", "票 赌博");
  auto a = Alerts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "rule_id"), "fraud");
  EXPECT_EQ(Field(a[0], "bundle_version"), "v2");
}

TEST_F(FlowFilterTest, BlockIsHeldUntilTheCallerSaysWhatWasDone) {
  auto rules = CompileToml(R"(
version = "v1"
[[rule]]
id = "blk"
category = "gambling"
action = "block"
scopes = ["http_body", "dns"]
keyword = "赌博"
[[rule]]
id = "al"
category = "gambling"
action = "alert"
scopes = ["http_body"]
keyword = "网站"
)");
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  Give(f, "http.resp_content_type", "text/html; charset=utf-8");
  Give(f, "http.resp_body", "欢迎来到赌博网站");
  EXPECT_TRUE(f.block_pending());
  EXPECT_EQ(f.block_kind(), BlockRequest::Kind::kTcp);
  auto a = Alerts();  // the alert rule's record is out; the block rule's waits
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "rule_id"), "al");
  f.FinishBlock(Env(), "block_page+tcp_reset");
  EXPECT_FALSE(f.block_pending());
  EXPECT_TRUE(f.stopped());
  a = Alerts();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(Field(a[1], "rule_id"), "blk");
  EXPECT_EQ(Field(a[1], "action"), "block");
  EXPECT_EQ(Field(a[1], "taken"), "block_page+tcp_reset");
  // Blocked: nothing more is scanned.
  const uint64_t scanned = f.body_bytes_scanned();
  Give(f, "http.resp_body", "赌博网站");
  EXPECT_EQ(f.body_bytes_scanned(), scanned);
  EXPECT_EQ(Alerts().size(), 2u);

  // A DNS query over UDP asks for a DNS answer.
  batch_.Clear();
  endpoints_.ip_proto = 17;
  FlowFilter d(&config_);
  d.SetRules(rules);
  Give(d, "dns.query", "赌博.example");
  EXPECT_TRUE(d.block_pending());
  EXPECT_EQ(d.block_kind(), BlockRequest::Kind::kDns);
}

}  // namespace
}  // namespace netward::filter

namespace netward::filter {
namespace {

// A mail whose keyword is only visible after MIME decoding: a base64, GBK-encoded HTML part of
// a multipart message (and a plain part without it), fed as the SMTP analyzer feeds it.
TEST_F(FlowFilterTest, MailBodyPartsAreDecodedBeforeScanning) {
  auto rules = CompileToml(kGambling);
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  const std::string gbk = ToGbk("<p>欢迎来到赌<i>博</i>网站</p>");
  ASSERT_EQ(gbk.find("赌"), std::string::npos);
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (size_t i = 0; i < gbk.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(gbk[i]) << 16;
    if (i + 1 < gbk.size()) v |= static_cast<uint8_t>(gbk[i + 1]) << 8;
    if (i + 2 < gbk.size()) v |= static_cast<uint8_t>(gbk[i + 2]);
    b64 += kAlphabet[(v >> 18) & 63];
    b64 += kAlphabet[(v >> 12) & 63];
    b64 += i + 1 < gbk.size() ? kAlphabet[(v >> 6) & 63] : '=';
    b64 += i + 2 < gbk.size() ? kAlphabet[v & 63] : '=';
  }
  Give(f, "smtp.header", "Subject: hello");
  Give(f, "smtp.header", "Content-Type: multipart/alternative;");
  Give(f, "smtp.header", "\tboundary=\"zz\"");
  const std::vector<std::string> body = {"--zz",
                                         "Content-Type: text/plain",
                                         "",
                                         "nothing to see here",
                                         "--zz",
                                         "Content-Type: text/html; charset=gbk",
                                         "Content-Transfer-Encoding: base64",
                                         "",
                                         b64.substr(0, 10),
                                         b64.substr(10),
                                         "--zz--"};
  for (const std::string& line : body) {
    Give(f, "smtp.body", line);
    Give(f, "smtp.body", "\r\n");
  }
  auto alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0], "rule_id"), "gamble");
  EXPECT_EQ(Field(alerts[0], "scope"), "mail_body");
}

}  // namespace
}  // namespace netward::filter

namespace netward::filter {
namespace {

// BeginDelivery/EndDelivery (what the probe's worker does around each packet's data): body
// pieces are gathered and scanned at EndDelivery, each body as one window with its tail.
TEST_F(FlowFilterTest, PiecesOfOneDeliveryAreScannedTogetherAtItsEnd) {
  auto rules = CompileToml(R"(
version = "v1"
[[rule]]
id = "blk"
category = "gambling"
action = "block"
scopes = ["http_body", "url"]
keyword = "赌博"
[[rule]]
id = "both"
category = "gambling"
action = "alert"
scopes = ["http_body"]
all_of = ["casino", "poker"]
)");
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  Give(f, "http.resp_content_type", "text/html; charset=utf-8");
  // A keyword cut into single bytes, with markup between, in one delivery.
  const std::string text = "<p>欢迎来到赌<b>博</b>网站</p>";
  f.BeginDelivery();
  for (char c : text) Give(f, "http.resp_body", std::string_view(&c, 1));
  EXPECT_FALSE(f.block_pending());  // gathered, not scanned yet
  EXPECT_EQ(f.body_bytes_scanned(), text.size());
  f.EndDelivery(Env());
  EXPECT_TRUE(f.block_pending());  // before the caller looks, as without gathering
  f.FinishBlock(Env(), "tcp_reset");
  ASSERT_EQ(Alerts().size(), 1u);
  EXPECT_EQ(Field(Alerts()[0], "rule_id"), "blk");

  // Pieces of the two directions' bodies in one delivery: each body is its own window, so
  // terms split between them do not match; each body's own terms do.
  batch_.Clear();
  FlowFilter g(&config_);
  g.SetRules(rules);
  Give(g, "http.req_content_type", "text/plain; charset=utf-8");
  Give(g, "http.resp_content_type", "text/plain; charset=utf-8");
  g.BeginDelivery();
  Give(g, "http.req_body", "赌");
  Give(g, "http.resp_body", "博 casino");
  Give(g, "http.req_body", " more text");
  Give(g, "http.resp_body", " and poker");
  g.EndDelivery(Env());
  EXPECT_FALSE(g.block_pending());
  auto a = Alerts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "rule_id"), "both");

  // Other content in the middle of a delivery scans what was gathered first, so the body's
  // alert carries the URL of its own request, not the next one's.
  batch_.Clear();
  FlowFilter h(&config_);
  h.SetRules(rules);
  Give(h, "http.url", "http://a.example/first");
  Give(h, "http.req_content_type", "text/plain; charset=utf-8");
  h.BeginDelivery();
  Give(h, "http.req_body", "poker and ");
  Give(h, "http.req_body", "casino");
  Give(h, "http.url", "http://a.example/second");
  h.EndDelivery(Env());
  a = Alerts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Field(a[0], "url"), "http://a.example/first");

  // A filter destroyed in the middle of a delivery leaves nothing behind for the next one.
  batch_.Clear();
  {
    FlowFilter gone(&config_);
    gone.SetRules(rules);
    Give(gone, "http.resp_content_type", "text/plain; charset=utf-8");
    gone.BeginDelivery();
    Give(gone, "http.resp_body", "赌");
  }
  FlowFilter next(&config_);
  next.SetRules(rules);
  Give(next, "http.resp_content_type", "text/plain; charset=utf-8");
  next.BeginDelivery();
  Give(next, "http.resp_body", "博");
  next.EndDelivery(Env());
  EXPECT_FALSE(next.block_pending());
  EXPECT_TRUE(Alerts().empty());
}

// Mail body lines (the SMTP analyzer hands over each line, then "\r\n") of one delivery are one
// window; a part's start ends the window of the part before.
TEST_F(FlowFilterTest, MailLinesOfOneDeliveryAreScannedTogether) {
  auto rules = CompileToml(kGambling);
  ASSERT_TRUE(rules);
  FlowFilter f(&config_);
  f.SetRules(rules);
  Give(f, "smtp.header", "Subject: hello");
  Give(f, "smtp.header", "Content-Type: text/plain; charset=utf-8");
  f.BeginDelivery();
  for (const char* line : {"第一行", "欢迎来到赌", "博网站"}) {
    Give(f, "smtp.body", line);
    Give(f, "smtp.body", "\r\n");
  }
  EXPECT_TRUE(Alerts().empty());
  f.EndDelivery(Env());
  auto alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0], "scope"), "mail_body");
}

}  // namespace
}  // namespace netward::filter
