// TLS analyzer: record layer -> handshake layer -> one `tls` record. See tls.h and
// docs/analyzers/tls.md.
#include "analyzers/tls.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>

#include "analyzers/tls_fingerprint.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

using tls_detail::ClientHelloInfo;

constexpr size_t kMaxRecordLength = 16384 + 2048;  // TLSCiphertext limit (RFC 5246 6.2.3)
constexpr size_t kMaxHandshakeBuffer = 64 * 1024;  // bytes of one handshake message kept
// A Certificate message may be kept up to this size (the corpus has a 340 KB certificate); the
// buffer is released right after such a message, so a flow holds it only while it arrives.
constexpr size_t kMaxCertificateBuffer = 1024 * 1024;
constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kApplicationData = 23;
constexpr uint8_t kHeartbeat = 24;

constexpr uint8_t kClientHello = 1;
constexpr uint8_t kServerHello = 2;
constexpr uint8_t kCertificate = 11;
constexpr uint8_t kServerHelloDone = 14;

// RFC 2253 text of an X509 name as Zeek's x509.log writes it (UTF-8 kept, not escaped).
std::string NameText(const X509_NAME* name) {
  std::string out;
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return out;
  if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    if (data && len > 0) out.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  return out;
}

bool AsnTimeToUs(const ASN1_TIME* t, TimestampUs* out) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  *out = static_cast<TimestampUs>(timegm(&tm)) * kUsPerSecond;
  return true;
}

class TlsAnalyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override;
  void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) override;
  void Finish(AnalyzerContext& ctx) override;

 private:
  struct Side {
    uint8_t hdr[5];
    size_t hdr_have = 0;
    size_t rec_remaining = 0;  // body bytes of the current record still to come
    uint8_t rec_type = 0;
    bool dead = false;       // stopped parsing (bad input or gap)
    bool encrypted = false;  // after ChangeCipherSpec
    bool any_record = false;
    // Handshake layer.
    uint8_t hs_hdr[4];
    size_t hs_hdr_have = 0;
    size_t hs_len = 0;
    size_t hs_have = 0;
    std::string hs_body;  // first kMaxHandshakeBuffer bytes of the current message
  };

  void RecordStart(AnalyzerContext& ctx, Direction dir, Side& s);
  void HandshakeBytes(AnalyzerContext& ctx, Direction dir, Side& s, std::span<const uint8_t> data);
  void HandshakeMessage(AnalyzerContext& ctx, Direction dir, uint8_t type,
                        std::span<const uint8_t> body, bool complete);
  void ServerHello(AnalyzerContext& ctx, std::span<const uint8_t> body);
  void Certificate(AnalyzerContext& ctx, std::span<const uint8_t> body);
  void Start(AnalyzerContext& ctx);
  void Emit(AnalyzerContext& ctx);

  Side sides_[2];
  record::TlsRecord rec_;
  bool started_ = false;  // something worth a record was seen
  bool emitted_ = false;
  bool client_hello_seen_ = false;
  bool server_hello_seen_ = false;
  bool cert_seen_ = false;
  uint16_t selected_version_ = 0;
};

void TlsAnalyzer::Start(AnalyzerContext& ctx) {
  if (started_) return;
  started_ = true;
  rec_.ts = ctx.now;
  if (ctx.flow) {
    rec_.src_ip = ctx.flow->client_ip;
    rec_.src_port = ctx.flow->client_port;
    rec_.dst_ip = ctx.flow->server_ip;
    rec_.dst_port = ctx.flow->server_port;
  }
  rec_.transport = "tcp";
  if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "tls";
}

void TlsAnalyzer::Emit(AnalyzerContext& ctx) {
  if (emitted_ || !started_) return;
  emitted_ = true;
  if (selected_version_ != 0) rec_.version = tls_detail::TlsVersionText(selected_version_);
  if (ctx.out) ctx.out->Add(rec_);
  // The record is encoded; release what it held.
  rec_ = record::TlsRecord{};
}

void TlsAnalyzer::Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) {
  Side& s = sides_[static_cast<int>(dir)];
  size_t pos = 0;
  while (pos < data.size() && !s.dead) {
    if (s.rec_remaining == 0 && s.hdr_have < 5) {
      const size_t n = std::min(5 - s.hdr_have, data.size() - pos);
      std::copy_n(data.data() + pos, n, s.hdr + s.hdr_have);
      s.hdr_have += n;
      pos += n;
      if (s.hdr_have < 5) return;
      RecordStart(ctx, dir, s);
      continue;
    }
    const size_t n = std::min(s.rec_remaining, data.size() - pos);
    if (s.rec_type == kHandshake && !s.encrypted && !emitted_) {
      HandshakeBytes(ctx, dir, s, data.subspan(pos, n));
    }
    pos += n;
    s.rec_remaining -= n;
    if (s.rec_remaining == 0) s.hdr_have = 0;
  }
}

