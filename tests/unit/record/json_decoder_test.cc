#include "record/json_decoder.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "record/json_encoder.h"

namespace netward::record {
namespace {

template <typename R>
std::string Encode(const R& r, std::string_view site) {
  std::string out;
  EncodeJsonLine(r, site, &out);
  return out;
}

struct Decoded {
  Status status;
  bool canonical = false;
  std::string site;
};

template <typename R>
Decoded Decode(std::string_view line, R* r) {
  Decoded d;
  d.status = DecodeJsonLine(line, r, &d.site, &d.canonical);
  return d;
}

// The property the store relies on: whatever decodes re-encodes to a line that decodes as
// canonical to the same line; and a line reported canonical is the encoder's own output.
template <typename R>
void ExpectFixedPoint(std::string_view line) {
  R r;
  Decoded d = Decode(line, &r);
  ASSERT_TRUE(d.status.ok()) << d.status.ToString() << "\n" << line;
  std::string once = Encode(r, d.site);
  if (d.canonical) {
    std::string_view l = line;
    if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
    EXPECT_EQ(once, std::string(l) + "\n") << "reported canonical but re-encodes differently";
  }
  R r2;
  Decoded d2 = Decode(once, &r2);
  ASSERT_TRUE(d2.status.ok()) << d2.status.ToString() << "\n" << once;
  EXPECT_TRUE(d2.canonical) << "encoder output not recognised as canonical:\n" << once;
  EXPECT_EQ(Encode(r2, d2.site), once);
}

HttpRecord FullHttp() {
  HttpRecord r;
  r.ts = 1700000000123456LL;
  r.src_ip = *IpAddress::Parse("10.0.0.1");
  r.src_port = 65535;
  r.dst_ip = *IpAddress::Parse("2001:db8::1");
  r.dst_port = 80;
  r.method = "GET";
  r.host = "例子.测试";
  r.uri = std::string("/a\"b\\c\n\r\t\x01\x1f\x7f\xff\xe4\xb8\xad\xf0\x9f\x98\x80/", 21);
  r.version = "1.1";
  r.status = 200;
  r.user_agent = "curl/8.0";
  r.content_type = "text/html";
  r.req_body_len = 0;
  r.resp_body_len = UINT64_MAX;
  return r;
}

TEST(JsonDecoderTest, EncoderOutputIsCanonicalAndDecodesToTheSameRecord) {
  DnsRecord r;
  r.ts = 1700000000123456LL;
  r.src_ip = *IpAddress::Parse("10.0.0.1");
  r.src_port = 5353;
  r.dst_ip = *IpAddress::Parse("2001:db8::53");
  r.dst_port = 53;
  r.proto = "udp";
  r.trans_id = 4660;
  r.query = "example.com";
  r.qtype = "A";
  r.answers = {"93.184.216.34", "", "a\"b"};
  r.ttls = {3600, 0, UINT32_MAX};
  std::string line = Encode(r, "S01");
  DnsRecord d;
  Decoded dd = Decode(line, &d);
  ASSERT_TRUE(dd.status.ok()) << dd.status.ToString();
  EXPECT_TRUE(dd.canonical);
  EXPECT_EQ(dd.site, "S01");
  EXPECT_EQ(d.ts, r.ts);
  EXPECT_EQ(d.src_ip, r.src_ip);
  EXPECT_EQ(d.dst_ip, r.dst_ip);
  EXPECT_EQ(d.src_port, 5353);
  EXPECT_EQ(d.trans_id, 4660);
  EXPECT_EQ(d.query, "example.com");
  EXPECT_EQ(d.rcode, "");
  EXPECT_EQ(d.answers, r.answers);
  EXPECT_EQ(d.ttls, r.ttls);
  // Without the trailing newline it is still canonical.
  EXPECT_TRUE(Decode(std::string_view(line).substr(0, line.size() - 1), &d).canonical);
}

TEST(JsonDecoderTest, EveryEscapingCaseOfTheEncoderRoundTrips) {
  HttpRecord r = FullHttp();
  std::string line = Encode(r, "站点");
  HttpRecord d;
  Decoded dd = Decode(line, &d);
  ASSERT_TRUE(dd.status.ok()) << dd.status.ToString();
  EXPECT_TRUE(dd.canonical) << line;
  EXPECT_EQ(dd.site, "站点");
  EXPECT_EQ(d.host, r.host);
  // The invalid byte 0xff was written as the text \xff; it decodes to that text.
  EXPECT_EQ(d.uri, std::string("/a\"b\\c\n\r\t\x01\x1f\x7f\\xff\xe4\xb8\xad\xf0\x9f\x98\x80/"));
  EXPECT_EQ(d.resp_body_len, UINT64_MAX);
  EXPECT_EQ(d.src_port, 65535);
  EXPECT_EQ(Encode(d, dd.site), line);
  ExpectFixedPoint<HttpRecord>(line);
}

TEST(JsonDecoderTest, UnknownTimesAndUnsetAddressesAndEmptyLists) {
  TlsRecord r;  // everything default: times 0, addresses unset, alpn empty
  std::string line = Encode(r, "");
  EXPECT_NE(line.find("\"cert_not_before\":\"\""), std::string::npos);
  TlsRecord d;
  d.alpn = {"h2"};
  d.ts = 5;
  Decoded dd = Decode(line, &d);
  ASSERT_TRUE(dd.status.ok());
  EXPECT_TRUE(dd.canonical);
  EXPECT_EQ(d.ts, 0);
  EXPECT_TRUE(d.alpn.empty());
  EXPECT_TRUE(d.src_ip.is_unspecified());
}

TEST(JsonDecoderTest, NewStreamsRoundTrip) {
  LoginRecord l;
  l.ts = 1;
  l.event = "start";
  l.account = "张三";
  l.ip = *IpAddress::Parse("100.64.0.7");
  l.nas_port = UINT32_MAX;
  l.bytes_in = 1;
  ExpectFixedPoint<LoginRecord>(Encode(l, "S"));
  NatRecord n;
  n.outside_port = 1024;
  n.remote_ip = *IpAddress::Parse("::1");
  ExpectFixedPoint<NatRecord>(Encode(n, "S"));
  MaintenanceRecord m;
  m.action = "purge";
  ExpectFixedPoint<MaintenanceRecord>(Encode(m, "S"));
  SessionRecord s;
  s.nat_ip = *IpAddress::Parse("203.0.113.9");
  s.nat_port = 40000;
  s.calling_id = "13800138000";
  std::string line = Encode(s, "S");
  SessionRecord d;
  Decoded dd = Decode(line, &d);
  ASSERT_TRUE(dd.status.ok());
  EXPECT_TRUE(dd.canonical);
  EXPECT_EQ(d.nat_ip, s.nat_ip);
  EXPECT_EQ(d.nat_port, 40000);
  EXPECT_EQ(d.calling_id, "13800138000");
}

// The decoder judges IPv6 text with its own formatter; it must agree with IpAddress::Format
// (inet_ntop) on every address, or encoder output would not be reported canonical.
TEST(JsonDecoderTest, EveryIpv6TextOfTheEncoderIsCanonical) {
  std::mt19937 rng(7);
  std::vector<IpAddress> addrs;
  for (const char* text : {"::", "::1", "1::", "::1.2.3.4", "::ffff:0:1", "::ffff:0:0",
                           "64:ff9b::1.2.3.4", "1:0:0:1::", "::1:0:0", "0:0:1::1", "::0.1.0.1",
                           "fe80::1:2:3:4", "1:2:3:4:5:6:7:8", "1:0:2:0:3:0:4:0"}) {
    addrs.push_back(*IpAddress::Parse(text));
  }
  for (int i = 0; i < 20000; ++i) {
    uint8_t b[16];
    for (int g = 0; g < 8; ++g) {
      uint32_t v = rng() % 2 ? 0 : (rng() % 3 ? rng() : rng() % 16);
      b[2 * g] = static_cast<uint8_t>(v >> 8);
      b[2 * g + 1] = static_cast<uint8_t>(v);
    }
    addrs.push_back(IpAddress::FromV6(b));
  }
  for (const IpAddress& a : addrs) {
    NatRecord r;
    r.inside_ip = a;
    std::string line = Encode(r, "");
    NatRecord d;
    Decoded dd = Decode(line, &d);
    ASSERT_TRUE(dd.status.ok()) << line;
    ASSERT_TRUE(dd.canonical) << a.ToString();
    ASSERT_EQ(d.inside_ip, a) << a.ToString();
  }
}

// The decoder's own IPv4 and IPv6 parsers accept exactly what inet_pton accepts, with the same
// result: random texts, and random edits of valid addresses.
TEST(JsonDecoderTest, AddressParsingAgreesWithInetPton) {
  std::mt19937 rng(11);
  const std::string alphabet = "0123456789abcdefABCDEF:.:.::";
  std::vector<std::string> texts = {"1:2:3:4:5:6:7::",
                                    "::1:2:3:4:5:6:7",
                                    "1::2:3:4:5:6:7:8",
                                    "::1:2:3:4:5:6:7:8",
                                    "1:2:3:4:5:6:7:8:9",
                                    ":::",
                                    "1:::2",
                                    "12345::",
                                    "::ffff:1.2.3.4",
                                    "1.2.3.04",
                                    "255.255.255.255",
                                    "256.1.1.1",
                                    "1.2.3",
                                    "1.2.3.4.5",
                                    "0.0.0.0",
                                    "00::",
                                    "::0"};
  for (int i = 0; i < 20000; ++i) {
    std::string t;
    if (i % 2) {
      size_t n = rng() % 46;
      for (size_t k = 0; k < n; ++k) t.push_back(alphabet[rng() % alphabet.size()]);
    } else {
      uint8_t b[16];
      for (auto& x : b) x = static_cast<uint8_t>(rng() % 3 ? 0 : rng());
      t = (i % 4 ? IpAddress::FromV6(b) : IpAddress::FromV4(b)).ToString();
      for (int edits = static_cast<int>(rng() % 3); edits > 0 && !t.empty(); --edits) {
        size_t at = rng() % t.size();
        switch (rng() % 3) {
          case 0:
            t.erase(at, 1);
            break;
          case 1:
            t.insert(at, 1, alphabet[rng() % alphabet.size()]);
            break;
          default:
            t[at] = alphabet[rng() % alphabet.size()];
        }
      }
    }
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    NatRecord r;
    Status s = DecodeJsonLine("{\"inside_ip\":\"" + t + "\"}", &r, nullptr, nullptr);
    auto want = IpAddress::Parse(t);
    if (t.empty()) continue;
    ASSERT_EQ(s.ok(), want.has_value()) << t << " " << s.ToString();
    if (want) {
      ASSERT_EQ(r.inside_ip, *want) << t;
    }
  }
}

// Lines other tools write: accepted, never reported canonical, and the re-encoding is stable.
TEST(JsonDecoderTest, NonCanonicalButValidLines) {
  struct Case {
    const char* line;
    const char* why;
  };
  const Case cases[] = {
      {R"({"dst_port":21,"ts":"2023-11-14T22:13:20.123456Z"})", "order, missing keys"},
      {R"( {"ts" : "2023-11-14T22:13:20.123456Z" , "site":"x"} )", "whitespace"},
      {"{\"ts\":\"2023-11-14T22:13:20.123456Z\"}\r\n", "CRLF"},
      {R"({"ts":"2023-11-14T22:13:20Z"})", "no fraction"},
      {R"({"ts":"2023-11-14 22:13:20.5+08:00"})", "offset and space"},
      {R"({"ts":"1970-01-01T00:00:00.000000Z"})", "time 0 written out"},
      {R"({"ts":"2023-02-29T00:00:00.000000Z"})", "Feb 29 of a common year (normalised)"},
      {R"({"ts":"2023-11-14T22:13:60.000000Z"})", "leap second"},
      {R"({"ts":"9999-12-31T23:59:59.999999-01:00"})", "beyond the encoder's range"},
      {R"({"src_ip":"::ffff:10.0.0.1","dst_ip":""})", "mapped IPv4, empty address"},
      {R"({"src_ip":"2001:DB8:0:0::1"})", "IPv6 not in canonical form"},
      {R"({"src_ip":"10.0.0.\u0031"})", "escaped address"},
      {R"({"user":"\/\b\f\u0041\u001F\u000a\ud83d\ude00"})", "non-canonical escapes"},
      {R"({"\u0075ser":"x"})", "escaped key"},
      {R"({"src_port":-0})", "minus zero"},
      {"{}", "empty object"},
      {R"({"ts": "2023-11-14T22:13:20.123456Z", "src_port": 21, "site": "x"})",
       "Python json.dumps style"},
      {"{\"ts\":\"\",\t\"site\":\"x\"}", "tab after a comma"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.why) + ": " + c.line);
    FtpRecord r;
    Decoded d = Decode(c.line, &r);
    ASSERT_TRUE(d.status.ok()) << d.status.ToString();
    EXPECT_FALSE(d.canonical);
    ExpectFixedPoint<FtpRecord>(c.line);
  }
  FtpRecord r;
  ASSERT_TRUE(Decode(R"({"user":"\/\b\f\u0041\u001F\u000a\ud83d\ude00"})", &r).status.ok());
  EXPECT_EQ(r.user, "/\b\fA\x1f\n\xf0\x9f\x98\x80");
  ASSERT_TRUE(
      Decode(R"({"ts":"2023-11-14 22:13:20.5+08:00","src_ip":"::ffff:10.0.0.1"})", &r).status.ok());
  EXPECT_EQ(r.ts, 1699971200500000LL);
  EXPECT_TRUE(r.src_ip.is_v4());
}

TEST(JsonDecoderTest, MissingFieldsGetDefaultsWhenARecordIsReused) {
  SessionRecord r;
  r.host = "old";
  r.bytes_up = 7;
  r.src_ip = *IpAddress::Parse("1.2.3.4");
  std::string site = "old";
  bool canonical = true;
  ASSERT_TRUE(DecodeJsonLine(R"({"proto":"tcp"})", &r, &site, &canonical).ok());
  EXPECT_FALSE(canonical);
  EXPECT_EQ(r.proto, "tcp");
  EXPECT_EQ(r.host, "");
  EXPECT_EQ(r.bytes_up, 0u);
  EXPECT_TRUE(r.src_ip.is_unspecified());
  EXPECT_EQ(site, "");
  // Null site and canonical pointers are allowed.
  EXPECT_TRUE(DecodeJsonLine(R"({"site":"a"})", &r, nullptr, nullptr).ok());
}

TEST(JsonDecoderTest, ErrorsNameTheFieldOrColumnAndTheFault) {
  struct Case {
    std::string line;
    std::string message;
  };
  const Case cases[] = {
      {R"({"src_port":70000})", "field src_port: 70000 is out of range 0..65535"},
      {R"({"reply_code":-1})", "field reply_code: -1 is out of range 0..65535"},
      {R"({"src_port":1.5})", "field src_port: 1.5 is not an integer"},
      {R"({"src_port":1e2})", "field src_port: 1e2 is not an integer"},
      {R"({"src_port":"80"})", "field src_port: expected an integer, got a string"},
      {R"({"src_port":null})", "field src_port: expected an integer, got null"},
      {R"({"user":true})", "field user: expected a string, got a boolean"},
      {R"({"user":{}})", "field user: expected a string, got an object"},
      {R"({"ts":5})", "field ts: expected a string (ISO-8601 time), got a number"},
      {R"({"ts":"yesterday"})", "field ts: bad time \"yesterday\""},
      {R"({"src_ip":"1.2.3"})", "field src_ip: bad IP address \"1.2.3\""},
      {R"({"src_ip":"01.2.3.4"})", "field src_ip: bad IP address \"01.2.3.4\""},
      {R"({"foo":1})", "unknown field \"foo\" for stream ftp"},
      {R"({"user":"a","user":"b"})", "duplicate field \"user\""},
      {R"({"site":"a","site":"b"})", "duplicate field \"site\""},
      {R"({"user":"a" "arg":"b"})", "column 13: expected ',' or '}', found '\"'"},
      {R"({"user""a"})", "column 8: expected ':', found '\"'"},
      {R"({"user":"a"}x)", "column 13: unexpected text after the object, found 'x'"},
      {R"({"user":"a"}{})", "column 13: unexpected text after the object"},
      {R"([])", "column 1: expected '{', found '['"},
      {"", "column 1: expected '{', found end of line"},
      {R"({"user":"a")", "column 12: expected ',' or '}', found end of line"},
      {R"({"user":"a)", "field user: column 11: unterminated string"},
      {R"({"user":"\q"})", "field user: column 10: bad escape \\\"q\""},
      {R"({"user":"\u12"})", "field user: column 10: bad \\u escape"},
      {R"({"user":"\ud800"})", "field user: column 10: bad \\u escape: high surrogate"},
      {R"({"user":"\udc00"})", "field user: column 10: bad \\u escape: unpaired low surrogate"},
      {"{\"user\":\"a\x01\"}", "field user: column 11: control character 0x01"},
      {"{\"user\":\"a\xff\"}", "field user: column 11: invalid UTF-8"},
      {"{\"user\":\"\xc0\x80\"}", "field user: column 10: invalid UTF-8"},          // overlong
      {"{\"user\":\"\xed\xa0\x80\"}", "field user: column 10: invalid UTF-8"},      // surrogate
      {"{\"user\":\"\xf4\x90\x80\x80\"}", "field user: column 10: invalid UTF-8"},  // > U+10FFFF
      {"{\"us\xff\":1}", "column 5: invalid UTF-8"},
      {R"({"src_port":01})", "field src_port: column 14: bad number: leading zero"},
      {R"({"src_port":-})", "field src_port: column 14: bad number, found '}'"},
      {R"({"src_port":1.})", "field src_port: column 15: bad number: no digit after '.'"},
      {R"({"src_port":})", "field src_port: column 13: expected a value, found '}'"},
      {R"({"src_port":nul})", "field src_port: column 13: expected a value, found 'n'"},
      {R"({"dst_port":99999999999999999999999})",
       "field dst_port: 99999999999999999999999 is out of range 0..65535"},
      {R"({)", "column 2: expected '\"' (a field name), found end of line"},
      {R"({,})", "column 2: expected '\"' (a field name), found ','"},
  };
  for (const Case& c : cases) {
    FtpRecord r;
    Status s = DecodeJsonLine(c.line, &r, nullptr, nullptr);
    ASSERT_FALSE(s.ok()) << c.line;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(s.message().substr(0, c.message.size()), c.message) << c.line;
  }
}

TEST(JsonDecoderTest, ListErrorsNameTheElement) {
  DnsRecord r;
  Status s = DecodeJsonLine(R"({"ttls":[1,2,4294967296]})", &r, nullptr, nullptr);
  EXPECT_EQ(s.message(), "field ttls[2]: 4294967296 is out of range 0..4294967295");
  s = DecodeJsonLine(R"({"answers":["a",1]})", &r, nullptr, nullptr);
  EXPECT_EQ(s.message(), "field answers[1]: expected a string, got a number");
  s = DecodeJsonLine(R"({"answers":["a" "b"]})", &r, nullptr, nullptr);
  EXPECT_EQ(s.message(), "field answers: column 17: expected ',' or ']', found '\"'");
  s = DecodeJsonLine(R"({"answers":"a"})", &r, nullptr, nullptr);
  EXPECT_EQ(s.message(), "field answers: expected an array of strings, got a string");
  // Lists with whitespace decode; lists shrink when a reused record had more elements.
  r.answers = {"x", "y", "z"};
  ASSERT_TRUE(DecodeJsonLine(R"({"answers":[ "a" , "b" ],"ttls":[ ]})", &r, nullptr, nullptr).ok());
  EXPECT_EQ(r.answers, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r.ttls.empty());
}

TEST(JsonDecoderTest, CanonicalizeDispatchesByStream) {
  std::string out;
  bool canonical = true;
  ASSERT_TRUE(CanonicalizeJsonLine(StreamId::kMaintenance, R"({"action":"purge","ts":""})", &out,
                                   &canonical)
                  .ok());
  EXPECT_FALSE(canonical);
  MaintenanceRecord m;
  m.action = "purge";
  EXPECT_EQ(out, Encode(m, ""));
  std::string again;
  ASSERT_TRUE(CanonicalizeJsonLine(StreamId::kMaintenance, out, &again, &canonical).ok());
  EXPECT_TRUE(canonical);
  EXPECT_EQ(again, out);
  Status s = CanonicalizeJsonLine(StreamId::kNat, R"({"action":"purge"})", &again);
  EXPECT_EQ(s.message(), "unknown field \"action\" for stream nat");
  EXPECT_EQ(again, out);  // unchanged on error
}

// Random records of every stream, with every kind of awkward byte in their strings.
class RandomRecords {
 public:
  explicit RandomRecords(uint32_t seed) : rng_(seed) {}

