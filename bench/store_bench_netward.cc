// bench/store_bench_netward.cc: netward's store (src/store/store.h), driven the way `netward
// ingest` drives it, on the caller's one thread: Store::Open with background=false, the records
// as canonical JSON lines (record/json_encoder.h) appended ~1000 lines per AppendLines call,
// Sync() after each second of ingest and Checkpoint() after each 10 s (what the background thread
// would do), Close() at the end; then queries through a StoreReader.
// Built only when src/store/store.cc exists (NW_BENCH_HAVE_STORE, bench/CMakeLists.txt), and run
// only when the schema has the session fields account, calling_id, nat_ip, nat_port and the nat
// stream (src/record/schema.h); otherwise MakeNetward says why not.
#include "store_bench_systems.h"

#if NW_BENCH_HAVE_STORE
#include "record/json_encoder.h"
#include "record/schema.h"
#include "store/store.h"
#endif

namespace netward::bench {

#if NW_BENCH_HAVE_STORE && defined(NW_NAT_FIELDS)
namespace {

// The real record structs; a template so that the branch for a schema without the new session
// fields is discarded instead of failing to compile.
template <typename S>
constexpr bool kSessionHasSubscriberFields = requires(S s) {
  s.account;
  s.calling_id;
  s.nat_ip;
  s.nat_port;
};

template <typename S>
void FillSession(const SessionRow& r, S* s) {
  s->ts = r.ts;
  s->end_ts = r.end_ts;
  s->proto.assign(r.proto);
  s->src_ip = IpAddress::FromV4HostOrder(r.src_ip);
  s->src_port = r.src_port;
  if constexpr (kSessionHasSubscriberFields<S>) {
    s->nat_ip = IpAddress::FromV4HostOrder(r.nat_ip);
    s->nat_port = r.nat_port;
    s->account.assign(r.account);
    s->calling_id.assign(r.calling_id);
  }
  s->dst_ip = IpAddress::FromV4HostOrder(r.dst_ip);
  s->dst_port = r.dst_port;
  s->vlan = r.vlan;
  s->mac.assign(r.mac);
  s->app.assign(r.app);
  s->host.assign(r.host);
  s->url = r.url;
  s->bytes_up = r.bytes_up;
  s->bytes_down = r.bytes_down;
  s->pkts_up = r.pkts_up;
  s->pkts_down = r.pkts_down;
  s->close.assign(r.close);
}

void FillNat(const NatRow& r, record::NatRecord* n) {
  n->ts = r.ts;
  n->end_ts = r.end_ts;
  n->proto.assign(r.proto);
  n->inside_ip = IpAddress::FromV4HostOrder(r.inside_ip);
  n->inside_port = r.inside_port;
  n->outside_ip = IpAddress::FromV4HostOrder(r.outside_ip);
  n->outside_port = r.outside_port;
  n->remote_ip = IpAddress::FromV4HostOrder(r.remote_ip);
  n->remote_port = r.remote_port;
  n->source.assign(r.source);
}

class NetwardSystem : public System {
 public:
  explicit NetwardSystem(const SystemOptions& options) : options_(options) {}
  ~NetwardSystem() override { (void)Close(); }

  std::string_view name() const override { return "netward"; }
  std::string setup() const override {
    return "netward's store in process, one thread: Store::Open(background=false), canonical "
           "JSON lines appended " +
           std::to_string(options_.netward_append_lines) +
           " per AppendLines call, Sync() after each second and Checkpoint() after each 10 s of "
           "ingest (as the background thread would), Close() at the end (counted); size = the "
           "store directory's files; queries through StoreReader::Query (QuerySpec where/"
           "contains), every matching record emitted as its JSON line.";
  }

  Status Open() override {
    store::StoreOptions o;
    o.dir = options_.dir + "/store";
    o.background = false;
    Result<std::unique_ptr<store::Store>> s = store::Store::Open(o);
    if (!s.ok()) return s.status();
    store_ = std::move(s.value());
    last_sync_ = last_checkpoint_ = ingest_seconds_ = 0;
    return Status::OK();
  }

  Status Ingest(const Batch& batch, double* seconds) override {
    record::SessionRecord session;
    Encode(batch.sessions, &session, FillSession<record::SessionRecord>, &session_lines_,
           &session_cuts_);
    record::NatRecord nat;
    Encode(batch.nats, &nat, FillNat, &nat_lines_, &nat_cuts_);
    const double t0 = NowSeconds();
    if (Status s = Append(record::StreamId::kSession, session_lines_, session_cuts_); !s.ok())
      return s;
    if (Status s = Append(record::StreamId::kNat, nat_lines_, nat_cuts_); !s.ok()) return s;
    // What the background thread does, on this thread: sync every second, checkpoint every 10 s.
    double now = ingest_seconds_ + (NowSeconds() - t0);
    if (now - last_sync_ >= 1.0) {
      if (Status s = store_->Sync(); !s.ok()) return s;
      last_sync_ = now;
    }
    if (now - last_checkpoint_ >= 10.0) {
      if (Status s = store_->Checkpoint(); !s.ok()) return s;
      last_checkpoint_ = now;
    }
    const double spent = NowSeconds() - t0;
    ingest_seconds_ += spent;
    *seconds += spent;
    return Status::OK();
  }

