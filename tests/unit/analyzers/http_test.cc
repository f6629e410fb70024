#include "analyzers/http.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "analyzer_test_util.h"

namespace netward::analyzers {
namespace {

using testing::AnalyzerHarness;
using testing::FromHex;
using testing::ParseLines;

constexpr Direction kUp = Direction::kToServer;
constexpr Direction kDown = Direction::kToClient;

// One conversation: alternating (direction, bytes) steps.
struct Step {
  Direction dir;
  std::string bytes;
};

struct Outcome {
  std::vector<nlohmann::json> recs;
  std::vector<nlohmann::json> mail, tls;  // from protocols inside CONNECT tunnels
  std::map<std::string, int> events;
  SessionHints hints;
  std::string resp_body;  // what content_hook got as "http.resp_body"
  std::string req_body;
};

void Hook(void* user, std::string_view what, std::string_view bytes) {
  auto* o = static_cast<Outcome*>(user);
  if (what == "http.resp_body") o->resp_body.append(bytes);
  if (what == "http.req_body") o->req_body.append(bytes);  // (not the URL, headers, types)
}

Outcome RunSteps(const std::vector<Step>& steps, size_t chunk = 0) {
  Outcome o;
  AnalyzerHarness h(6, 80);
  h.ctx.content_hook = &Hook;
  h.ctx.content_hook_user = &o;
  auto a = NewHttpAnalyzer();
  for (const Step& s : steps) {
    h.Deliver(*a, s.dir, s.bytes, chunk);
    h.ctx.now += 1000;
  }
  a->Finish(h.ctx);
  o.recs = ParseLines(h.batch, record::StreamId::kHttp);
  o.mail = ParseLines(h.batch, record::StreamId::kMail);
  o.tls = ParseLines(h.batch, record::StreamId::kTls);
  o.events = h.events.counts;
  o.hints = h.hints;
  return o;
}

// Runs `steps` whole, one byte at a time and in 7-byte pieces; all must agree.
Outcome RunAllChunkings(const std::vector<Step>& steps) {
  Outcome whole = RunSteps(steps);
  for (size_t chunk : {1, 2, 7}) {
    Outcome o = RunSteps(steps, chunk);
    EXPECT_EQ(o.recs, whole.recs) << "chunk " << chunk;
    EXPECT_EQ(o.mail, whole.mail) << "chunk " << chunk;
    EXPECT_EQ(o.tls, whole.tls) << "chunk " << chunk;
    EXPECT_EQ(o.events, whole.events) << "chunk " << chunk;
    EXPECT_EQ(o.resp_body, whole.resp_body) << "chunk " << chunk;
  }
  return whole;
}

// x-gzip.pcap
const std::string kGzipRequest =
    "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:38.0) "
    "Gecko/20100101 Firefox/38.0 Iceweasel/38.6.0\r\nAccept: "
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: "
    "en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n";
const std::string kGzipResponse =
    "HTTP/1.1 200 ok\r\nServer: simpleHTTP\r\nContent-Encoding: x-gzip\r\nContent-Length: "
    "39\r\n\r\n" +
    FromHex("1f8b08002785cd5702ff73cd4bce4f494d5148afca2c50c8484d4c492d02009c3ee60213000000");

TEST(HttpTest, XGzipLikeZeek) {
  Outcome o = RunAllChunkings({{kUp, kGzipRequest}, {kDown, kGzipResponse}});
  ASSERT_EQ(o.recs.size(), 1u);
  const auto& r = o.recs[0];
  EXPECT_EQ(r["method"], "GET");
  EXPECT_EQ(r["host"], "localhost");
  EXPECT_EQ(r["uri"], "/");
  EXPECT_EQ(r["version"], "1.1");
  EXPECT_EQ(r["status"], 200);
  EXPECT_EQ(r["user_agent"],
            "Mozilla/5.0 (X11; Linux x86_64; rv:38.0) Gecko/20100101 Firefox/38.0 "
            "Iceweasel/38.6.0");
  EXPECT_EQ(r["resp_body_len"], 19);  // decoded, as Zeek's response_body_len
  EXPECT_EQ(r["req_body_len"], 0);
  EXPECT_EQ(r["src_ip"], "10.0.0.1");
  EXPECT_EQ(r["dst_port"], 80);
  EXPECT_EQ(o.resp_body, "Encoded gzip header");
  EXPECT_EQ(o.hints.app, "http");
  EXPECT_EQ(o.hints.host, "localhost");
  EXPECT_EQ(o.hints.url, "http://localhost/");
  EXPECT_TRUE(o.events.empty());
}

std::string Compress(const std::string& in, int window_bits) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(in.size() + 128, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

TEST(HttpTest, PipelinedChunkedDeflateBothForms) {
  std::string text(20000, 'x');
  for (size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  std::string zlib_body = Compress(text, 15), raw_body = Compress(text, -15);
  auto chunked = [](const std::string& body) {
    std::string out;
    for (size_t off = 0; off < body.size(); off += 1000) {
      std::string piece = body.substr(off, 1000);
      char size[16];
      snprintf(size, sizeof size, "%zx", piece.size());
      out += std::string(size) + ";ext=1\r\n" + piece + "\r\n";
    }
    return out + "0\r\nX-Trailer: yes\r\n\r\n";
  };
  std::string reqs =
      "GET /a HTTP/1.1\r\nHost: h\r\nReferer: http://r/\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
      "HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n";
  std::string resps =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: deflate\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      chunked(zlib_body) + "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: " +
      std::to_string(raw_body.size()) + "\r\n\r\n" + raw_body +
      "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n";  // HEAD: no body follows
  Outcome o = RunAllChunkings({{kUp, reqs}, {kDown, resps}});
  ASSERT_EQ(o.recs.size(), 3u);
  EXPECT_EQ(o.recs[0]["uri"], "/a");
  EXPECT_EQ(o.recs[0]["referrer"], "http://r/");
  EXPECT_EQ(o.recs[0]["content_type"], "text/plain");
  EXPECT_EQ(o.recs[0]["resp_body_len"], 20000);
  EXPECT_EQ(o.recs[1]["uri"], "/b");
  EXPECT_EQ(o.recs[1]["resp_body_len"], 20000);
  EXPECT_EQ(o.recs[2]["method"], "HEAD");
  EXPECT_EQ(o.recs[2]["status"], 200);
  EXPECT_EQ(o.recs[2]["resp_body_len"], 0);
  EXPECT_EQ(o.resp_body, text + text);
  EXPECT_TRUE(o.events.empty());
}

TEST(HttpTest, HundredContinueDoesNotCompleteTheTransaction) {
  std::string body(2001, 'b');
  Outcome o = RunAllChunkings({
      {kUp,
       "POST / HTTP/1.1\r\nUser-Agent: curl/7.17.1\r\nHost: www.osu.edu\r\nContent-Length: "
       "2001\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: "
       "100-continue\r\n\r\n"},
      {kDown, "HTTP/1.1 100 Continue\r\n\r\n"},
      {kUp, body},
      {kDown, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10\r\n\r\n0123456789"},
  });
  ASSERT_EQ(o.recs.size(), 1u);
  EXPECT_EQ(o.recs[0]["method"], "POST");
  EXPECT_EQ(o.recs[0]["status"], 200);
  EXPECT_EQ(o.recs[0]["req_body_len"], 2001);
  EXPECT_EQ(o.recs[0]["resp_body_len"], 10);
  EXPECT_EQ(o.recs[0]["content_type"], "text/html");
  EXPECT_EQ(o.req_body, body);
}

TEST(HttpTest, NoBodyFor204And304AndReadUntilClose) {
  Outcome o = RunAllChunkings({
      {kUp,
       "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
       "GET /3 HTTP/1.0\r\n\r\n"},
      {kDown,
       "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n"
       "HTTP/1.0 200 OK\r\n\r\nuntil the end"},
  });
  ASSERT_EQ(o.recs.size(), 3u);
  EXPECT_EQ(o.recs[0]["status"], 204);
  EXPECT_EQ(o.recs[1]["status"], 304);
  EXPECT_EQ(o.recs[2]["status"], 200);
  EXPECT_EQ(o.recs[2]["version"], "1.0");
  EXPECT_EQ(o.recs[2]["resp_body_len"], 13);
}

TEST(HttpTest, ChunkSize2Pow64IsRejectedAndSmuggledRequestSeen) {
  // http/261/variant-01-chunk_2pow64_overflow.pcap
  Outcome o = RunAllChunkings({{kUp,
                                "POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: "
                                "chunked\r\n\r\n10000000000000000\r\n\r\nGET "
                                "/smuggled-chunk-2pow64 HTTP/1.1\r\nHost: target\r\n\r\n"}});
  EXPECT_EQ(o.events["http.bad_chunk_size"], 1);
  ASSERT_EQ(o.recs.size(), 2u);
  EXPECT_EQ(o.recs[0]["method"], "POST");
  EXPECT_EQ(o.recs[1]["uri"], "/smuggled-chunk-2pow64");
  EXPECT_EQ(o.recs[1]["status"], 0);  // never answered
}

TEST(HttpTest, TransferEncodingWinsOverContentLength) {
  // http/261/variant-04-te_cl_desync.pcap
  Outcome o = RunAllChunkings({{kUp,
                                "POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: "
                                "chunked\r\nContent-Length: 50\r\n\r\n0\r\n\r\nGET /smuggled-te-cl "
                                "HTTP/1.1\r\nHost: target\r\n\r\n"}});
  EXPECT_EQ(o.events["http.te_cl_conflict"], 1);
  ASSERT_EQ(o.recs.size(), 2u);
  EXPECT_EQ(o.recs[1]["uri"], "/smuggled-te-cl");
}

TEST(HttpTest, Http09) {
  // http/http_09.pcap, first two connections
  Outcome o = RunAllChunkings({{kUp, "GET /zeek.html\n"},
                               {kDown, "<html>\n  The Zeek Network Security Monitor\n</html>\n"}});
  ASSERT_EQ(o.recs.size(), 1u);
  EXPECT_EQ(o.recs[0]["version"], "0.9");
  EXPECT_EQ(o.recs[0]["uri"], "/zeek.html");
  EXPECT_EQ(o.recs[0]["status"], 0);
  EXPECT_EQ(o.recs[0]["resp_body_len"], 51);
  EXPECT_EQ(o.hints.url, "http://10.0.0.2/zeek.html");
  Outcome bad = RunSteps({{kUp, "T \n"}, {kDown, "bad method\n"}});
  EXPECT_EQ(bad.recs.size(), 0u);
  EXPECT_EQ(bad.events["http.bad_request_line"], 1);
  EXPECT_EQ(bad.events.size(), 1u);
}

// http/connect-with-smtp.pcap: a mail sent through an HTTP proxy.
const std::vector<Step> kConnectWithSmtp = {
    {kUp,
     "CONNECT mailin03.sul.t-online.de:25 / HTTP/1.0\r\nMozilla 4.0 (compatible; MSIE "
     "5.01; Windows NT 5.0)\r\n\r\n"},
    {kDown, "HTTP/1.0 200 Connection established\r\n\r\n"},
    {kDown, "220 mailin03.sul.t-online.de T-Online ESMTP receiver fssmtpd ready.\r\n"},
    {kUp, "HELO 208.191.73.21\r\n"},
    {kDown, "250 Ok.\r\n"},
    {kUp, "MAIL FROM:<nhfjenna_neumann@lycos.com>\r\n"},
    {kDown, "250 Ok.\r\n"},
    {kUp, "RCPT TO:<thenightwatch@t-online.de>\r\n"},
    {kDown, "250 Ok.\r\n"},
    {kUp, "DATA\r\n"},
    {kDown, "354 Ok, start with data.\r\n"},
    {kUp,
     "From: Sybille Ostermann <nhfjenna_neumann@lycos.com>\r\nTo: "
     "thenightwatch@t-online.de\r\nSubject: Hier sind die dicken Girls hemmungloser denn "
     "je.. grcu\r\nDate: Tue, 2 Mar 2004 13:57:49 +0100\r\n\r\nbody\r\n.\r\n"},
    {kDown, "250 Message accepted.\r\n"},
    {kUp, "QUIT\r\n"},
    {kDown, "221 mailin03.sul.t-online.de closing.\r\n"},
};

TEST(HttpTest, ConnectTunnelIsAnalyzedByTheProtocolInside) {
  Outcome o = RunAllChunkings(kConnectWithSmtp);
  ASSERT_EQ(o.recs.size(), 1u);
  EXPECT_EQ(o.recs[0]["method"], "CONNECT");
  EXPECT_EQ(o.recs[0]["uri"], "mailin03.sul.t-online.de:25 /");
  EXPECT_EQ(o.recs[0]["version"], "1.0");
  EXPECT_EQ(o.recs[0]["status"], 200);
  ASSERT_EQ(o.mail.size(), 1u);
  EXPECT_EQ(o.mail[0]["helo"], "208.191.73.21");
  EXPECT_EQ(o.mail[0]["mail_from"], "nhfjenna_neumann@lycos.com");
  EXPECT_EQ(o.mail[0]["rcpt_to"], nlohmann::json::array({"thenightwatch@t-online.de"}));
  EXPECT_EQ(o.mail[0]["subject"], "Hier sind die dicken Girls hemmungloser denn je.. grcu");
  EXPECT_EQ(o.mail[0]["src_port"], 40000);  // the proxy connection's addresses
  EXPECT_EQ(o.mail[0]["dst_port"], 80);
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.hints.app, "http");
  EXPECT_EQ(o.hints.host, "mailin03.sul.t-online.de:25");
}

std::string TlsRecord(std::string_view body) {
  std::string r = FromHex("16 0301");
  r.push_back(static_cast<char>(body.size() >> 8));
  r.push_back(static_cast<char>(body.size() & 0xff));
  r.append(body);
  return r;
}

// A TLS record holding a minimal ClientHello naming `sni`.
std::string ClientHello(const std::string& sni) {
  std::string b = FromHex("0303");
  b.append(32, '\x11');
  b.append(FromHex("00 0004 1301 c02f 01 00"));  // session id, ciphers, compression
  std::string ext = FromHex("0000");
  auto be16 = [](size_t n) { return std::string{static_cast<char>(n >> 8), static_cast<char>(n)}; };
  std::string list = FromHex("00") + be16(sni.size()) + sni;
  std::string data = be16(list.size()) + list;
  ext += be16(data.size()) + data;
  b += be16(ext.size()) + ext;
  std::string hs = FromHex("01 00");
  hs += be16(b.size()) + b;
  return TlsRecord(hs);
}

TEST(HttpTest, ConnectTo443CarriesTls) {
  const std::string hello = ClientHello("tunnel.example.org");
  for (bool early : {false, true}) {  // the ClientHello may come before the proxy's answer
    std::vector<Step> steps = {
        {kUp, "CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n"}};
    if (early) steps.push_back({kUp, hello});
    steps.push_back({kDown, "HTTP/1.1 200 OK\r\n\r\n"});
    if (!early) steps.push_back({kUp, hello});
    Outcome o = RunAllChunkings(steps);
    ASSERT_EQ(o.recs.size(), 1u) << early;
    EXPECT_EQ(o.recs[0]["status"], 200);
    ASSERT_EQ(o.tls.size(), 1u) << early;
    EXPECT_EQ(o.tls[0]["sni"], "tunnel.example.org");
    EXPECT_EQ(o.hints.app, "http");
    EXPECT_EQ(o.hints.host, "www.example.com:443");  // the first Host, not the SNI
    EXPECT_TRUE(o.events.empty());
  }
  // No port in the target: 443 is assumed.
  Outcome o = RunAllChunkings({{kUp, "CONNECT www.example.com HTTP/1.1\r\n\r\n"},
                               {kDown, "HTTP/1.1 200 OK\r\n\r\n"},
                               {kUp, hello}});
  ASSERT_EQ(o.tls.size(), 1u);
}

TEST(HttpTest, RefusedConnectLeavesHttp) {
  // A 407 (the client sent its next request early): no tunnel, what follows is HTTP again.
  Outcome o = RunAllChunkings({
      {kUp, "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"},
      {kUp, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n"},
      {kDown, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\nno!"},
      {kDown, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
  });
  ASSERT_EQ(o.recs.size(), 2u);
  EXPECT_EQ(o.recs[0]["status"], 407);
  EXPECT_EQ(o.recs[1]["uri"], "/x");
  EXPECT_EQ(o.recs[1]["status"], 200);
  EXPECT_TRUE(o.tls.empty());
  EXPECT_TRUE(o.events.empty());
}

TEST(HttpTest, NestedTunnelsStopAtDepthTwo) {
  std::vector<Step> steps = {
      {kUp, "CONNECT proxy2:8080 HTTP/1.1\r\nHost: proxy2:8080\r\n\r\n"},
      {kDown, "HTTP/1.1 200 OK\r\n\r\n"},
      {kUp, "CONNECT mail:25 HTTP/1.1\r\nHost: mail:25\r\n\r\n"},
      {kDown, "HTTP/1.1 200 OK\r\n\r\n"},
      {kDown, "220 mail ESMTP\r\n"},
      {kUp, "HELO me\r\n"},
      {kDown, "250 Ok.\r\n"},
      {kUp, "MAIL FROM:<a@b.c>\r\n"},
      {kDown, "250 Ok.\r\n"},
      {kUp, "QUIT\r\n"},
  };
  Outcome two = RunAllChunkings(steps);
  ASSERT_EQ(two.recs.size(), 2u);  // both CONNECTs
  ASSERT_EQ(two.mail.size(), 1u);
  EXPECT_EQ(two.mail[0]["mail_from"], "a@b.c");
  EXPECT_TRUE(two.events.empty());
  EXPECT_EQ(two.hints.host, "proxy2:8080");

  // A third level: its CONNECT is recorded, its tunnel is not followed.
  steps.resize(2);
  steps.insert(steps.end(), {{kUp, "CONNECT proxy3:8080 HTTP/1.1\r\nHost: p3\r\n\r\n"},
                             {kDown, "HTTP/1.1 200 OK\r\n\r\n"},
                             {kUp, "CONNECT mail:25 HTTP/1.1\r\nHost: mail:25\r\n\r\n"},
                             {kDown, "HTTP/1.1 200 OK\r\n\r\n"},
                             {kDown, "220 mail ESMTP\r\n"},
                             {kUp, "HELO me\r\nMAIL FROM:<a@b.c>\r\n"}});
  Outcome three = RunAllChunkings(steps);
  EXPECT_EQ(three.recs.size(), 3u);
  EXPECT_TRUE(three.mail.empty());
  EXPECT_EQ(three.events["http.tunnel_too_deep"], 1);
}

TEST(HttpTest, TunnelGapsAndUnknownProtocols) {
  // Unrecognisable bytes on an unknown port: dropped after 16 bytes, nothing recorded.
  Outcome o = RunAllChunkings({{kUp, "CONNECT h:7777 HTTP/1.1\r\n\r\n"},
                               {kDown, "HTTP/1.1 200 OK\r\n\r\n"},
                               {kUp, std::string(100, 'z')},
                               {kDown, std::string(100, 'y')}});
  EXPECT_EQ(o.recs.size(), 1u);
  EXPECT_TRUE(o.mail.empty() && o.tls.empty());
  EXPECT_TRUE(o.events.empty());

  // A gap inside the tunnel goes to the inner analyzer, which carries on (or stops) on its own.
  AnalyzerHarness h(6, 3128);
  auto a = NewHttpAnalyzer();
  h.Deliver(*a, kUp, "CONNECT mail:25 HTTP/1.1\r\n\r\n");
  h.Deliver(*a, kDown, "HTTP/1.1 200 OK\r\n\r\n220 mail ESMTP\r\n");
  a->Gap(h.ctx, kDown, 10);
  a->Gap(h.ctx, kUp, 10);
  h.Deliver(*a, kUp, "MAIL FROM:<a@b.c>\r\n");
  a->Finish(h.ctx);
  a->Finish(h.ctx);
  EXPECT_EQ(ParseLines(h.batch, record::StreamId::kHttp).size(), 1u);
  EXPECT_EQ(h.events["http.content_gap"], 0);
}

TEST(HttpTest, MalformedInputsCountEvents) {
  // An over-long request line and too many headers: truncated, counted, parsing continues.
  std::string many;
  for (int i = 0; i < 200; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  Outcome o = RunAllChunkings({
      {kUp, "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: h\r\n" + many + "\r\n"},
      {kDown, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
  });
  EXPECT_EQ(o.events["http.line_too_long"], 1);
  EXPECT_EQ(o.events["http.too_many_headers"], 1);
  ASSERT_EQ(o.recs.size(), 1u);
  EXPECT_EQ(o.recs[0]["status"], 200);
  EXPECT_EQ(o.recs[0]["resp_body_len"], 2);

  Outcome s = RunSteps({{kUp, "GET / HTTP/1.1\r\n\r\n"}, {kDown, "SSH-2.0-OpenSSH\r\n"}});
  EXPECT_EQ(s.events["http.bad_status_line"], 1);
  ASSERT_EQ(s.recs.size(), 1u);  // the request alone, at Finish

  Outcome u = RunSteps({{kDown, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc"}});
  EXPECT_EQ(u.events["http.unmatched_response"], 1);
  ASSERT_EQ(u.recs.size(), 1u);
  EXPECT_EQ(u.recs[0]["status"], 404);
  EXPECT_EQ(u.recs[0]["method"], "");

  Outcome cl = RunSteps({{kUp,
                          "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"
                          "GET /next HTTP/1.1\r\n\r\n"}});
  EXPECT_EQ(cl.events["http.bad_content_length"], 1);
  EXPECT_EQ(cl.recs.size(), 2u);

  Outcome gz = RunSteps({{kUp, "GET / HTTP/1.1\r\n\r\n"},
                         {kDown,
                          "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                          "12\r\n\r\nnot gzip!!!!"}});
  EXPECT_EQ(gz.events["http.bad_content_encoding"], 1);
  ASSERT_EQ(gz.recs.size(), 1u);
  // Raw bytes are counted from where zlib found the corruption (its 2-byte header check).
  EXPECT_EQ(gz.recs[0]["resp_body_len"], 10);
}

TEST(HttpTest, PendingRequestsAreCapped) {
  std::string reqs;
  for (int i = 0; i < 70; ++i) reqs += "GET /" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  Outcome o = RunSteps({{kUp, reqs}});
  EXPECT_EQ(o.events["http.too_many_pending"], 6);
  EXPECT_EQ(o.recs.size(), 64u);
}

TEST(HttpTest, GapsSkipKnownBodiesAndStopOtherwise) {
  AnalyzerHarness h(6, 80);
  auto a = NewHttpAnalyzer();
  h.Deliver(*a, kUp, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  h.Deliver(*a, kDown, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
  a->Gap(h.ctx, kDown, 80);
  h.Deliver(*a, kDown, "0123456789HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(h.batch.count(record::StreamId::kHttp), 2u);
  auto recs = ParseLines(h.batch, record::StreamId::kHttp);
  EXPECT_EQ(recs[0]["resp_body_len"], 100);
  EXPECT_EQ(recs[1]["uri"], "/b");
  h.Deliver(*a, kUp, "GET /c HTT");
  a->Gap(h.ctx, kUp, 10);
  EXPECT_EQ(h.events["http.content_gap"], 1);
  h.Deliver(*a, kUp, "GET /d HTTP/1.1\r\n\r\n");  // ignored: direction stopped
  a->Finish(h.ctx);
  EXPECT_EQ(h.batch.count(record::StreamId::kHttp), 2u);
}

TEST(HttpTest, LooksLikeHttp) {
  auto span = [](std::string_view s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_TRUE(LooksLikeHttp(kUp, span("GET / HTTP/1.1\r\n")));
  EXPECT_TRUE(LooksLikeHttp(kUp, span("CONNECT host:443 HTTP/1.1\r\n")));
  EXPECT_TRUE(LooksLikeHttp(kDown, span("HTTP/1.1 200 OK\r\n")));
  EXPECT_FALSE(LooksLikeHttp(kUp, span("GETX / HTTP/1.1")));
  EXPECT_FALSE(LooksLikeHttp(kUp, span("\x16\x03\x01\x02\x00\x01")));
  EXPECT_FALSE(LooksLikeHttp(kDown, span("220 smtp ready\r\n")));
  EXPECT_FALSE(LooksLikeHttp(kUp, span("HELO x\r\n")));
}

}  // namespace
}  // namespace netward::analyzers
