// IMAP analyzer; see imap.h.
#include "analyzers/imap.h"

#include <string>

#include "analyzers/mail_codec.h"
#include "analyzers/mail_line_reader.h"
#include "analyzers/tls.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

constexpr size_t kMaxLine = 8192;
constexpr size_t kMaxField = 1024;
constexpr size_t kMaxTag = 64;

// If `line` ends with a literal announcement "{n}" or "{n+}", returns n; else -1.
int64_t TrailingLiteral(std::string_view line) {
  if (line.empty() || line.back() != '}') return -1;
  const size_t open = line.rfind('{');
  if (open == std::string_view::npos) return -1;
  std::string_view num = line.substr(open + 1, line.size() - open - 2);
  if (!num.empty() && num.back() == '+') num.remove_suffix(1);
  if (num.empty() || num.size() > 12) return -1;
  int64_t n = 0;
  for (char c : num) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

// Reads one IMAP astring (atom or quoted string) from the front of `s`; unescapes quotes.
std::string_view NextToken(std::string_view* s, std::string* unquoted) {
  std::string_view in = *s;
  while (!in.empty() && in.front() == ' ') in.remove_prefix(1);
  if (!in.empty() && in.front() == '"') {
    unquoted->clear();
    size_t i = 1;
    for (; i < in.size() && in[i] != '"'; ++i) {
      if (in[i] == '\\' && i + 1 < in.size()) ++i;
      if (unquoted->size() < kMaxField) unquoted->push_back(in[i]);
    }
    *s = in.substr(std::min(i + 1, in.size()));
    return *unquoted;
  }
  const size_t end = in.find(' ');
  std::string_view tok = in.substr(0, end);
  *s = end == std::string_view::npos ? std::string_view() : in.substr(end);
  return tok;
}

class ImapAnalyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override;
  void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) override;
  void Finish(AnalyzerContext& ctx) override;

 private:
  bool OnCommand(AnalyzerContext& ctx, std::string_view line);
  bool OnResponse(AnalyzerContext& ctx, std::string_view line);
  void Emit(AnalyzerContext& ctx);

  MailLineReader lines_[2] = {MailLineReader{kMaxLine}, MailLineReader{kMaxLine}};
  uint64_t skip_[2] = {0, 0};     // literal bytes still to skip, per direction
  bool capture_user_ = false;     // the client literal being skipped is the LOGIN user
  bool sasl_plain_wait_ = false;  // next client line is the AUTHENTICATE PLAIN response
  bool dead_[2] = {false, false};
  std::string login_tag_;  // tag of the LOGIN/AUTHENTICATE awaiting its answer (a
                           // pipelined second login records the first at once)
  std::string starttls_tag_;
  std::string user_;
  std::string scratch_;
  TimestampUs login_ts_ = 0;
  bool login_pending_ = false;
  std::unique_ptr<Analyzer> tls_;
};

void ImapAnalyzer::Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) {
  if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "imap";
  const int d = static_cast<int>(dir);
  while (!data.empty()) {
    if (tls_) {
      tls_->Deliver(ctx, dir, data);
      return;
    }
    if (dead_[d]) return;
    if (skip_[d] > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(skip_[d], data.size()));
      if (d == 0 && capture_user_ && user_.size() < kMaxField) {
        user_.append(reinterpret_cast<const char*>(data.data()),
                     std::min(n, kMaxField - user_.size()));
      }
      skip_[d] -= n;
      data = data.subspan(n);
      if (skip_[d] == 0) capture_user_ = false;
      continue;
    }
    const size_t used = lines_[d].Feed(data, [&](std::string_view line, bool truncated) {
      if (truncated) ctx.Event("imap.line_too_long");
      return d == 0 ? OnCommand(ctx, line) : OnResponse(ctx, line);
    });
    data = data.subspan(used);
  }
}

