// bench/gen_workload.cc: writes the benchmark workload, a reproducible synthetic pcap of mixed
// traffic (bench/README.md). Usage: gen_workload [--bytes N] [--seed S] OUT.pcap
//
// Output: classic pcap (magic a1b2c3d4, microsecond timestamps, version 2.4, LINKTYPE_ETHERNET,
// snaplen 65535), written directly with a large stdio buffer (no libpcap needed to write).
// Every packet is Ethernet + IPv4 (about 10 % of flows IPv6) + TCP/UDP with correct lengths and
// checksums. TCP flows have a handshake (MSS, SACK, window scale options), sequence and
// acknowledgement numbers that add up, an ACK every second segment, and end with FIN/FIN/ACK or
// an RST. Traffic mix by bytes (targets; the actual split is printed at the end):
//   40 % HTTP/1.1 (GET/POST, bodies plain, gzip via zlib, or chunked; keep-alive),
//   25 % TLS 1.2/1.3 (real ClientHello with SNI, ALPN, supported_versions; encrypted records),
//   20 % bulk TCP (1-8 MB flows), 5 % DNS over UDP (A/AAAA/NXDOMAIN) and plain UDP (NTP, media),
//    5 % SMTP (EHLO, MAIL, RCPT, DATA with headers, QUIT), 5 % short flows (refused, reset, tiny).
// 256 flows are open at once (a fixed number per kind) and their packets interleave. Timestamps
// start at 2024-01-01T00:00:00Z and advance at a 10 Gbit/s line rate. The same seed and size give
// the same file, byte for byte (own RNG, no std:: distributions).
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

// ---- deterministic randomness --------------------------------------------------------------

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }  // inclusive
  bool Chance(unsigned percent) { return Below(100) < percent; }

 private:
  uint64_t s_;
};

// ---- shared content pools --------------------------------------------------------------------

constexpr size_t kRandomPool = 32u << 20;  // encrypted / bulk payload comes from here
constexpr size_t kTextPool = 4u << 20;     // HTML-ish text for HTTP and mail bodies

const char* const kWords[] = {
    "network", "audit",  "session", "record", "packet", "server", "client", "browser", "page",
    "image",   "video",  "market",  "travel", "hotel",  "school", "news",   "weather", "sport",
    "music",   "search", "mail",    "cloud",  "store",  "photo",  "forum",  "game",    "bank",
    "health",  "city",   "river",   "garden", "coffee", "train",  "ticket", "report",  "policy"};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);
const char* const kTlds[] = {"com", "net", "org", "cn", "io", "edu.cn", "com.cn", "info"};

struct Pools {
  std::vector<uint8_t> random;
  std::string text;
  std::vector<std::string> gzip_bodies;  // real gzip streams of text
  std::vector<std::string> domains;
};

std::string MakeText(Rng& rng, size_t n) {
  std::string s;
  s.reserve(n + 64);
  s += "<!doctype html>\n<html><head><title>page</title></head><body>\n";
  while (s.size() < n) {
    s += "<p>";
    for (int i = 0, k = static_cast<int>(rng.Range(8, 30)); i < k; ++i) {
      s += kWords[rng.Below(kWordCount)];
      s += ' ';
    }
    s += "</p>\n";
  }
  s.resize(n);
  return s;
}

std::string Gzip(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Pools MakePools(Rng& rng) {
  Pools p;
  p.random.resize(kRandomPool);
  for (size_t i = 0; i + 8 <= kRandomPool; i += 8) {
    uint64_t v = rng.Next();
    std::memcpy(&p.random[i], &v, 8);
  }
  p.text = MakeText(rng, kTextPool);
  for (size_t n : {900u, 3000u, 12000u, 40000u, 90000u, 200000u, 400000u})
    p.gzip_bodies.push_back(Gzip(std::string_view(p.text).substr(rng.Below(kTextPool - n), n)));
  for (int i = 0; i < 3000; ++i) {
    std::string d = rng.Chance(60) ? "www." : (rng.Chance(50) ? "api." : "cdn.");
    d += kWords[rng.Below(kWordCount)];
    if (rng.Chance(70)) d += kWords[rng.Below(kWordCount)];
    d += std::to_string(rng.Below(1000));
    d += '.';
    d += kTlds[rng.Below(sizeof(kTlds) / sizeof(kTlds[0]))];
    p.domains.push_back(std::move(d));
  }
  return p;
}

// ---- hosts -----------------------------------------------------------------------------------

struct Host {
  bool v6 = false;
  uint8_t addr[16] = {};
  uint8_t mac[6] = {};
};

Host RandomClient(Rng& rng, bool v6) {
  Host h;
  h.v6 = v6;
  uint32_t id = static_cast<uint32_t>(rng.Below(4000));
  if (v6) {
    const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0x0a, 0x00, 0x00, 0x01};
    std::memcpy(h.addr, pfx, 8);
    h.addr[14] = static_cast<uint8_t>(id >> 8);
    h.addr[15] = static_cast<uint8_t>(id);
  } else {  // 10.20.0.0/20: the monitored site's users
    h.addr[0] = 10, h.addr[1] = 20, h.addr[2] = static_cast<uint8_t>(id >> 8);
    h.addr[3] = static_cast<uint8_t>(id & 0xff);
  }
  const uint8_t mac[6] = {
      0x02, 0x10, 0x20, 0x00, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  std::memcpy(h.mac, mac, 6);
  return h;
}

Host RandomServer(Rng& rng, bool v6) {
  Host h;
  h.v6 = v6;
  uint32_t id = static_cast<uint32_t>(rng.Below(2500));
  if (v6) {
    const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0x00, 0x00, 0x00};
    std::memcpy(h.addr, pfx, 8);
    h.addr[14] = static_cast<uint8_t>(id >> 8);
    h.addr[15] = static_cast<uint8_t>(id);
  } else {  // spread over a few public-looking /16s
    static const uint8_t kNets[][2] = {{93, 184}, {151, 101}, {104, 16}, {203, 119}, {58, 217}};
    const uint8_t* n = kNets[id % 5];
    h.addr[0] = n[0], h.addr[1] = n[1], h.addr[2] = static_cast<uint8_t>(id >> 3);
    h.addr[3] = static_cast<uint8_t>(1 + (id * 7) % 250);
  }
  // Everything beyond the site goes through one gateway MAC.
  const uint8_t mac[6] = {0x00, 0x1b, 0x21, 0xaa, 0xbb, 0x01};
  std::memcpy(h.mac, mac, 6);
  return h;
}

