#include "identity/static_bindings.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/logging.h"

namespace netward::identity {
namespace {

using U128 = unsigned __int128;

U128 ToU128(const IpAddress& a) {
  U128 v = 0;
  for (uint8_t b : a.bytes) v = (v << 8) | b;
  return v;
}

IpAddress FromU128(U128 v) {
  IpAddress a;
  for (int i = 15; i >= 0; --i) {
    a.bytes[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return a;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// One CSV line into fields (RFC 4180 quoting, on one line). False on an unterminated quote.
bool SplitCsv(std::string_view line, std::vector<std::string>* fields) {
  fields->clear();
  size_t i = 0;
  for (;;) {
    std::string field;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && line[i] != ',') {
        if (!std::isspace(static_cast<unsigned char>(line[i]))) return false;
        ++i;
      }
    } else {
      size_t end = line.find(',', i);
      if (end == std::string_view::npos) end = line.size();
      field = std::string(Trim(line.substr(i, end - i)));
      i = end;
    }
    fields->push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

bool ParseMac(std::string_view text, std::string* out) {
  if (text.size() != 17) return false;
  std::string mac(17, ':');
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 2; ++j) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[3 * i + j])));
      if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
      mac[3 * i + j] = c;
    }
    if (i < 5 && text[3 * i + 2] != ':' && text[3 * i + 2] != '-') return false;
  }
  *out = std::move(mac);
  return true;
}

// Address, CIDR or range into [first, last]; an error text on failure.
std::string ParseIpField(std::string_view text, IpAddress* first, IpAddress* last) {
  if (text.empty()) return "ip is empty";
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    auto a = IpAddress::Parse(text.substr(0, slash));
    if (!a) return "bad address in CIDR '" + std::string(text) + "'";
    std::string_view l = text.substr(slash + 1);
    unsigned len = 0;
    auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), len);
    unsigned max = a->is_v4() ? 32 : 128;
    if (ec != std::errc() || p != l.data() + l.size() || len > max) {
      return "bad prefix length in '" + std::string(text) + "'";
    }
    unsigned host_bits = max - len;
    U128 v = ToU128(*a);
    U128 mask = host_bits == 128 ? ~U128{0} : ((U128{1} << host_bits) - 1);
    if (v & mask) return "host bits set in '" + std::string(text) + "'";
    *first = *a;
    *last = FromU128(v | mask);
    return {};
  }
  size_t dash = text.find('-');
  if (dash != std::string_view::npos) {
    auto a = IpAddress::Parse(Trim(text.substr(0, dash)));
    auto b = IpAddress::Parse(Trim(text.substr(dash + 1)));
    if (!a || !b) return "bad address in range '" + std::string(text) + "'";
    if (a->is_v4() != b->is_v4()) return "range '" + std::string(text) + "' mixes families";
    if (*b < *a) return "range '" + std::string(text) + "' ends before it starts";
    *first = *a;
    *last = *b;
    return {};
  }
  auto a = IpAddress::Parse(text);
  if (!a) return "bad address '" + std::string(text) + "'";
  *first = *last = *a;
  return {};
}

std::string Key(const StaticBinding& b) {
  return b.account + '\x1f' + b.calling_id + '\x1f' + b.mac + '\x1f' +
         std::string(reinterpret_cast<const char*>(b.first.bytes), 16) +
         std::string(reinterpret_cast<const char*>(b.last.bytes), 16);
}

}  // namespace

Result<std::vector<StaticBinding>> ParseStaticBindings(std::string_view text,
                                                       std::string_view file_name) {
  if (text.size() > kMaxStaticBindingsFileBytes) {
    return Status::ResourceExhausted(file_name, "file larger than 64 MiB");
  }
  auto where = [&](int line) { return std::string(file_name) + ":" + std::to_string(line); };
  std::vector<StaticBinding> out;
  int column[4] = {-1, -1, -1, -1};  // account, calling_id, ip, mac
  static constexpr std::string_view kNames[4] = {"account", "calling_id", "ip", "mac"};
  bool header_seen = false;
  std::vector<std::string> fields;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty() || Trim(line).front() == '#') continue;
    if (!SplitCsv(line, &fields)) return Status::InvalidArgument(where(line_no), "unclosed quote");
    if (!header_seen) {
      if (fields.size() != 4) {
        return Status::InvalidArgument(where(line_no),
                                       "header must name account,calling_id,ip,mac");
      }
      for (size_t i = 0; i < fields.size(); ++i) {
        std::string name(Trim(fields[i]));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto it = std::find(std::begin(kNames), std::end(kNames), name);
        if (it == std::end(kNames) || column[it - std::begin(kNames)] >= 0) {
          return Status::InvalidArgument(where(line_no), "header column '" + name +
                                                             "' unknown or repeated (expected "
                                                             "account,calling_id,ip,mac)");
        }
        column[it - std::begin(kNames)] = static_cast<int>(i);
      }
      header_seen = true;
      continue;
    }
    if (fields.size() != 4) {
      return Status::InvalidArgument(where(line_no),
                                     "expected 4 fields, found " + std::to_string(fields.size()));
    }
    if (out.size() == kMaxStaticBindings) {
      return Status::ResourceExhausted(where(line_no), "more than 1048576 bindings");
    }
    StaticBinding b;
    b.line = line_no;
    b.account = fields[column[0]];
    b.calling_id = fields[column[1]];
    if (b.account.empty() && b.calling_id.empty()) {
      return Status::InvalidArgument(where(line_no), "needs an account or a calling_id");
    }
    std::string err = ParseIpField(Trim(fields[column[2]]), &b.first, &b.last);
    if (!err.empty()) return Status::InvalidArgument(where(line_no), err);
    std::string_view mac = Trim(fields[column[3]]);
    if (!mac.empty() && !ParseMac(mac, &b.mac)) {
      return Status::InvalidArgument(where(line_no), "bad MAC '" + std::string(mac) + "'");
    }
    out.push_back(std::move(b));
  }
  if (!header_seen) return Status::InvalidArgument(where(line_no), "no header line");
  return out;
}

