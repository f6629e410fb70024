// src/common/secret_file.h: reading a file that holds a secret (a private signing key, a field
// encryption key). Such a file must be a regular file that neither group nor others may read or
// write; netward refuses any other, saying how to fix it, rather than use a leaked key.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace netward {

// The whole content of `path` (at most `max_bytes`). `what` names the secret in messages
// ("private signing key"). Errors, each prefixed with the path: NotFound "no such <what> file";
// InvalidArgument "not a regular file", "mode 0644 lets group or others read or write the
// <what>; run `chmod 600 PATH`", "larger than N bytes: not a <what> file"; IOError with errno's
// text. The caller should wipe the returned bytes once parsed.
Result<std::string> ReadSecretFile(const std::string& path, std::string_view what,
                                   size_t max_bytes);

}  // namespace netward