// ---- pcap output -----------------------------------------------------------------------------

class PcapWriter {
 public:
  bool Open(const char* path) {
    f_ = std::fopen(path, "wb");
    if (!f_) return false;
    buf_.resize(8u << 20);
    const uint32_t hdr[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1};  // v2.4, Ethernet
    // version is two uint16 (major 2, minor 4) in host (little-endian) order.
    std::memcpy(buf_.data(), hdr, 24);
    used_ = 24;
    return true;
  }
  // Appends one packet; len <= 65535.
  void Write(uint64_t t_ns, const uint8_t* pkt, uint32_t len) {
    if (used_ + 16 + len > buf_.size()) Flush();
    const uint32_t rec[4] = {static_cast<uint32_t>(t_ns / 1000000000ULL),
                             static_cast<uint32_t>((t_ns % 1000000000ULL) / 1000), len, len};
    std::memcpy(&buf_[used_], rec, 16);
    std::memcpy(&buf_[used_ + 16], pkt, len);
    used_ += 16 + len;
    bytes_ += 16 + len;
    ++packets_;
  }
  bool Close() {
    Flush();
    bool ok = !err_;
    if (std::fclose(f_) != 0) ok = false;
    return ok;
  }
  uint64_t bytes() const { return bytes_ + 24; }
  uint64_t packets() const { return packets_; }

 private:
  void Flush() {
    if (used_ && std::fwrite(buf_.data(), 1, used_, f_) != used_) err_ = true;
    used_ = 0;
  }
  std::FILE* f_ = nullptr;
  std::vector<uint8_t> buf_;
  size_t used_ = 0;
  uint64_t bytes_ = 0, packets_ = 0;
  bool err_ = false;
};

// ---- packet building -------------------------------------------------------------------------

uint64_t SumBytes(const uint8_t* p, size_t n, uint64_t sum) {
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    sum += (v & 0xffffffffULL) + (v >> 32);
    p += 8, n -= 8;
  }
  while (n >= 2) {
    sum += static_cast<uint64_t>(p[0]) | (static_cast<uint64_t>(p[1]) << 8);  // LE pairs
    p += 2, n -= 2;
  }
  if (n) sum += p[0];
  return sum;
}

uint16_t FoldChecksum(uint64_t sum) {  // sum of little-endian words -> network-order checksum
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t c = static_cast<uint16_t>(~sum);
  return c;  // stored as-is (little-endian memory == the big-endian checksum's bytes)
}

void Put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8), p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24), p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8), p[3] = static_cast<uint8_t>(v);
}

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

struct Endpoints {
  Host a, b;  // a = client
  uint16_t aport = 0, bport = 0;
};

