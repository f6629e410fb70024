// Tests for the SMTP analyzer: corpus sessions (Zeek smtp.log baselines), chunking, pipelining,
// BDAT, AUTH, STARTTLS, MIME subjects, and malformed input.
#include "analyzers/smtp.h"

#include <gtest/gtest.h>

#include "analyzer_test_util.h"
#include "analyzers/mail_codec.h"
#include "tcp_stream_replay.h"

namespace netward::analyzers {
namespace {

using record::StreamId;
using testing::AnalyzerHarness;
using testing::ParseLines;

struct TraceResult {
  std::vector<nlohmann::json> mail;
  std::vector<nlohmann::json> tls;
  std::string lines;
  std::map<std::string, int> events;
  std::string app;
};

TraceResult RunTrace(const char* rel, size_t chunk = 0) {
  TraceResult r;
  auto convs = testing::ReadTcpConversations(testing::CorpusTrace(rel));
  EXPECT_FALSE(convs.empty()) << rel;
  AnalyzerHarness h;
  for (const auto& c : convs) {
    if (c.flow.server_port != 25) continue;  // smtp.pcap also holds an HTTPS flow
    auto a = NewSmtpAnalyzer();
    testing::Replay(h, *a, c, chunk);
    if (r.app.empty()) r.app = h.hints.app;
  }
  r.mail = ParseLines(h.batch, StreamId::kMail);
  r.tls = ParseLines(h.batch, StreamId::kTls);
  r.lines =
      std::string(h.batch.lines(StreamId::kMail)) + std::string(h.batch.lines(StreamId::kTls));
  r.events = h.events.counts;
  return r;
}

TEST(SmtpCorpus, BasicMatchesSmtpLog) {
  TraceResult r = RunTrace("smtp.pcap");
  ASSERT_EQ(r.mail.size(), 2u);
  const auto& a = r.mail[0];
  EXPECT_EQ(a["proto"], "smtp");
  EXPECT_EQ(a["src_ip"], "10.10.1.4");
  EXPECT_EQ(a["src_port"], 1470);
  EXPECT_EQ(a["dst_port"], 25);
  EXPECT_EQ(a["helo"], "GP");
  EXPECT_EQ(a["mail_from"], "gurpartap@patriots.in");
  EXPECT_EQ(a["rcpt_to"], nlohmann::json::array({"raj_deol2002in@yahoo.co.in"}));
  EXPECT_EQ(a["header_from"], "\"Gurpartap Singh\" <gurpartap@patriots.in>");
  EXPECT_EQ(a["subject"], "SMTP");
  EXPECT_EQ(a["message_id"], "<000301ca4581$ef9e57f0$cedb07d0$@in>");
  const auto& b = r.mail[1];
  EXPECT_EQ(b["helo"], "[192.168.133.100]");
  EXPECT_EQ(b["mail_from"], "albert@example.com");
  // Wire order (Zeek logs a set, in its own order).
  EXPECT_EQ(b["rcpt_to"], nlohmann::json::array({"ericlim220@yahoo.com", "felica4uu@hotmail.com",
                                                 "davis_mark1@outlook.com"}));
  EXPECT_EQ(b["header_from"], "Albert Zaharovits <albert@example.com>");
  EXPECT_EQ(b["subject"], "Re: Bro SMTP CC Header");
  EXPECT_EQ(b["message_id"], "<A6202DF2-8E58-4E41-BE0B-C8D3989A4AEE@example.com>");
  EXPECT_EQ(r.app, "smtp");
  for (const auto& [name, count] : r.events) ADD_FAILURE() << name << " " << count;
}

TEST(SmtpCorpus, AttachmentMsgOverIpv6) {
  TraceResult r = RunTrace("smtp-attachment-msg.pcap");
  ASSERT_EQ(r.mail.size(), 1u);
  EXPECT_EQ(r.mail[0]["src_ip"], "::1");
  EXPECT_EQ(r.mail[0]["helo"], "localhost.localdomain");
  EXPECT_EQ(r.mail[0]["mail_from"], "sender@example.com");
  EXPECT_EQ(r.mail[0]["header_from"], "sender@example.com");
  EXPECT_EQ(r.mail[0]["subject"], "subject");
}

TEST(SmtpCorpus, Bdat) {
  TraceResult r = RunTrace("smtp/rfc3030-bdat-example1.pcap");
  ASSERT_EQ(r.mail.size(), 1u);
  EXPECT_EQ(r.mail[0]["helo"], "localhost");
  EXPECT_EQ(r.mail[0]["mail_from"], "zeek@localhost");
  EXPECT_EQ(r.mail[0]["rcpt_to"], nlohmann::json::array({"root@localhost"}));
  EXPECT_EQ(r.mail[0]["header_from"], "Sam@random.com");
  EXPECT_EQ(r.mail[0]["subject"], "This is a bodyless test message");
  EXPECT_TRUE(r.events.empty());
}

TEST(SmtpCorpus, BdatPipelined8BitMime) {
  TraceResult r = RunTrace("smtp/smtp-bdat-pipeline-8bitmime.pcap");
  ASSERT_EQ(r.mail.size(), 2u);
  EXPECT_EQ(r.mail[0]["helo"], "vger.kernel.org");
  EXPECT_EQ(r.mail[0]["mail_from"], "linux-kernel-owner@vger.kernel.org");
  EXPECT_EQ(r.mail[0]["rcpt_to"], nlohmann::json::array({"trafficwatcher@foundit.scootmail.com"}));
  EXPECT_EQ(r.mail[0]["header_from"], "Andy Shevchenko <andy.shevchenko@gmail.com>");
  EXPECT_EQ(r.mail[0]["subject"], "Re: [PATCH 1/2] units: Add the HZ_PER_KHZ macro");
  EXPECT_EQ(r.mail[0]["message_id"],
            "<CAHp75Vd5u1jHKPALfBTTqEoXf-4OAdLhsn3A-fzPw3Me=7hhMA@mail.gmail.com>");
  EXPECT_EQ(r.mail[1]["header_from"], "Alejandro Colomar <alx.manpages@gmail.com>");
  EXPECT_EQ(r.mail[1]["subject"],
            "[RFC v4] copy_file_range.2: Update cross-filesystem support for 5.12");
  EXPECT_EQ(r.mail[1]["message_id"], "<20210304093806.10589-1-alx.manpages@gmail.com>");
}

TEST(SmtpCorpus, OneSideOnly) {
  TraceResult r = RunTrace("smtp-one-side-only.pcap");
  ASSERT_EQ(r.mail.size(), 2u);
  EXPECT_EQ(r.mail[0]["helo"], "enzo.icir.org");
  EXPECT_EQ(r.mail[0]["subject"], "Hello1!");
  EXPECT_EQ(r.mail[1]["rcpt_to"], nlohmann::json::array({"rsommer@lbl.gov"}));
  EXPECT_EQ(r.mail[1]["subject"], "Hello2!");
}

TEST(SmtpCorpus, InvalidTransactions) {
  TraceResult r = RunTrace("smtp-mail-transactions-invalid.pcap");
  ASSERT_GE(r.mail.size(), 3u);
  EXPECT_EQ(r.mail[0]["mail_from"], "bob@example.org");
  EXPECT_EQ(r.mail[0]["rcpt_to"], nlohmann::json::array({"alice@example.org"}));
  EXPECT_GE(r.events["smtp.command_out_of_sequence"], 1);  // Zeek: rcpt to missing mail from
  EXPECT_EQ(r.mail.back()["mail_from"], "bob@example.org");
}

TEST(SmtpCorpus, InvalidBdatCommands) {
  TraceResult r = RunTrace("smtp/smtp-bdat-cmd-invalid.pcapng");
  EXPECT_EQ(r.events["smtp.bad_bdat"], 3);  // Zeek: three smtp_invalid_bdat_command weirds
  ASSERT_EQ(r.mail.size(), 3u);
  for (const auto& m : r.mail) EXPECT_EQ(m["mail_from"], "zeek@localhost");
}

TEST(SmtpCorpus, StartTlsHandsOverToTls) {
  TraceResult r = RunTrace("tls/smtp-starttls.pcap");
  ASSERT_EQ(r.tls.size(), 1u);
  EXPECT_EQ(r.tls[0]["version"], "TLSv12");
  EXPECT_EQ(r.tls[0]["dst_port"], 25);
  EXPECT_EQ(r.tls[0]["cert_subject"],
            "CN=mx.google.com,O=Google Inc,L=Mountain View,ST=California,C=US");
  EXPECT_EQ(r.tls[0]["cert_issuer"], "CN=Google Internet Authority G2,O=Google Inc,C=US");
  EXPECT_EQ(r.app, "smtp");
  EXPECT_TRUE(r.mail.empty());  // no MAIL FROM before STARTTLS (Zeek logs a helo-only line)
}

TEST(SmtpCorpus, AnyChunkingGivesTheSameRecords) {
  for (const char* trace :
       {"smtp.pcap", "smtp/rfc3030-bdat-example1.pcap", "smtp/smtp-bdat-pipeline-8bitmime.pcap",
        "tls/smtp-starttls.pcap", "smtp-mail-transactions-invalid.pcap"}) {
    const std::string whole = RunTrace(trace).lines;
    EXPECT_EQ(RunTrace(trace, 1).lines, whole) << trace;
    EXPECT_EQ(RunTrace(trace, 13).lines, whole) << trace;
  }
}

struct Captured {
  std::string body;
};
void Hook(void* user, std::string_view what, std::string_view bytes) {
  if (what == "smtp.body") static_cast<Captured*>(user)->body.append(bytes);
}

// A pipelined session (RFC 2920 example style) with AUTH PLAIN, MIME subject, folded header,
// dot-stuffing.
TEST(SmtpSynthetic, PipeliningAuthPlainMimeSubjectAndBody) {
  const std::string client =
      "EHLO client.example\r\n"
      "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"  // \0alice\0secret
      "MAIL FROM:<alice@example.com> SIZE=100 BODY=8BITMIME\r\n"
      "RCPT TO:<bob@example.org>\r\n"
      "RCPT TO:<carol@example.org> NOTIFY=NEVER\r\n"
      "DATA\r\n"
      "From: Alice\r\n"
      "  <alice@example.com>\r\n"
      "Subject: =?UTF-8?B?5L2g5aW9?= =?utf-8?Q?_world?=\r\n"
      "Message-ID: <1@example.com>\r\n"
      "\r\n"
      "line one\r\n"
      "..leading dot\r\n"
      ".\r\n"
      "QUIT\r\n";
  const std::string server =
      "220 mx.example.org ESMTP ready\r\n"
      "250-mx.example.org\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"
      "235 2.7.0 Authentication successful\r\n"
      "250 OK\r\n250 OK\r\n250 OK\r\n354 go ahead\r\n"
      "250 queued\r\n"
      "221 bye\r\n";
  for (size_t chunk : {0, 1, 5}) {
    AnalyzerHarness h(6, 25);
    Captured cap;
    h.ctx.content_hook = &Hook;
    h.ctx.content_hook_user = &cap;
    auto a = NewSmtpAnalyzer();
    h.Deliver(*a, Direction::kToClient, server.substr(0, 32), chunk);
    h.Deliver(*a, Direction::kToServer, client, chunk);
    h.Deliver(*a, Direction::kToClient, server.substr(32), chunk);
    a->Finish(h.ctx);
    auto recs = ParseLines(h.batch, StreamId::kMail);
    ASSERT_EQ(recs.size(), 1u) << chunk;
    const auto& m = recs[0];
    EXPECT_EQ(m["helo"], "client.example");
    EXPECT_EQ(m["auth_user"], "alice");
    EXPECT_EQ(m["mail_from"], "alice@example.com");
    EXPECT_EQ(m["rcpt_to"], nlohmann::json::array({"bob@example.org", "carol@example.org"}));
    EXPECT_EQ(m["header_from"], "Alice  <alice@example.com>");
    EXPECT_EQ(m["subject"], "你好 world");
    EXPECT_EQ(m["message_id"], "<1@example.com>");
    EXPECT_EQ(cap.body, "line one\r\n.leading dot\r\n");
    EXPECT_EQ(h.batch.lines(StreamId::kMail).find("secret"), std::string_view::npos);
    EXPECT_TRUE(h.events.counts.empty()) << chunk;
  }
}

TEST(SmtpSynthetic, AuthLoginAndRsetEmitsTransaction) {
  AnalyzerHarness h(6, 587);
  auto a = NewSmtpAnalyzer();
  h.Deliver(*a, Direction::kToClient, "220 mail ESMTP\r\n");
  h.Deliver(*a, Direction::kToServer, "EHLO x\r\n");
  h.Deliver(*a, Direction::kToClient, "250 ok\r\n");
  h.Deliver(*a, Direction::kToServer, "AUTH LOGIN\r\n");
  h.Deliver(*a, Direction::kToClient, "334 VXNlcm5hbWU6\r\n");
  h.Deliver(*a, Direction::kToServer, "Ym9i\r\n");  // bob
  h.Deliver(*a, Direction::kToClient, "334 UGFzc3dvcmQ6\r\n");
  h.Deliver(*a, Direction::kToServer, "aHVudGVyMg==\r\n");  // the password
  h.Deliver(*a, Direction::kToClient, "235 ok\r\n");
  h.Deliver(*a, Direction::kToServer, "MAIL FROM:<bob@x>\r\nRSET\r\nMAIL FROM:<bob2@x>\r\n");
  h.Deliver(*a, Direction::kToClient, "250 ok\r\n250 ok\r\n250 ok\r\n");
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, StreamId::kMail);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["auth_user"], "bob");
  EXPECT_EQ(recs[0]["mail_from"], "bob@x");
  EXPECT_EQ(recs[1]["mail_from"], "bob2@x");
  EXPECT_TRUE(h.events.counts.empty());
}

