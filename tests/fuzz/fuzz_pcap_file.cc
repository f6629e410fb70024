// tests/fuzz/fuzz_pcap_file.cc: a whole capture file of arbitrary bytes through PcapFileSource
// (libpcap's pcap/pcapng readers behind netward's error handling) and the decoder, as
// `netward replay` reads it. A damaged file must end in a clean error, never a crash.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "capture/decoder.h"
#include "capture/pcap_file_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = memfd_create("fuzz.pcap", 0);
  if (fd < 0) return 0;
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  auto source = netward::capture::PcapFileSource::Open("/proc/self/fd/" + std::to_string(fd));
  if (source.ok()) {
    netward::capture::Decoder decoder;
    netward::capture::RawPacket raw;
    netward::capture::DecodedPacket decoded;
    for (int i = 0; i < 100000; ++i) {  // bounded even if a reader never ends
      auto next = (*source)->Next(&raw);
      if (!next.ok() || !*next) break;
      (void)decoder.Decode(raw, &decoded);
    }
  }
  close(fd);
  return 0;
}
