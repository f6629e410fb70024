// tests/unit/analyzers/tcp_stream_replay.h: test-only replay of the TCP conversations in a corpus
// capture (pcap, pcapng, or gzip-compressed pcap) into an analyzer, so analyzer tests run on the
// real bytes of NW_CORPUS_DIR traces without the capture/flow modules. Minimal: Ethernet (with
// VLAN tags), Linux SLL, BSD null and raw IP links; IPv4/IPv6 without fragments; each direction
// put in sequence order with retransmissions trimmed. Used by the tls/smtp/ftp tests.
#pragma once

#include <pcap/pcap.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "analyzer_test_util.h"

namespace netward::analyzers::testing {

struct ReplaySegment {
  TimestampUs ts = 0;
  Direction dir = Direction::kToServer;
  std::string bytes;  // in-order new bytes this packet contributed
};

struct TcpConversation {
  FlowEndpoints flow;
  std::vector<ReplaySegment> segments;
};

namespace replay_detail {

struct DirState {
  bool started = false;
  uint32_t next = 0;
  std::map<uint32_t, std::string> pending;  // out-of-order data by sequence number
};

struct Conv {
  TcpConversation c;
  DirState dirs[2];
};

inline void AddData(Conv& conv, int d, TimestampUs ts, uint32_t seq, bool syn, const uint8_t* p,
                    size_t n) {
  DirState& s = conv.dirs[d];
  if (syn) {
    s.started = true;
    s.next = seq + 1;
    seq += 1;
  }
  if (n == 0) return;
  if (!s.started) {
    s.started = true;
    s.next = seq;
  }
  s.pending[seq].assign(reinterpret_cast<const char*>(p), n);
  std::string out;
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto it = s.pending.begin(); it != s.pending.end(); ++it) {
      const int32_t delta = static_cast<int32_t>(it->first - s.next);
      if (delta > 0) continue;
      const size_t skip = static_cast<size_t>(-delta);
      if (skip < it->second.size()) {
        out.append(it->second, skip, std::string::npos);
        s.next += static_cast<uint32_t>(it->second.size() - skip);
      }
      s.pending.erase(it);
      progress = true;
      break;
    }
  }
  if (!out.empty()) {
    conv.c.segments.push_back({ts, static_cast<Direction>(d), std::move(out)});
  }
}

inline std::string ReadWholeFile(const std::string& path) {
  std::string data;
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files unchanged
  if (!f) return data;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return data;
}

}  // namespace replay_detail

