// The store's commands: `netward ingest`, `query`, `export`, `proof`, `verify`, `stats`
// (docs/store.md). Each opens the store directory given with --store.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "api/field_cipher.h"
#include "api/registration_view.h"
#include "cli/commands.h"
#include "common/config.h"
#include "record/csv_encoder.h"
#include "record/json_decoder.h"
#include "record/json_encoder.h"
#include "record/table_encoder.h"
#include "store/block_codec.h"
#include "store/store.h"
#include "store/verifier.h"

namespace netward::cli {
namespace {

bool ParseStream(const std::string& name, record::StreamId* id, const char* cmd) {
  if (record::StreamFromName(name, id)) return true;
  std::cerr << "netward " << cmd << ": unknown stream \"" << name
            << "\"; streams: " << record::StreamNameList() << "\n";
  SetExitCode(2);
  return false;
}

}  // namespace

// "2026-11-22T10:00:00Z", "2026-11-22" (midnight UTC), "now", or "-2h" / "-30m" / "-7d".
bool ParseTimeArg(const std::string& text, TimestampUs* out) {
  if (text == "now") {
    *out = NowUs();
    return true;
  }
  if (!text.empty() && text[0] == '-') {
    int64_t us = 0;
    if (!ParseDuration(text.substr(1), &us)) return false;
    *out = NowUs() - us;
    return true;
  }
  if (auto t = ParseIso8601(text)) {
    *out = *t;
    return true;
  }
  if (auto t = ParseIso8601(text + "T00:00:00Z")) {
    *out = *t;
    return true;
  }
  return false;
}

namespace {

void Fail(const char* cmd, const Status& st) {
  std::cerr << "netward " << cmd << ": " << st.message() << "\n";
  SetExitCode(st.code() == Status::Code::kInvalidArgument ? 2 : 1);
}

// ---- ingest ----

struct IngestOptions {
  std::string store, stream, file, on_error = "stop", site;
  uint32_t retention_days = store::kDefaultRetentionDays;
  std::string key;
};

void RunIngest(const IngestOptions& o) {
  record::StreamId stream;
  if (!ParseStream(o.stream, &stream, "ingest")) return;
  FILE* in = o.file == "-" ? stdin : std::fopen(o.file.c_str(), "rb");
  if (!in) {
    std::cerr << "netward ingest: " << o.file << ": " << std::strerror(errno) << "\n";
    SetExitCode(1);
    return;
  }
  store::StoreOptions so;
  so.dir = o.store;
  so.site = o.site;
  so.signing_key_path = o.key;
  so.retention_days.fill(o.retention_days);
  auto opened = store::Store::Open(so);
  if (!opened.ok()) {
    if (in != stdin) std::fclose(in);
    return Fail("ingest", opened.status());
  }
  store::Store& st = *opened.value();
  // Lines are appended in batches; a bad line is reported with its number and, with
  // --on-error=skip, left out (the rest of its batch is appended line by line).
  std::string batch, canonical;
  std::vector<size_t> batch_line_numbers;
  uint64_t line_no = 0, ok = 0, bad = 0;
  bool stop = false;
  auto flush = [&]() {
    if (batch.empty()) return;
    Status s = st.AppendLines(stream, batch);
    if (s.ok()) {
      ok += batch_line_numbers.size();
    } else if (s.code() != Status::Code::kInvalidArgument) {
      Fail("ingest", s);
      stop = true;
    } else {
      // Find the bad lines one by one.
      size_t pos = 0;
      for (size_t i = 0; i < batch_line_numbers.size() && !stop; ++i) {
        size_t end = batch.find('\n', pos);
        std::string_view line(batch.data() + pos, end - pos);
        pos = end + 1;
        Status one = st.AppendLines(stream, line);
        if (one.ok()) {
          ++ok;
          continue;
        }
        ++bad;
        std::string msg = one.message();
        auto colon = msg.find(": ");  // drop the "line 1" of the single-line call
        std::cerr << o.file << ":" << batch_line_numbers[i] << ": "
                  << (colon != std::string::npos ? msg.substr(colon + 2) : msg) << "\n";
        if (o.on_error == "stop") {
          std::cerr << "netward ingest: stopped at the first bad line (--on-error=skip goes on); "
                       "the "
                    << ok << " records before it are stored\n";
          SetExitCode(1);
          stop = true;
        }
      }
    }
    batch.clear();
    batch_line_numbers.clear();
  };
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t n;
  while (!stop && (n = getline(&buf, &cap, in)) >= 0) {
    ++line_no;
    std::string_view line(buf, static_cast<size_t>(n));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    batch.append(line);
    batch.push_back('\n');
    batch_line_numbers.push_back(line_no);
    if (batch_line_numbers.size() >= 4096) flush();
  }
  if (!stop) flush();
  std::free(buf);
  if (in != stdin) std::fclose(in);
  Status closed = st.Close();
  if (!closed.ok()) return Fail("ingest", closed);
  std::cerr << "netward ingest: " << ok << " records stored in " << o.store << " (" << o.stream
            << ")";
  if (bad) std::cerr << ", " << bad << " bad lines skipped";
  std::cerr << "\n";
  if (bad && ExitCode() == 0) SetExitCode(1);
}

// ---- query ----

struct QueryOptions {
  std::string store, stream, from, to, contains, format = "json";
  std::vector<std::string> contains_in;  // --in: the fields --contains searches
  std::vector<std::string> where;
  uint64_t limit = 0;
  bool reveal = false;  // registration: decrypt id_number and phone (docs/api.md, "Reveal")
  std::string field_key, actor, key;
};

// Registration records print id_number and phone masked unless revealed with the field key
// (api/registration_view.h); returns false (and says why) if a value does not decrypt.
bool ShowRegistrationLine(std::string_view line, const api::FieldCipher* reveal_with, uint64_t seq,
                          std::string* out) {
  record::RegistrationRecord r;
  std::string site;
  out->clear();
  if (!record::DecodeJsonLine(line, &r, &site, nullptr).ok()) return false;
  std::vector<std::string> errors;
  const bool ok = api::ShowRegistration(&r, reveal_with, &errors);
  for (const auto& why : errors) {
    std::cerr << "netward query: registration seq " << seq << ": " << why << "\n";
  }
  record::EncodeJsonLine(r, site, out);
  out->pop_back();  // '\n'
  return ok;
}

// Appends the `maintenance` record of a reveal (component query, action reveal) to the store
// and syncs it. Fails if the store cannot be opened for writing (e.g. a running probe holds it).
Status LogReveal(const QueryOptions& o, uint64_t first_seq, uint64_t last_seq, size_t n) {
  store::StoreOptions so;
  so.dir = o.store;
  so.signing_key_path = o.key;
  so.background = false;
  auto opened = store::Store::Open(so);
  if (!opened.ok()) {
    return Status::IOError(o.store,
                           "--reveal must log itself in the store first, which could "
                           "not be opened for writing (" +
                               opened.status().message() + "); nothing was revealed");
  }
  record::MaintenanceRecord m;
  m.ts = NowUs();
  m.component = "query";
  m.action = "reveal";
  m.actor = o.actor;
  m.object = "registration seq " + std::to_string(first_seq) + ".." + std::to_string(last_seq);
  m.detail = std::to_string(n) + " registration records: id_number and phone decrypted";
  std::string line;
  record::EncodeJsonLine(m, "", &line);
  Status st = (*opened)->AppendLines(record::StreamId::kMaintenance, line);
  Status closed = (*opened)->Close();  // syncs: the log is durable before anything is shown
  if (!st.ok()) return st;
  return closed;
}

void RunQuery(const QueryOptions& o) {
  store::QuerySpec spec;
  if (!ParseStream(o.stream, &spec.stream, "query")) return;
  if (!o.from.empty() && !ParseTimeArg(o.from, &spec.from)) {
    std::cerr << "netward query: --from " << o.from
              << ": not a time (use 2026-11-22T10:00:00Z, 2026-11-22, now, or -2h / -30m / -7d)\n";
    return SetExitCode(2);
  }
  if (!o.to.empty() && !ParseTimeArg(o.to, &spec.to)) {
    std::cerr << "netward query: --to " << o.to << ": not a time\n";
    return SetExitCode(2);
  }
  for (const auto& w : o.where) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "netward query: --where " << w << ": expected FIELD=VALUE\n";
      return SetExitCode(2);
    }
    spec.where.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  if (!o.contains_in.empty() && o.contains.empty()) {
    std::cerr << "netward query: --in names the fields --contains searches; give --contains TEXT\n";
    return SetExitCode(2);
  }
  spec.contains = o.contains;
  spec.contains_fields = o.contains_in;
  spec.limit = o.limit;
  const bool registration = spec.stream == record::StreamId::kRegistration;
  std::optional<api::FieldCipher> cipher;
  if (o.reveal) {
    if (!registration || o.field_key.empty() || o.actor.empty()) {
      std::cerr << "netward query: --reveal needs --stream registration, --field-key FILE and "
                   "--actor NAME (who is revealing, written to the store's maintenance log)\n";
      return SetExitCode(2);
    }
    auto loaded = api::FieldCipher::Load(o.field_key);
    if (!loaded.ok()) return Fail("query", loaded.status());
    cipher = std::move(*loaded);
  }
  auto reader = store::StoreReader::Open(o.store);
  if (!reader.ok()) return Fail("query", reader.status());
  // Registrations are read first: a reveal is logged (a `maintenance` record appended to the
  // store) before any decrypted value is printed, and refused if it cannot be logged.
  std::vector<std::pair<uint64_t, std::string>> registrations;
  if (registration) {
    Status st = reader.value()->Query(spec, [&](uint64_t seq, std::string_view line) {
      registrations.emplace_back(seq, std::string(line));
      return true;
    });
    if (!st.ok()) return Fail("query", st);
    if (o.reveal && !registrations.empty()) {
      Status logged = LogReveal(o, registrations.front().first, registrations.back().first,
                                registrations.size());
      if (!logged.ok()) return Fail("query", logged);
    }
  }

