// FTP control-connection analyzer; see ftp.h and docs/analyzers/ftp.md.
#include "analyzers/ftp.h"

#include <array>
#include <string>

#include "analyzers/mail_codec.h"
#include "analyzers/mail_line_reader.h"
#include "analyzers/tls.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

constexpr size_t kMaxLine = 8192;
constexpr size_t kMaxField = 1024;
constexpr size_t kQueueSize = 16;

enum class Kind : uint8_t { kOther, kFile, kAuthTls };

constexpr std::string_view kFileCommands[] = {"RETR", "STOR", "STOU", "APPE", "DELE",
                                              "RNFR", "RNTO", "MKD",  "RMD"};

struct Pending {
  Kind kind = Kind::kOther;
  TimestampUs ts = 0;
  char command[5] = {};
  std::string arg;  // keeps its capacity across reuse
};

class FtpAnalyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override;
  void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) override;
  void Finish(AnalyzerContext& ctx) override;

 private:
  void OnCommand(AnalyzerContext& ctx, std::string_view line);
  bool OnReply(AnalyzerContext& ctx, std::string_view line);
  void Emit(AnalyzerContext& ctx, const Pending& p, uint16_t code, std::string_view msg);

  MailLineReader client_lines_{kMaxLine};
  MailLineReader server_lines_{kMaxLine};
  std::array<Pending, kQueueSize> queue_;
  size_t q_head_ = 0, q_size_ = 0;
  bool greeting_done_ = false;
  int multi_code_ = 0;  // inside a multi-line reply with this code
  bool dead_[2] = {false, false};
  std::string user_;
  record::FtpRecord rec_;
  std::unique_ptr<Analyzer> tls_;
};

void FtpAnalyzer::Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) {
  if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "ftp";
  while (!data.empty()) {
    if (tls_) {
      tls_->Deliver(ctx, dir, data);
      return;
    }
    if (dead_[static_cast<int>(dir)]) return;
    size_t used;
    if (dir == Direction::kToServer) {
      used = client_lines_.Feed(data, [&](std::string_view line, bool truncated) {
        if (truncated) ctx.Event("ftp.line_too_long");
        OnCommand(ctx, line);
        return true;
      });
    } else {
      used = server_lines_.Feed(data, [&](std::string_view line, bool truncated) {
        if (truncated) ctx.Event("ftp.line_too_long");
        return OnReply(ctx, line);
      });
    }
    data = data.subspan(used);
  }
}

void FtpAnalyzer::OnCommand(AnalyzerContext& ctx, std::string_view line) {
  std::string_view verb, arg;
  SplitVerb(line, &verb, &arg);
  if (EqualsIgnoreCase(verb, "USER")) user_.assign(arg.substr(0, kMaxField));
  Kind kind = Kind::kOther;
  std::string_view name;
  for (std::string_view c : kFileCommands) {
    if (EqualsIgnoreCase(verb, c)) {
      kind = Kind::kFile;
      name = c;
    }
  }
  if (EqualsIgnoreCase(verb, "AUTH") &&
      (EqualsIgnoreCase(TrimSpaces(arg), "TLS") || EqualsIgnoreCase(TrimSpaces(arg), "SSL") ||
       EqualsIgnoreCase(TrimSpaces(arg), "TLS-C"))) {
    kind = Kind::kAuthTls;
  }
  if (q_size_ == kQueueSize) {  // replies never came: record the oldest without one
    Pending& old = queue_[q_head_];
    if (old.kind == Kind::kFile) Emit(ctx, old, 0, "");
    q_head_ = (q_head_ + 1) % kQueueSize;
    --q_size_;
  }
  Pending& p = queue_[(q_head_ + q_size_) % kQueueSize];
  ++q_size_;
  p.kind = kind;
  p.ts = ctx.now;
  p.arg.clear();
  p.command[0] = '\0';
  if (kind == Kind::kFile) {
    name.copy(p.command, 4);
    p.command[name.size()] = '\0';
    p.arg.assign(arg.substr(0, kMaxField));
    if (ctx.content_hook && !p.arg.empty())
      ctx.content_hook(ctx.content_hook_user, "ftp.file", p.arg);
  }
}