  Status FinishIngest(double* seconds) override {
    const double t0 = NowSeconds();
    Status s = store_->Close();
    *seconds = NowSeconds() - t0;
    store_.reset();
    if (!s.ok()) return s;
    Result<std::unique_ptr<store::StoreReader>> r =
        store::StoreReader::Open(options_.dir + "/store");
    if (!r.ok()) return r.status();
    reader_ = std::move(r.value());
    return Status::OK();
  }

  Result<uint64_t> BytesOnDisk() override { return DirectoryBytes(options_.dir + "/store"); }

  Status Point(const PointQuery& q, const std::string&, uint64_t* rows) override {
    const std::string ip = Ipv4Text(q.ip);
    store::QuerySpec spec;
    spec.stream = record::StreamId::kSession;
    spec.from = q.from;
    spec.to = q.to;
    spec.where = {{"src_ip", ip}};
    uint64_t a = 0, b = 0;
    if (Status s = Run(spec, &a); !s.ok()) return s;
    spec.stream = record::StreamId::kNat;
    spec.where = {{"inside_ip", ip}};
    if (Status s = Run(spec, &b); !s.ok()) return s;
    *rows = a + b;
    return Status::OK();
  }
  Status Account(const AccountQuery& q, const std::string&, uint64_t* rows) override {
    store::QuerySpec spec;
    spec.stream = record::StreamId::kSession;
    spec.from = q.from;
    spec.to = q.to;
    spec.where = {{"account", q.account}};
    return Run(spec, rows);
  }
  Status Substring(const SubstringQuery& q, const std::string&, uint64_t* rows) override {
    // host or url contains the needle, as the other systems' queries ask
    // (`netward query --contains bank --in host --in url`).
    store::QuerySpec spec;
    spec.stream = record::StreamId::kSession;
    spec.from = q.from;
    spec.to = q.to;
    spec.contains = q.needle;
    spec.contains_fields = {"host", "url"};
    return Run(spec, rows);
  }

  Status Close() override {
    reader_.reset();
    if (store_) {
      Status s = store_->Close();
      store_.reset();
      return s;
    }
    return Status::OK();
  }

 private:
  // Encodes `rows` as JSON lines into *lines; *cuts gets the end offset of every
  // netward_append_lines-th line and of the last one.
  template <typename Row, typename Record, typename Fill>
  void Encode(const std::vector<Row>& rows, Record* record, Fill fill, std::string* lines,
              std::vector<size_t>* cuts) {
    lines->clear();
    cuts->clear();
    for (size_t i = 0; i < rows.size(); ++i) {
      fill(rows[i], record);
      record::EncodeJsonLine(*record, kSite, lines);
      if ((i + 1) % options_.netward_append_lines == 0 || i + 1 == rows.size())
        cuts->push_back(lines->size());
    }
  }

  Status Append(record::StreamId stream, const std::string& lines,
                const std::vector<size_t>& cuts) {
    size_t begin = 0;
    for (size_t end : cuts) {
      if (Status s =
              store_->AppendLines(stream, std::string_view(lines).substr(begin, end - begin));
          !s.ok())
        return s;
      begin = end;
    }
    return Status::OK();
  }

  Status Run(const store::QuerySpec& spec, uint64_t* rows) {
    uint64_t n = 0;
    size_t bytes = 0;
    Status s = reader_->Query(spec, [&](uint64_t, std::string_view line) {
      ++n;
      bytes += line.size();
      return true;
    });
    sink_ += bytes;
    *rows = n;
    return s;
  }

  SystemOptions options_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::StoreReader> reader_;
  std::string session_lines_, nat_lines_;
  std::vector<size_t> session_cuts_, nat_cuts_;
  double ingest_seconds_ = 0, last_sync_ = 0, last_checkpoint_ = 0;
  size_t sink_ = 0;
};

}  // namespace

Result<std::unique_ptr<System>> MakeNetward(const SystemOptions& options) {
  if constexpr (!kSessionHasSubscriberFields<record::SessionRecord>) {
    return Status::NotSupported("netward",
                                "record::SessionRecord has no account/calling_id/nat_ip/nat_port");
  }
  return std::unique_ptr<System>(std::make_unique<NetwardSystem>(options));
}

#else

Result<std::unique_ptr<System>> MakeNetward(const SystemOptions&) {
#if !NW_BENCH_HAVE_STORE
  return Status::NotSupported("netward", "not built: src/store/store.cc does not exist yet");
#else
  return Status::NotSupported("netward", "src/record/schema.h has no nat stream yet");
#endif
}

#endif

}  // namespace netward::bench
