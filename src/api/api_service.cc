#include "api/api_service.h"

#include <nlohmann/json.hpp>

#include "api/masking.h"
#include "api/registration_view.h"
#include "api/requests.h"
#include "api/resident_id.h"
#include "record/json_decoder.h"
#include "record/json_encoder.h"

namespace netward::api {
namespace {

using Json = nlohmann::ordered_json;

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
}

// Where an alert raised by the API came from: the author, as far as the request says.
struct AlertContext {
  TimestampUs ts = 0;
  std::string_view account, url;
  IpAddress src_ip;
  uint16_t src_port = 0;
};

std::string_view Taken(filter::Action a) {
  switch (a) {
    case filter::Action::kBlock:
      return "rejected";
    case filter::Action::kReview:
      return "held_for_review";
    default:
      return "alerted";
  }
}

void AddAlerts(const Moderation& m, const AlertContext& ctx, record::RecordBatch* batch) {
  for (const auto& match : m.matches) {
    if (match.action < filter::Action::kAlert) continue;
    record::AlertRecord a;
    a.ts = ctx.ts;
    a.source = "api";
    a.rule_id = match.rule_id;
    a.category = match.category;
    a.severity = std::string(filter::SeverityName(match.severity));
    a.action = std::string(filter::ActionName(match.action));
    a.taken = std::string(Taken(match.action));
    a.scope = std::string(filter::ScopeName(match.scope));
    a.excerpt = match.excerpt;
    a.bundle_version = m.bundle_version;
    a.src_ip = ctx.src_ip;
    a.src_port = ctx.src_port;
    a.url = std::string(ctx.url);
    a.account = std::string(ctx.account);
    batch->Add(a);
  }
}

Json MatchesJson(const Moderation& m) {
  Json list = Json::array();
  for (const auto& match : m.matches) {
    list.push_back(Json{{"rule_id", match.rule_id},
                        {"category", match.category},
                        {"action", filter::ActionName(match.action)},
                        {"severity", filter::SeverityName(match.severity)},
                        {"scope", filter::ScopeName(match.scope)},
                        {"excerpt", match.excerpt}});
  }
  return list;
}

std::vector<std::string> RuleIds(const Moderation& m) {
  std::vector<std::string> ids;
  for (const auto& match : m.matches) ids.push_back(match.rule_id);
  return ids;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

ApiResponse ApiService::Error(int status, std::string_view message, std::string_view field) {
  Json j{{"error", message}};
  if (!field.empty()) j["field"] = field;
  return ApiResponse{status, Dump(j)};
}

const ApiKeyEntry* ApiService::Authenticate(std::string_view authorization,
                                            std::string_view api_key) const {
  authorization = Trim(authorization);
  std::string_view key;
  if (StartsWithNoCase(authorization, "bearer ")) {
    key = Trim(authorization.substr(7));
  } else if (authorization.empty()) {
    key = Trim(api_key);
  }
  if (key.empty() || !o_.keys) return nullptr;
  return o_.keys->Authenticate(key);
}

ApiResponse ApiService::Handle(std::string_view method, std::string_view path,
                               std::string_view authorization, std::string_view api_key,
                               std::string_view body) const {
  enum class Endpoint { kModerate, kPosts, kRegistrations, kLookup, kHealth };
  Endpoint e;
  if (path == "/v1/moderate") {
    e = Endpoint::kModerate;
  } else if (path == "/v1/posts") {
    e = Endpoint::kPosts;
  } else if (path == "/v1/registrations") {
    e = Endpoint::kRegistrations;
  } else if (path == "/v1/registrations/lookup") {
    e = Endpoint::kLookup;
  } else if (path == "/v1/health") {
    e = Endpoint::kHealth;
  } else {
    return Error(404, "no such endpoint: " + std::string(path.substr(0, 128)) +
                          " (see docs/api.md: /v1/moderate, /v1/posts, /v1/registrations, "
                          "/v1/registrations/lookup, /v1/health)");
  }
  if (e == Endpoint::kHealth) {
    return method == "GET" ? Health() : Error(405, "use GET for /v1/health");
  }
  if (method != "POST") return Error(405, "use POST for " + std::string(path));
  const ApiKeyEntry* app = Authenticate(authorization, api_key);
  if (!app) {
    return Error(401,
                 "missing or unknown API key: send Authorization: Bearer KEY or X-API-Key: KEY");
  }
  switch (e) {
    case Endpoint::kModerate:
      return Moderate(*app, body);
    case Endpoint::kPosts:
      return Posts(*app, body);
    case Endpoint::kLookup:
      return LookupRegistrations(*app, body);
    default:
      return Registrations(*app, body);
  }
}

ApiResponse ApiService::Health() const {
  const std::string version = o_.moderator->RulesVersion();
  Json j{{"status", "ok"},
         {"rules_loaded", !version.empty() || o_.moderator->RuleCount() > 0},
         {"rules_version", version},
         {"rule_count", o_.moderator->RuleCount()},
         {"registrations", o_.cipher != nullptr}};
  return ApiResponse{200, Dump(j)};
}

ApiResponse ApiService::Moderate(const ApiKeyEntry& app, std::string_view body) const {
  (void)app;
  ModerateRequest req;
  std::string field;
  Status st = ParseModerateRequest(body, &req, &field);
  if (!st.ok()) return Error(400, st.message(), field);
  Moderation m;
  const ModerationText text{req.scope, req.text, req.scope == filter::Scope::kUrl};
  o_.moderator->Moderate(std::span<const ModerationText>(&text, 1), nullptr, &m);
  bool alerts = false;
  for (const auto& match : m.matches) alerts = alerts || match.action >= filter::Action::kAlert;
  if (alerts) {
    record::RecordBatch batch(o_.site, 0);
    AddAlerts(m, AlertContext{Now(), req.account, req.url, req.src_ip, req.src_port}, &batch);
    Status written = o_.writer->Write(batch, record::StreamId::kAlert, nullptr);
    if (!written.ok()) return Error(503, "not recorded: " + written.message());
  }
  Json j{{"verdict", VerdictName(m)},
         {"matches", MatchesJson(m)},
         {"rules_version", m.bundle_version}};
  return ApiResponse{200, Dump(j)};
}

ApiResponse ApiService::Posts(const ApiKeyEntry& app, std::string_view body) const {
  PostRequest req;
  std::string field;
  Status st = ParsePostRequest(body, &req, &field);
  if (!st.ok()) return Error(400, st.message(), field);
  const TimestampUs received = Now();
  Moderation m;
  const ModerationText texts[] = {{filter::Scope::kPostText, req.title, false},
                                  {filter::Scope::kPostText, req.content, false},
                                  {filter::Scope::kUrl, req.url, true}};
  o_.moderator->Moderate(texts, &req.src_ip, &m);

  record::RecordBatch batch(o_.site, 0);
  record::PostRecord p;
  p.ts = req.ts ? req.ts : received;
  p.app = app.name;
  p.post_id = std::move(req.post_id);
  p.account = req.account;
  p.src_ip = req.src_ip;
  p.src_port = req.src_port;
  p.url = req.url;
  p.title = std::move(req.title);
  p.content = std::move(req.content);
  p.verdict = std::string(VerdictName(m));
  p.rule_ids = RuleIds(m);
  batch.Add(p);
  AddAlerts(m, AlertContext{received, req.account, req.url, req.src_ip, req.src_port}, &batch);
  std::optional<uint64_t> seq;
  Status written = o_.writer->Write(batch, record::StreamId::kPost, &seq);
  if (!written.ok()) return Error(503, "post not recorded: " + written.message());
  Json j{{"verdict", p.verdict}, {"matches", MatchesJson(m)}};
  if (seq) j["seq"] = *seq;
  j["rules_version"] = m.bundle_version;
  return ApiResponse{200, Dump(j)};
}

ApiResponse ApiService::Registrations(const ApiKeyEntry& app, std::string_view body) const {
  RegistrationRequest req;
  std::string field;
  Status st = ParseRegistrationRequest(body, &req, &field);
  if (!st.ok()) return Error(400, st.message(), field);
  const TimestampUs received = Now();
  if (req.id_type == "resident_id") {
    auto id = ValidateResidentId(req.id_number, received);
    if (!id.ok()) return Error(400, id.status().message(), "id_number");
    req.id_number = std::move(*id);
  }
  if (!o_.cipher) {
    return Error(503,
                 "registrations are not recorded: api.field_key is not configured (personal "
                 "fields are only stored encrypted)");
  }
  auto id_enc = o_.cipher->Encrypt(req.id_number, "id_number");
  auto phone_enc = o_.cipher->Encrypt(req.phone, "phone");
  if (!id_enc.ok() || !phone_enc.ok()) {
    return Error(503, "registration not recorded: " +
                          (id_enc.ok() ? phone_enc.status() : id_enc.status()).message());
  }
  Moderation m;
  const ModerationText texts[] = {{filter::Scope::kRegistration, req.account, false},
                                  {filter::Scope::kRegistration, req.name, false}};
  o_.moderator->Moderate(texts, &req.src_ip, &m);

  record::RecordBatch batch(o_.site, 0);
  record::RegistrationRecord r;
  r.ts = req.ts ? req.ts : received;
  r.app = app.name;
  r.account = req.account;
  r.name = std::move(req.name);
  r.id_type = std::move(req.id_type);
  r.id_number = std::move(*id_enc);
  r.id_number_masked = MaskIdNumber(req.id_number);
  r.phone = std::move(*phone_enc);
  r.phone_masked = MaskPhone(req.phone);
  r.src_ip = req.src_ip;
  r.src_port = req.src_port;
  r.verdict = std::string(VerdictName(m));
  r.rule_ids = RuleIds(m);
  batch.Add(r);
  AddAlerts(m, AlertContext{received, req.account, {}, req.src_ip, req.src_port}, &batch);
  std::optional<uint64_t> seq;
  Status written = o_.writer->Write(batch, record::StreamId::kRegistration, &seq);
  if (!written.ok()) return Error(503, "registration not recorded: " + written.message());
  Json j{{"verdict", r.verdict}, {"matches", MatchesJson(m)}};
  if (seq) j["seq"] = *seq;
  j["id_number_masked"] = r.id_number_masked;
  j["phone_masked"] = r.phone_masked;
  j["rules_version"] = m.bundle_version;
  return ApiResponse{200, Dump(j)};
}

ApiResponse ApiService::LookupRegistrations(const ApiKeyEntry& app, std::string_view body) const {
  if (!app.HasRole("reveal")) {
    return Error(403, "the key of '" + app.name +
                          "' lacks role reveal, which looking up registrations needs (netward "
                          "api-key add NAME --role reveal)");
  }
  RegistrationLookupRequest req;
  std::string field;
  Status st = ParseRegistrationLookupRequest(body, &req, &field);
  if (!st.ok()) return Error(400, st.message(), field);
  if (!o_.finder) {
    return Error(503, "registrations cannot be looked up: the API writes no store (store.dir)");
  }
  if (req.reveal && !o_.cipher) {
    return Error(503, "nothing can be revealed: api.field_key is not configured");
  }
  store::QuerySpec spec;
  spec.stream = record::StreamId::kRegistration;
  spec.from = req.from;
  spec.to = req.to;
  spec.where.emplace_back("account", req.account);
  spec.limit = uint64_t{req.limit} + 1;  // one more tells whether the answer was cut
  std::vector<std::pair<uint64_t, std::string>> found;
  st = o_.finder->Find(spec, [&](uint64_t seq, std::string_view line) {
    found.emplace_back(seq, std::string(line));
    return true;
  });
  if (!st.ok()) return Error(503, "lookup failed: " + st.message());
  const bool truncated = found.size() > req.limit;
  if (truncated) found.resize(req.limit);

  // A reveal is logged, durably, before anything is decrypted; if it cannot be, nothing is.
  if (req.reveal && !found.empty()) {
    record::RecordBatch batch(o_.site, 0);
    record::MaintenanceRecord m;
    m.ts = Now();
    m.component = "api";
    m.action = "reveal";
    m.actor = app.name + ": " + req.actor;
    m.object = "registration seq " + std::to_string(found.front().first) + ".." +
               std::to_string(found.back().first);
    m.detail = std::to_string(found.size()) + " registration records of account " + req.account +
               ": id_number and phone decrypted";
    batch.Add(m);
    Status logged = o_.writer->Write(batch, record::StreamId::kMaintenance, nullptr);
    if (logged.ok()) logged = o_.writer->Sync();
    if (!logged.ok()) {
      return Error(503,
                   "the reveal could not be logged, so nothing was revealed: " + logged.message());
    }
  }

  // Records are spliced in as the store's canonical JSON lines, so their members keep the
  // schema's order (as `netward query` prints them), with "seq" added last.
  std::string list;
  Json errors = Json::array();
  size_t shown_count = 0;
  for (const auto& [seq, line] : found) {
    record::RegistrationRecord r;
    std::string site;
    if (!record::DecodeJsonLine(line, &r, &site, nullptr).ok()) {
      errors.push_back({{"seq", seq}, {"error", "the stored record does not decode"}});
      continue;
    }
    std::vector<std::string> failed;
    ShowRegistration(&r, req.reveal ? o_.cipher : nullptr, &failed);
    for (const auto& why : failed) errors.push_back({{"seq", seq}, {"error", why}});
    std::string shown;
    record::EncodeJsonLine(r, site, &shown);  // "{...}\n"
    while (!shown.empty() && shown.back() != '}') shown.pop_back();
    if (shown.empty()) continue;
    shown.pop_back();
    list += (shown_count++ ? "," : "") + shown + ",\"seq\":" + std::to_string(seq) + "}";
  }
  Json head{{"count", shown_count},
            {"truncated", truncated},
            {"revealed", req.reveal && !found.empty()},
            {"errors", std::move(errors)}};
  std::string answer = Dump(head);  // {"count":..,"errors":[..],"revealed":..,"truncated":..}
  answer.pop_back();
  answer += ",\"registrations\":[" + list + "]}";
  return ApiResponse{200, std::move(answer)};
}

}  // namespace netward::api