std::vector<record::LoginRecord> BindingRecords(const StaticBinding& b, TimestampUs ts) {
  std::vector<record::LoginRecord> out;
  record::LoginRecord r;
  r.ts = ts;
  r.event = "bind";
  r.source = "static";
  r.account = b.account;
  r.calling_id = b.calling_id;
  r.mac = b.mac;
  const bool v4 = b.first.is_v4();
  const unsigned max_bits = v4 ? 32 : 128;
  const U128 base = v4 ? ToU128(b.first) & ~U128{0xffffffff} : 0;
  U128 lo = ToU128(b.first) - base, hi = ToU128(b.last) - base;
  // The fewest aligned blocks covering [lo, hi] exactly: at most 2 per bit of address.
  for (;;) {
    unsigned k = max_bits;
    for (;; --k) {
      U128 mask = k == 128 ? ~U128{0} : ((U128{1} << k) - 1);
      if ((lo & mask) == 0 && hi - lo >= mask) break;
    }
    U128 mask = k == 128 ? ~U128{0} : ((U128{1} << k) - 1);
    IpAddress start = FromU128(base + lo);
    record::LoginRecord rec = r;
    if (k == 0) {
      rec.ip = start;
    } else {
      rec.ipv6_prefix = start.ToString() + "/" + std::to_string(max_bits - k);
    }
    out.push_back(std::move(rec));
    if (hi - lo == mask) break;
    lo += mask + 1;
  }
  return out;
}

StaticBindingsSource::StaticBindingsSource(StaticBindingsOptions options, IdentitySink* sink)
    : options_(std::move(options)), sink_(sink) {}

StaticBindingsSource::~StaticBindingsSource() { Stop(); }

Status StaticBindingsSource::Start() {
  Status s = Poll();
  if (!s.ok()) return s;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::microseconds(options_.poll_interval));
      if (stop_) break;
      lock.unlock();
      (void)Poll();  // errors are logged and kept in last_error()
      lock.lock();
    }
  });
  return Status::OK();
}

void StaticBindingsSource::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status StaticBindingsSource::Poll() {
  struct stat st;
  if (::stat(options_.path.c_str(), &st) != 0) {
    Status s = Status::IOError(options_.path, std::strerror(errno));
    std::lock_guard<std::mutex> lock(mu_);
    if (last_error_ != s.ToString()) LogWarning("static bindings: " + s.ToString());
    last_error_ = s.ToString();
    ++errors_;
    return s;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (have_stamp_ && stamp_size_ == static_cast<uint64_t>(st.st_size) &&
        stamp_inode_ == st.st_ino && stamp_mtime_ns_ == mtime_ns) {
      return Status::OK();
    }
    // Recorded before reading: a bad file is not re-parsed (and re-logged) until it changes.
    have_stamp_ = true;
    stamp_size_ = static_cast<uint64_t>(st.st_size);
    stamp_inode_ = st.st_ino;
    stamp_mtime_ns_ = mtime_ns;
  }
  return Load();
}

Status StaticBindingsSource::Load() {
  auto fail = [&](Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    LogWarning("static bindings: " + s.ToString() + " (keeping the last good file)");
    last_error_ = s.ToString();
    ++errors_;
    return s;
  };
  std::ifstream in(options_.path, std::ios::binary);
  if (!in) return fail(Status::IOError(options_.path, "cannot open"));
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxStaticBindingsFileBytes) break;
  }
  auto parsed = ParseStaticBindings(text, options_.path);
  if (!parsed.ok()) return fail(parsed.status());
  std::vector<StaticBinding> next = std::move(parsed).value();

  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> old_keys, new_keys;
  for (const auto& b : current_) old_keys.insert(Key(b));
  for (const auto& b : next) new_keys.insert(Key(b));
  const TimestampUs now = NowUs();
  for (const auto& b : current_) {
    if (new_keys.count(Key(b))) continue;
    for (auto r : BindingRecords(b, now)) {
      r.event = "release";
      sink_->OnLogin(r);
    }
  }
  for (const auto& b : next) {
    if (old_keys.count(Key(b))) continue;
    for (const auto& r : BindingRecords(b, now)) sink_->OnLogin(r);
  }
  current_ = std::move(next);
  last_error_.clear();
  ++loads_;
  return Status::OK();
}

size_t StaticBindingsSource::bindings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_.size();
}

std::string StaticBindingsSource::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace netward::identity