  record::TableWriter table(record::TableHeaders(spec.stream));
  std::string out;
  if (o.format == "csv") out = record::CsvHeader(spec.stream);
  std::vector<std::string> cells;
  uint64_t rows = 0;
  std::string shown;
  bool all_revealed = true;
  const auto emit = [&](uint64_t seq, std::string_view line) {
    ++rows;
    if (registration) {
      all_revealed &= ShowRegistrationLine(line, cipher ? &*cipher : nullptr, seq, &shown);
      line = shown;
    }
    if (o.format == "json") {
      out.append(line);
      out.push_back('\n');
    } else if (o.format == "csv") {
      (void)record::JsonLineToCsv(spec.stream, line, &out);  // the store wrote it: it decodes
    } else if (record::JsonLineToCells(spec.stream, line, &cells).ok()) {
      table.AddRow(std::move(cells));
    }
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
    return true;
  };
  Status st;
  if (registration) {
    for (const auto& [seq, line] : registrations) emit(seq, line);
  } else {
    st = reader.value()->Query(spec, emit);
  }
  if (o.format == "table") out += table.Render();
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!st.ok()) return Fail("query", st);
  std::cerr << rows << " records\n";
  if (!all_revealed) SetExitCode(1);
}

// ---- export, proof, verify, stats ----