  void Fill(TimestampUs* v) {
    switch (rng_() % 4) {
      case 0:
        *v = 0;
        break;
      case 1:  // anywhere in 0000..9999
        *v = static_cast<TimestampUs>(rng_() % 315537897600ULL - 62167219200LL) * kUsPerSecond +
             static_cast<TimestampUs>(rng_() % 1000000);
        break;
      default:
        *v = 1700000000000000LL + static_cast<TimestampUs>(rng_() % 100000000000ULL);
    }
  }
  void Fill(IpAddress* v) {
    uint8_t b[16];
    for (auto& x : b) x = static_cast<uint8_t>(rng_() % 4 == 0 ? 0 : rng_());
    switch (rng_() % 3) {
      case 0:
        *v = IpAddress::FromV4(b);
        break;
      case 1:
        *v = IpAddress::FromV6(b);
        break;
      default:
        *v = IpAddress{};
    }
  }
  template <typename T>
  void FillUnsigned(T* v) {
    switch (rng_() % 3) {
      case 0:
        *v = 0;
        break;
      case 1:
        *v = std::numeric_limits<T>::max();
        break;
      default:
        *v = static_cast<T>(static_cast<uint64_t>(rng_()) << 32 | rng_());
    }
  }
  void Fill(uint16_t* v) { FillUnsigned(v); }
  void Fill(uint32_t* v) { FillUnsigned(v); }
  void Fill(uint64_t* v) { FillUnsigned(v); }
  void Fill(std::string* v) {
    static const char* const kPieces[] = {
        "a",        "Z09",   "\"",   "\\",           "\n",       "\r",   "\t",
        "\x01",     "\x1f",  "\x7f", "\xff",         "\xc3\xa9", "中",   "\xf0\x9f\x98\x80",
        "\xe4\xb8", "\\x41", "/",    "\xed\xa0\x80", "\xc0\x80", nullptr};
    v->clear();
    size_t n = rng_() % 8;
    for (size_t i = 0; i < n; ++i) {
      size_t k = rng_() % std::size(kPieces);
      if (kPieces[k] == nullptr) {  // NUL
      } else {
        v->append(kPieces[k]);
      }
    }
  }
  template <typename T>
  void Fill(std::vector<T>* v) {
    v->resize(rng_() % 4);
    for (auto& x : *v) Fill(&x);
  }
  template <typename R>
  R Make() {
    R r;
    r.ForEachField([&](std::string_view, auto& value) { Fill(&value); });
    return r;
  }
  std::string Site() {
    std::string s;
    Fill(&s);
    return s;
  }

