// src/store/file_util.h: the few POSIX file operations the store needs, as Status values whose
// messages name the file and the system error ("DIR/session/seg-...: write: No space left").
// Durability rules the store relies on: AppendToFile() does not sync; SyncFile() is fdatasync;
// WriteFileAtomic() writes a temporary file, syncs it, renames it over the target and syncs the
// directory, so readers and crashes see either the old or the new content, never a mix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace netward::store {

Status IoError(const std::string& path, std::string_view op, int err);

Result<std::string> ReadFile(const std::string& path);
// The file's bytes from `offset` to its end.
Result<std::string> ReadFileFrom(const std::string& path, uint64_t offset);
// Writes all of `data` at the end of `fd` (a file opened with O_APPEND or positioned at its end).
// On failure the file is truncated back to `size_before` so no partial record stays behind.
Status AppendToFd(int fd, const std::string& path, std::string_view data, uint64_t size_before);
Status SyncFd(int fd, const std::string& path);
Status SyncDir(const std::string& dir);
Status WriteFileAtomic(const std::string& path, std::string_view data);
Status MakeDirs(const std::string& dir);
bool FileExists(const std::string& path);
uint64_t FileSizeOrZero(const std::string& path);

// A file opened for appending; closes on destruction.
class AppendFile {
 public:
  AppendFile() = default;
  ~AppendFile();
  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&& other) noexcept;

  // Opens (creating if missing) for appending; size() is the current length.
  static Result<AppendFile> Open(const std::string& path);
  // Appends; on failure truncates back, so the file never keeps a partial write.
  Status Append(std::string_view data);
  // fdatasync, then drops the synced whole pages from the page cache (POSIX_FADV_DONTNEED):
  // the store writes once and reads seldom, and on the machine bench/RESULTS.md names a search
  // over pages read back from disk ran twice as fast as over pages as the writer left them.
  Status Sync();
  // Cuts the file to `size` (recovery of a torn tail).
  Status Truncate(uint64_t size);
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  void Close();

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t dropped_to_ = 0;  // pages before this offset were dropped from the page cache
  std::string path_;
};

}  // namespace netward::store