struct ExportOptions {
  std::string store, stream;
  bool leaves = false, checkpoint = false;
};

void RunExport(const ExportOptions& o) {
  record::StreamId stream;
  if (!ParseStream(o.stream, &stream, "export")) return;
  if (o.checkpoint) {
    auto note = store::LatestCheckpoint(o.store, stream);
    if (!note.ok()) return Fail("export", note.status());
    std::fwrite(note->data(), 1, note->size(), stdout);
    return;
  }
  std::string out;
  Status st = store::ExportLeaves(o.store, stream, [&](std::string_view line) {
    out.append(line);
    out.push_back('\n');
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  });
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!st.ok()) Fail("export", st);
}

struct ProofOptions {
  std::string store, stream = "session";
  int64_t seq = -1;
  uint64_t size = 0, old_size = 0;
};

std::string HexList(const std::vector<store::Hash>& hashes) {
  std::string s = "[";
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i) s += ",";
    s += "\"" + store::HashToHex(hashes[i]) + "\"";
  }
  return s + "]";
}

std::string JsonText(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

void RunProof(const ProofOptions& o) {
  record::StreamId stream;
  if (!ParseStream(o.stream, &stream, "proof")) return;
  if (o.old_size > 0) {
    auto p = store::ProveConsistency(o.store, stream, o.old_size, o.size);
    if (!p.ok()) return Fail("proof", p.status());
    std::cout << "{\"type\":\"consistency\",\"stream\":\"" << o.stream
              << "\",\"old_size\":" << p->old_size << ",\"new_size\":" << p->new_size
              << ",\"proof\":" << HexList(p->proof)
              << ",\"old_checkpoint\":" << JsonText(p->old_checkpoint)
              << ",\"new_checkpoint\":" << JsonText(p->new_checkpoint) << "}\n";
    return;
  }
  if (o.seq < 0) {
    std::cerr << "netward proof: give --seq N (inclusion) or --old SIZE (consistency)\n";
    return SetExitCode(2);
  }
  auto p = store::ProveInclusion(o.store, stream, static_cast<uint64_t>(o.seq), o.size);
  if (!p.ok()) return Fail("proof", p.status());
  std::cout << "{\"type\":\"inclusion\",\"stream\":\"" << o.stream << "\",\"seq\":" << p->seq
            << ",\"tree_size\":" << p->tree_size << ",\"leaf\":" << JsonText(p->leaf)
            << ",\"leaf_hash\":\"" << store::HashToHex(p->leaf_hash)
            << "\",\"proof\":" << HexList(p->proof) << ",\"checkpoint\":" << JsonText(p->checkpoint)
            << "}\n";
}

struct VerifyCliOptions {
  std::string store, pubkey, stream;
};

void RunVerify(const VerifyCliOptions& o) {
  store::VerifyOptions vo;
  vo.pubkey_path = o.pubkey;
  if (!o.stream.empty()) {
    if (!ParseStream(o.stream, &vo.stream, "verify")) return;
    vo.one_stream = true;
  }
  vo.progress = [](std::string_view line) { std::cerr << "  " << line << "\n"; };
  store::VerifyReport report;
  Status st = store::VerifyStore(o.store, vo, &report);
  if (!st.ok()) return Fail("verify", st);
  for (const auto& s : report.streams) {
    if (s.records == 0 && s.checkpoints == 0 && s.purged == 0) continue;
    std::cout << record::StreamName(s.stream) << ": " << s.records << " records";
    if (s.purged) std::cout << " (+" << s.purged << " dropped by retention)";
    std::cout << ", " << s.checkpoints << " checkpoint signatures, " << s.roots_checked
              << " roots recomputed";
    if (s.last_checkpoint_size) {
      std::cout << ", latest checkpoint size " << s.last_checkpoint_size << " root "
                << s.last_root_hex.substr(0, 16) << "…";
    }
    if (s.unsigned_records) {
      std::cout << ", " << s.unsigned_records << " records newer than the last checkpoint";
    }
    std::cout << "\n";
  }
  if (!report.intact) {
    std::cout << "TAMPERED or DAMAGED: " << report.problem << "\n";
    SetExitCode(1);
    return;
  }
  std::cout << "intact: every record re-derived and every checkpoint signature verified"
            << (o.pubkey.empty() ? " (with the store's own signing.pub; pass --pubkey to pin "
                                   "a key you trust)"
                                 : "")
            << "\n";
}

struct StatsOptions {
  std::string store;
  bool columns = false;
  std::string stream;  // with --columns: only this stream
};

std::string PerRecord(uint64_t bytes, uint64_t records) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f",
                records ? static_cast<double>(bytes) / static_cast<double>(records) : 0.0);
  return buf;
}

