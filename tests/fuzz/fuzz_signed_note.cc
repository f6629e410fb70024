// tests/fuzz/fuzz_signed_note.cc: signed checkpoints, checkpoint bodies and verifier keys on
// arbitrary text (store/checkpoint.h, store/signing_key.h). A checkpoint or key file may come
// from anyone (an auditor's copy, a tampered disk): every input must end in a value or an error
// naming what failed, never a crash, a hang or an over-read. Seeds (seeds/signed_note/) are
// signed by the fixed key below (Go's sumdb/note example key), so mutations reach the
// signature check.
#include <cstdint>
#include <string>
#include <string_view>

#include "store/checkpoint.h"
#include "store/signing_key.h"

namespace {

const netward::store::VerifierKey& Key() {
  static const netward::store::VerifierKey key = *netward::store::VerifierKey::Parse(
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  return key;
}

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward::store;
  std::string text(reinterpret_cast<const char*>(data), size);

  auto opened = OpenCheckpoint(text, Key());
  if (!opened.ok() && !StartsWith(opened.status().message(), "checkpoint: ")) __builtin_trap();

  auto body = ParseCheckpointBody(text);
  if (body.ok()) {
    // A parsed body formats back to a body that parses to the same checkpoint.
    if (!IsValidOrigin(body->origin)) __builtin_trap();
    auto again = ParseCheckpointBody(FormatCheckpointBody(*body));
    if (!again.ok() || !(*again == *body)) __builtin_trap();
  } else if (!StartsWith(body.status().message(), "checkpoint: ")) {
    __builtin_trap();
  }

  auto vkey = VerifierKey::Parse(text);
  if (vkey.ok()) {
    auto again = VerifierKey::Parse(vkey->Text());
    if (!again.ok() || again->key_id() != vkey->key_id() || again->name() != vkey->name()) {
      __builtin_trap();
    }
  }
  auto skey = SigningKey::Parse(text);
  if (skey.ok() && skey->Sign("x").size() != 64) __builtin_trap();
  return 0;
}
