#include "api/api_config.h"

#include <toml++/toml.h>

#include "api/field_cipher.h"
#include "common/ip_address.h"

namespace netward::api {

bool SplitListenAddress(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= listen.size()) return false;
  std::string h = listen.substr(0, colon);
  if (h.front() == '[') {
    if (h.back() != ']') return false;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return false;  // IPv6 needs brackets
  }
  if (!IpAddress::Parse(h)) return false;
  int p = 0;
  for (size_t i = colon + 1; i < listen.size(); ++i) {
    char c = listen[i];
    if (c < '0' || c > '9' || p > 65535) return false;
    p = p * 10 + (c - '0');
  }
  if (p > 65535) return false;
  *host = h;
  *port = p;
  return true;
}

bool ReadApiConfig(const ConfigDocument& doc, ConfigSection* root, std::vector<std::string>* errors,
                   ApiConfig* out) {
  const bool present = toml::node_view<const toml::node>(doc.root())["api"].is_table();
  ConfigSection api = root->Section("api");
  api.String("listen", &out->listen);
  api.String("keys_file", &out->keys_file);
  api.String("field_key", &out->field_key);
  api.String("rules", &out->rules);
  api.String("rules_pubkey", &out->rules_pubkey);
  api.Int("max_body", &out->max_body, 1024, int64_t{64} << 20);
  int64_t threads = out->threads;
  api.Int("threads", &threads, 1, 256);
  out->threads = static_cast<int>(threads);
  api.RejectUnknownKeys();
  if (!present) return false;
  const std::string where = doc.name() + ": [api] ";
  std::string host;
  int port = 0;
  if (!SplitListenAddress(out->listen, &host, &port)) {
    errors->push_back(where + "listen: \"" + out->listen +
                      "\" is not ADDRESS:PORT, e.g. \"127.0.0.1:8480\" or \"[::1]:8480\"");
  }
  if (out->keys_file.empty()) {
    errors->push_back(where +
                      "keys_file: required, e.g. keys_file = \"/etc/netward/api.keys\" (add "
                      "applications with `netward api-key add NAME --keys-file FILE`)");
  }
  if (!out->rules.empty() && out->rules_pubkey.empty()) {
    errors->push_back(where +
                      "rules_pubkey: required with api.rules (the public key the bundle is "
                      "signed with; an unsigned bundle is refused)");
  }
  if (!out->field_key.empty()) {
    auto cipher = FieldCipher::Load(out->field_key);
    if (!cipher.ok()) errors->push_back(where + "field_key: " + cipher.status().message());
  }
  return true;
}

}  // namespace netward::api