class PacketBuilder {
 public:
  // Builds Ethernet/IP/(TCP|UDP) around payload; returns the frame length. dir 0 = a->b.
  uint32_t Build(const Endpoints& e, int dir, int proto, uint8_t flags, uint32_t seq, uint32_t ack,
                 const uint8_t* payload, uint32_t plen, bool syn_options) {
    const Host& s = dir == 0 ? e.a : e.b;
    const Host& d = dir == 0 ? e.b : e.a;
    uint16_t sport = dir == 0 ? e.aport : e.bport;
    uint16_t dport = dir == 0 ? e.bport : e.aport;
    uint8_t* p = frame_;
    std::memcpy(p, d.mac, 6);
    std::memcpy(p + 6, s.mac, 6);
    Put16(p + 12, s.v6 ? 0x86dd : 0x0800);
    uint8_t* ip = p + 14;
    uint32_t iphl = s.v6 ? 40 : 20;
    uint8_t* l4 = ip + iphl;
    uint32_t l4hl = proto == 6 ? (syn_options ? 40 : 20) : 8;
    uint32_t l4len = l4hl + plen;
    std::memcpy(l4 + l4hl, payload, plen);
    uint64_t sum = 0;
    if (s.v6) {
      Put32(ip, 0x60000000u);
      Put16(ip + 4, l4len);
      ip[6] = static_cast<uint8_t>(proto);
      ip[7] = 64;
      std::memcpy(ip + 8, s.addr, 16);
      std::memcpy(ip + 24, d.addr, 16);
      sum = SumBytes(ip + 8, 32, 0);
    } else {
      ip[0] = 0x45, ip[1] = 0;
      Put16(ip + 2, 20 + l4len);
      Put16(ip + 4, ip_id_++);
      Put16(ip + 6, 0x4000);  // DF
      ip[8] = dir == 0 ? 64 : 52;
      ip[9] = static_cast<uint8_t>(proto);
      ip[10] = ip[11] = 0;
      std::memcpy(ip + 12, s.addr, 4);
      std::memcpy(ip + 16, d.addr, 4);
      uint16_t c = FoldChecksum(SumBytes(ip, 20, 0));
      std::memcpy(ip + 10, &c, 2);
      sum = SumBytes(ip + 12, 8, 0);
    }
    uint8_t pseudo[4] = {0, static_cast<uint8_t>(proto), static_cast<uint8_t>(l4len >> 8),
                         static_cast<uint8_t>(l4len)};
    sum = SumBytes(pseudo, 4, sum);
    Put16(l4, sport);
    Put16(l4 + 2, dport);
    if (proto == 6) {
      Put32(l4 + 4, seq);
      Put32(l4 + 8, ack);
      l4[12] = static_cast<uint8_t>((l4hl / 4) << 4);
      l4[13] = flags;
      Put16(l4 + 14, syn_options ? 64240 : 2053);  // window (scaled by 7 after the handshake)
      l4[16] = l4[17] = 0;
      Put16(l4 + 18, 0);
      if (syn_options) {  // MSS 1460, SACK permitted, timestamps, NOP, window scale 7
        const uint8_t opt[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
        std::memcpy(l4 + 20, opt, 20);
      }
      uint16_t c = FoldChecksum(SumBytes(l4, l4len, sum));
      std::memcpy(l4 + 16, &c, 2);
    } else {
      Put16(l4 + 4, l4len);
      l4[6] = l4[7] = 0;
      uint16_t c = FoldChecksum(SumBytes(l4, l4len, sum));
      if (c == 0) c = 0xffff;
      std::memcpy(l4 + 6, &c, 2);
    }
    return 14 + iphl + l4len;
  }
  const uint8_t* frame() const { return frame_; }

 private:
  uint8_t frame_[65536 + 128];
  uint16_t ip_id_ = 1;
};

// ---- flows -----------------------------------------------------------------------------------

enum Category { kHttp, kTls, kBulk, kDnsUdp, kSmtp, kShort, kCategories };
const char* const kCategoryNames[] = {"http", "tls", "bulk", "dns/udp", "smtp", "short"};
const double kTargetShare[] = {0.40, 0.25, 0.20, 0.05, 0.05, 0.05};

constexpr uint32_t kMss = 1448;

// One application message: bytes from the flow's own buffer or from the shared random pool.
struct Msg {
  uint8_t dir;
  bool pool;
  size_t off;
  size_t len;
};

class Flow {
 public:
  Flow(Category cat, Endpoints e, bool udp) : cat_(cat), e_(e), udp_(udp) {}

  // Queues a message; text lands in the flow's buffer.
  void Add(int dir, std::string_view text) {
    msgs_.push_back({static_cast<uint8_t>(dir), false, buf_.size(), text.size()});
    buf_.append(text);
  }
  void AddPool(int dir, size_t off, size_t len) {
    msgs_.push_back({static_cast<uint8_t>(dir), true, off, len});
  }
  void SetEnd(bool client_closes, bool rst) { client_closes_ = client_closes, end_rst_ = rst; }
  void SetRefused() { refused_ = true; }
  void SetIsn(uint32_t a, uint32_t b) { seq_[0] = a, seq_[1] = b; }
  Category category() const { return cat_; }
  bool done() const { return state_ == kStDone; }

