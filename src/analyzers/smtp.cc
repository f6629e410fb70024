// SMTP analyzer; see smtp.h and docs/analyzers/smtp.md.
#include "analyzers/smtp.h"

#include <array>
#include <string>

#include "analyzers/mail_codec.h"
#include "analyzers/mail_line_reader.h"
#include "analyzers/tls.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

constexpr size_t kMaxLine = 8192;
constexpr size_t kMaxField = 1024;  // helo, addresses, header values
constexpr size_t kMaxRecipients = 100;
constexpr size_t kQueueSize = 64;  // pipelined commands awaiting a reply

enum class Cmd : uint8_t {
  kOther,
  kHelo,
  kMail,
  kRcpt,
  kData,
  kDataEnd,
  kBdat,
  kBdatLast,
  kRset,
  kQuit,
  kStartTls,
  kAuth
};

enum class ClientMode : uint8_t { kCommands, kData, kBdat, kTls, kDead };
enum class AuthState : uint8_t { kNone, kPlain, kLoginUser, kLoginPass };
enum class Header : uint8_t { kNone, kFrom, kSubject, kMessageId };

std::string_view Field(std::string_view s) { return s.substr(0, kMaxField); }

// "<addr> params" or "addr params" -> addr.
std::string_view Address(std::string_view arg) {
  arg = TrimSpaces(arg);
  if (!arg.empty() && arg.front() == '<') {
    const size_t end = arg.find('>');
    return end == std::string_view::npos ? arg.substr(1) : arg.substr(1, end - 1);
  }
  return arg.substr(0, arg.find(' '));
}

class SmtpAnalyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override;
  void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) override;
  void Finish(AnalyzerContext& ctx) override;

 private:
  void DeliverClient(AnalyzerContext& ctx, std::span<const uint8_t> data);
  void DeliverServer(AnalyzerContext& ctx, std::span<const uint8_t> data);
  bool OnCommand(AnalyzerContext& ctx, std::string_view line);
  void OnAuthResponse(std::string_view line);
  void OnMessageLine(AnalyzerContext& ctx, std::string_view line);
  bool OnReply(AnalyzerContext& ctx, std::string_view line);
  void Push(AnalyzerContext& ctx, Cmd c);
  void StartTransaction(AnalyzerContext& ctx);
  void EndTransaction(AnalyzerContext& ctx);
  void ResetMessage();
  void StartTls(AnalyzerContext& ctx);

  MailLineReader client_lines_{kMaxLine};
  MailLineReader server_lines_{kMaxLine};
  MailLineReader bdat_lines_{kMaxLine};  // message lines inside BDAT chunks
  ClientMode mode_ = ClientMode::kCommands;
  bool server_dead_ = false;
  AuthState auth_ = AuthState::kNone;
  std::array<Cmd, kQueueSize> queue_{};
  size_t q_head_ = 0, q_size_ = 0;
  bool greeting_seen_ = false;
  bool in_reply_ = false;  // inside a multi-line reply
  uint64_t bdat_remaining_ = 0;
  bool bdat_last_ = false;
  bool data_started_ = false;  // a DATA body line was seen (for a rejected DATA)

  std::string helo_;
  std::string auth_user_;
  // The transaction being built.
  record::MailRecord rec_;
  bool in_txn_ = false;
  bool in_body_ = false;  // past the header block of the message
  Header last_header_ = Header::kNone;
  std::string raw_subject_;

  std::unique_ptr<Analyzer> tls_;
};

void SmtpAnalyzer::Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) {
  if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "smtp";
  if (dir == Direction::kToServer) {
    DeliverClient(ctx, data);
  } else {
    DeliverServer(ctx, data);
  }
}

void SmtpAnalyzer::DeliverClient(AnalyzerContext& ctx, std::span<const uint8_t> data) {
  while (!data.empty()) {
    switch (mode_) {
      case ClientMode::kDead:
        return;
      case ClientMode::kTls:
        tls_->Deliver(ctx, Direction::kToServer, data);
        return;
      case ClientMode::kBdat: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(bdat_remaining_, data.size()));
        std::span<const uint8_t> chunk = data.first(n);
        bdat_lines_.Feed(chunk, [&](std::string_view line, bool truncated) {
          if (truncated) ctx.Event("smtp.line_too_long");
          OnMessageLine(ctx, line);
          return true;
        });
        bdat_remaining_ -= n;
        data = data.subspan(n);
        if (bdat_remaining_ == 0) {
          mode_ = ClientMode::kCommands;
          if (bdat_last_ && bdat_lines_.has_partial()) {
            // The message ends with the last chunk, even without a final CRLF.
            const uint8_t lf = '\n';
            bdat_lines_.Feed({&lf, 1}, [&](std::string_view line, bool) {
              OnMessageLine(ctx, line);
              return true;
            });
          }
        }
        break;
      }
      case ClientMode::kCommands:
      case ClientMode::kData: {
        const size_t used = client_lines_.Feed(data, [&](std::string_view line, bool truncated) {
          if (truncated) ctx.Event("smtp.line_too_long");
          if (mode_ == ClientMode::kData) {
            if (line == ".") {
              mode_ = ClientMode::kCommands;
              Push(ctx, Cmd::kDataEnd);
              return true;
            }
            data_started_ = true;
            if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // dot-stuffing
            OnMessageLine(ctx, line);
            return true;
          }
          if (auth_ != AuthState::kNone) {
            OnAuthResponse(line);
            return true;
          }
          return OnCommand(ctx, line);
        });
        data = data.subspan(used);
        break;
      }
    }
  }
}