 private:
  std::mt19937 rng_;
};

template <typename R>
void RandomRoundTrips(RandomRecords* gen, int n) {
  for (int i = 0; i < n; ++i) {
    R r = gen->Make<R>();
    std::string line = Encode(r, gen->Site());
    R d;
    Decoded dd = Decode(line, &d);
    ASSERT_TRUE(dd.status.ok()) << dd.status.ToString() << "\n" << line;
    ASSERT_TRUE(dd.canonical) << line;
    ASSERT_EQ(Encode(d, dd.site), line);
    // Times and addresses come back as they were (times clamp only outside years 0000-9999).
    ASSERT_EQ(d.ts, r.ts);
  }
}

// Every rewrite of a canonical line that keeps its meaning (a space after ':' or ',', a character
// written as a \u escape, "\/", an upper-case \u escape, "+00:00" for "Z", "-0" for 0) must decode
// to the same record and must not be reported canonical.
template <typename R>
void EquivalentRewritesAreNotCanonical(RandomRecords* gen, int n) {
  for (int k = 0; k < n; ++k) {
    const std::string line = Encode(gen->Make<R>(), gen->Site());
    const std::string_view body(line.data(), line.size() - 1);  // without '\n'
    std::vector<std::string> rewrites;
    bool in_string = false;
    for (size_t i = 0; i < body.size(); ++i) {
      const char c = body[i];
      auto replace = [&](size_t len, std::string_view with) {
        rewrites.push_back(std::string(body.substr(0, i)) + std::string(with) +
                           std::string(body.substr(i + len)));
      };
      if (!in_string) {
        if (c == '"') in_string = true;
        if (c == ':' || c == ',') replace(1, std::string(1, c) + " ");
        if (c == '0' && (body[i - 1] == ':' || body[i - 1] == '[' || body[i - 1] == ',') &&
            (body[i + 1] == ',' || body[i + 1] == ']' || body[i + 1] == '}')) {
          replace(1, "-0");
        }
        continue;
      }
      if (c == '"') {
        in_string = false;
        if (body[i - 1] == 'Z' && i >= 28 && body[i - 28] == '"')
          rewrites.push_back(std::string(body.substr(0, i - 1)) + "+00:00" +
                             std::string(body.substr(i)));
        continue;
      }
      if (c == '\\') {
        const char e = body[i + 1];
        if (e == 'n') replace(2, "\\u000a");
        if (e == 'u' && body.substr(i + 4, 2) == "1f") replace(6, "\\u001F");
        i += e == 'u' ? 5 : 1;
        continue;
      }
      if (c == '/') replace(1, "\\/");
      if (c >= 0x20 && c < 0x7f) {
        char esc[8];
        std::snprintf(esc, sizeof(esc), "\\u%04x", static_cast<unsigned>(c));
        replace(1, esc);
      }
    }
    ASSERT_GT(rewrites.size(), 10u);
    for (const std::string& rw : rewrites) {
      R d;
      Decoded dd = Decode(rw, &d);
      ASSERT_TRUE(dd.status.ok()) << dd.status.ToString() << "\n" << rw;
      ASSERT_FALSE(dd.canonical) << rw;
      ASSERT_EQ(Encode(d, dd.site), line) << rw;
    }
  }
}

TEST(JsonDecoderTest, EquivalentRewritesOfCanonicalLinesAreNotCanonical) {
  RandomRecords gen(99);
#define NW_REWRITE_STREAM(Name, sname, FIELDS) \
  EquivalentRewritesAreNotCanonical<Name##Record>(&gen, 20);
  NW_STREAMS(NW_REWRITE_STREAM)
#undef NW_REWRITE_STREAM
}

TEST(JsonDecoderTest, RandomRecordsOfEveryStreamAreCanonicalFixedPoints) {
  RandomRecords gen(12345);
#define NW_RANDOM_STREAM(Name, sname, FIELDS) RandomRoundTrips<Name##Record>(&gen, 2000);
  NW_STREAMS(NW_RANDOM_STREAM)
#undef NW_RANDOM_STREAM
}

}  // namespace
}  // namespace netward::record
