#include "store/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace netward::store {

Status IoError(const std::string& path, std::string_view op, int err) {
  std::string what(op);
  what += ": ";
  what += std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) what += " (free space on the store's file system)";
  return Status::IOError(path, what);
}

Result<std::string> ReadFile(const std::string& path) { return ReadFileFrom(path, 0); }

Result<std::string> ReadFileFrom(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path, "open", errno);
  if (offset > 0 && ::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    int e = errno;
    ::close(fd);
    return IoError(path, "seek", e);
  }
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return IoError(path, "read", e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status AppendToFd(int fd, const std::string& path, std::string_view data, uint64_t size_before) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      // Never leave half a block behind: cut back to where this append began.
      if (::ftruncate(fd, static_cast<off_t>(size_before)) == 0) {
        ::lseek(fd, static_cast<off_t>(size_before), SEEK_SET);
      }
      return IoError(path, "write", e);
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Status SyncFd(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return IoError(path, "fdatasync", errno);
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError(dir, "open directory", errno);
  Status st;
  if (::fsync(fd) != 0) st = IoError(dir, "fsync directory", errno);
  ::close(fd);
  return st;
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(tmp, "open", errno);
  Status st = AppendToFd(fd, tmp, data, 0);
  if (st.ok()) st = SyncFd(fd, tmp);
  ::close(fd);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return IoError(path, "rename", e);
  }
  auto slash = path.rfind('/');
  return SyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(dir, "create directory: " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) return Status::IOError(dir, "not a directory");
  return Status::OK();
}

bool FileExists(const std::string& path) {
  struct stat sb;
  return ::stat(path.c_str(), &sb) == 0;
}

uint64_t FileSizeOrZero(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) return 0;
  return static_cast<uint64_t>(sb.st_size);
}

AppendFile::~AppendFile() { Close(); }

AppendFile::AppendFile(AppendFile&& other) noexcept
    : fd_(other.fd_),
      size_(other.size_),
      dropped_to_(other.dropped_to_),
      path_(std::move(other.path_)) {
  other.fd_ = -1;
}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.fd_;
    size_ = other.size_;
    dropped_to_ = other.dropped_to_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

Result<AppendFile> AppendFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(path, "open", errno);
  off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) {
    int e = errno;
    ::close(fd);
    return IoError(path, "seek", e);
  }
  AppendFile f;
  f.fd_ = fd;
  f.size_ = static_cast<uint64_t>(end);
  f.path_ = path;
  return f;
}

Status AppendFile::Append(std::string_view data) {
  if (fd_ < 0) return Status::IOError(path_, "append to a closed file");
  Status st = AppendToFd(fd_, path_, data, size_);
  if (st.ok()) size_ += data.size();
  return st;
}

Status AppendFile::Sync() {
  if (fd_ < 0) return Status::OK();
  Status st = SyncFd(fd_, path_);
  if (!st.ok()) return st;
  // The synced whole pages leave the page cache (advice only: a failure changes nothing).
  const uint64_t end = size_ & ~uint64_t{4095};
  if (end > dropped_to_) {
    ::posix_fadvise(fd_, static_cast<off_t>(dropped_to_), static_cast<off_t>(end - dropped_to_),
                    POSIX_FADV_DONTNEED);
    dropped_to_ = end;
  }
  return Status::OK();
}

Status AppendFile::Truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return IoError(path_, "truncate", errno);
  if (::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0) return IoError(path_, "seek", errno);
  size_ = size;
  dropped_to_ = std::min(dropped_to_, size & ~uint64_t{4095});
  return Status::OK();
}

void AppendFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace netward::store
