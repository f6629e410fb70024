// POP3 analyzer; see pop3.h.
#include "analyzers/pop3.h"

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
constexpr size_t kQueueSize = 32;

enum class Cmd : uint8_t { kOther, kMultiLine, kLogin, kAuth, kStls };
enum class Sasl : uint8_t { kNone, kPlain, kLoginUser, kLoginPass };

class Pop3Analyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override;
  void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) override;
  void Finish(AnalyzerContext& ctx) override;

 private:
  void OnCommand(AnalyzerContext& ctx, std::string_view line);
  void OnSaslResponse(std::string_view line);
  bool OnReply(AnalyzerContext& ctx, std::string_view line);
  void Push(Cmd c);
  void BeginLogin(AnalyzerContext& ctx);
  void Emit(AnalyzerContext& ctx);

  MailLineReader client_lines_{kMaxLine};
  MailLineReader server_lines_{kMaxLine};
  std::array<Cmd, kQueueSize> queue_{};
  size_t q_head_ = 0, q_size_ = 0;
  bool in_multiline_ = false;
  Sasl sasl_ = Sasl::kNone;
  bool dead_[2] = {false, false};
  bool login_pending_ = false;  // a PASS/APOP/AUTH awaits its answer
  std::string user_;
  TimestampUs login_ts_ = 0;
  std::unique_ptr<Analyzer> tls_;
};

void Pop3Analyzer::Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) {
  if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "pop3";
  while (!data.empty()) {
    if (tls_) {
      tls_->Deliver(ctx, dir, data);
      return;
    }
    if (dead_[static_cast<int>(dir)]) return;
    size_t used;
    if (dir == Direction::kToServer) {
      used = client_lines_.Feed(data, [&](std::string_view line, bool truncated) {
        if (truncated) ctx.Event("pop3.line_too_long");
        if (sasl_ != Sasl::kNone) {
          OnSaslResponse(line);
        } else {
          OnCommand(ctx, line);
        }
        return true;
      });
    } else {
      used = server_lines_.Feed(data, [&](std::string_view line, bool truncated) {
        if (truncated) ctx.Event("pop3.line_too_long");
        return OnReply(ctx, line);
      });
    }
    data = data.subspan(used);
  }
}

void Pop3Analyzer::BeginLogin(AnalyzerContext& ctx) {
  login_ts_ = ctx.now;
  user_.clear();
}

void Pop3Analyzer::OnCommand(AnalyzerContext& ctx, std::string_view line) {
  std::string_view verb, arg;
  SplitVerb(line, &verb, &arg);
  if (EqualsIgnoreCase(verb, "USER")) {
    BeginLogin(ctx);
    user_.assign(TrimSpaces(arg).substr(0, kMaxField));
    Push(Cmd::kOther);
  } else if (EqualsIgnoreCase(verb, "PASS")) {
    if (login_ts_ == 0) BeginLogin(ctx);
    login_pending_ = true;
    Push(Cmd::kLogin);
  } else if (EqualsIgnoreCase(verb, "APOP")) {
    BeginLogin(ctx);
    std::string_view name, digest;
    SplitVerb(arg, &name, &digest);
    user_.assign(name.substr(0, kMaxField));
    login_pending_ = true;
    Push(Cmd::kLogin);
  } else if (EqualsIgnoreCase(verb, "AUTH") && !arg.empty()) {
    std::string_view mech, initial;
    SplitVerb(arg, &mech, &initial);
    BeginLogin(ctx);
    login_pending_ = true;
    if (EqualsIgnoreCase(mech, "PLAIN")) sasl_ = Sasl::kPlain;
    if (EqualsIgnoreCase(mech, "LOGIN")) sasl_ = Sasl::kLoginUser;
    if (sasl_ != Sasl::kNone && !initial.empty() && initial != "=") OnSaslResponse(initial);
    Push(Cmd::kAuth);
  } else if (EqualsIgnoreCase(verb, "STLS")) {
    Push(Cmd::kStls);
  } else if (EqualsIgnoreCase(verb, "RETR") || EqualsIgnoreCase(verb, "TOP") ||
             EqualsIgnoreCase(verb, "CAPA") ||
             ((EqualsIgnoreCase(verb, "LIST") || EqualsIgnoreCase(verb, "UIDL")) &&
              TrimSpaces(arg).empty())) {
    Push(Cmd::kMultiLine);
  } else {
    Push(Cmd::kOther);
  }
}

