#include "common/config.h"

#include <toml++/toml.h>

#include <sstream>

namespace netward {

ConfigDocument::~ConfigDocument() = default;

namespace {
const char* TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

std::string Quote(const toml::node& n) {
  std::ostringstream os;
  if (auto s = n.as_string()) {
    os << '"' << s->get() << '"';
  } else if (auto i = n.as_integer()) {
    os << i->get();
  } else if (auto b = n.as_boolean()) {
    os << (b->get() ? "true" : "false");
  } else {
    os << TypeName(n);
  }
  return os.str();
}
}  // namespace

Result<std::shared_ptr<ConfigDocument>> ConfigDocument::ParseString(const std::string& text,
                                                                    const std::string& name) {
  // Debian's toml++ is built with exceptions: a syntax error arrives as toml::parse_error.
  toml::table parsed;
  try {
    parsed = toml::parse(text, name);
  } catch (const toml::parse_error& err) {
    std::ostringstream os;
    os << "line " << err.source().begin.line << ", column " << err.source().begin.column << ": "
       << err.description();
    return Status::InvalidArgument(name, os.str());
  }
  auto doc = std::shared_ptr<ConfigDocument>(new ConfigDocument());
  doc->root_ = std::make_unique<toml::table>(std::move(parsed));
  doc->name_ = name;
  return doc;
}

Result<std::shared_ptr<ConfigDocument>> ConfigDocument::ParseFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::IOError(path, "cannot open config file");
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    text.append(buf, n);
    if (text.size() > (16u << 20)) {
      std::fclose(f);
      return Status::InvalidArgument(path, "config file larger than 16 MiB");
    }
  }
  std::fclose(f);
  return ParseString(text, path);
}

ConfigSection::ConfigSection(const toml::table* table, std::string file, std::string path,
                             std::vector<std::string>* errors)
    : table_(table), file_(std::move(file)), path_(std::move(path)), errors_(errors) {}

void ConfigSection::Error(const std::string& key, const std::string& what) {
  std::string where = file_ + ": ";
  if (!path_.empty()) where += "[" + path_ + "] ";
  errors_->push_back(where + key + ": " + what);
}

void ConfigSection::String(const std::string& key, std::string* out,
                           const std::vector<std::string>& allowed) {
  known_.insert(key);
  if (!table_) return;
  const toml::node* n = table_->get(key);
  if (!n) return;
  auto s = n->as_string();
  if (!s) {
    Error(key, std::string("expected a string, got ") + TypeName(*n) + " " + Quote(*n));
    return;
  }
  if (!allowed.empty()) {
    bool ok = false;
    std::string list;
    for (const auto& a : allowed) {
      if (a == s->get()) ok = true;
      list += (list.empty() ? "" : ", ") + a;
    }
    if (!ok) {
      Error(key, "\"" + s->get() + "\" is not allowed; use one of: " + list);
      return;
    }
  }
  *out = s->get();
}

void ConfigSection::Int(const std::string& key, int64_t* out, int64_t min, int64_t max) {
  known_.insert(key);
  if (!table_) return;
  const toml::node* n = table_->get(key);
  if (!n) return;
  auto i = n->as_integer();
  std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!i) {
    Error(key, "expected " + range + ", got " + TypeName(*n) + " " + Quote(*n));
    return;
  }
  if (i->get() < min || i->get() > max) {
    Error(key, "expected " + range + ", got " + std::to_string(i->get()));
    return;
  }
  *out = i->get();
}

void ConfigSection::Bool(const std::string& key, bool* out) {
  known_.insert(key);
  if (!table_) return;
  const toml::node* n = table_->get(key);
  if (!n) return;
  auto b = n->as_boolean();
  if (!b) {
    Error(key, std::string("expected true or false, got ") + TypeName(*n) + " " + Quote(*n));
    return;
  }
  *out = b->get();
}

