// src/capture/pcap_file_source.h: reads packets from a pcap or pcapng file with libpcap
// (pcap_fopen_offline handles both). Gzip-compressed files (detected by their magic, e.g.
// .pcap.gz) are first decompressed with `gzip -dc` into an anonymous temporary file.
// Used by the probe's `read` mode and by tests. One thread; not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "capture/packet.h"
#include "common/status.h"

struct pcap;

namespace netward::capture {

class PcapFileSource {
 public:
  // Opens `path`. Errors: NotFound/IOError when the file cannot be opened ("x.pcap: No such
  // file or directory"), Corruption when it is not a pcap or pcapng file ("x.pcap: not a pcap or
  // pcapng file: <libpcap's reason>").
  static Result<std::unique_ptr<PcapFileSource>> Open(const std::string& path);
  ~PcapFileSource();
  PcapFileSource(const PcapFileSource&) = delete;
  PcapFileSource& operator=(const PcapFileSource&) = delete;

  // true: *out holds the next packet, its data valid until the next Next() call.
  // false: end of file. Corruption("<path>", "packet N: ...") on a damaged/truncated record.
  Result<bool> Next(RawPacket* out);

  int linktype() const { return linktype_; }
  const std::string& path() const { return path_; }
  // Size of the file on disk (the decompressed size for gzip files), for a progress line.
  uint64_t file_size() const { return file_size_; }
  // Approximate bytes consumed so far (the file position, comparable to file_size()).
  uint64_t bytes_read() const;
  uint64_t packets_read() const { return packets_; }

 private:
  PcapFileSource() = default;

  std::string path_;
  std::unique_ptr<char[]> read_buffer_;  // the FILE's stdio buffer (setvbuf)
  pcap* handle_ = nullptr;
  int linktype_ = 0;
  uint64_t file_size_ = 0;
  uint64_t packets_ = 0;
  uint64_t bytes_ = 0;  // record bytes delivered (used when the position is unknown)
};

}  // namespace netward::capture