void Pop3Analyzer::OnSaslResponse(std::string_view line) {
  line = TrimSpaces(line);
  std::string decoded;
  if (line == "*") {
    sasl_ = Sasl::kNone;
    return;
  }
  if (sasl_ == Sasl::kPlain) {
    Base64Decode(line, &decoded, 1024);
    const size_t a = decoded.find('\0');
    if (a != std::string::npos) {
      const size_t b = decoded.find('\0', a + 1);
      user_.assign(decoded.substr(a + 1, b == std::string::npos ? b : b - a - 1), 0, kMaxField);
    }
    sasl_ = Sasl::kNone;
  } else if (sasl_ == Sasl::kLoginUser) {
    Base64Decode(line, &decoded, kMaxField);
    user_ = decoded;
    sasl_ = Sasl::kLoginPass;
  } else {
    sasl_ = Sasl::kNone;  // the password: dropped
  }
}

bool Pop3Analyzer::OnReply(AnalyzerContext& ctx, std::string_view line) {
  if (in_multiline_) {
    if (line == ".") in_multiline_ = false;
    return true;
  }
  const bool ok = StartsWithIgnoreCase(line, "+OK");
  const bool err = StartsWithIgnoreCase(line, "-ERR");
  if (!ok && !err) {
    if (line.size() >= 1 && line[0] == '+' && q_size_ > 0 && queue_[q_head_] == Cmd::kAuth) {
      return true;  // SASL challenge
    }
    ctx.Event("pop3.bad_reply");
    return true;
  }
  if (q_size_ == 0) return true;  // greeting
  const Cmd cmd = queue_[q_head_];
  q_head_ = (q_head_ + 1) % kQueueSize;
  --q_size_;
  switch (cmd) {
    case Cmd::kMultiLine:
      in_multiline_ = ok;
      break;
    case Cmd::kLogin:
    case Cmd::kAuth:
      sasl_ = Sasl::kNone;
      Emit(ctx);
      break;
    case Cmd::kStls:
      if (ok) {
        tls_ = NewTlsAnalyzer();
        return false;
      }
      break;
    case Cmd::kOther:
      break;
  }
  return true;
}

void Pop3Analyzer::Push(Cmd c) {
  if (q_size_ == kQueueSize) {
    q_head_ = (q_head_ + 1) % kQueueSize;
    --q_size_;
  }
  queue_[(q_head_ + q_size_) % kQueueSize] = c;
  ++q_size_;
}

void Pop3Analyzer::Emit(AnalyzerContext& ctx) {
  if (!login_pending_) return;
  login_pending_ = false;
  record::MailRecord r;
  r.ts = login_ts_ ? login_ts_ : ctx.now;
  if (ctx.flow) {
    r.src_ip = ctx.flow->client_ip;
    r.src_port = ctx.flow->client_port;
    r.dst_ip = ctx.flow->server_ip;
    r.dst_port = ctx.flow->server_port;
  }
  r.proto = "pop3";
  r.auth_user = user_;
  if (ctx.out) ctx.out->Add(r);
  login_ts_ = 0;
}

void Pop3Analyzer::Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) {
  if (tls_) {
    tls_->Gap(ctx, dir, length);
    return;
  }
  dead_[static_cast<int>(dir)] = true;
}

void Pop3Analyzer::Finish(AnalyzerContext& ctx) {
  if (tls_) tls_->Finish(ctx);
  Emit(ctx);
}

}  // namespace

std::unique_ptr<Analyzer> NewPop3Analyzer() { return std::make_unique<Pop3Analyzer>(); }

bool LooksLikePop3(Direction dir, std::span<const uint8_t> b) {
  if (dir != Direction::kToClient) return false;
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  if (!StartsWithIgnoreCase(s, "+OK")) return false;
  const std::string_view first_line = s.substr(0, s.find('\n'));
  for (size_t i = 0; i + 4 <= first_line.size(); ++i) {
    if (StartsWithIgnoreCase(first_line.substr(i), "POP")) return true;
  }
  return false;
}

}  // namespace netward::analyzers
