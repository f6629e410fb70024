// src/common/secret_file.h: reading and creating a file that holds a secret (a private signing
// key, a field encryption key). Such a file must be a regular file that neither group nor others
// may read or write; netward refuses any other, saying how to fix it, rather than use a leaked key.
#pragma once

#include <sys/types.h>

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

// Creates `path` holding `content`, fsynced, with `mode` (exactly, whatever the umask, when
// `exact_mode`), or fails leaving any existing file as it was: InvalidArgument "<path>:
// <exists_message>" when it exists, IOError with errno's text otherwise. A process killed
// midway never leaves a partial file at `path`: the content is written and synced in an unnamed
// file in the same directory (O_TMPFILE) that link() then names (link() fails if `path` exists,
// so creation stays exclusive). Where the file system has no O_TMPFILE, a "<path>.tmp-<pid>" is
// written and linked instead; a kill may leave that behind, never a partial `path`.
Status CreateFileExclusive(const std::string& path, mode_t mode, bool exact_mode,
                           std::string_view content, std::string_view exists_message);

}  // namespace netward
