#include "record/json_encoder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "record/record_batch.h"

namespace netward::record {
namespace {

TEST(JsonEncoderTest, EncodesEveryFieldInSchemaOrder) {
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
  r.rcode = "NOERROR";
  r.answers = {"93.184.216.34"};
  r.ttls = {3600};
  std::string out;
  EncodeJsonLine(r, "S01", &out);
  EXPECT_EQ(out,
            "{\"ts\":\"2023-11-14T22:13:20.123456Z\",\"src_ip\":\"10.0.0.1\",\"src_port\":5353,"
            "\"dst_ip\":\"2001:db8::53\",\"dst_port\":53,\"proto\":\"udp\",\"trans_id\":4660,"
            "\"query\":\"example.com\",\"qtype\":\"A\",\"rcode\":\"NOERROR\","
            "\"answers\":[\"93.184.216.34\"],\"ttls\":[3600],\"nat_ip\":\"::\",\"nat_port\":0,"
            "\"mac\":\"\",\"account\":\"\",\"calling_id\":\"\",\"site\":\"S01\"}\n");
}

TEST(JsonEncoderTest, EscapesControlQuotesAndInvalidUtf8) {
  HttpRecord r;
  r.uri = std::string("/a\"b\\c\n\x01\xff\xe4\xb8\xad", 12);  // ends with valid UTF-8 "中"
  std::string out;
  EncodeJsonLine(r, "", &out);
  auto j = nlohmann::json::parse(out);  // throws if not valid JSON / UTF-8
  EXPECT_EQ(j["uri"].get<std::string>(), "/a\"b\\c\n\x01\\xff\xe4\xb8\xad");
}

TEST(JsonEncoderTest, UnknownTimeIsEmptyString) {
  TlsRecord r;
  r.ts = 1700000000123456LL;
  std::string out;
  EncodeJsonLine(r, "", &out);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["ts"], "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(j["cert_not_before"], "");
  EXPECT_EQ(j["cert_not_after"], "");
}

TEST(RecordBatchTest, CountsAndClearsPerStream) {
  RecordBatch batch("S01", 64);
  SessionRecord s;
  s.proto = "tcp";
  batch.Add(s);
  batch.Add(s);
  EXPECT_EQ(batch.count(StreamId::kSession), 2u);
  EXPECT_EQ(batch.count(StreamId::kDns), 0u);
  EXPECT_TRUE(batch.full());
  batch.Clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.lines(StreamId::kSession), "");
}

TEST(SchemaTest, StreamNamesRoundTrip) {
  for (size_t i = 0; i < kStreamCount; ++i) {
    StreamId id;
    ASSERT_TRUE(StreamFromName(StreamName(static_cast<StreamId>(i)), &id));
    EXPECT_EQ(static_cast<size_t>(id), i);
  }
  StreamId id;
  EXPECT_FALSE(StreamFromName("nope", &id));
}

}  // namespace
}  // namespace netward::record
