#include "analyzers/tls_fingerprint.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace netward::analyzers::tls_detail {
namespace {

constexpr size_t kMaxListEntries = 256;
constexpr size_t kMaxNameLength = 255;

// Bounds-checked big-endian reader over one byte span.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> d) : d_(d) {}
  bool U8(uint8_t* v) {
    if (d_.size() - pos_ < 1) return false;
    *v = d_[pos_++];
    return true;
  }
  bool U16(uint16_t* v) {
    if (d_.size() - pos_ < 2) return false;
    *v = static_cast<uint16_t>(d_[pos_] << 8 | d_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool Bytes(size_t n, std::span<const uint8_t>* out) {
    if (d_.size() - pos_ < n) return false;
    *out = d_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool Skip(size_t n) {
    std::span<const uint8_t> s;
    return Bytes(n, &s);
  }
  // Reads a vector prefixed by a `len_bytes`-byte length.
  bool Vec(int len_bytes, std::span<const uint8_t>* out) {
    size_t n = 0;
    if (len_bytes == 1) {
      uint8_t v;
      if (!U8(&v)) return false;
      n = v;
    } else {
      uint16_t v;
      if (!U16(&v)) return false;
      n = v;
    }
    return Bytes(n, out);
  }
  bool done() const { return pos_ == d_.size(); }

 private:
  std::span<const uint8_t> d_;
  size_t pos_ = 0;
};

void ReadU16List(std::span<const uint8_t> s, std::vector<uint16_t>* out) {
  for (size_t i = 0; i + 1 < s.size() && out->size() < kMaxListEntries; i += 2) {
    out->push_back(static_cast<uint16_t>(s[i] << 8 | s[i + 1]));
  }
}

bool ParseExtension(uint16_t type, std::span<const uint8_t> data, ClientHelloInfo* info) {
  Reader r(data);
  std::span<const uint8_t> list;
  switch (type) {
    case 0: {  // server_name
      info->has_sni_ext = true;
      if (data.empty()) return true;  // empty in ServerHello; tolerate here too
      if (!r.Vec(2, &list)) return false;
      Reader names(list);
      while (!names.done()) {
        uint8_t name_type;
        std::span<const uint8_t> name;
        if (!names.U8(&name_type) || !names.Vec(2, &name)) return false;
        if (name_type == 0 && info->sni.empty()) {
          info->sni.assign(reinterpret_cast<const char*>(name.data()),
                           std::min(name.size(), kMaxNameLength));
        }
      }
      return true;
    }
    case 10:  // supported_groups
      if (!r.Vec(2, &list)) return false;
      ReadU16List(list, &info->groups);
      return true;
    case 11:  // ec_point_formats
      if (!r.Vec(1, &list)) return false;
      for (size_t i = 0; i < list.size() && info->point_formats.size() < kMaxListEntries; ++i) {
        info->point_formats.push_back(list[i]);
      }
      return true;
    case 13:  // signature_algorithms
      if (!r.Vec(2, &list)) return false;
      ReadU16List(list, &info->sig_algs);
      return true;
    case 16: {  // ALPN
      if (!r.Vec(2, &list)) return false;
      Reader protos(list);
      while (!protos.done()) {
        std::span<const uint8_t> p;
        if (!protos.Vec(1, &p)) return false;
        if (info->alpn.size() < 32) {
          info->alpn.emplace_back(reinterpret_cast<const char*>(p.data()),
                                  std::min(p.size(), kMaxNameLength));
        }
      }
      return true;
    }
    case 43:  // supported_versions (ClientHello form: 1-byte length)
      if (!r.Vec(1, &list)) return false;
      ReadU16List(list, &info->versions);
      return true;
    default:
      return true;
  }
}

void AppendDecList(const std::vector<uint16_t>& v, std::string* out) {
  bool first = true;
  char buf[8];
  for (uint16_t x : v) {
    if (IsGrease(x)) continue;
    if (!first) out->push_back('-');
    first = false;
    std::snprintf(buf, sizeof buf, "%u", x);
    out->append(buf);
  }
}

std::string HexDigest(const EVP_MD* md, std::string_view data, size_t hex_chars) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len && out.size() < hex_chars; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  out.resize(std::min(out.size(), hex_chars));
  return out;
}

void AppendHex4List(const std::vector<uint16_t>& v, std::string* out) {
  char buf[8];
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->push_back(',');
    std::snprintf(buf, sizeof buf, "%04x", v[i]);
    out->append(buf);
  }
}

bool IsAlnum(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

bool IsGrease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

bool ParseClientHello(std::span<const uint8_t> body, ClientHelloInfo* info) {
  Reader r(body);
  std::span<const uint8_t> s;
  if (!r.U16(&info->legacy_version)) return false;
  if (!r.Skip(32)) return false;    // random
  if (!r.Vec(1, &s)) return false;  // session id
  if (!r.Vec(2, &s)) return false;  // cipher suites
  ReadU16List(s, &info->ciphers);
  if (!r.Vec(1, &s)) return false;  // compression methods
  if (r.done()) return true;        // no extensions (SSLv3 style)
  std::span<const uint8_t> exts;
  if (!r.Vec(2, &exts)) return false;
  Reader e(exts);
  while (!e.done()) {
    uint16_t type;
    std::span<const uint8_t> data;
    if (!e.U16(&type) || !e.Vec(2, &data)) return false;
    if (info->extensions.size() < kMaxListEntries) info->extensions.push_back(type);
    if (!ParseExtension(type, data, info)) return false;
  }
  return true;
}

std::string Ja3String(const ClientHelloInfo& ch) {
  std::string s = std::to_string(ch.legacy_version);
  s.push_back(',');
  AppendDecList(ch.ciphers, &s);
  s.push_back(',');
  AppendDecList(ch.extensions, &s);
  s.push_back(',');
  AppendDecList(ch.groups, &s);
  s.push_back(',');
  for (size_t i = 0; i < ch.point_formats.size(); ++i) {
    if (i) s.push_back('-');
    s.append(std::to_string(ch.point_formats[i]));
  }
  return s;
}

std::string Ja3(const ClientHelloInfo& ch) { return HexDigest(EVP_md5(), Ja3String(ch), 32); }

std::string Ja4(const ClientHelloInfo& ch, bool quic) {
  std::string out;
  out.push_back(quic ? 'q' : 't');
  uint16_t version = 0;
  for (uint16_t v : ch.versions) {
    if (!IsGrease(v) && v > version) version = v;
  }
  if (version == 0) version = ch.legacy_version;
  switch (version) {
    case 0x0304:
      out.append("13");
      break;
    case 0x0303:
      out.append("12");
      break;
    case 0x0302:
      out.append("11");
      break;
    case 0x0301:
      out.append("10");
      break;
    case 0x0300:
      out.append("s3");
      break;
    case 0x0002:
      out.append("s2");
      break;
    case 0xfeff:
      out.append("d1");
      break;
    case 0xfefd:
      out.append("d2");
      break;
    case 0xfefc:
      out.append("d3");
      break;
    default:
      out.append("00");
      break;
  }
  out.push_back(ch.has_sni_ext ? 'd' : 'i');

  std::vector<uint16_t> ciphers, exts;
  for (uint16_t c : ch.ciphers)
    if (!IsGrease(c)) ciphers.push_back(c);
  size_t ext_count = 0;
  for (uint16_t x : ch.extensions) {
    if (IsGrease(x)) continue;
    ++ext_count;
    if (x != 0x0000 && x != 0x0010) exts.push_back(x);
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02zu", std::min<size_t>(ciphers.size(), 99));
  out.append(buf);
  std::snprintf(buf, sizeof buf, "%02zu", std::min<size_t>(ext_count, 99));
  out.append(buf);

  if (ch.alpn.empty() || ch.alpn[0].empty()) {
    out.append("00");
  } else {
    const std::string& a = ch.alpn[0];
    const uint8_t first = static_cast<uint8_t>(a.front());
    const uint8_t last = static_cast<uint8_t>(a.back());
    if (IsAlnum(first) && IsAlnum(last)) {
      out.push_back(static_cast<char>(first));
      out.push_back(static_cast<char>(last));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out.push_back(kHex[first >> 4]);
      out.push_back(kHex[last & 15]);
    }
  }

  out.push_back('_');
  std::sort(ciphers.begin(), ciphers.end());
  if (ciphers.empty()) {
    out.append("000000000000");
  } else {
    std::string list;
    AppendHex4List(ciphers, &list);
    out.append(HexDigest(EVP_sha256(), list, 12));
  }
  out.push_back('_');
  std::sort(exts.begin(), exts.end());
  if (exts.empty()) {
    out.append("000000000000");
  } else {
    std::string list;
    AppendHex4List(exts, &list);
    if (!ch.sig_algs.empty()) {
      list.push_back('_');
      AppendHex4List(ch.sig_algs, &list);
    }
    out.append(HexDigest(EVP_sha256(), list, 12));
  }
  return out;
}

std::string TlsVersionText(uint16_t v) {
  switch (v) {
    case 0x0002:
      return "SSLv2";
    case 0x0300:
      return "SSLv3";
    case 0x0301:
      return "TLSv10";
    case 0x0302:
      return "TLSv11";
    case 0x0303:
      return "TLSv12";
    case 0x0304:
      return "TLSv13";
    default:
      break;
  }
  char buf[24];
  if ((v >> 8) == 0x7f) {
    std::snprintf(buf, sizeof buf, "TLSv13-draft%u", v & 0xff);
  } else {
    std::snprintf(buf, sizeof buf, "unknown-%u", v);
  }
  return buf;
}

}  // namespace netward::analyzers::tls_detail