  // Emits the flow's next packet into b; returns the frame length.
  uint32_t Next(PacketBuilder& b, const Pools& pools) {
    if (udp_) return NextUdp(b, pools);
    switch (state_) {
      case kStSyn:
        state_ = refused_ ? kStRefused : kStSynAck;
        return b.Build(e_, 0, 6, kSyn, seq_[0]++, 0, nullptr, 0, true);
      case kStRefused:
        state_ = kStDone;
        return b.Build(e_, 1, 6, kRst | kAck, 0, seq_[0], nullptr, 0, false);
      case kStSynAck:
        state_ = kStAck3;
        return b.Build(e_, 1, 6, kSyn | kAck, seq_[1]++, seq_[0], nullptr, 0, true);
      case kStAck3:
        state_ = kStData;
        return b.Build(e_, 0, 6, kAck, seq_[0], seq_[1], nullptr, 0, false);
      case kStData:
        return NextData(b, pools);
      case kStFin1: {
        int d = client_closes_ ? 0 : 1;
        if (end_rst_) {
          state_ = kStDone;
          return b.Build(e_, d, 6, kRst | kAck, seq_[d], seq_[1 - d], nullptr, 0, false);
        }
        state_ = kStFin2;
        uint32_t n = b.Build(e_, d, 6, kFin | kAck, seq_[d], seq_[1 - d], nullptr, 0, false);
        ++seq_[d];
        return n;
      }
      case kStFin2: {
        int d = client_closes_ ? 1 : 0;
        state_ = kStFin3;
        uint32_t n = b.Build(e_, d, 6, kFin | kAck, seq_[d], seq_[1 - d], nullptr, 0, false);
        ++seq_[d];
        return n;
      }
      case kStFin3: {
        int d = client_closes_ ? 0 : 1;
        state_ = kStDone;
        return b.Build(e_, d, 6, kAck, seq_[d], seq_[1 - d], nullptr, 0, false);
      }
      case kStDone:
        break;
    }
    return 0;
  }

 private:
  enum State {
    kStSyn,
    kStRefused,
    kStSynAck,
    kStAck3,
    kStData,
    kStFin1,
    kStFin2,
    kStFin3,
    kStDone
  };

  const uint8_t* MsgData(const Msg& m, const Pools& pools) const {
    return m.pool ? pools.random.data() + m.off
                  : reinterpret_cast<const uint8_t*>(buf_.data()) + m.off;
  }

  uint32_t NextUdp(PacketBuilder& b, const Pools& pools) {
    const Msg& m = msgs_[cur_];
    uint32_t n =
        b.Build(e_, m.dir, 17, 0, 0, 0, MsgData(m, pools), static_cast<uint32_t>(m.len), false);
    if (++cur_ == msgs_.size()) state_ = kStDone;
    return n;
  }

  uint32_t NextData(PacketBuilder& b, const Pools& pools) {
    if (pending_ack_ >= 0) {  // delayed ACK for the other side's last two segments
      int d = pending_ack_;
      pending_ack_ = -1;
      return b.Build(e_, d, 6, kAck, seq_[d], seq_[1 - d], nullptr, 0, false);
    }
    if (cur_ == msgs_.size()) {
      state_ = kStFin1;
      return Next(b, pools);
    }
    const Msg& m = msgs_[cur_];
    int d = m.dir;
    uint32_t len = static_cast<uint32_t>(std::min<size_t>(kMss, m.len - done_));
    bool last = done_ + len == m.len;
    uint32_t n = b.Build(e_, d, 6, static_cast<uint8_t>(kAck | (last ? kPsh : 0)), seq_[d],
                         seq_[1 - d], MsgData(m, pools) + done_, len, false);
    seq_[d] += len;
    done_ += len;
    if (++unacked_ == 2 || (last && (cur_ + 1 == msgs_.size() || msgs_[cur_ + 1].dir == d))) {
      pending_ack_ = 1 - d;
      unacked_ = 0;
    }
    if (last) {
      ++cur_, done_ = 0;
      if (cur_ < msgs_.size() && msgs_[cur_].dir != d) unacked_ = 0;  // the reply acks it
    }
    return n;
  }

  Category cat_;
  Endpoints e_;
  bool udp_;
  std::string buf_;
  std::vector<Msg> msgs_;
  size_t cur_ = 0, done_ = 0;
  uint32_t seq_[2] = {1000, 2000};
  int unacked_ = 0, pending_ack_ = -1;
  bool client_closes_ = true, end_rst_ = false, refused_ = false;
  State state_ = kStSyn;
};

// ---- flow factories --------------------------------------------------------------------------

class Factory {
 public:
  Factory(Rng& rng, const Pools& pools) : rng_(rng), pools_(pools) {}

  std::unique_ptr<Flow> Make(Category c) {
    switch (c) {
      case kHttp:
        return Http();
      case kTls:
        return Tls();
      case kBulk:
        return Bulk();
      case kDnsUdp:
        return rng_.Chance(75) ? Dns() : PlainUdp();
      case kSmtp:
        return Smtp();
      default:
        return Short();
    }
  }