TEST(SmtpSynthetic, RejectedDataReturnsToCommands) {
  AnalyzerHarness h(6, 25);
  auto a = NewSmtpAnalyzer();
  h.Deliver(*a, Direction::kToClient, "220 mail ESMTP\r\n");
  h.Deliver(*a, Direction::kToServer, "HELO x\r\nMAIL FROM:<a@x>\r\nDATA\r\n");
  h.Deliver(*a, Direction::kToClient, "250 ok\r\n250 ok\r\n554 no valid recipients\r\n");
  h.Deliver(*a, Direction::kToServer, "QUIT\r\n");
  h.Deliver(*a, Direction::kToClient, "221 bye\r\n");
  auto recs = ParseLines(h.batch, StreamId::kMail);
  ASSERT_EQ(recs.size(), 1u);  // emitted at QUIT
  EXPECT_EQ(recs[0]["subject"], "");
  EXPECT_TRUE(h.events.counts.empty());
}

TEST(SmtpMalformed, LongLinesBadRepliesAndStrayReplies) {
  AnalyzerHarness h(6, 25);
  auto a = NewSmtpAnalyzer();
  h.Deliver(*a, Direction::kToClient, "220 hi\r\n");
  h.Deliver(*a, Direction::kToServer, "HELO " + std::string(20000, 'a') + "\r\n", 1000);
  h.Deliver(*a, Direction::kToClient, "250 ok\r\nxyz what\r\n250 extra\r\n");
  h.Deliver(*a, Direction::kToServer, "MAIL FROM:<a@b>\r\nBDAT 12x\r\nBDAT 3 LAST\r\nabc");
  h.Deliver(*a, Direction::kToClient, "250 ok\r\n501 bad\r\n250 done\r\n");
  a->Finish(h.ctx);
  EXPECT_EQ(h.events["smtp.line_too_long"], 1);
  EXPECT_EQ(h.events["smtp.bad_reply"], 1);
  EXPECT_EQ(h.events["smtp.reply_without_command"], 1);
  EXPECT_EQ(h.events["smtp.bad_bdat"], 1);
  auto recs = ParseLines(h.batch, StreamId::kMail);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["helo"].get<std::string>().size(), 1024u);  // capped
}