bool SmtpAnalyzer::OnCommand(AnalyzerContext& ctx, std::string_view line) {
  std::string_view verb, arg;
  SplitVerb(line, &verb, &arg);
  if (EqualsIgnoreCase(verb, "HELO") || EqualsIgnoreCase(verb, "EHLO")) {
    helo_.assign(Field(TrimSpaces(arg)));
    Push(ctx, Cmd::kHelo);
  } else if (EqualsIgnoreCase(verb, "MAIL") && StartsWithIgnoreCase(arg, "FROM:")) {
    EndTransaction(ctx);  // a MAIL without DATA before it still counts as a transaction
    StartTransaction(ctx);
    rec_.mail_from.assign(Field(Address(arg.substr(5))));
    Push(ctx, Cmd::kMail);
  } else if (EqualsIgnoreCase(verb, "RCPT") && StartsWithIgnoreCase(arg, "TO:")) {
    if (!in_txn_) {
      ctx.Event("smtp.command_out_of_sequence");
      StartTransaction(ctx);
    }
    if (rec_.rcpt_to.size() < kMaxRecipients) {
      rec_.rcpt_to.emplace_back(Field(Address(arg.substr(3))));
    }
    Push(ctx, Cmd::kRcpt);
  } else if (EqualsIgnoreCase(verb, "DATA")) {
    if (!in_txn_) {
      ctx.Event("smtp.command_out_of_sequence");
      StartTransaction(ctx);
    }
    Push(ctx, Cmd::kData);
    mode_ = ClientMode::kData;
    data_started_ = false;
  } else if (EqualsIgnoreCase(verb, "BDAT")) {
    std::string_view size = arg.substr(0, arg.find(' '));
    std::string_view rest = size.size() < arg.size() ? TrimSpaces(arg.substr(size.size())) : "";
    uint64_t n = 0;
    bool ok = !size.empty() && size.size() <= 15;
    for (char c : size) {
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    const bool last = EqualsIgnoreCase(rest, "LAST");
    if (!ok || (!rest.empty() && !last)) {
      ctx.Event("smtp.bad_bdat");
      Push(ctx, Cmd::kOther);
      return true;
    }
    if (!in_txn_) {
      ctx.Event("smtp.command_out_of_sequence");
      StartTransaction(ctx);
    }
    bdat_last_ = last;
    bdat_remaining_ = n;
    Push(ctx, last ? Cmd::kBdatLast : Cmd::kBdat);
    if (n > 0) {
      mode_ = ClientMode::kBdat;
      return false;  // the chunk's raw bytes follow
    }
  } else if (EqualsIgnoreCase(verb, "AUTH")) {
    std::string_view mech, initial;
    SplitVerb(arg, &mech, &initial);
    if (EqualsIgnoreCase(mech, "PLAIN")) {
      auth_ = AuthState::kPlain;
    } else if (EqualsIgnoreCase(mech, "LOGIN")) {
      auth_ = AuthState::kLoginUser;
    }
    if (auth_ != AuthState::kNone && !initial.empty() && initial != "=") OnAuthResponse(initial);
    Push(ctx, Cmd::kAuth);
  } else if (EqualsIgnoreCase(verb, "RSET")) {
    EndTransaction(ctx);
    Push(ctx, Cmd::kRset);
  } else if (EqualsIgnoreCase(verb, "QUIT")) {
    EndTransaction(ctx);
    Push(ctx, Cmd::kQuit);
  } else if (EqualsIgnoreCase(verb, "STARTTLS")) {
    Push(ctx, Cmd::kStartTls);
  } else {
    Push(ctx, Cmd::kOther);
  }
  return true;
}

void SmtpAnalyzer::OnAuthResponse(std::string_view line) {
  line = TrimSpaces(line);
  if (line == "*") {  // client cancels
    auth_ = AuthState::kNone;
    return;
  }
  std::string decoded;
  switch (auth_) {
    case AuthState::kPlain: {
      // authzid NUL authcid NUL password: only authcid is kept.
      Base64Decode(line, &decoded, 1024);
      const size_t a = decoded.find('\0');
      if (a != std::string::npos) {
        const size_t b = decoded.find('\0', a + 1);
        auth_user_.assign(Field(decoded.substr(a + 1, b == std::string::npos ? b : b - a - 1)));
      }
      auth_ = AuthState::kNone;
      break;
    }
    case AuthState::kLoginUser:
      Base64Decode(line, &decoded, kMaxField);
      auth_user_ = decoded;
      auth_ = AuthState::kLoginPass;
      break;
    case AuthState::kLoginPass:  // the password: never kept
    case AuthState::kNone:
      auth_ = AuthState::kNone;
      break;
  }
  // The decoded password, if any, dies with `decoded` here.
}

void SmtpAnalyzer::OnMessageLine(AnalyzerContext& ctx, std::string_view line) {
  if (!in_body_) {
    if (line.empty()) {
      in_body_ = true;
      rec_.subject.clear();
      DecodeMimeWords(raw_subject_, &rec_.subject, kMaxField);
      if (ctx.content_hook && !rec_.subject.empty())
        ctx.content_hook(ctx.content_hook_user, "mail.subject", rec_.subject);
      return;
    }
    if (ctx.content_hook) ctx.content_hook(ctx.content_hook_user, "smtp.header", line);
    if (line.front() == ' ' || line.front() == '\t') {  // folded continuation
      std::string* target = nullptr;
      switch (last_header_) {
        case Header::kFrom:
          target = &rec_.header_from;
          break;
        case Header::kSubject:
          target = &raw_subject_;
          break;
        case Header::kMessageId:
          target = &rec_.message_id;
          break;
        case Header::kNone:
          break;
      }
      if (target && target->size() < kMaxField)
        target->append(Field(line).substr(0, kMaxField - target->size()));
      return;
    }
    const size_t colon = line.find(':');
    last_header_ = Header::kNone;
    if (colon == std::string_view::npos) return;
    std::string_view name = TrimSpaces(line.substr(0, colon));
    std::string_view value = Field(TrimSpaces(line.substr(colon + 1)));
    if (EqualsIgnoreCase(name, "From") && rec_.header_from.empty()) {
      rec_.header_from.assign(value);
      last_header_ = Header::kFrom;
    } else if (EqualsIgnoreCase(name, "Subject") && raw_subject_.empty()) {
      raw_subject_.assign(value);
      last_header_ = Header::kSubject;
    } else if (EqualsIgnoreCase(name, "Message-ID") && rec_.message_id.empty()) {
      rec_.message_id.assign(value);
      last_header_ = Header::kMessageId;
    }
    return;
  }
  if (ctx.content_hook) {
    ctx.content_hook(ctx.content_hook_user, "smtp.body", line);
    ctx.content_hook(ctx.content_hook_user, "smtp.body", "\r\n");
  }
}

void SmtpAnalyzer::DeliverServer(AnalyzerContext& ctx, std::span<const uint8_t> data) {
  while (!data.empty() && !server_dead_) {
    if (tls_) {
      tls_->Deliver(ctx, Direction::kToClient, data);
      return;
    }
    const size_t used = server_lines_.Feed(data, [&](std::string_view line, bool truncated) {
      if (truncated) ctx.Event("smtp.line_too_long");
      return OnReply(ctx, line);
    });
    data = data.subspan(used);
  }
}

bool SmtpAnalyzer::OnReply(AnalyzerContext& ctx, std::string_view line) {
  const bool digits = line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' &&
                      line[1] <= '9' && line[2] >= '0' && line[2] <= '9';
  if (!digits || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
    if (!in_reply_) ctx.Event("smtp.bad_reply");
    return true;
  }
  if (line.size() > 3 && line[3] == '-') {
    in_reply_ = true;
    return true;
  }
  in_reply_ = false;
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (q_size_ == 0) {
    if (!greeting_seen_) {
      greeting_seen_ = true;
    } else {
      ctx.Event("smtp.reply_without_command");
    }
    return true;
  }
  greeting_seen_ = true;
  const Cmd cmd = queue_[q_head_];
  if (cmd == Cmd::kAuth && code == 334) return true;  // SASL challenge: the AUTH goes on
  q_head_ = (q_head_ + 1) % kQueueSize;
  --q_size_;
  switch (cmd) {
    case Cmd::kAuth:
      auth_ = AuthState::kNone;
      break;
    case Cmd::kData:
      if (code != 354 && mode_ == ClientMode::kData && !data_started_) {
        mode_ = ClientMode::kCommands;  // rejected: the client sends commands again
      }
      break;
    case Cmd::kDataEnd:
    case Cmd::kBdatLast:
      EndTransaction(ctx);
      break;
    case Cmd::kStartTls:
      if (code == 220) {
        StartTls(ctx);
        return false;  // the rest of this chunk is TLS
      }
      break;
    default:
      break;
  }
  return true;
}

void SmtpAnalyzer::StartTls(AnalyzerContext& ctx) {
  EndTransaction(ctx);
  tls_ = NewTlsAnalyzer();
  mode_ = ClientMode::kTls;
  client_lines_.Reset();
  server_lines_.Reset();
}

void SmtpAnalyzer::Push(AnalyzerContext& ctx, Cmd c) {
  if (q_size_ == kQueueSize) {  // a client that never reads replies: forget the oldest
    ctx.Event("smtp.command_out_of_sequence");
    q_head_ = (q_head_ + 1) % kQueueSize;
    --q_size_;
  }
  queue_[(q_head_ + q_size_) % kQueueSize] = c;
  ++q_size_;
}

void SmtpAnalyzer::StartTransaction(AnalyzerContext& ctx) {
  in_txn_ = true;
  rec_.ts = ctx.now;
  if (ctx.flow) {
    rec_.src_ip = ctx.flow->client_ip;
    rec_.src_port = ctx.flow->client_port;
    rec_.dst_ip = ctx.flow->server_ip;
    rec_.dst_port = ctx.flow->server_port;
  }
  rec_.proto = "smtp";
}

void SmtpAnalyzer::EndTransaction(AnalyzerContext& ctx) {
  if (in_txn_) {
    if (!in_body_ && !raw_subject_.empty()) {  // message ended inside its headers
      rec_.subject.clear();
      DecodeMimeWords(raw_subject_, &rec_.subject, kMaxField);
      if (ctx.content_hook && !rec_.subject.empty())
        ctx.content_hook(ctx.content_hook_user, "mail.subject", rec_.subject);
    }
    rec_.helo = helo_;
    rec_.auth_user = auth_user_;
    if (ctx.out) ctx.out->Add(rec_);
  }
  in_txn_ = false;
  ResetMessage();
}

void SmtpAnalyzer::ResetMessage() {
  // Keeps the strings' capacity: the next transaction of the flow allocates nothing new.
  rec_.mail_from.clear();
  rec_.rcpt_to.clear();
  rec_.header_from.clear();
  rec_.subject.clear();
  rec_.message_id.clear();
  raw_subject_.clear();
  in_body_ = false;
  last_header_ = Header::kNone;
  bdat_lines_.Reset();
}

void SmtpAnalyzer::Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) {
  if (tls_) {
    tls_->Gap(ctx, dir, length);
    return;
  }
  if (dir == Direction::kToServer) {
    if (mode_ == ClientMode::kBdat && length <= bdat_remaining_) {
      bdat_remaining_ -= length;  // inside a chunk: skip it
      if (bdat_remaining_ == 0) mode_ = ClientMode::kCommands;
      bdat_lines_.Reset();
      return;
    }
    if (mode_ == ClientMode::kData) {  // inside a body: resync at the next line
      client_lines_.Reset();
      return;
    }
    mode_ = ClientMode::kDead;
  } else {
    server_dead_ = true;
  }
}