 private:
  Endpoints Ends(uint16_t server_port) {
    bool v6 = rng_.Chance(10);
    Endpoints e{RandomClient(rng_, v6), RandomServer(rng_, v6),
                static_cast<uint16_t>(rng_.Range(32768, 60999)), server_port};
    return e;
  }
  std::unique_ptr<Flow> Tcp(Category c, uint16_t port) {
    auto f = std::make_unique<Flow>(c, Ends(port), false);
    f->SetIsn(static_cast<uint32_t>(rng_.Next()), static_cast<uint32_t>(rng_.Next()));
    f->SetEnd(rng_.Chance(60), rng_.Chance(5));
    return f;
  }
  const std::string& Domain() { return pools_.domains[rng_.Below(pools_.domains.size())]; }
  size_t PoolOff(size_t len) { return rng_.Below(kRandomPool - len); }
  std::string_view Text(size_t len) {
    len = std::min(len, kTextPool);
    return std::string_view(pools_.text).substr(rng_.Below(kTextPool - len + 1), len);
  }
  std::string Path() {
    std::string p = "/";
    for (int i = 0, n = static_cast<int>(rng_.Range(1, 3)); i < n; ++i)
      p += std::string(kWords[rng_.Below(kWordCount)]) + (i + 1 < n ? "/" : "");
    if (rng_.Chance(50))
      p += rng_.Chance(50) ? ".html" : "?id=" + std::to_string(rng_.Below(99999));
    return p;
  }

  std::unique_ptr<Flow> Http() {
    auto f = Tcp(kHttp, rng_.Chance(90) ? 80 : 8080);
    std::string host = Domain();
    for (int r = 0, n = static_cast<int>(rng_.Range(1, 4)); r < n; ++r) {
      bool post = rng_.Chance(15);
      std::string req = std::string(post ? "POST " : "GET ") + Path() +
                        " HTTP/1.1\r\nHost: " + host +
                        "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) "
                        "Gecko/20100101 Firefox/120.0\r\nAccept: */*\r\n"
                        "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n";
      std::string_view body;
      if (post) {
        body = Text(rng_.Range(100, 6000));
        req += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n";
      }
      req += "\r\n";
      req += body;
      f->Add(0, req);
      std::string resp =
          "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
          "Content-Type: text/html; charset=utf-8\r\n";
      unsigned kind = static_cast<unsigned>(rng_.Below(10));
      if (kind < 3) {  // gzip
        const std::string& gz = pools_.gzip_bodies[rng_.Below(pools_.gzip_bodies.size())];
        resp += "Content-Encoding: gzip\r\nContent-Length: " + std::to_string(gz.size()) +
                "\r\n\r\n" + gz;
      } else if (kind < 5) {  // chunked
        std::string_view t = Text(rng_.Range(2000, 300000));
        resp += "Transfer-Encoding: chunked\r\n\r\n";
        char hex[16];
        for (size_t o = 0; o < t.size(); o += 8192) {
          size_t n = std::min<size_t>(8192, t.size() - o);
          std::snprintf(hex, sizeof hex, "%zx\r\n", n);
          resp += hex;
          resp += t.substr(o, n);
          resp += "\r\n";
        }
        resp += "0\r\n\r\n";
      } else {
        std::string_view t =
            Text(rng_.Chance(20) ? rng_.Range(100000, 1500000) : rng_.Range(300, 60000));
        resp += "Content-Length: " + std::to_string(t.size()) + "\r\n\r\n";
        resp += t;
      }
      f->Add(1, resp);
    }
    return f;
  }

  // A TLS record header plus a handshake message header.
  static void Rec(std::string& s, uint8_t type, uint16_t ver, size_t len) {
    s += static_cast<char>(type);
    s += static_cast<char>(ver >> 8);
    s += static_cast<char>(ver);
    s += static_cast<char>(len >> 8);
    s += static_cast<char>(len);
  }
  static void U16(std::string& s, size_t v) {
    s += static_cast<char>(v >> 8);
    s += static_cast<char>(v);
  }
  static void U24(std::string& s, size_t v) {
    s += static_cast<char>(v >> 16);
    U16(s, v);
  }
  void RandomBytes(std::string& s, size_t n) {
    s.append(reinterpret_cast<const char*>(pools_.random.data()) + PoolOff(n), n);
  }
  void Hs(std::string& s, uint8_t type, const std::string& body) {  // one record, one message
    Rec(s, 22, 0x0303, body.size() + 4);
    s += static_cast<char>(type);
    U24(s, body.size());
    s += body;
  }

