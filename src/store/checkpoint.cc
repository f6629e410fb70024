// C2SP tlog-checkpoint bodies and signed notes (Ed25519 only), after Go's sumdb/note.
#include "store/checkpoint.h"

#include <cassert>
#include <cstdio>
#include <optional>
#include <set>
#include <utility>

#include "store/base64.h"

namespace netward::store {
namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr int kMaxSignatures = 100;                       // as Go's note.Open

std::string KeyLabel(std::string_view name, uint32_t id) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", id);
  return std::string(name) + "+" + hex;
}

Status Bad(std::string what) { return Status::Corruption("checkpoint", what); }

Status BadLine(size_t line, std::string what) {
  return Bad("line " + std::to_string(line) + ": " + what);
}

}  // namespace

bool IsValidOrigin(std::string_view origin) {
  return !origin.empty() && origin.find('\n') == std::string_view::npos && IsValidNoteText(origin);
}

std::string FormatCheckpointBody(const Checkpoint& checkpoint) {
  assert(IsValidOrigin(checkpoint.origin));
  std::string out = checkpoint.origin;
  out.push_back('\n');
  out.append(std::to_string(checkpoint.size));
  out.push_back('\n');
  out.append(Base64Encode(std::string_view(reinterpret_cast<const char*>(checkpoint.root.data()),
                                           checkpoint.root.size())));
  out.push_back('\n');
  return out;
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') return Bad("body does not end in a newline");
  if (!IsValidNoteText(body)) {
    return Bad("body is not UTF-8 text without control characters");
  }
  Checkpoint cp;
  size_t line_no = 0;
  for (size_t pos = 0; pos < body.size();) {
    size_t end = body.find('\n', pos);
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line_no == 1) {
      if (line.empty()) return BadLine(1, "origin is empty");
      cp.origin = std::string(line);
    } else if (line_no == 2) {
      if (line.empty() || line.size() > 20) return BadLine(2, "tree size is not a number");
      uint64_t v = 0;
      for (char c : line) {
        if (c < '0' || c > '9') return BadLine(2, "tree size is not a number");
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return BadLine(2, "tree size does not fit in 64 bits");
        v = v * 10 + d;
      }
      if (line.size() > 1 && line[0] == '0') return BadLine(2, "tree size has a leading zero");
      cp.size = v;
    } else if (line_no == 3) {
      auto raw = Base64Decode(line);
      if (!raw) return BadLine(3, "root hash is not base64");
      if (raw->size() != cp.root.size()) {
        return BadLine(3, "root hash is " + std::to_string(raw->size()) + " bytes, not 32");
      }
      std::copy(raw->begin(), raw->end(), cp.root.begin());
    } else if (line.empty()) {
      return BadLine(line_no, "empty extension line");
    }
  }
  if (line_no < 3) {
    return Bad("body has " + std::to_string(line_no) +
               " lines; a checkpoint needs origin, tree size and root hash");
  }
  return cp;
}

std::string SignNote(std::string_view body, const SigningKey& key) {
  assert(!body.empty() && body.back() == '\n' && IsValidNoteText(body));
  std::string sig = key.Sign(body);
  std::string blob(4, '\0');
  for (int i = 0; i < 4; ++i) blob[i] = static_cast<char>(key.key_id() >> (24 - 8 * i));
  blob.append(sig);
  std::string out(body);
  out.push_back('\n');
  out.append(kSigPrefix);
  out.append(key.name());
  out.push_back(' ');
  out.append(Base64Encode(blob));
  out.push_back('\n');
  return out;
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const VerifierKey& key) {
  if (!IsValidNoteText(note)) {
    return Bad("note is not UTF-8 text without control characters other than newline");
  }
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Bad("no blank line before the signatures");
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Bad("no signature lines after the blank line, or no final newline");
  }
  bool verified = false;
  std::set<std::string> others;
  int count = 0;
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    std::string where = "signature line " + std::to_string(++count) + ": ";
    if (count > kMaxSignatures) return Bad("more than 100 signature lines");
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Bad(where + "does not start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t space = line.find(' ');
    std::string_view name = line.substr(0, space);
    std::string_view b64 =
        space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    if (!IsValidKeyName(name)) return Bad(where + "bad key name");
    auto raw = b64.empty() ? std::nullopt : Base64Decode(b64);
    if (!raw) return Bad(where + "signature is not base64");
    if (raw->size() < 5) return Bad(where + "signature is too short");
    uint32_t id = 0;
    for (int i = 0; i < 4; ++i) id = id << 8 | static_cast<uint8_t>((*raw)[i]);
    if (name != key.name() || id != key.key_id()) {
      others.insert(KeyLabel(name, id));
      continue;
    }
    if (verified) continue;  // a repeated signature by the same key is ignored, as in Go
    if (!key.Verify(text, std::string_view(*raw).substr(4))) {
      return Bad("signature by key " + KeyLabel(name, id) + " does not verify");
    }
    verified = true;
  }
  if (!verified) {
    std::string signers;
    for (const std::string& s : others) signers += (signers.empty() ? "" : ", ") + s;
    return Status::NotFound("checkpoint", "no signature by key " +
                                              KeyLabel(key.name(), key.key_id()) +
                                              " (signed by: " + signers + ")");
  }
  return ParseCheckpointBody(text);
}

}  // namespace netward::store