void ConfigSection::StringList(const std::string& key, std::vector<std::string>* out) {
  known_.insert(key);
  if (!table_) return;
  const toml::node* n = table_->get(key);
  if (!n) return;
  auto arr = n->as_array();
  if (!arr) {
    Error(key, std::string("expected an array of strings, got ") + TypeName(*n) + " " + Quote(*n));
    return;
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < arr->size(); ++i) {
    auto s = (*arr)[i].as_string();
    if (!s) {
      Error(key,
            "element " + std::to_string(i) + " should be a string, got " + TypeName((*arr)[i]));
      return;
    }
    values.push_back(s->get());
  }
  *out = std::move(values);
}

bool ParseDuration(const std::string& text, int64_t* out_us) {
  if (text.empty()) return false;
  size_t pos = 0;
  int64_t value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (value > (int64_t{1} << 40)) return false;
    value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == 0) return false;
  std::string unit = text.substr(pos);
  int64_t mult;
  if (unit.empty() || unit == "s")
    mult = 1000000;
  else if (unit == "ms")
    mult = 1000;
  else if (unit == "m")
    mult = 60LL * 1000000;
  else if (unit == "h")
    mult = 3600LL * 1000000;
  else if (unit == "d")
    mult = 86400LL * 1000000;
  else
    return false;
  if (value > INT64_MAX / mult) return false;  // would overflow: no sane duration is that long
  *out_us = value * mult;
  return true;
}

void ConfigSection::Duration(const std::string& key, int64_t* out_us, int64_t min_us,
                             int64_t max_us) {
  known_.insert(key);
  if (!table_) return;
  const toml::node* n = table_->get(key);
  if (!n) return;
  int64_t value;
  auto describe = [](int64_t us) {
    if (us % 1000000 == 0) return std::to_string(us / 1000000) + "s";
    return std::to_string(us / 1000) + "ms";
  };
  std::string expect =
      "expected a duration from " + describe(min_us) + " to " + describe(max_us) +
      " (seconds as an integer, or a string like \"30s\", \"5m\", \"2h\", \"250ms\")";
  if (auto i = n->as_integer()) {
    // Seconds; anything beyond a century cannot be in range and would overflow microseconds.
    constexpr int64_t kMaxSeconds = int64_t{100} * 365 * 86400;
    if (i->get() < 0 || i->get() > kMaxSeconds) {
      Error(key, expect + ", got " + Quote(*n));
      return;
    }
    value = i->get() * 1000000;
  } else if (auto s = n->as_string()) {
    if (!ParseDuration(s->get(), &value)) {
      Error(key, expect + ", got " + Quote(*n));
      return;
    }
  } else {
    Error(key, expect + ", got " + TypeName(*n));
    return;
  }
  if (value < min_us || value > max_us) {
    Error(key, expect + ", got " + Quote(*n));
    return;
  }
  *out_us = value;
}

ConfigSection ConfigSection::Section(const std::string& key) {
  known_.insert(key);
  const toml::table* sub = nullptr;
  if (table_) {
    if (const toml::node* n = table_->get(key)) {
      sub = n->as_table();
      if (!sub) Error(key, std::string("expected a [") + key + "] table, got " + TypeName(*n));
    }
  }
  return ConfigSection(sub, file_, path_.empty() ? key : path_ + "." + key, errors_);
}

void ConfigSection::RejectUnknownKeys() {
  if (!table_) return;
  std::string allowed;
  for (const auto& k : known_) allowed += (allowed.empty() ? "" : ", ") + k;
  for (const auto& [k, v] : *table_) {
    std::string key(k.str());
    if (!known_.count(key)) {
      Error(key, "unknown key; allowed here: " + allowed);
    }
  }
}

Status ConfigErrors(const std::vector<std::string>& errors) {
  if (errors.empty()) return Status::OK();
  std::string all;
  for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
  return Status::InvalidArgument("configuration", "\n" + all);
}

}  // namespace netward