  std::string ClientHello(const std::string& sni, bool offer13) {
    std::string ext;
    U16(ext, 0x0000);  // server_name
    U16(ext, sni.size() + 5);
    U16(ext, sni.size() + 3);
    ext += '\0';
    U16(ext, sni.size());
    ext += sni;
    ext.append("\x00\x17\x00\x00", 4);      // extended_master_secret
    ext.append("\xff\x01\x00\x01\x00", 5);  // renegotiation_info
    ext.append("\x00\x0a\x00\x0a\x00\x08\x00\x1d\x00\x17\x00\x18\x00\x19", 14);  // groups
    ext.append("\x00\x0b\x00\x02\x01\x00", 6);                                   // ec_point_formats
    ext.append("\x00\x23\x00\x00", 4);                                           // session_ticket
    ext.append("\x00\x10\x00\x0e\x00\x0c\x02h2\x08http/1.1", 18);                // ALPN
    ext.append("\x00\x05\x00\x05\x01\x00\x00\x00\x00", 9);                       // status_request
    ext.append(
        "\x00\x0d\x00\x12\x00\x10\x04\x03\x08\x04\x04\x01\x05\x03\x08\x05\x05\x01\x08\x06"
        "\x06\x01",
        22);  // signature_algorithms
    if (offer13) {
      ext.append("\x00\x33\x00\x26\x00\x24\x00\x1d\x00\x20", 10);  // key_share x25519
      RandomBytes(ext, 32);
      ext.append("\x00\x2b\x00\x05\x04\x03\x04\x03\x03", 9);  // supported_versions 1.3, 1.2
      ext.append("\x00\x2d\x00\x02\x01\x01", 6);              // psk_key_exchange_modes
    }
    std::string body("\x03\x03", 2);
    RandomBytes(body, 32);
    body += '\x20';
    RandomBytes(body, 32);
    static const char kSuites[] =
        "\x13\x01\x13\x02\x13\x03\xc0\x2b\xc0\x2f\xc0\x2c\xc0\x30\xcc\xa9\xcc\xa8\xc0\x13\xc0\x14"
        "\x00\x9c\x00\x9d\x00\x2f\x00\x35";
    U16(body, sizeof(kSuites) - 1);
    body.append(kSuites, sizeof(kSuites) - 1);
    body.append("\x01\x00", 2);
    U16(body, ext.size());
    body += ext;
    std::string rec;
    Rec(rec, 22, 0x0301, body.size() + 4);
    rec += '\x01';
    U24(rec, body.size());
    rec += body;
    return rec;
  }

  void AppData(Flow& f, int dir, size_t total) {  // encrypted records of up to 16 KiB
    std::string s;
    while (total > 0) {
      size_t n = std::min<size_t>(total, 16384 + 17);
      Rec(s, 23, 0x0303, n);
      RandomBytes(s, n);
      total -= n;
    }
    f.Add(dir, s);
  }

  std::unique_ptr<Flow> Tls() {
    auto f = Tcp(kTls, rng_.Chance(95) ? 443 : 8443);
    bool v13 = rng_.Chance(70);
    bool offer13 = v13 || rng_.Chance(50);
    f->Add(0, ClientHello(Domain(), offer13));
    std::string sh("\x03\x03", 2), s;
    RandomBytes(sh, 32);
    sh += '\x20';
    RandomBytes(sh, 32);
    if (v13) {
      sh.append("\x13\x01\x00", 3);
      std::string ext("\x00\x2b\x00\x02\x03\x04\x00\x33\x00\x24\x00\x1d\x00\x20", 14);
      RandomBytes(ext, 32);
      U16(sh, ext.size());
      sh += ext;
      Hs(s, 2, sh);
      s.append("\x14\x03\x03\x00\x01\x01", 6);  // change_cipher_spec (compatibility)
      f->Add(1, s);
      s.clear();
      AppData(*f, 1, rng_.Range(2500, 5000));  // encrypted extensions .. finished
      std::string c("\x14\x03\x03\x00\x01\x01", 6);
      Rec(c, 23, 0x0303, 53);
      RandomBytes(c, 53);
      f->Add(0, c);
    } else {
      sh.append("\xc0\x2f\x00", 3);
      std::string ext("\xff\x01\x00\x01\x00\x00\x0b\x00\x02\x01\x00\x00\x17\x00\x00", 15);
      ext.append("\x00\x10\x00\x0b\x00\x09\x08http/1.1", 15);
      U16(sh, ext.size());
      sh += ext;
      Hs(s, 2, sh);
      size_t cert_len = rng_.Range(900, 2400);
      std::string cert;
      U24(cert, cert_len + 3);
      U24(cert, cert_len);
      cert += "\x30\x82";  // looks like DER
      RandomBytes(cert, cert_len - 2);
      Hs(s, 11, cert);
      std::string ske("\x03\x00\x1d\x20", 4);
      RandomBytes(ske, 32);
      ske.append("\x08\x04\x01\x00", 4);
      RandomBytes(ske, 256);
      Hs(s, 12, ske);
      Hs(s, 14, std::string());
      f->Add(1, s);
      std::string cke("\x20", 1), c;
      RandomBytes(cke, 32);
      Hs(c, 16, cke);
      c.append("\x14\x03\x03\x00\x01\x01", 6);
      Rec(c, 22, 0x0303, 40);
      RandomBytes(c, 40);
      f->Add(0, c);
      std::string fin("\x14\x03\x03\x00\x01\x01", 6);
      Rec(fin, 22, 0x0303, 40);
      RandomBytes(fin, 40);
      f->Add(1, fin);
    }
    for (int i = 0, n = static_cast<int>(rng_.Range(1, 4)); i < n; ++i) {
      AppData(*f, 0, rng_.Range(200, 2000));
      AppData(*f, 1, rng_.Chance(15) ? rng_.Range(200000, 2000000) : rng_.Range(1000, 80000));
    }
    return f;
  }

