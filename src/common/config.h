// src/common/config.h: reading TOML config files strictly.
// Every component declares the keys it accepts through a ConfigSection; anything else is an
// error that names the file, the key and what is allowed. Errors are collected, not thrown, so
// an operator sees every mistake of a file at once. Not thread-safe; used at start-up only.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace netward {

// A parsed TOML document. Parse errors name the file, line and column.
class ConfigDocument {
 public:
  static Result<std::shared_ptr<ConfigDocument>> ParseFile(const std::string& path);
  static Result<std::shared_ptr<ConfigDocument>> ParseString(const std::string& text,
                                                             const std::string& name);
  const toml::table& root() const { return *root_; }
  const std::string& name() const { return name_; }
  ~ConfigDocument();

 private:
  ConfigDocument() = default;
  std::unique_ptr<toml::table> root_;
  std::string name_;
};

// One [section] (or the root). Each getter leaves *out unchanged when the key is absent, so the
// caller sets defaults first. A present key of the wrong type or out of range adds an error.
class ConfigSection {
 public:
  // `table` may be null (section absent: every key keeps its default).
  ConfigSection(const toml::table* table, std::string file, std::string path,
                std::vector<std::string>* errors);

  void String(const std::string& key, std::string* out,
              const std::vector<std::string>& allowed = {});
  void Int(const std::string& key, int64_t* out, int64_t min, int64_t max);
  void Bool(const std::string& key, bool* out);
  void StringList(const std::string& key, std::vector<std::string>* out);
  // A duration: an integer number of seconds, or a string "30s", "5m", "2h", "1d", "250ms".
  // Stored in microseconds. min/max in microseconds.
  void Duration(const std::string& key, int64_t* out_us, int64_t min_us, int64_t max_us);
  ConfigSection Section(const std::string& key);
  // Adds an error for every key of this table that no getter or Section() asked for.
  void RejectUnknownKeys();

 private:
  void Error(const std::string& key, const std::string& what);
  const toml::table* table_;
  std::string file_;
  std::string path_;  // "" for the root, "capture" for [capture]
  std::vector<std::string>* errors_;
  std::set<std::string> known_;
};

// Parses "30s" / "5m" / "2h" / "1d" / "250ms" / "45" (seconds); false on anything else.
bool ParseDuration(const std::string& text, int64_t* out_us);

// Joins collected errors into one InvalidArgument status (OK when there are none).
Status ConfigErrors(const std::vector<std::string>& errors);

}  // namespace netward
