// StoreReader::Query against a full scan of the same records: row groups pruned by time, blocks
// by their Bloom filter, string conditions tested once per distinct value, the WAL block, and a
// reader that sees records appended after it was opened.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "record/json_encoder.h"
#include "store/store.h"
#include "unit/store/store_test_util.h"

namespace netward::store {
namespace {

using test_util::TempStoreDir;

struct Kept {
  record::SessionRecord record;
  std::string line;  // its JSON line without '\n'
};

// Random sessions: 300 addresses, 80 accounts, a few hosts with the needle "bank", times that
// mostly increase (some go back a little: row group and block ranges overlap).
std::vector<Kept> MakeRecords(int n, TimestampUs t0, uint64_t seed, int first_id) {
  std::mt19937_64 rng(seed);
  std::vector<Kept> out;
  TimestampUs ts = t0;
  for (int i = 0; i < n; ++i) {
    record::SessionRecord r;
    ts += static_cast<TimestampUs>(rng() % 2000);
    r.ts = ts - static_cast<TimestampUs>(rng() % 8 == 0 ? rng() % 5000 : 0);
    r.end_ts = r.ts + 100;
    r.proto = rng() % 3 ? "tcp" : "udp";
    r.src_ip = IpAddress::FromV4HostOrder(0x0a000000 + static_cast<uint32_t>(rng() % 300));
    r.src_port = static_cast<uint16_t>(rng());
    r.dst_ip = IpAddress::FromV4HostOrder(0xc6336400 + static_cast<uint32_t>(rng() % 50));
    r.dst_port = rng() % 2 ? 443 : 80;
    r.account = "acct" + std::to_string(rng() % 80);
    static const char* kHosts[] = {"mybank.example", "news.example", "", "shop.example",
                                   "bankside.example.org"};
    r.host = kHosts[rng() % 5];
    if (rng() % 10 == 0) r.url = "http://x.example/p" + std::to_string(first_id + i);
    r.bytes_up = static_cast<uint64_t>(first_id + i);
    Kept k;
    k.record = r;
    record::EncodeJsonLine(r, "site1", &k.line);
    k.line.pop_back();
    out.push_back(std::move(k));
  }
  return out;
}

std::string Lines(const std::vector<Kept>& records, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) out += records[i].line + "\n";
  return out;
}

// The reference: every record tested one by one, in seq order.
std::vector<std::string> Scan(const std::vector<Kept>& records, const QuerySpec& spec) {
  std::vector<std::string> out;
  for (const Kept& k : records) {
    const record::SessionRecord& r = k.record;
    if (r.ts < spec.from || (spec.to != 0 && r.ts >= spec.to)) continue;
    bool ok = true;
    for (const auto& [field, value] : spec.where) {
      if (field == "src_ip") ok &= r.src_ip.ToString() == value;
      if (field == "account") ok &= r.account == value;
      if (field == "host") ok &= r.host == value;
      if (field == "dst_port") ok &= std::to_string(r.dst_port) == value;
      if (field == "src_port") ok &= std::to_string(r.src_port) == value;
    }
    if (!spec.contains.empty()) {
      bool found = false;
      const std::pair<const char*, const std::string*> fields[] = {
          {"proto", &r.proto},     {"mac", &r.mac},
          {"account", &r.account}, {"calling_id", &r.calling_id},
          {"app", &r.app},         {"host", &r.host},
          {"url", &r.url},         {"close", &r.close}};
      for (const auto& [name, s] : fields) {
        const bool searched = spec.contains_fields.empty() ||
                              std::find(spec.contains_fields.begin(), spec.contains_fields.end(),
                                        name) != spec.contains_fields.end();
        found |= searched && s->find(spec.contains) != std::string::npos;
      }
      ok &= found;
    }
    if (ok) out.push_back(k.line);
  }
  return out;
}

std::vector<std::string> Collect(StoreReader& reader, const QuerySpec& spec) {
  std::vector<std::string> out;
  Status st = reader.Query(spec, [&](uint64_t, std::string_view line) {
    out.emplace_back(line);
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(StoreQueryTest, SameRowsAsAFullScan) {
  TempStoreDir dir;
  const TimestampUs t0 = NowUs() - 6 * 3600 * kUsPerSecond;
  // 25,000 records in blocks of 10,000 (row groups of 4096): two blocks in segments and the
  // rest in the WAL only (synced, not closed).
  std::vector<Kept> records = MakeRecords(25000, t0, 11, 0);
  // A value only the WAL block holds.
  records[24500].record.account = "only-in-wal";
  records[24500].line.clear();
  record::EncodeJsonLine(records[24500].record, "site1", &records[24500].line);
  records[24500].line.pop_back();

  auto store = Store::Open(test_util::TestOptions(dir.path(), 10000));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(
      store.value()->AppendLines(record::StreamId::kSession, Lines(records, 0, 25000)).ok());
  ASSERT_TRUE(store.value()->Sync().ok());

  auto reader = StoreReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  std::mt19937_64 rng(99);
  int nonempty = 0;
  for (int q = 0; q < 300; ++q) {
    QuerySpec spec;
    spec.stream = record::StreamId::kSession;
    const Kept& pivot = records[rng() % records.size()];
    switch (rng() % 4) {  // time bounds: none, exact record times (boundaries), or a window
      case 0:
        break;
      case 1:
        spec.from = pivot.record.ts;
        spec.to = records[rng() % records.size()].record.ts;
        break;
      default:
        spec.from = pivot.record.ts - static_cast<TimestampUs>(rng() % 3'000'000);
        spec.to = pivot.record.ts + static_cast<TimestampUs>(rng() % 3'000'000);
        break;
    }
    switch (rng() % 6) {
      case 0:
        spec.where = {{"src_ip", pivot.record.src_ip.ToString()}};
        break;
      case 1:
        spec.where = {{"account", pivot.record.account}};
        break;
      case 2:
        spec.where = {{"src_ip", "10.9.9.9"}};  // absent
        break;
      case 3:
        spec.contains = rng() % 2 ? "bank" : "p24";
        // "bank" is in hosts and urls, "p24" in urls only: some searches of host alone
        // find nothing where a search of every field finds rows.
        if (rng() % 2) spec.contains_fields = {"host"};
        if (rng() % 4 == 0) spec.contains_fields = {"url", "host"};
        break;
      case 4:
        spec.where = {{"host", pivot.record.host}, {"dst_port", "443"}};
        break;
      default:
        spec.where = {{"account", rng() % 2 ? "only-in-wal" : "absent-account"}};
        break;
    }
    std::vector<std::string> want = Scan(records, spec);
    nonempty += !want.empty();
    ASSERT_EQ(Collect(*reader.value(), spec), want)
        << "query " << q << " from " << spec.from << " to " << spec.to;
  }
  EXPECT_GT(nonempty, 100);

  QuerySpec bad_field;
  bad_field.stream = record::StreamId::kSession;
  bad_field.contains = "x";
  bad_field.contains_fields = {"src_ip"};  // not a text field
  Status st = reader.value()->Query(bad_field, [](uint64_t, std::string_view) { return true; });
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("its text fields: proto, mac"), std::string::npos) << st.message();

  QuerySpec wal_only;
  wal_only.stream = record::StreamId::kSession;
  wal_only.where = {{"account", "only-in-wal"}};
  EXPECT_EQ(Collect(*reader.value(), wal_only).size(), 1u);
  ASSERT_TRUE(store.value()->Close().ok());
}

// Point searches: an address or port condition that leaves a few rows of a group that straddles
// --from/--to, whose ts are then read row by row (BlockReader::RowTime) instead of the group's
// ts decoded; time bounds at record times (boundaries), inside groups, and around them.
TEST(StoreQueryTest, PointSearchesAcrossGroupEdgesMatchAFullScan) {
  TempStoreDir dir;
  const TimestampUs t0 = NowUs() - 6 * 3600 * kUsPerSecond;
  std::vector<Kept> records = MakeRecords(25000, t0, 12, 0);
  std::mt19937_64 rng(7);
  for (Kept& k : records) {  // 6,000 addresses: about one row of an address per row group
    k.record.src_ip = IpAddress::FromV4HostOrder(0x0a010000 + static_cast<uint32_t>(rng() % 6000));
    k.line.clear();
    record::EncodeJsonLine(k.record, "site1", &k.line);
    k.line.pop_back();
  }
  auto store = Store::Open(test_util::TestOptions(dir.path(), 10000));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(
      store.value()->AppendLines(record::StreamId::kSession, Lines(records, 0, 25000)).ok());
  ASSERT_TRUE(store.value()->Sync().ok());
  auto reader = StoreReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  int nonempty = 0, cut = 0;
  for (int q = 0; q < 400; ++q) {
    QuerySpec spec;
    spec.stream = record::StreamId::kSession;
    const Kept& pivot = records[rng() % records.size()];
    if (rng() % 3 == 0) {
      spec.from = pivot.record.ts;  // a boundary at the pivot's own time
      spec.to = pivot.record.ts + 1 + static_cast<TimestampUs>(rng() % 20'000'000);
    } else {
      spec.from = pivot.record.ts - static_cast<TimestampUs>(rng() % 5'000'000);
      spec.to = pivot.record.ts + static_cast<TimestampUs>(rng() % 5'000'000);
    }
    if (rng() % 4 == 0) {
      spec.where = {{"src_port", std::to_string(pivot.record.src_port)}};
    } else {
      spec.where = {{"src_ip", pivot.record.src_ip.ToString()}};
    }
    std::vector<std::string> want = Scan(records, spec);
    nonempty += !want.empty();
    // Rows of the condition outside the range: the time test removed some.
    QuerySpec untimed = spec;
    untimed.from = untimed.to = 0;
    cut += Scan(records, untimed).size() > want.size();
    ASSERT_EQ(Collect(*reader.value(), spec), want)
        << "query " << q << " from " << spec.from << " to " << spec.to;
  }
  EXPECT_GT(nonempty, 300);
  EXPECT_GT(cut, 300);
  ASSERT_TRUE(store.value()->Close().ok());
}

TEST(StoreQueryTest, OpenReaderSeesRecordsAddedLater) {
  TempStoreDir dir;
  const TimestampUs t0 = NowUs() - 3600 * kUsPerSecond;
  std::vector<Kept> records = MakeRecords(9000, t0, 5, 0);
  auto store = Store::Open(test_util::TestOptions(dir.path(), 4000));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(store.value()->AppendLines(record::StreamId::kSession, Lines(records, 0, 3000)).ok());
  ASSERT_TRUE(store.value()->Sync().ok());
  auto reader = StoreReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  QuerySpec all;
  all.stream = record::StreamId::kSession;
  std::vector<Kept> so_far(records.begin(), records.begin() + 3000);
  ASSERT_EQ(Collect(*reader.value(), all), Scan(so_far, all));
  // More records: the WAL block grows, then full blocks go to the segment.
  for (size_t end : {3500, 6000, 9000}) {
    ASSERT_TRUE(store.value()
                    ->AppendLines(record::StreamId::kSession, Lines(records, so_far.size(), end))
                    .ok());
    ASSERT_TRUE(store.value()->Sync().ok());
    so_far.assign(records.begin(), records.begin() + static_cast<long>(end));
    ASSERT_EQ(Collect(*reader.value(), all), Scan(so_far, all)) << end;
    QuerySpec last = all;
    last.where = {{"bytes_up", std::to_string(end - 1)}};
    EXPECT_EQ(Collect(*reader.value(), last).size(), 1u) << end;
  }
  ASSERT_TRUE(store.value()->Close().ok());
}

}  // namespace
}  // namespace netward::store

namespace netward::store {
namespace {

// NAT searches pruned by the row groups' pair filters (outside_ip + outside_port) and zone maps
// (inside_port = 0: port blocks) return what a full scan returns, in blocks, the WAL and both
// orders of the pair.
TEST(StoreQueryTest, NatPairAndZoneMapSearchesMatchAFullScan) {
  TempStoreDir dir;
  const TimestampUs t0 = NowUs() - 6 * 3600 * kUsPerSecond;
  std::mt19937_64 rng(23);
  std::vector<record::NatRecord> records;
  std::vector<std::string> lines;
  std::string all;
  for (int i = 0; i < 26000; ++i) {
    record::NatRecord r;
    r.ts = t0 + static_cast<TimestampUs>(i) * 1000;
    r.end_ts = r.ts + 30'000'000;
    r.proto = "tcp";
    r.inside_ip = IpAddress::FromV4HostOrder(0x64400000u + static_cast<uint32_t>(rng() % 500));
    r.outside_ip = IpAddress::FromV4HostOrder(0xCB007100u + static_cast<uint32_t>(rng() % 5));
    if (rng() % 500 == 0) {  // a port block
      r.inside_port = 0;
      r.outside_port = static_cast<uint16_t>(1024 + (rng() % 500) * 128);
      r.outside_port_end = static_cast<uint16_t>(r.outside_port + 127);
    } else {
      r.inside_port = static_cast<uint16_t>(1024 + rng() % 60000);
      r.outside_port = static_cast<uint16_t>(1024 + rng() % 3000);  // repeats across groups
      r.remote_ip = IpAddress::FromV4HostOrder(0x08080800u + static_cast<uint32_t>(rng() % 9));
      r.remote_port = 443;
    }
    r.source = "ipfix";
    std::string line;
    record::EncodeJsonLine(r, "site1", &line);
    all += line;
    line.pop_back();
    records.push_back(r);
    lines.push_back(std::move(line));
  }
  auto store = Store::Open(test_util::TestOptions(dir.path(), 10000));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(store.value()->AppendLines(record::StreamId::kNat, all).ok());
  ASSERT_TRUE(store.value()->Sync().ok());
  auto reader = StoreReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());

