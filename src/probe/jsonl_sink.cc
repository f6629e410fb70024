#include "probe/jsonl_sink.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace netward::probe {

Result<std::unique_ptr<JsonlDirSink>> JsonlDirSink::Open(const std::string& dir,
                                                         bool fsync_on_flush) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(dir, "cannot create output directory: " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::IOError(dir, "output path exists and is not a directory");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return Status::IOError(dir, std::string("output directory not writable: ") + strerror(errno));
  }
  return std::unique_ptr<JsonlDirSink>(new JsonlDirSink(dir, fsync_on_flush));
}

JsonlDirSink::~JsonlDirSink() { (void)Close(); }

void JsonlDirSink::Consume(const record::RecordBatch& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    auto id = static_cast<record::StreamId>(i);
    std::string_view lines = batch.lines(id);
    if (lines.empty()) continue;
    if (!files_[i]) {
      std::string path = dir_ + "/" + std::string(record::StreamName(id)) + ".jsonl";
      files_[i] = std::fopen(path.c_str(), "ab");
      if (!files_[i]) {
        if (error_.ok()) error_ = Status::IOError(path, strerror(errno));
        continue;
      }
      std::setvbuf(files_[i], nullptr, _IOFBF, 1 << 20);
    }
    if (std::fwrite(lines.data(), 1, lines.size(), files_[i]) != lines.size() && error_.ok()) {
      error_ = Status::IOError(dir_ + "/" + std::string(record::StreamName(id)) + ".jsonl",
                               std::string("write failed: ") + strerror(errno));
    }
  }
}

Status JsonlDirSink::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < files_.size(); ++i) {
    FILE* f = files_[i];
    if (!f) continue;
    if (std::fflush(f) != 0 && error_.ok()) {
      error_ = Status::IOError(dir_, std::string("flush failed: ") + strerror(errno));
    }
    if (fsync_on_flush_ && ::fsync(fileno(f)) != 0 && error_.ok()) {
      error_ = Status::IOError(dir_, std::string("fsync failed: ") + strerror(errno));
    }
  }
  return error_;
}

Status JsonlDirSink::Close() {
  Status st = Flush();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : files_) {
    if (f) std::fclose(f);
    f = nullptr;
  }
  return st;
}

}  // namespace netward::probe
