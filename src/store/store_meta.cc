#include "store/store_meta.h"

#include <random>

#include "store/file_util.h"

namespace netward::store {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace

Result<StoreMeta> LoadMeta(const std::string& dir) {
  std::string path = dir + "/STORE";
  if (!FileExists(path)) {
    return Status::NotFound(dir, "not a netward store (no STORE file); check --store");
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto lines = Lines(text.value());
  StoreMeta meta;
  if (lines.empty() || lines[0] != "netward-store 1") {
    return Status::Corruption(path, "unknown format (expected \"netward-store 1\")");
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].rfind("id ", 0) == 0) meta.id = lines[i].substr(3);
    if (lines[i].rfind("origin ", 0) == 0) meta.origin = lines[i].substr(7);
  }
  if (meta.id.empty() || meta.origin.empty()) {
    return Status::Corruption(path, "missing id or origin line");
  }
  return meta;
}

Result<StoreMeta> LoadOrCreateMeta(const std::string& dir, const std::string& origin) {
  if (FileExists(dir + "/STORE")) return LoadMeta(dir);
  std::random_device rd;
  char id[17];
  std::snprintf(id, sizeof(id), "%08x%08x", rd(), rd());
  StoreMeta meta;
  meta.id = id;
  meta.origin = origin.empty() ? "netward/" + meta.id : origin;
  Status st = WriteFileAtomic(dir + "/STORE",
                              "netward-store 1\nid " + meta.id + "\norigin " + meta.origin + "\n");
  if (!st.ok()) return st;
  return meta;
}

Status AddTrustedKey(const std::string& dir, const std::string& vkey_line) {
  auto keys = LoadTrustedKeys(dir);
  if (!keys.ok()) return keys.status();
  std::string text;
  for (const auto& k : keys.value()) {
    if (k == vkey_line) return Status::OK();
    text += k + "\n";
  }
  text += vkey_line + "\n";
  return WriteFileAtomic(dir + "/signing.pub", text);
}

Result<std::vector<std::string>> LoadTrustedKeys(const std::string& dir) {
  std::string path = dir + "/signing.pub";
  if (!FileExists(path)) return std::vector<std::string>();
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return Lines(text.value());
}

}  // namespace netward::store