void TlsAnalyzer::RecordStart(AnalyzerContext& ctx, Direction dir, Side& s) {
  const uint8_t type = s.hdr[0];
  const size_t len = static_cast<size_t>(s.hdr[3] << 8 | s.hdr[4]);
  if (!s.any_record && (type & 0x80) && (s.hdr[2] == 1 || s.hdr[2] == 4)) {
    // SSLv2 record header: 2-byte length with the top bit set, then message type
    // (1 CLIENT-HELLO, 4 SERVER-HELLO) and, for a ClientHello, the offered version.
    ctx.Event("tls.sslv2");
    Start(ctx);
    if (selected_version_ == 0) selected_version_ = 0x0002;
    s.dead = true;
    return;
  }
  if (type < kChangeCipherSpec || type > kHeartbeat || s.hdr[1] != 3) {
    ctx.Event("tls.bad_record");
    s.dead = true;
    return;
  }
  if (len > kMaxRecordLength) {
    ctx.Event("tls.record_too_long");
    s.dead = true;
    return;
  }
  s.any_record = true;
  s.rec_type = type;
  s.rec_remaining = len;
  if (len == 0) s.hdr_have = 0;
  if (type == kChangeCipherSpec) {
    s.encrypted = true;
    if (dir == Direction::kToClient && server_hello_seen_) Emit(ctx);
  } else if (type == kAlert || type == kApplicationData) {
    // Nothing to read; the body is skipped by length.
  }
}

void TlsAnalyzer::HandshakeBytes(AnalyzerContext& ctx, Direction dir, Side& s,
                                 std::span<const uint8_t> data) {
  size_t pos = 0;
  while (pos < data.size() && !emitted_) {
    if (s.hs_hdr_have < 4) {
      const size_t n = std::min(4 - s.hs_hdr_have, data.size() - pos);
      std::copy_n(data.data() + pos, n, s.hs_hdr + s.hs_hdr_have);
      s.hs_hdr_have += n;
      pos += n;
      if (s.hs_hdr_have < 4) return;
      s.hs_len = static_cast<size_t>(s.hs_hdr[1]) << 16 | s.hs_hdr[2] << 8 | s.hs_hdr[3];
      s.hs_have = 0;
      s.hs_body.clear();
      if (s.hs_len == 0) {  // e.g. ServerHelloDone
        s.hs_hdr_have = 0;
        HandshakeMessage(ctx, dir, s.hs_hdr[0], {}, true);
        continue;
      }
    }
    const size_t n = std::min(s.hs_len - s.hs_have, data.size() - pos);
    std::span<const uint8_t> chunk = data.subspan(pos, n);
    pos += n;
    if (s.hs_have == 0 && n == s.hs_len) {
      // The whole message lies in this record: parse it in place.
      s.hs_have = n;
      s.hs_hdr_have = 0;
      HandshakeMessage(ctx, dir, s.hs_hdr[0], chunk, true);
      continue;
    }
    const size_t cap = s.hs_hdr[0] == kCertificate ? kMaxCertificateBuffer : kMaxHandshakeBuffer;
    if (s.hs_body.size() < cap) {
      const size_t keep = std::min(chunk.size(), cap - s.hs_body.size());
      s.hs_body.append(reinterpret_cast<const char*>(chunk.data()), keep);
    }
    s.hs_have += n;
    if (s.hs_have == s.hs_len) {
      s.hs_hdr_have = 0;
      const bool complete = s.hs_body.size() == s.hs_len;
      HandshakeMessage(ctx, dir, s.hs_hdr[0],
                       {reinterpret_cast<const uint8_t*>(s.hs_body.data()), s.hs_body.size()},
                       complete);
      s.hs_body.clear();
      if (s.hs_body.capacity() > kMaxHandshakeBuffer) s.hs_body.shrink_to_fit();
    }
  }
}

void TlsAnalyzer::HandshakeMessage(AnalyzerContext& ctx, Direction dir, uint8_t type,
                                   std::span<const uint8_t> body, bool complete) {
  if (dir == Direction::kToServer) {
    if (type != kClientHello || client_hello_seen_) return;
    client_hello_seen_ = true;
    Start(ctx);
    ClientHelloInfo ch;
    if (!complete || !tls_detail::ParseClientHello(body, &ch)) ctx.Event("tls.bad_handshake");
    rec_.sni = ch.sni;
    rec_.alpn = ch.alpn;
    rec_.ja3 = tls_detail::Ja3(ch);
    rec_.ja4 = tls_detail::Ja4(ch);
    if (ctx.hints && ctx.hints->host.empty() && !ch.sni.empty()) ctx.hints->host = ch.sni;
    if (ctx.content_hook && !ch.sni.empty())
      ctx.content_hook(ctx.content_hook_user, "tls.sni", ch.sni);
    return;
  }
  switch (type) {
    case kServerHello:
      if (server_hello_seen_) return;
      server_hello_seen_ = true;
      Start(ctx);
      ServerHello(ctx, body);
      if (selected_version_ == 0x0304 || (selected_version_ >> 8) == 0x7f) Emit(ctx);
      return;
    case kCertificate:
      if (cert_seen_) return;
      cert_seen_ = true;
      Start(ctx);
      Certificate(ctx, body);
      Emit(ctx);
      return;
    case kServerHelloDone:
      Emit(ctx);
      return;
    default:
      return;
  }
}