  std::unique_ptr<Flow> Bulk() {
    static const uint16_t kPorts[] = {22, 445, 873, 3260, 5001, 9000, 20};
    auto f = Tcp(kBulk, kPorts[rng_.Below(7)]);
    f->Add(0, "BULK-TRANSFER-REQUEST\r\n");
    size_t total = rng_.Range(1u << 20, 8u << 20);
    int dir = rng_.Chance(75) ? 1 : 0;  // mostly downloads
    while (total > 0) {
      size_t n = std::min<size_t>(total, 4u << 20);
      f->AddPool(dir, PoolOff(n), n);
      total -= n;
    }
    return f;
  }

  std::string DnsName(const std::string& name) {
    std::string s;
    size_t start = 0;
    while (start <= name.size()) {
      size_t dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      s += static_cast<char>(dot - start);
      s.append(name, start, dot - start);
      start = dot + 1;
    }
    s += '\0';
    return s;
  }

  std::unique_ptr<Flow> Dns() {
    bool v6 = rng_.Chance(10);
    Endpoints e{RandomClient(rng_, v6), RandomClient(rng_, v6),
                static_cast<uint16_t>(rng_.Range(1024, 65535)), 53};
    std::memcpy(e.b.mac, "\x02\x10\x20\xff\x00\x35", 6);  // the site's resolver
    if (v6)
      e.b.addr[15] = 53, e.b.addr[14] = 0;
    else
      e.b.addr[2] = 0, e.b.addr[3] = 53;
    auto f = std::make_unique<Flow>(kDnsUdp, e, true);
    for (int q = 0, n = static_cast<int>(rng_.Range(1, 4)); q < n; ++q) {
      const std::string& name = Domain();
      bool aaaa = rng_.Chance(35), nx = rng_.Chance(8);
      uint16_t id = static_cast<uint16_t>(rng_.Next());
      std::string question = DnsName(name);
      U16(question, aaaa ? 28 : 1);
      U16(question, 1);
      std::string qry;
      U16(qry, id);
      qry.append("\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
      qry += question;
      f->Add(0, qry);
      int answers = nx ? 0 : static_cast<int>(rng_.Range(1, 4));
      std::string resp;
      U16(resp, id);
      resp.append(nx ? "\x81\x83" : "\x81\x80", 2);
      resp.append("\x00\x01", 2);
      U16(resp, answers);
      resp.append("\x00\x00\x00\x00", 4);
      resp += question;
      for (int a = 0; a < answers; ++a) {
        resp.append("\xc0\x0c", 2);
        U16(resp, aaaa ? 28 : 1);
        resp.append("\x00\x01\x00\x00\x01\x2c", 6);  // IN, TTL 300
        U16(resp, aaaa ? 16 : 4);
        Host h = RandomServer(rng_, aaaa);
        resp.append(reinterpret_cast<const char*>(h.addr), aaaa ? 16 : 4);
      }
      f->Add(1, resp);
    }
    return f;
  }

  std::unique_ptr<Flow> PlainUdp() {
    bool ntp = rng_.Chance(40);
    Endpoints e = Ends(ntp ? 123 : 5004);
    if (ntp) e.aport = 123;
    auto f = std::make_unique<Flow>(kDnsUdp, e, true);
    if (ntp) {
      std::string m("\x23\x00\x06\xec", 4);
      RandomBytes(m, 44);
      f->Add(0, m);
      m[0] = '\x24';
      f->Add(1, m);
    } else {  // a short RTP-like media burst
      for (int i = 0, n = static_cast<int>(rng_.Range(10, 60)); i < n; ++i)
        f->AddPool(rng_.Chance(80) ? 1 : 0, PoolOff(1400), rng_.Range(160, 1200));
    }
    return f;
  }

  std::unique_ptr<Flow> Smtp() {
    auto f = Tcp(kSmtp, rng_.Chance(80) ? 25 : 587);
    f->SetEnd(true, false);
    std::string dom = Domain(), from = std::string(kWords[rng_.Below(kWordCount)]) + "@" + dom;
    std::string to = std::string(kWords[rng_.Below(kWordCount)]) + "@example.net";
    f->Add(1, "220 mx.example.net ESMTP Postfix\r\n");
    f->Add(0, "EHLO client." + dom + "\r\n");
    f->Add(1,
           "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
           "250 SMTPUTF8\r\n");
    f->Add(0, "MAIL FROM:<" + from + ">\r\n");
    f->Add(1, "250 2.1.0 Ok\r\n");
    f->Add(0, "RCPT TO:<" + to + ">\r\n");
    f->Add(1, "250 2.1.5 Ok\r\n");
    f->Add(0, "DATA\r\n");
    f->Add(1, "354 End data with <CR><LF>.<CR><LF>\r\n");
    std::string msg = "From: <" + from + ">\r\nTo: <" + to +
                      ">\r\nSubject: " + kWords[rng_.Below(kWordCount)] + " " +
                      kWords[rng_.Below(kWordCount)] +
                      " report\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <" +
                      std::to_string(rng_.Next()) + "@" + dom +
                      ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    std::string_view body = Text(rng_.Range(500, 60000));
    for (size_t o = 0; o < body.size(); o += 76) {  // 76-column lines, no lone dots
      msg += body.substr(o, std::min<size_t>(76, body.size() - o));
      msg += "\r\n";
    }
    msg += ".\r\n";
    f->Add(0, msg);
    f->Add(1, "250 2.0.0 Ok: queued as " + std::to_string(rng_.Below(1u << 30)) + "\r\n");
    f->Add(0, "QUIT\r\n");
    f->Add(1, "221 2.0.0 Bye\r\n");
    return f;
  }

  std::unique_ptr<Flow> Short() {
    static const uint16_t kPorts[] = {80, 443, 22, 23, 3389, 8080, 110, 143, 6379, 1883};
    auto f = Tcp(kShort, kPorts[rng_.Below(10)]);
    unsigned kind = static_cast<unsigned>(rng_.Below(10));
    if (kind < 3) {
      f->SetRefused();  // SYN -> RST/ACK
    } else {
      f->Add(0, Text(rng_.Range(10, 300)));
      if (kind < 9) f->Add(1, Text(rng_.Range(10, 600)));
      f->SetEnd(rng_.Chance(50), kind == 9);
    }
    return f;
  }

  Rng& rng_;
  const Pools& pools_;
};

int Usage() {
  std::fprintf(stderr, "usage: gen_workload [--bytes N] [--seed S] OUT.pcap\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t target = 1100000000ULL, seed = 20240101;
  const char* out = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf(
          "gen_workload: writes the probe benchmark's workload, a pcap of generated HTTP, TLS, "
          "bulk TCP, DNS and UDP traffic (bench/README.md).\n"
          "usage: gen_workload [--bytes N] [--seed S] OUT.pcap\n");
      return 0;
    }
    if ((a == "--bytes" || a == "--seed") && i + 1 < argc) {
      char* end = nullptr;
      errno = 0;
      double v = std::strtod(argv[++i], &end);  // accepts 1.1e9
      if (errno || *end || v < 0) return Usage();
      (a == "--bytes" ? target : seed) = static_cast<uint64_t>(v);
    } else if (!a.empty() && a[0] != '-' && !out) {
      out = argv[i];
    } else {
      return Usage();
    }
  }
  if (!out) return Usage();