void SmtpAnalyzer::Finish(AnalyzerContext& ctx) {
  if (tls_) tls_->Finish(ctx);
  EndTransaction(ctx);
}

bool IsSpaceOrDash(uint8_t c) { return c == ' ' || c == '-'; }

}  // namespace

std::unique_ptr<Analyzer> NewSmtpAnalyzer() { return std::make_unique<SmtpAnalyzer>(); }

bool LooksLikeSmtp(Direction dir, std::span<const uint8_t> b) {
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  const std::string_view first_line = s.substr(0, s.find('\n'));
  if (dir == Direction::kToServer) {
    return (StartsWithIgnoreCase(s, "EHLO ") || StartsWithIgnoreCase(s, "HELO ")) &&
           first_line.size() < s.size();  // a whole line
  }
  if (s.size() < 5 || s.substr(0, 3) != "220" || !IsSpaceOrDash(b[3])) return false;
  // Both FTP and SMTP greet with 220: require the greeting to name SMTP and not FTP.
  bool smtp = false, ftp = false;
  for (size_t i = 0; i + 3 < first_line.size(); ++i) {
    if (StartsWithIgnoreCase(first_line.substr(i), "SMTP")) smtp = true;
    if (StartsWithIgnoreCase(first_line.substr(i), "FTP")) ftp = true;
  }
  return smtp && !ftp;
}

}  // namespace netward::analyzers