bool ImapAnalyzer::OnCommand(AnalyzerContext& ctx, std::string_view line) {
  if (sasl_plain_wait_) {
    sasl_plain_wait_ = false;
    std::string decoded;
    Base64Decode(TrimSpaces(line), &decoded, 1024);
    const size_t a = decoded.find('\0');
    if (a != std::string::npos) {
      const size_t b = decoded.find('\0', a + 1);
      user_.assign(decoded.substr(a + 1, b == std::string::npos ? b : b - a - 1), 0, kMaxField);
    }
    return true;
  }
  std::string_view rest = line;
  std::string_view tag = NextToken(&rest, &scratch_);
  std::string tag_copy(tag.substr(0, kMaxTag));
  std::string_view cmd = NextToken(&rest, &scratch_);
  const bool login = EqualsIgnoreCase(cmd, "LOGIN");
  if (login || EqualsIgnoreCase(cmd, "AUTHENTICATE")) {
    Emit(ctx);  // a login sent before the previous one was answered: record that one now
  }
  if (login) {
    login_tag_ = tag_copy;
    login_ts_ = ctx.now;
    login_pending_ = true;
    user_.clear();
    std::string_view args = TrimSpaces(rest);
    if (!args.empty() && args.front() == '{') {
      const int64_t n = TrailingLiteral(args.substr(0, args.find('}') + 1));
      if (n >= 0 && args.find('}') + 1 == args.size()) {
        skip_[0] = static_cast<uint64_t>(n);
        capture_user_ = true;
        return false;  // the user name follows as literal bytes
      }
    }
    std::string_view user = NextToken(&rest, &scratch_);
    user_.assign(user.substr(0, kMaxField));
  } else if (EqualsIgnoreCase(cmd, "AUTHENTICATE")) {
    std::string_view mech = NextToken(&rest, &scratch_);
    login_tag_ = tag_copy;
    login_ts_ = ctx.now;
    login_pending_ = true;
    user_.clear();
    if (EqualsIgnoreCase(mech, "PLAIN")) {
      std::string_view initial = TrimSpaces(rest);
      if (initial.empty()) {
        sasl_plain_wait_ = true;
      } else {
        sasl_plain_wait_ = true;
        return OnCommand(ctx, initial);
      }
    }
  } else if (EqualsIgnoreCase(cmd, "STARTTLS")) {
    starttls_tag_ = tag_copy;
  }
  const int64_t lit = TrailingLiteral(line);
  if (lit > 0) {
    skip_[0] = static_cast<uint64_t>(lit);
    return false;
  }
  return true;
}

bool ImapAnalyzer::OnResponse(AnalyzerContext& ctx, std::string_view line) {
  std::string_view rest = line;
  std::string_view tag = NextToken(&rest, &scratch_);
  if (tag != "*" && tag != "+") {
    std::string_view status = NextToken(&rest, &scratch_);
    const bool ok = EqualsIgnoreCase(status, "OK");
    if (login_pending_ && tag == login_tag_) {
      sasl_plain_wait_ = false;
      Emit(ctx);
    } else if (!starttls_tag_.empty() && tag == starttls_tag_) {
      starttls_tag_.clear();
      if (ok) {
        tls_ = NewTlsAnalyzer();
        return false;
      }
    }
  }
  const int64_t lit = TrailingLiteral(line);
  if (lit > 0) {
    skip_[1] = static_cast<uint64_t>(lit);
    return false;
  }
  return true;
}

void ImapAnalyzer::Emit(AnalyzerContext& ctx) {
  if (!login_pending_) return;
  login_pending_ = false;
  record::MailRecord r;
  r.ts = login_ts_;
  if (ctx.flow) {
    r.src_ip = ctx.flow->client_ip;
    r.src_port = ctx.flow->client_port;
    r.dst_ip = ctx.flow->server_ip;
    r.dst_port = ctx.flow->server_port;
  }
  r.proto = "imap";
  r.auth_user = user_;
  if (ctx.out) ctx.out->Add(r);
}

void ImapAnalyzer::Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) {
  if (tls_) {
    tls_->Gap(ctx, dir, length);
    return;
  }
  const int d = static_cast<int>(dir);
  if (skip_[d] >= length) {  // inside a literal: nothing lost that we read
    skip_[d] -= length;
    return;
  }
  dead_[d] = true;
}

void ImapAnalyzer::Finish(AnalyzerContext& ctx) {
  if (tls_) tls_->Finish(ctx);
  Emit(ctx);
}

}  // namespace

std::unique_ptr<Analyzer> NewImapAnalyzer() { return std::make_unique<ImapAnalyzer>(); }

bool LooksLikeImap(Direction dir, std::span<const uint8_t> b) {
  if (dir != Direction::kToClient) return false;
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  if (!StartsWithIgnoreCase(s, "* OK") && !StartsWithIgnoreCase(s, "* PREAUTH")) return false;
  const std::string_view first_line = s.substr(0, s.find('\n'));
  for (size_t i = 0; i + 4 <= first_line.size(); ++i) {
    if (StartsWithIgnoreCase(first_line.substr(i), "IMAP")) return true;
  }
  return false;
}

}  // namespace netward::analyzers
