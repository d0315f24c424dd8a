#include "tools/npy_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "engine/error.hpp"

namespace roformer::cli {
namespace {

namespace fs = std::filesystem;

// NumPy's .npy format, version 1.0: magic, header length, a Python dict literal padded with
// spaces, then little-endian float32 rows. The header always takes 128 bytes, so rewriting it
// with the final row count never moves the data.
constexpr size_t kHeaderBytes = 128;

std::string npy_header(size_t rows, size_t width) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) +
                     ", " + std::to_string(width) + "), }";
  const size_t preamble = 10;  // 6 magic + 2 version + 2 header length
  dict.append(kHeaderBytes - preamble - 1 - dict.size(), ' ');
  dict.push_back('\n');
  const size_t length = dict.size();
  std::string header = std::string("\x93NUMPY\x01\x00", 8);
  header.push_back(static_cast<char>(length & 0xFF));
  header.push_back(static_cast<char>(length >> 8));
  return header + dict;
}

mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

NpyWriter::NpyWriter(const std::string& path, size_t width) : path_(path), width_(width) {
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  std::error_code error;
  destination_ = fs::is_symlink(fs::symlink_status(path, error)) && fs::exists(path, error)
                     ? fs::canonical(path, error).string()
                     : path;
  struct stat info {};
  const bool exists = ::stat(destination_.c_str(), &info) == 0;
  if (exists && S_ISDIR(info.st_mode)) {
    fail(ErrorCode::kIo, "cannot write ", path, ": it is a directory (expected a .npy file path)");
  }
  if (exists && !S_ISREG(info.st_mode)) {  // a device or a FIFO: written directly, in order
    fd_ = ::open(destination_.c_str(), O_WRONLY | O_TRUNC);
    if (fd_ < 0) fail(ErrorCode::kIo, "cannot write ", path, ": ", std::strerror(errno));
    return;
  }
  // A file the user could not overwrite with `>` is not replaced by a rename either.
  if (exists && ::access(destination_.c_str(), W_OK) != 0) {
    fail(ErrorCode::kIo, "cannot write ", path, ": ", std::strerror(errno));
  }
  std::string name = destination_ + ".XXXXXX";
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0) fail(ErrorCode::kIo, "cannot write ", path, ": ", std::strerror(errno));
  temporary_ = name;
  temporary_removed_on_interrupt_.arm(temporary_);
  rewindable_ = true;
  if (::fchmod(fd_, exists ? (info.st_mode & 07777) : new_file_mode()) != 0) {
    fail(ErrorCode::kIo, "cannot write ", path, ": ", std::strerror(errno));
  }
  const std::string header = npy_header(0, width_);
  write_bytes(header.data(), header.size());
}

NpyWriter::~NpyWriter() {
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
  if (fd_ > STDERR_FILENO) ::close(fd_);
}

void NpyWriter::add(const std::vector<float>& row) {
  if (row.size() != width_) {
    fail(ErrorCode::kInternal, "npy row of ", row.size(), " values, expected ", width_);
  }
  ++rows_;
  if (rewindable_) {
    write_bytes(row.data(), row.size() * sizeof(float));
  } else {
    held_.insert(held_.end(), row.begin(), row.end());
  }
}

void NpyWriter::finish() {
  const std::string header = npy_header(rows_, width_);
  if (!rewindable_) {
    write_bytes(header.data(), header.size());
    write_bytes(held_.data(), held_.size() * sizeof(float));
    return;
  }
  if (::pwrite(fd_, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()) ||
      ::close(fd_) != 0) {
    fd_ = -1;
    fail(ErrorCode::kIo, "cannot write ", path_, ": ", std::strerror(errno));
  }
  fd_ = -1;
  if (::rename(temporary_.c_str(), destination_.c_str()) != 0) {
    fail(ErrorCode::kIo, "cannot write ", path_, ": ", std::strerror(errno));
  }
  temporary_removed_on_interrupt_.disarm();
  temporary_.clear();
}

void NpyWriter::write_bytes(const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = ::write(fd_, bytes, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      fail(ErrorCode::kIo, path_ == "-" ? "cannot write output" : "cannot write " + path_, ": ",
           std::strerror(written < 0 ? errno : EIO));
    }
    bytes += written;
    size -= static_cast<size_t>(written);
  }
}

}  // namespace roformer::cli