// `stats --columns`: where each stream's bytes go, column by column.
void RunColumnStats(store::StoreReader& reader, const StatsOptions& o) {
  std::vector<record::StreamId> streams;
  if (!o.stream.empty()) {
    record::StreamId id;
    if (!ParseStream(o.stream, &id, "stats")) return;
    streams.push_back(id);
  } else {
    for (size_t i = 0; i < record::kStreamCount; ++i) {
      streams.push_back(static_cast<record::StreamId>(i));
    }
  }
  for (record::StreamId id : streams) {
    auto cols = reader.Columns(id);
    if (!cols.ok()) return Fail("stats", cols.status());
    const store::ColumnStats& c = cols.value();
    if (c.blocks == 0 && !o.stream.empty()) {
      std::cout << record::StreamName(id) << ": no records yet\n";
      continue;
    }
    if (c.blocks == 0) continue;
    std::cout << record::StreamName(id) << ": " << c.records << " records in " << c.blocks
              << " blocks\n";
    record::TableWriter table(
        {"column", "stored bytes", "bytes/record", "raw bytes/record", "in Bloom (blocks)"});
    table.AddRow({"(headers)", std::to_string(c.header_bytes - c.bloom_bytes),
                  PerRecord(c.header_bytes - c.bloom_bytes, c.records), "", ""});
    table.AddRow({"(Bloom filters)", std::to_string(c.bloom_bytes),
                  PerRecord(c.bloom_bytes, c.records), "", ""});
    if (c.explicit_map_bytes) {
      table.AddRow({"(explicit-row maps)", std::to_string(c.explicit_map_bytes),
                    PerRecord(c.explicit_map_bytes, c.records), "", ""});
    }
    uint64_t total = c.header_bytes + c.explicit_map_bytes;
    for (const auto& col : c.columns) {
      total += col.stored_bytes;
      table.AddRow({col.name, std::to_string(col.stored_bytes),
                    PerRecord(col.stored_bytes, c.records), PerRecord(col.raw_bytes, c.records),
                    std::to_string(col.blocks_in_bloom)});
    }
    table.AddRow({"(all blocks)", std::to_string(total), PerRecord(total, c.records), "", ""});
    std::cout << table.Render() << "\n";
  }
}

