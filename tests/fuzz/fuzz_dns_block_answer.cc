// tests/fuzz/fuzz_dns_block_answer.cc: ForgeDnsAnswer (filter/dns_blocker.h) on arbitrary query
// bytes. The first input byte picks the options (bit 0: IPv4 sinkhole, bit 1: IPv6 sinkhole);
// the rest is the "query", copied into an exact-size buffer so an overread trips ASan. A forged
// answer must be a well-formed response: same id, QR set, one question equal to the query's,
// and it must parse back with the analyzer's name reader.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "analyzers/dns_wire.h"
#include "filter/dns_blocker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  filter::DnsAnswerOptions options;
  if (size > 0) {
    if (data[0] & 1) options.sinkhole_v4 = IpAddress::FromV4HostOrder(0x0a000063);
    if (data[0] & 2) {
      const uint8_t v6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99};
      options.sinkhole_v6 = IpAddress::FromV6(v6);
    }
    ++data, --size;
  }
  std::vector<uint8_t> query(data, data + size);
  std::vector<uint8_t> answer;
  auto forged = filter::ForgeDnsAnswer(query, options, &answer);
  if (!forged.ok()) return 0;
  if (answer.size() < 12 || std::memcmp(answer.data(), query.data(), 2) != 0 ||
      (answer[2] & 0x80) == 0) {
    abort();
  }
  size_t pos = 12;
  std::string name;
  if (analyzers::detail::ReadDnsName(answer, &pos, &name) != analyzers::detail::DnsNameError::kOk ||
      pos + 4 > answer.size() || std::memcmp(answer.data() + 12, query.data() + 12, pos + 4 - 12)) {
    abort();
  }
  const uint16_t ancount = static_cast<uint16_t>((answer[6] << 8) | answer[7]);
  if (ancount == 1) {
    pos += 4;
    std::string owner;
    if (analyzers::detail::ReadDnsName(answer, &pos, &owner) !=
            analyzers::detail::DnsNameError::kOk ||
        owner != name || pos + 10 > answer.size()) {
      abort();
    }
  }
  return 0;
}