  Rng rng(seed);
  Pools pools = MakePools(rng);
  Factory factory(rng, pools);
  PcapWriter w;
  if (!w.Open(out)) {
    std::fprintf(stderr, "gen_workload: %s: %s\n", out, std::strerror(errno));
    return 1;
  }
  auto builder = std::make_unique<PacketBuilder>();

  // Each category keeps a fixed number of flows open; the next packet comes from the category
  // furthest below its target share of the bytes written so far, from one of its open flows
  // chosen at random. So the mix holds at every file size and flows of all kinds interleave.
  static const size_t kOpen[kCategories] = {80, 60, 16, 30, 20, 50};  // 256 flows open
  uint64_t written[kCategories] = {}, flows[kCategories] = {}, written_total = 0;
  std::vector<std::unique_ptr<Flow>> active[kCategories];
  for (int c = 0; c < kCategories; ++c)
    for (size_t i = 0; i < kOpen[c]; ++i, ++flows[c])
      active[c].push_back(factory.Make(static_cast<Category>(c)));

  uint64_t t_ns = 1704067200ULL * 1000000000ULL;  // 2024-01-01T00:00:00Z
  while (w.bytes() < target) {
    int c = 0;
    double best = -1e300;
    for (int k = 0; k < kCategories; ++k) {
      double deficit =
          kTargetShare[k] * static_cast<double>(written_total) - static_cast<double>(written[k]);
      if (deficit > best) best = deficit, c = k;
    }
    size_t i = rng.Below(active[c].size());
    Flow& f = *active[c][i];
    uint32_t n = f.Next(*builder, pools);
    if (n) {
      w.Write(t_ns, builder->frame(), n);
      written[c] += n;
      written_total += n;
      t_ns += (n + 24) * 8 / 10;  // wire time at 10 Gbit/s (preamble + gap + FCS = 24 bytes)
      if (rng.Chance(2)) t_ns += rng.Below(20000);  // occasional idle gap
    }
    if (f.done()) {
      active[c][i] = factory.Make(static_cast<Category>(c));
      ++flows[c];
    }
  }
  if (!w.Close()) {
    std::fprintf(stderr, "gen_workload: %s: write failed\n", out);
    return 1;
  }
  uint64_t frames = written_total;
  std::printf("gen_workload: %s: %llu packets, %llu bytes (seed %llu)\n", out,
              static_cast<unsigned long long>(w.packets()),
              static_cast<unsigned long long>(w.bytes()), static_cast<unsigned long long>(seed));
  for (int c = 0; c < kCategories; ++c)
    std::printf("  %-8s %5.1f %% of frame bytes, %llu flows started\n", kCategoryNames[c],
                100.0 * static_cast<double>(written[c]) / static_cast<double>(frames ? frames : 1),
                static_cast<unsigned long long>(flows[c]));
  return 0;
}