void RunStats(const StatsOptions& o) {
  auto reader = store::StoreReader::Open(o.store);
  if (!reader.ok()) return Fail("stats", reader.status());
  if (o.columns) return RunColumnStats(*reader.value(), o);
  auto stats = reader.value()->Stats();
  if (!stats.ok()) return Fail("stats", stats.status());
  record::TableWriter table({"stream", "records", "dropped", "bytes", "bytes/record", "segments",
                             "checkpoints", "oldest", "newest"});
  for (const auto& s : stats.value()) {
    if (s.tree_size == 0 && s.checkpoints == 0) continue;
    char per[32];
    std::snprintf(
        per, sizeof(per), "%.1f",
        s.records ? static_cast<double>(s.bytes_on_disk) / static_cast<double>(s.records) : 0.0);
    table.AddRow({std::string(record::StreamName(s.stream)), std::to_string(s.records),
                  std::to_string(s.purged), std::to_string(s.bytes_on_disk), per,
                  std::to_string(s.segments), std::to_string(s.checkpoints),
                  s.oldest ? FormatIso8601(s.oldest) : "",
                  s.newest ? FormatIso8601(s.newest) : ""});
  }
  std::cout << table.Render();
}

}  // namespace

void RegisterStoreCommands(CLI::App& app) {
  {
    auto o = std::make_shared<IngestOptions>();
    CLI::App* c = app.add_subcommand(
        "ingest", "Import JSON-lines records (e.g. from `replay --json`) into a store.");
    c->add_option("file", o->file, "JSON-lines file, one record per line ('-' for stdin)")
        ->required();
    c->add_option("--store", o->store, "Store directory (created if missing)")->required();
    c->add_option("--stream", o->stream, "Stream of the records: session, dns, http, ...")
        ->required();
    c->add_option("--on-error", o->on_error,
                  "stop: stop at the first bad line (default); skip: report it and go on")
        ->check(CLI::IsMember({"stop", "skip"}));
    c->add_option("--site", o->site, "Site code for the store's own maintenance records");
    c->add_option("--key", o->key,
                  "Ed25519 signing key (netward keygen); default DIR/keys/signing.key, created "
                  "on first use");
    c->add_option("--retention-days", o->retention_days,
                  "Days to keep records (at least 60, MPS Order 82 art. 13; default 180)");
    c->footer(
        "Lines that are not records of the stream are reported as FILE:LINE: what is wrong.\n"
        "Example: netward ingest --store /var/lib/netward/store --stream dns out/dns.jsonl");
    c->callback([o] { RunIngest(*o); });
  }
  {
    auto o = std::make_shared<QueryOptions>();
    CLI::App* c = app.add_subcommand("query", "Search the records of one stream in a store.");
    c->add_option("--store", o->store, "Store directory")->required();
    c->add_option("--stream", o->stream, "Stream: session, dns, http, tls, mail, ftp, ...")
        ->required();
    c->add_option("--from", o->from,
                  "Records at or after this time: ISO-8601, a date, now, or -2h / -30m / -7d");
    c->add_option("--to", o->to, "Records before this time (same forms)");
    c->add_option("--where", o->where,
                  "FIELD=VALUE, exact match on a field (repeatable; all must match). Indexed "
                  "fields (addresses, ports, account, calling_id, mac, host, sni, query ...) skip "
                  "whole blocks");
    c->add_option("--contains", o->contains, "Substring of any text field");
    c->add_option("--in", o->contains_in,
                  "With --contains: search only this text field (repeatable: --in host --in url)");
    c->add_option("--limit", o->limit, "At most N records");
    c->add_option("--format", o->format, "json (default), csv or table")
        ->check(CLI::IsMember({"json", "csv", "table"}));
    c->add_flag("--reveal", o->reveal,
                "registration: print id_number and phone decrypted (else masked); logged first "
                "as a maintenance record (needs --field-key, --actor, and the store writable)");
    c->add_option("--field-key", o->field_key, "With --reveal: the API's field key (0600)");
    c->add_option("--actor", o->actor, "With --reveal: who is revealing (logged)");
    c->add_option("--key", o->key,
                  "With --reveal: the store's signing key, if not STORE/keys/signing.key (the "
                  "store signs a checkpoint over the logged reveal)");
    c->footer(
        "Example: netward query --store S --stream session --from -2h --where src_ip=10.0.0.5 "
        "--format table");
    c->callback([o] { RunQuery(*o); });
  }
  {
    auto o = std::make_shared<ExportOptions>();
    CLI::App* c = app.add_subcommand(
        "export",
        "Print a stream's Merkle leaves (one record per line, in tree order) or its "
        "latest signed checkpoint, for independent verification.");
    c->add_option("--store", o->store, "Store directory")->required();
    c->add_option("--stream", o->stream, "Stream")->required();
    auto* l = c->add_flag("--leaves", o->leaves, "Print the leaf bytes, one per line");
    auto* k = c->add_flag("--checkpoint", o->checkpoint, "Print the latest signed checkpoint");
    l->excludes(k);
    c->footer(
        "Check with a tool of your own, e.g. tests/tools/verify_checkpoint.py LEAVES CHECKPOINT "
        "PUBKEY (docs/tamper-evidence.md).");
    c->callback([o, c] {
      if (!o->leaves && !o->checkpoint) {
        std::cerr << "netward export: give --leaves or --checkpoint\n" << c->help();
        SetExitCode(2);
        return;
      }
      RunExport(*o);
    });
  }
  {
    auto o = std::make_shared<ProofOptions>();
    CLI::App* c = app.add_subcommand(
        "proof",
        "Print an inclusion proof for one record, or a consistency proof between two "
        "checkpoints (JSON).");
    c->add_option("--store", o->store, "Store directory")->required();
    c->add_option("--stream", o->stream, "Stream (default session)");
    c->add_option("--seq", o->seq, "Record sequence number (leaf index) to prove");
    c->add_option("--size", o->size,
                  "Tree size of the checkpoint to prove against (default: "
                  "the latest)");
    c->add_option("--old", o->old_size, "Consistency proof from the checkpoint of this size");
    c->callback([o] { RunProof(*o); });
  }
  {
    auto o = std::make_shared<VerifyCliOptions>();
    CLI::App* c = app.add_subcommand(
        "verify", "Check that no stored record was changed, inserted, deleted or reordered.");
    c->add_option("--store", o->store, "Store directory")->required();
    c->add_option("--pubkey", o->pubkey,
                  "Public key to trust (a .pub from netward keygen); default: the store's own "
                  "signing.pub")
        ->check(CLI::ExistingFile);
    c->add_option("--stream", o->stream, "Only this stream");
    c->footer(
        "Exit 0 when intact; 1 with the first problem named (segment file, block, record seq, "
        "field or checkpoint).");
    c->callback([o] { RunVerify(*o); });
  }
  {
    auto o = std::make_shared<StatsOptions>();
    CLI::App* c = app.add_subcommand(
        "stats", "Per stream: records, bytes on disk, bytes per record, oldest and newest.");
    c->add_option("--store", o->store, "Store directory")->required();
    c->add_flag("--columns", o->columns,
                "Instead: where each stream's bytes go, column by column (blocks: "
                "headers, Bloom filters, each column stored and decompressed)");
    c->add_option("--stream", o->stream, "With --columns: only this stream");
    c->callback([o] { RunStats(*o); });
  }
}

}  // namespace netward::cli
