#include "common/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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

}  // namespace netward
