#include "common/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace netward {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path, std::string_view what,
                                   size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    return Status::NotFound(path, "no such " + std::string(what) + " file");
  }
  if (fd < 0) return Status::IOError(path, "open: " + ErrnoText());
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = Status::IOError(path, "stat: " + ErrnoText());
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path, "not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(path, std::string("mode ") + mode +
                                             " lets group or others read or write the " +
                                             std::string(what) + "; run `chmod 600 " + path + "`");
  }
  std::string data(max_bytes + 1, '\0');
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IOError(path, "read: " + ErrnoText());
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got > max_bytes) {
    return Status::InvalidArgument(path, "larger than " + std::to_string(max_bytes) +
                                             " bytes: not a " + std::string(what) + " file");
  }
  data.resize(got);
  return data;
}

Status CreateFileExclusive(const std::string& path, mode_t mode, bool exact_mode,
                           std::string_view content, std::string_view exists_message) {
  struct stat existing;
  if (::lstat(path.c_str(), &existing) == 0) {
    return Status::InvalidArgument(path, std::string(exists_message));
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  std::string temp_path;  // empty while the file is unnamed (O_TMPFILE)
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    temp_path = path + ".tmp-" + std::to_string(::getpid());
    ::unlink(temp_path.c_str());  // left by an earlier process with our pid, killed midway
    fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  }
  if (fd < 0) return Status::IOError(path, "create: " + ErrnoText());
  Status s;
  if (exact_mode && ::fchmod(fd, mode) != 0) s = Status::IOError(path, "chmod: " + ErrnoText());
  for (std::string_view rest = content; s.ok() && !rest.empty();) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s = Status::IOError(path, "write: " + ErrnoText());
    } else {
      rest.remove_prefix(static_cast<size_t>(n));
    }
  }
  if (s.ok() && ::fsync(fd) != 0) s = Status::IOError(path, "fsync: " + ErrnoText());
  if (s.ok()) {
    int linked;
    if (temp_path.empty()) {
      std::string self = "/proc/self/fd/" + std::to_string(fd);
      linked = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW);
    } else {
      linked = ::link(temp_path.c_str(), path.c_str());
    }
    if (linked != 0 && errno == EEXIST) {
      s = Status::InvalidArgument(path, std::string(exists_message));
    } else if (linked != 0) {
      s = Status::IOError(path, "link: " + ErrnoText());
    }
  }
  if (!temp_path.empty()) ::unlink(temp_path.c_str());
  if (::close(fd) != 0 && s.ok()) s = Status::IOError(path, "close: " + ErrnoText());
  return s;
}

}  // namespace netward