bool FtpAnalyzer::OnReply(AnalyzerContext& ctx, std::string_view line) {
  const bool digits = line.size() >= 3 && line[0] >= '1' && line[0] <= '6' && line[1] >= '0' &&
                      line[1] <= '9' && line[2] >= '0' && line[2] <= '9';
  const int code = digits ? (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0') : 0;
  if (multi_code_ != 0) {
    // Inside "ddd-": only "ddd " (same code, then a space or the end) ends it.
    if (!(digits && code == multi_code_ && (line.size() == 3 || line[3] == ' '))) return true;
    multi_code_ = 0;
  } else {
    if (!digits || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      ctx.Event("ftp.bad_reply");
      return true;
    }
    if (line.size() > 3 && line[3] == '-') {
      multi_code_ = code;
      return true;
    }
  }
  std::string_view msg = line.size() > 4 ? line.substr(4) : std::string_view();
  if (code < 200) return true;  // preliminary (1xx): the command waits for its final reply
  if (q_size_ == 0) {
    greeting_done_ = true;  // the 220 greeting, or a reply we cannot match
    return true;
  }
  Pending& p = queue_[q_head_];
  q_head_ = (q_head_ + 1) % kQueueSize;
  --q_size_;
  if (p.kind == Kind::kFile) {
    Emit(ctx, p, static_cast<uint16_t>(code), msg);
  } else if (p.kind == Kind::kAuthTls && code == 234) {
    tls_ = NewTlsAnalyzer();
    client_lines_.Reset();
    server_lines_.Reset();
    return false;  // the rest is TLS
  }
  return true;
}

void FtpAnalyzer::Emit(AnalyzerContext& ctx, const Pending& p, uint16_t code,
                       std::string_view msg) {
  rec_.ts = p.ts;
  if (ctx.flow) {
    rec_.src_ip = ctx.flow->client_ip;
    rec_.src_port = ctx.flow->client_port;
    rec_.dst_ip = ctx.flow->server_ip;
    rec_.dst_port = ctx.flow->server_port;
  }
  rec_.user = user_;
  rec_.command = p.command;
  rec_.arg = p.arg;
  rec_.reply_code = code;
  rec_.reply_msg.assign(msg.substr(0, kMaxField));
  if (ctx.out) ctx.out->Add(rec_);
}

void FtpAnalyzer::Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) {
  if (tls_) {
    tls_->Gap(ctx, dir, length);
    return;
  }
  // A lost command or reply would shift the matching: stop reading that direction.
  dead_[static_cast<int>(dir)] = true;
}

void FtpAnalyzer::Finish(AnalyzerContext& ctx) {
  if (tls_) tls_->Finish(ctx);
  while (q_size_ > 0) {
    Pending& p = queue_[q_head_];
    if (p.kind == Kind::kFile) Emit(ctx, p, 0, "");
    q_head_ = (q_head_ + 1) % kQueueSize;
    --q_size_;
  }
}

}  // namespace

std::unique_ptr<Analyzer> NewFtpAnalyzer() { return std::make_unique<FtpAnalyzer>(); }

bool LooksLikeFtp(Direction dir, std::span<const uint8_t> b) {
  if (dir != Direction::kToClient) return false;
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  if (s.size() < 5 || s.substr(0, 3) != "220" || (s[3] != ' ' && s[3] != '-')) return false;
  const std::string_view first_line = s.substr(0, s.find('\n'));
  bool ftp = false, smtp = false;
  for (size_t i = 0; i + 3 <= first_line.size(); ++i) {
    if (StartsWithIgnoreCase(first_line.substr(i), "FTP")) ftp = true;
    if (StartsWithIgnoreCase(first_line.substr(i), "SMTP")) smtp = true;
  }
  return ftp && !smtp;
}

}  // namespace netward::analyzers
