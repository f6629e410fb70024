#include "api/requests.h"

#include <nlohmann/json.hpp>
#include <set>

namespace netward::api {
namespace {

using Json = nlohmann::json;

// Reads members of one JSON object; remembers the first error and which members were asked for.
class Members {
 public:
  Members(const Json& object, std::string prefix, std::string* bad_field)
      : object_(object), prefix_(std::move(prefix)), bad_field_(bad_field) {}

  const Status& status() const { return status_; }

  const Json* Get(const char* key, bool required) {
    known_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) Fail(key, "required");
      return nullptr;
    }
    return &*it;
  }

  void String(const char* key, bool required, bool non_empty, std::string* out) {
    const Json* v = Get(key, required);
    if (!v || !status_.ok()) return;
    if (!v->is_string()) return Fail(key, std::string("expected a string, got ") + v->type_name());
    *out = v->get_ref<const std::string&>();
    if (non_empty && out->empty()) Fail(key, "must not be empty");
  }

  void Ip(const char* key, bool required, IpAddress* out) {
    std::string text;
    String(key, required, false, &text);
    if (!status_.ok() || text.empty()) {
      if (status_.ok() && required) Fail(key, "must not be empty");
      return;
    }
    auto ip = IpAddress::Parse(text);
    if (!ip) return Fail(key, "\"" + Shorten(text) + "\" is not an IPv4 or IPv6 address");
    *out = *ip;
  }

  void Port(const char* key, uint16_t* out) {
    const Json* v = Get(key, false);
    if (!v || !status_.ok()) return;
    if (!v->is_number_integer()) {
      return Fail(key, std::string("expected an integer 0..65535, got ") + v->type_name());
    }
    if (v->is_number_unsigned() ? v->get<uint64_t>() > 65535
                                : v->get<int64_t>() < 0 || v->get<int64_t>() > 65535) {
      return Fail(key, "out of range 0..65535");
    }
    *out = static_cast<uint16_t>(v->get<int64_t>());
  }

  void Time(const char* key, TimestampUs* out) {
    std::string text;
    String(key, false, false, &text);
    if (!status_.ok() || text.empty()) return;
    auto ts = ParseIso8601(text);
    if (!ts) {
      return Fail(key, "\"" + Shorten(text) +
                           "\" is not an ISO-8601 time (e.g. 2026-11-23T08:30:00+08:00)");
    }
    *out = *ts;
  }

  void Bool(const char* key, bool* out) {
    const Json* v = Get(key, false);
    if (!v || !status_.ok()) return;
    if (!v->is_boolean())
      return Fail(key, std::string("expected true or false, got ") + v->type_name());
    *out = v->get<bool>();
  }

  void Uint(const char* key, uint64_t min, uint64_t max, uint32_t* out) {
    const Json* v = Get(key, false);
    if (!v || !status_.ok()) return;
    const std::string range = std::to_string(min) + ".." + std::to_string(max);
    if (!v->is_number_integer()) {
      return Fail(key, "expected an integer " + range + ", got " + v->type_name());
    }
    if (!v->is_number_unsigned() || v->get<uint64_t>() < min || v->get<uint64_t>() > max) {
      return Fail(key, "out of range " + range);
    }
    *out = static_cast<uint32_t>(v->get<uint64_t>());
  }

  // Every member must have been asked for.
  void RejectUnknown() {
    if (!status_.ok()) return;
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!known_.count(it.key())) return Fail(it.key(), "unknown member");
    }
  }

  void Fail(const std::string& key, const std::string& what) {
    if (!status_.ok()) return;
    // A member with an empty name ("": 1) is named as it was written.
    const std::string field = prefix_ + (key.empty() ? std::string("\"\"") : key);
    *bad_field_ = field;
    status_ = Status::InvalidArgument(field, what);
  }

  static std::string Shorten(const std::string& text) {
    if (text.size() <= 64) return text;
    size_t cut = 64;  // back up to a UTF-8 character boundary
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return text.substr(0, cut) + "...";
  }

 private:
  const Json& object_;
  std::string prefix_;
  std::string* bad_field_;
  std::set<std::string> known_;
  Status status_;
};

// Parses `body` into *object. InvalidArgument("body", ...) if it is not one JSON object.
Status ParseObject(std::string_view body, Json* object, std::string* bad_field) {
  *bad_field = "body";
  Json j;
  try {
    j = Json::parse(body.begin(), body.end());
  } catch (const Json::parse_error& e) {
    return Status::InvalidArgument("body", "invalid JSON at byte " + std::to_string(e.byte));
  } catch (const std::exception& e) {
    return Status::InvalidArgument("body", "invalid JSON");
  }
  if (!j.is_object()) {
    return Status::InvalidArgument("body",
                                   std::string("expected a JSON object, got ") + j.type_name());
  }
  bad_field->clear();
  *object = std::move(j);
  return Status::OK();
}