TEST(SmtpDetect, LooksLikeSmtp) {
  auto span = [](std::string_view s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_TRUE(LooksLikeSmtp(Direction::kToClient, span("220 mx.example.org ESMTP Postfix\r\n")));
  EXPECT_TRUE(LooksLikeSmtp(Direction::kToServer, span("EHLO me\r\n")));
  EXPECT_FALSE(LooksLikeSmtp(Direction::kToClient, span("220 (vsFTPd 3.0.5)\r\n")));
  EXPECT_FALSE(LooksLikeSmtp(Direction::kToClient, span("220 ProFTPD SMTP-like FTP\r\n")));
  EXPECT_FALSE(LooksLikeSmtp(Direction::kToServer, span("GET / HTTP/1.1\r\n")));
}

TEST(MailCodec, MimeWordsAndBase64) {
  std::string out;
  DecodeMimeWords("=?ISO-8859-1?Q?caf=E9?= ok", &out);
  EXPECT_EQ(out, "café ok");
  out.clear();
  DecodeMimeWords("=?KOI8-R?B?8NLJ18XU?=", &out);  // unsupported charset: unchanged
  EXPECT_EQ(out, "=?KOI8-R?B?8NLJ18XU?=");
  out.clear();
  DecodeMimeWords("broken =?UTF-8?B?", &out);
  EXPECT_EQ(out, "broken =?UTF-8?B?");
  out.clear();
  EXPECT_FALSE(Base64Decode("a*b", &out));
  out.clear();
  EXPECT_TRUE(Base64Decode("aGk=", &out));
  EXPECT_EQ(out, "hi");
}

}  // namespace
}  // namespace netward::analyzers
