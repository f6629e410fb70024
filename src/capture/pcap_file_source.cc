// src/capture/pcap_file_source.cc: libpcap offline reader.
#include "capture/pcap_file_source.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace netward::capture {
namespace {

constexpr size_t kReadBufferBytes = size_t{1} << 20;

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

}  // namespace

Result<std::unique_ptr<PcapFileSource>> PcapFileSource::Open(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path, std::strerror(err));
    return Status::IOError(path, std::strerror(err));
  }
  // libpcap reads a file packet by packet through stdio; the default buffer (st_blksize, 4 KiB)
  // costs one read(2) per few packets, which was half the time of a bare read loop. 1 MiB
  // makes the system calls negligible. (glibc ignores the size unless given the buffer.)
  auto buffer = std::make_unique_for_overwrite<char[]>(kReadBufferBytes);
  std::setvbuf(f, buffer.get(), _IOFBF, kReadBufferBytes);
  std::unique_ptr<PcapFileSource> src(new PcapFileSource());
  src->path_ = path;
  struct stat st;
  if (fstat(fileno(f), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      std::fclose(f);
      return Status::IOError(path, "is a directory");
    }
    src->file_size_ = static_cast<uint64_t>(st.st_size);
  }
  unsigned char magic[2] = {0, 0};
  size_t got = std::fread(magic, 1, 2, f);
  std::rewind(f);
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    // gzip: decompress into an anonymous temporary file that libpcap then reads (and closes).
    std::fclose(f);
    std::string cmd = "gzip -dc -- " + ShellQuote(path) + " 2>/dev/null";
    FILE* gz = popen(cmd.c_str(), "r");
    if (gz == nullptr) return Status::IOError(path, "cannot start gzip to decompress");
    f = std::tmpfile();
    if (f == nullptr) {
      pclose(gz);
      return Status::IOError(path, "cannot create a temporary file to decompress into");
    }
    std::setvbuf(f, buffer.get(), _IOFBF, kReadBufferBytes);  // the first FILE is closed
    char buf[1 << 16];
    size_t n;
    bool write_ok = true;
    while ((n = std::fread(buf, 1, sizeof(buf), gz)) > 0) {
      if (std::fwrite(buf, 1, n, f) != n) write_ok = false;
    }
    int rc = pclose(gz);
    if (!write_ok) {
      std::fclose(f);
      return Status::IOError(path, "cannot write the decompressed capture to a temporary file");
    }
    if (rc != 0) {
      std::fclose(f);
      return Status::Corruption(path, "gzip could not decompress it");
    }
    src->file_size_ = static_cast<uint64_t>(std::ftell(f));
    std::rewind(f);
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  src->handle_ = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (src->handle_ == nullptr) {
    std::fclose(f);
    return Status::Corruption(path, std::string("not a pcap or pcapng file: ") + errbuf);
  }
  src->read_buffer_ = std::move(buffer);  // outlives the FILE: pcap_close runs first
  src->linktype_ = pcap_datalink(src->handle_);
  return src;
}

PcapFileSource::~PcapFileSource() {
  if (handle_ != nullptr) pcap_close(handle_);  // also closes the FILE*
}

Result<bool> PcapFileSource::Next(RawPacket* out) {
  struct pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(handle_, &hdr, &data);
  if (rc == 1) {
    ++packets_;
    bytes_ += 16 + hdr->caplen;
    out->ts = static_cast<TimestampUs>(hdr->ts.tv_sec) * kUsPerSecond + hdr->ts.tv_usec;
    out->data = data;
    out->caplen = hdr->caplen;
    out->wirelen = hdr->len;
    out->linktype = linktype_;
    return true;
  }
  if (rc == PCAP_ERROR_BREAK) return false;  // -2: end of file
  return Status::Corruption(path_,
                            "packet " + std::to_string(packets_ + 1) + ": " + pcap_geterr(handle_));
}

uint64_t PcapFileSource::bytes_read() const {
  FILE* f = pcap_file(handle_);
  if (f != nullptr) {
    long pos = std::ftell(f);
    if (pos >= 0) return static_cast<uint64_t>(pos);
  }
  return bytes_;
}

}  // namespace netward::capture