bool IsIdType(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

bool IsPhone(const std::string& s) {
  size_t digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      ++digits;
    } else if (!(s[i] == '+' && i == 0)) {
      return false;
    }
  }
  return digits >= 5 && digits <= 20;
}

}  // namespace

Status ParseModerateRequest(std::string_view body, ModerateRequest* out, std::string* bad_field) {
  Json j;
  Status st = ParseObject(body, &j, bad_field);
  if (!st.ok()) return st;
  Members m(j, "", bad_field);
  m.String("text", true, false, &out->text);
  std::string scope;
  m.String("scope", false, false, &scope);
  if (m.status().ok() && !scope.empty()) {
    filter::Scope s;
    if (!filter::ScopeFromName(scope, &s) || s == filter::Scope::kIp) {
      m.Fail("scope", "\"" + Members::Shorten(scope) +
                          "\" is not a text scope (post_text, registration, url, host, dns, sni, "
                          "http_header, http_body, mail_subject, mail_body, ftp_file)");
    } else {
      out->scope = s;
    }
  }
  if (const Json* meta = m.Get("metadata", false); meta && m.status().ok()) {
    if (!meta->is_object()) {
      m.Fail("metadata", std::string("expected an object, got ") + meta->type_name());
    } else {
      Members mm(*meta, "metadata.", bad_field);
      mm.String("account", false, false, &out->account);
      mm.Ip("src_ip", false, &out->src_ip);
      mm.Port("src_port", &out->src_port);
      mm.String("url", false, false, &out->url);
      if (!mm.status().ok()) return mm.status();  // other metadata members are the caller's own
    }
  }
  m.RejectUnknown();
  return m.status();
}

Status ParsePostRequest(std::string_view body, PostRequest* out, std::string* bad_field) {
  Json j;
  Status st = ParseObject(body, &j, bad_field);
  if (!st.ok()) return st;
  Members m(j, "", bad_field);
  m.String("account", true, true, &out->account);
  m.Ip("src_ip", true, &out->src_ip);
  m.Port("src_port", &out->src_port);
  m.String("url", true, true, &out->url);
  m.String("title", false, false, &out->title);
  m.String("content", true, false, &out->content);
  m.Time("time", &out->ts);
  if (const Json* id = m.Get("post_id", false); id && m.status().ok()) {
    if (id->is_string()) {
      out->post_id = id->get_ref<const std::string&>();
    } else if (id->is_number_unsigned()) {
      out->post_id = std::to_string(id->get<uint64_t>());
    } else {
      m.Fail("post_id",
             std::string("expected a string or a non-negative integer, got ") + id->type_name());
    }
  }
  m.RejectUnknown();
  return m.status();
}

Status ParseRegistrationRequest(std::string_view body, RegistrationRequest* out,
                                std::string* bad_field) {
  Json j;
  Status st = ParseObject(body, &j, bad_field);
  if (!st.ok()) return st;
  Members m(j, "", bad_field);
  m.String("account", true, true, &out->account);
  m.String("name", true, true, &out->name);
  m.String("id_type", true, true, &out->id_type);
  if (m.status().ok() && !IsIdType(out->id_type)) {
    m.Fail("id_type",
           "\"" + Members::Shorten(out->id_type) +
               "\" is not an id type (resident_id, passport, hk_macao_permit, taiwan_permit, "
               "foreign_permanent_residence, other: lowercase letters and '_')");
  }
  m.String("id_number", true, true, &out->id_number);
  if (m.status().ok() && out->id_number.size() > 64) m.Fail("id_number", "longer than 64 bytes");
  m.String("phone", true, true, &out->phone);
  if (m.status().ok() && !IsPhone(out->phone)) {
    m.Fail("phone", "expected 5-20 digits, optionally after a leading '+' (e.g. 13800000000)");
  }
  m.Ip("src_ip", true, &out->src_ip);
  m.Port("src_port", &out->src_port);
  m.Time("time", &out->ts);
  m.RejectUnknown();
  return m.status();
}

Status ParseRegistrationLookupRequest(std::string_view body, RegistrationLookupRequest* out,
                                      std::string* bad_field) {
  Json j;
  Status st = ParseObject(body, &j, bad_field);
  if (!st.ok()) return st;
  Members m(j, "", bad_field);
  m.String("account", true, true, &out->account);
  m.Time("from", &out->from);
  m.Time("to", &out->to);
  if (m.status().ok() && out->from && out->to && out->to <= out->from) {
    m.Fail("to", "must be later than from");
  }
  m.Uint("limit", 1, kMaxLookupLimit, &out->limit);
  m.Bool("reveal", &out->reveal);
  m.String("actor", false, false, &out->actor);
  if (m.status().ok() && out->reveal && out->actor.empty()) {
    m.Fail("actor",
           "required with \"reveal\": true: the person revealing, written to the store's "
           "maintenance log");
  }
  if (m.status().ok() && out->actor.size() > 128) m.Fail("actor", "longer than 128 bytes");
  m.RejectUnknown();
  return m.status();
}

}  // namespace netward::api