  int nonempty = 0;
  for (int q = 0; q < 200; ++q) {
    const record::NatRecord& pivot = records[rng() % records.size()];
    const std::string ip = pivot.outside_ip.ToString();
    const std::string port = std::to_string(q % 10 == 0 ? 70 : pivot.outside_port);  // 70: absent
    QuerySpec spec;
    spec.stream = record::StreamId::kNat;
    switch (q % 4) {
      case 0:
        spec.where = {{"outside_ip", ip}, {"outside_port", port}};
        break;
      case 1:
        spec.where = {{"outside_port", port}, {"outside_ip", ip}};
        break;
      case 2:
        spec.where = {{"outside_ip", ip}, {"inside_port", "0"}};
        break;
      default:
        spec.where = {{"outside_ip", ip}, {"outside_port", port}, {"inside_port", "0"}};
        break;
    }
    if (q % 3 == 0) {
      spec.from = pivot.ts - 2'000'000'000;
      spec.to = pivot.ts + 1'000'000'000;
    }
    std::vector<std::string> want;
    for (size_t i = 0; i < records.size(); ++i) {
      const record::NatRecord& r = records[i];
      if (r.ts < spec.from || (spec.to != 0 && r.ts >= spec.to)) continue;
      bool ok = true;
      for (const auto& [field, value] : spec.where) {
        if (field == "outside_ip") ok &= r.outside_ip.ToString() == value;
        if (field == "outside_port") ok &= std::to_string(r.outside_port) == value;
        if (field == "inside_port") ok &= std::to_string(r.inside_port) == value;
      }
      if (ok) want.push_back(lines[i]);
    }
    nonempty += !want.empty();
    std::vector<std::string> got;
    ASSERT_TRUE(reader.value()
                    ->Query(spec,
                            [&](uint64_t, std::string_view line) {
                              got.emplace_back(line);
                              return true;
                            })
                    .ok());
    ASSERT_EQ(got, want) << "query " << q;
  }
  EXPECT_GT(nonempty, 100);
  ASSERT_TRUE(store.value()->Close().ok());
}

}  // namespace
}  // namespace netward::store