// The TCP conversations of `path`, in order of their first packet. Empty if unreadable.
inline std::vector<TcpConversation> ReadTcpConversations(const std::string& path) {
  using replay_detail::Conv;
  std::vector<TcpConversation> result;
  std::string file = replay_detail::ReadWholeFile(path);
  if (file.empty()) return result;
  FILE* mem = fmemopen(file.data(), file.size(), "rb");
  if (!mem) return result;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_fopen_offline(mem, err);
  if (!pc) {
    fclose(mem);
    return result;
  }
  const int link = pcap_datalink(pc);
  std::vector<Conv> convs;
  std::map<std::string, size_t> index;  // key "addr:port>addr:port" of the client side
  pcap_pkthdr* h;
  const u_char* pkt;
  while (pcap_next_ex(pc, &h, &pkt) == 1) {
    const uint8_t* p = pkt;
    size_t n = h->caplen;
    uint16_t ethertype = 0;
    if (link == DLT_EN10MB) {
      if (n < 14) continue;
      ethertype = static_cast<uint16_t>(p[12] << 8 | p[13]);
      p += 14, n -= 14;
      while ((ethertype == 0x8100 || ethertype == 0x88a8) && n >= 4) {
        ethertype = static_cast<uint16_t>(p[2] << 8 | p[3]);
        p += 4, n -= 4;
      }
    } else if (link == DLT_LINUX_SLL) {
      if (n < 16) continue;
      ethertype = static_cast<uint16_t>(p[14] << 8 | p[15]);
      p += 16, n -= 16;
    } else if (link == DLT_NULL || link == DLT_LOOP) {
      if (n < 4) continue;
      p += 4, n -= 4;
      ethertype = n && (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
    } else {  // raw IP
      ethertype = n && (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
    }
    IpAddress src, dst;
    uint8_t proto;
    size_t ip_payload_len;
    if (ethertype == 0x0800) {
      if (n < 20) continue;
      const size_t ihl = (p[0] & 15) * 4u;
      const size_t total = static_cast<size_t>(p[2] << 8 | p[3]);
      if (ihl < 20 || n < ihl || total < ihl) continue;
      src = IpAddress::FromV4(p + 12);
      dst = IpAddress::FromV4(p + 16);
      proto = p[9];
      ip_payload_len = std::min(total, n) - ihl;
      p += ihl;
    } else if (ethertype == 0x86dd) {
      if (n < 40) continue;
      src = IpAddress::FromV6(p + 8);
      dst = IpAddress::FromV6(p + 24);
      proto = p[6];
      ip_payload_len = std::min(static_cast<size_t>(p[4] << 8 | p[5]), n - 40);
      p += 40;
    } else {
      continue;
    }
    if (proto != 6 || ip_payload_len < 20) continue;
    const size_t doff = (p[12] >> 4) * 4u;
    if (doff < 20 || doff > ip_payload_len) continue;
    const uint16_t sport = static_cast<uint16_t>(p[0] << 8 | p[1]);
    const uint16_t dport = static_cast<uint16_t>(p[2] << 8 | p[3]);
    const uint32_t seq = static_cast<uint32_t>(p[4]) << 24 | p[5] << 16 | p[6] << 8 | p[7];
    const uint8_t flags = p[13];
    const std::string a = src.ToString() + ":" + std::to_string(sport);
    const std::string b = dst.ToString() + ":" + std::to_string(dport);
    int dir;
    size_t idx;
    auto it = index.find(a + ">" + b);
    if (it != index.end()) {
      idx = it->second, dir = 0;
    } else if ((it = index.find(b + ">" + a)) != index.end()) {
      idx = it->second, dir = 1;
    } else {
      const bool synack = (flags & 0x12) == 0x12;
      Conv c;
      c.c.flow.ip_proto = 6;
      c.c.flow.client_ip = synack ? dst : src;
      c.c.flow.server_ip = synack ? src : dst;
      c.c.flow.client_port = synack ? dport : sport;
      c.c.flow.server_port = synack ? sport : dport;
      idx = convs.size();
      convs.push_back(std::move(c));
      index[synack ? b + ">" + a : a + ">" + b] = idx;
      dir = synack ? 1 : 0;
    }
    const TimestampUs ts = static_cast<TimestampUs>(h->ts.tv_sec) * kUsPerSecond +
                           static_cast<TimestampUs>(h->ts.tv_usec);
    replay_detail::AddData(convs[idx], dir, ts, seq, (flags & 0x02) != 0, p + doff,
                           ip_payload_len - doff);
  }
  pcap_close(pc);  // closes `mem`
  for (auto& c : convs) result.push_back(std::move(c.c));
  return result;
}

// Feeds one conversation to `a` through `h` (flow and timestamps taken from the capture), in
// pieces of at most `chunk` bytes (0 = as captured), then calls Finish.
inline void Replay(AnalyzerHarness& h, Analyzer& a, const TcpConversation& c, size_t chunk = 0) {
  h.flow = c.flow;
  for (const ReplaySegment& s : c.segments) {
    h.ctx.now = s.ts;
    h.Deliver(a, s.dir, s.bytes, chunk);
  }
  a.Finish(h.ctx);
}

inline std::string CorpusTrace(const char* rel) {
  return std::string(NW_CORPUS_DIR) + "/zeek/traces/" + rel;
}

}  // namespace netward::analyzers::testing
