// tests/unit/capture/live_source_test.cc: live capture on the loopback interface (needs root),
// and clear errors for a missing interface and a bad filter.
#include "capture/live_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "capture/decoder.h"

namespace netward::capture {
namespace {

TEST(LiveSourceTest, MissingInterface) {
  LiveOptions options;
  options.interface = "nw-no-such0";
  auto src = LiveSource::Open(options);
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("nw-no-such0"), std::string::npos)
      << src.status().ToString();
  if (geteuid() == 0) {
    EXPECT_EQ(src.status().code(), Status::Code::kNotFound);
  }
  options.interface = "";
  EXPECT_EQ(LiveSource::Open(options).status().code(), Status::Code::kInvalidArgument);
}

TEST(LiveSourceTest, LoopbackCaptureWithFilter) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root";
  LiveOptions options;
  options.interface = "lo";
  options.buffer_mb = 4;
  options.bpf_filter = "udp and dst port 45999";
  auto src = LiveSource::Open(options);
  ASSERT_TRUE(src.ok()) << src.status().ToString();

  // Idle: Next() returns false instead of blocking (~50 ms; the bound is loose because a loaded
  // CI machine may deschedule us: this checks "does not block", not speed).
  RawPacket raw;
  auto t0 = std::chrono::steady_clock::now();
  Result<bool> idle = (*src)->Next(&raw);
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(*idle);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count(), 3000);

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to = {};
  to.sin_family = AF_INET;
  to.sin_port = htons(45999);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(sendto(fd, "netward", 7, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 7);
  close(fd);

  Decoder decoder;
  DecodedPacket p;
  bool got = false;
  for (int i = 0; i < 40 && !got; ++i) {
    Result<bool> more = (*src)->Next(&raw);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (*more && decoder.Decode(raw, &p) == DecodeResult::kPacket) got = true;
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(p.dst_port, 45999);
  EXPECT_EQ(p.dst_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p.payload_len, 7u);
  EXPECT_GE((*src)->stats().received, 1u);
}

TEST(LiveSourceTest, BadFilter) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root";
  LiveOptions options;
  options.interface = "lo";
  options.bpf_filter = "this is not bpf";
  auto src = LiveSource::Open(options);
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(src.status().message().find("bad BPF filter"), std::string::npos);
}

}  // namespace
}  // namespace netward::capture
