// tests/fuzz/fuzz_api_json.cc: the site API's request bodies (api/requests.h) and the endpoints
// behind them (api/api_service.h) on arbitrary input. The first byte picks the endpoint (0
// moderate, 1 posts, 2 registrations, 3 registrations/lookup), the rest is the body, in an
// exact-size buffer so that any overread trips ASan. Checked for every input, else abort:
//   * parsing succeeds, or fails with InvalidArgument naming a field ("body" or a member);
//   * the endpoint answers 200 or 400, with a body that is one JSON object ("error" on 400);
//     a lookup that parses answers 503 (this service has no store to search);
//   * every record it writes decodes as a record of its stream (record/json_decoder.h), and a
//     registration record never holds the plaintext id_number or phone.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/api_service.h"
#include "api/requests.h"
#include "record/json_decoder.h"

namespace {
using namespace netward;
using namespace netward::api;

class WordModerator : public Moderator {
 public:
  void Moderate(std::span<const ModerationText> texts, const IpAddress*,
                Moderation* out) const override {
    *out = Moderation{};
    for (const auto& t : texts) {
      if (t.text.find("bad") != std::string_view::npos) {
        out->matched = true;
        out->action = filter::Action::kBlock;
        out->matches.push_back({"r1", "test", filter::Severity::kHigh, filter::Action::kBlock,
                                t.scope, std::string(t.text.substr(0, 64))});
        return;
      }
    }
  }
  std::string RulesVersion() const override { return "1"; }
  size_t RuleCount() const override { return 1; }
};

class CheckingWriter : public RecordWriter {
 public:
  std::string id_number, phone;  // plaintexts of the request, if a registration
  Status Write(const record::RecordBatch& batch, record::StreamId,
               std::optional<uint64_t>*) override {
    for (size_t i = 0; i < record::kStreamCount; ++i) {
      const auto id = static_cast<record::StreamId>(i);
      std::string_view lines = batch.lines(id);
      size_t pos = 0;
      while (pos < lines.size()) {
        size_t end = lines.find('\n', pos);
        std::string_view line = lines.substr(pos, end - pos);
        std::string canonical;
        if (!record::CanonicalizeJsonLine(id, line, &canonical, nullptr).ok()) std::abort();
        if (id == record::StreamId::kRegistration) {
          record::RegistrationRecord r;
          if (!record::DecodeJsonLine(line, &r, nullptr, nullptr).ok()) std::abort();
          if (r.id_number.rfind("enc1:", 0) != 0 || r.phone.rfind("enc1:", 0) != 0) std::abort();
        }
        pos = end + 1;
      }
    }
    return Status::OK();
  }
};

void CheckParse(const Status& st, const std::string& field) {
  if (st.ok()) return;
  if (st.code() != Status::Code::kInvalidArgument || field.empty() || st.message().empty()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int endpoint = data[0] % 4;
  std::unique_ptr<char[]> buf(new char[size - 1]);
  if (size > 1) std::memcpy(buf.get(), data + 1, size - 1);
  const std::string_view body(buf.get(), size - 1);

  std::string field;
  if (endpoint == 0) {
    ModerateRequest r;
    CheckParse(ParseModerateRequest(body, &r, &field), field);
  } else if (endpoint == 1) {
    PostRequest r;
    CheckParse(ParsePostRequest(body, &r, &field), field);
  } else if (endpoint == 2) {
    RegistrationRequest r;
    CheckParse(ParseRegistrationRequest(body, &r, &field), field);
  } else {
    RegistrationLookupRequest r;
    Status st = ParseRegistrationLookupRequest(body, &r, &field);
    CheckParse(st, field);
    if (st.ok() && (r.limit < 1 || r.limit > kMaxLookupLimit || r.account.empty() ||
                    (r.reveal && r.actor.empty()))) {
      std::abort();
    }
  }

  static const ApiKeys keys = *ApiKeys::Parse("app " + ApiKeyHashHex("k") + " reveal\n", "keys");
  static const FieldCipher cipher = FieldCipher::FromKey(std::array<uint8_t, 32>{1});
  static const WordModerator moderator;
  CheckingWriter writer;
  ApiService service(ApiServiceOptions{"S", &keys, &cipher, &moderator, &writer, nullptr});
  static const char* kPaths[] = {"/v1/moderate", "/v1/posts", "/v1/registrations",
                                 "/v1/registrations/lookup"};
  ApiResponse r = service.Handle("POST", kPaths[endpoint], "Bearer k", "", body);
  const int ok_status = endpoint == 3 ? 503 : 200;
  if (r.status != ok_status && r.status != 400) std::abort();
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) std::abort();
  if (r.status == 400 && !j.contains("error")) std::abort();
  return 0;
}
