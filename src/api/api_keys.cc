#include "api/api_keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/hex.h"

namespace netward::api {
namespace {

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  return out;
}

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool IsValidRole(std::string_view role) {
  if (role.empty() || role.size() > 32) return false;
  for (char c : role) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

}  // namespace

bool ApiKeyEntry::HasRole(std::string_view role) const {
  for (const auto& r : roles) {
    if (r == role) return true;
  }
  return false;
}

bool IsValidAppName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

Result<ApiKeys> ApiKeys::Parse(std::string_view text, const std::string& name) {
  ApiKeys keys;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    auto words = Words(line);
    if (words.empty()) continue;
    const std::string where = name + ":" + std::to_string(line_no);
    if (words.size() < 2 || words.size() > 3) {
      return Status::InvalidArgument(where, "expected NAME SHA256_HEX [ROLE,ROLE...]");
    }
    ApiKeyEntry e;
    e.name = std::string(words[0]);
    if (!IsValidAppName(e.name)) {
      return Status::InvalidArgument(
          where, "application name \"" + e.name + "\": use 1-64 of A-Z a-z 0-9 . _ -");
    }
    if (words[1].size() != 64) {
      return Status::InvalidArgument(where, "the key hash must be 64 hex digits (SHA-256)");
    }
    for (size_t i = 0; i < 32; ++i) {
      int hi = HexDigitValue(words[1][2 * i]), lo = HexDigitValue(words[1][2 * i + 1]);
      if (hi < 0 || lo < 0) {
        return Status::InvalidArgument(where, "the key hash must be 64 hex digits (SHA-256)");
      }
      e.sha256.push_back(static_cast<char>(hi * 16 + lo));
    }
    if (words.size() == 3) {
      std::string_view roles = words[2];
      size_t rpos = 0;
      while (rpos <= roles.size()) {
        size_t comma = roles.find(',', rpos);
        if (comma == std::string_view::npos) comma = roles.size();
        std::string_view role = roles.substr(rpos, comma - rpos);
        if (!IsValidRole(role)) {
          return Status::InvalidArgument(
              where, "role \"" + std::string(role) + "\": roles are lowercase words joined by ','");
        }
        e.roles.emplace_back(role);
        rpos = comma + 1;
      }
    }
    for (const auto& other : keys.entries_) {
      if (other.name == e.name) {
        return Status::InvalidArgument(where, "application \"" + e.name + "\" is listed twice");
      }
    }
    keys.entries_.push_back(std::move(e));
  }
  return keys;
}

Result<ApiKeys> ApiKeys::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Status::NotFound(path, "no such API keys file");
    return Status::IOError(path, std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError(path, "read failed");
  return Parse(ss.str(), path);
}

const ApiKeyEntry* ApiKeys::Authenticate(std::string_view presented) const {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), digest);
  const ApiKeyEntry* found = nullptr;
  for (const auto& e : entries_) {
    // Every entry is compared, whatever matched before: no early exit.
    const bool same = CRYPTO_memcmp(digest, e.sha256.data(), SHA256_DIGEST_LENGTH) == 0;
    if (same && !found) found = &e;
  }
  return presented.empty() ? nullptr : found;
}

std::string GenerateApiKey() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof(raw)) != 1) return {};
  std::string key = "nwk_" + Hex(raw, sizeof(raw));
  OPENSSL_cleanse(raw, sizeof(raw));
  return key;
}

std::string ApiKeyHashHex(std::string_view key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return Hex(digest, sizeof(digest));
}

Result<std::string> AddApiKey(const std::string& path, const std::string& name,
                              const std::vector<std::string>& roles) {
  if (!IsValidAppName(name)) {
    return Status::InvalidArgument(name, "an application name is 1-64 of A-Z a-z 0-9 . _ -");
  }
  std::string role_list;
  for (const auto& r : roles) {
    if (!IsValidRole(r)) {
      return Status::InvalidArgument(r, "a role is a lowercase word (e.g. reveal)");
    }
    role_list += (role_list.empty() ? "" : ",") + r;
  }
  auto existing = ApiKeys::Load(path);
  if (!existing.ok() && existing.status().code() != Status::Code::kNotFound) {
    return existing.status();
  }
  if (existing.ok()) {
    for (const auto& e : existing->entries()) {
      if (e.name == name) {
        return Status::InvalidArgument(path, "application \"" + name +
                                                 "\" already has a key; remove its line to "
                                                 "replace it");
      }
    }
  }
  std::string key = GenerateApiKey();
  if (key.empty()) return Status::IOError(path, "no randomness for a key");
  std::string line = name + " " + ApiKeyHashHex(key);
  if (!role_list.empty()) line += " " + role_list;
  line += "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError(path, std::string("open: ") + std::strerror(errno));
  // A file that does not end in a newline gets one first, so the new line stays a line.
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    int rfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    char last = '\n';
    if (rfd >= 0) {
      if (::pread(rfd, &last, 1, st.st_size - 1) != 1) last = '\n';
      ::close(rfd);
    }
    if (last != '\n') line.insert(0, "\n");
  }
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  const std::string err = std::strerror(errno);
  ::close(fd);
  if (!ok) return Status::IOError(path, "write: " + err);
  return key;
}

}  // namespace netward::api