void TlsAnalyzer::ServerHello(AnalyzerContext& ctx, std::span<const uint8_t> b) {
  // version(2) random(32) session_id<1> cipher(2) compression(1) extensions<2>
  if (b.size() < 38) {
    ctx.Event("tls.bad_handshake");
    return;
  }
  selected_version_ = static_cast<uint16_t>(b[0] << 8 | b[1]);
  size_t pos = 34;
  pos += 1 + b[34];                // session id
  pos += 3;                        // cipher suite + compression
  if (pos + 2 > b.size()) return;  // no extensions
  size_t ext_len = static_cast<size_t>(b[pos] << 8 | b[pos + 1]);
  pos += 2;
  const size_t end = std::min(b.size(), pos + ext_len);
  while (pos + 4 <= end) {
    const uint16_t type = static_cast<uint16_t>(b[pos] << 8 | b[pos + 1]);
    const size_t len = static_cast<size_t>(b[pos + 2] << 8 | b[pos + 3]);
    pos += 4;
    if (pos + len > end) {
      ctx.Event("tls.bad_handshake");
      return;
    }
    if (type == 43 && len == 2) selected_version_ = static_cast<uint16_t>(b[pos] << 8 | b[pos + 1]);
    pos += len;
  }
}

void TlsAnalyzer::Certificate(AnalyzerContext& ctx, std::span<const uint8_t> b) {
  // TLS <= 1.2: certificate_list<3> of ASN.1Cert<3>. (1.3 adds a context byte, but its
  // Certificate is encrypted and never reaches here.)
  if (b.size() < 6) {
    ctx.Event("tls.bad_certificate");
    return;
  }
  const size_t list_len = static_cast<size_t>(b[0]) << 16 | b[1] << 8 | b[2];
  const size_t cert_len = static_cast<size_t>(b[3]) << 16 | b[4] << 8 | b[5];
  if (list_len == 0) return;  // empty chain
  if (cert_len == 0 || cert_len > b.size() - 6) {
    ctx.Event("tls.bad_certificate");
    return;
  }
  const unsigned char* p = b.data() + 6;
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_len));
  if (!cert) {
    ctx.Event("tls.bad_certificate");
    return;
  }
  rec_.cert_subject = NameText(X509_get_subject_name(cert));
  rec_.cert_issuer = NameText(X509_get_issuer_name(cert));
  if (!AsnTimeToUs(X509_get0_notBefore(cert), &rec_.cert_not_before) ||
      !AsnTimeToUs(X509_get0_notAfter(cert), &rec_.cert_not_after)) {
    ctx.Event("tls.bad_certificate");
  }
  X509_free(cert);
}

void TlsAnalyzer::Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) {
  (void)ctx;
  if (length == 0) return;
  Side& s = sides_[static_cast<int>(dir)];
  // Inside a record that is skipped anyway, a gap costs nothing; elsewhere we lost framing.
  if (s.rec_remaining >= length && (s.rec_type != kHandshake || s.encrypted || emitted_)) {
    s.rec_remaining -= static_cast<size_t>(length);
    if (s.rec_remaining == 0) s.hdr_have = 0;
    return;
  }
  s.dead = true;
}

void TlsAnalyzer::Finish(AnalyzerContext& ctx) { Emit(ctx); }

}  // namespace

std::unique_ptr<Analyzer> NewTlsAnalyzer() { return std::make_unique<TlsAnalyzer>(); }

bool LooksLikeTls(Direction dir, std::span<const uint8_t> b) {
  if (b.size() >= 6 && b[0] == kHandshake && b[1] == 3 && b[2] <= 4) {
    const size_t len = static_cast<size_t>(b[3] << 8 | b[4]);
    if (len < 4 || len > kMaxRecordLength) return false;
    return b[5] == (dir == Direction::kToServer ? kClientHello : kServerHello);
  }
  // SSLv2 CLIENT-HELLO: 2-byte length (top bit set), type 1, version 0x0002 or 0x03xx.
  if (dir == Direction::kToServer && b.size() >= 5 && (b[0] & 0x80) && b[2] == 1 &&
      ((b[3] == 0 && b[4] == 2) || (b[3] == 3 && b[4] <= 3))) {
    const size_t len = static_cast<size_t>((b[0] & 0x7f) << 8 | b[1]);
    return len >= 9;
  }
  return false;
}

}  // namespace netward::analyzers
