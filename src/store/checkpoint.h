// src/store/checkpoint.h: signed tree heads as C2SP tlog-checkpoints in C2SP signed notes, the
// format of Go's golang.org/x/mod/sumdb/note (docs/tamper-evidence.md). A checkpoint is text:
//
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n     the body (what is signed)
//   \n
//   — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\n   (U+2014, then a space)
//
// The store signs one per grown stream; auditors open them with the public key alone.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/merkle.h"
#include "store/signing_key.h"

namespace netward::store {

struct Checkpoint {
  std::string origin;  // non-empty, valid UTF-8, no control characters (IsValidOrigin)
  uint64_t size = 0;
  Hash root{};

  bool operator==(const Checkpoint&) const = default;
};

// Whether `origin` can be a checkpoint's first line.
bool IsValidOrigin(std::string_view origin);

// "<origin>\n<size>\n<base64 root>\n". `checkpoint.origin` must be valid (IsValidOrigin).
std::string FormatCheckpointBody(const Checkpoint& checkpoint);

// Parses a body: at least three lines, each ending in '\n'; extension lines after the third
// are allowed (non-empty) and ignored. Corruption("checkpoint", "line N: what") otherwise.
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// body + "\n" + the signature line of `key`. `body` must be a valid note text (ends in '\n',
// no blank line, IsValidNoteText), as FormatCheckpointBody's output is.
std::string SignNote(std::string_view body, const SigningKey& key);

// Checks that `note` is a well-formed signed note (the rules of Go's note.Open: valid UTF-8, no
// control characters but '\n', text and signature lines split at the last blank line, at most
// 100 signature lines), that one of its signature lines carries `key`'s name and key id, and
// that the signature verifies over the text; then parses the text as a checkpoint body.
// Signatures by other keys are ignored. Errors:
//   Corruption("checkpoint", "...")  malformed note or body ("signature line 2: not base64",
//                                    "line 2: tree size is not a number");
//   Corruption("checkpoint", "signature by key NAME+ID does not verify");
//   NotFound("checkpoint", "no signature by key NAME+ID (signed by: ...)").
Result<Checkpoint> OpenCheckpoint(std::string_view note, const VerifierKey& key);

}  // namespace netward::store
