#include "smh/sim/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace smh::sim {

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "not a regular file";
}

// Closes the descriptor however the read ends.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

std::string too_large(std::uint64_t size_bytes, std::uint64_t max_bytes, bool at_least) {
  return std::string("the file is ") + (at_least ? "more than " : "") + std::to_string(size_bytes) +
         " bytes, more than the limit of " + std::to_string(max_bytes) + " (raise it with --max-input-bytes)";
}

}  // namespace

bool read_bounded_file(const std::string& path, std::uint64_t max_bytes, std::string* text, std::string* error) {
  // O_NONBLOCK: opening a FIFO does not wait for a writer (fstat then refuses it).
  const Descriptor file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0) {
    *error = std::string("cannot read the file: ") + (errno == ENOENT ? std::string("no such file") : std::strerror(errno));
    return false;
  }
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) {
    *error = std::string("cannot read the file: ") + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(status.st_mode)) {
    *error = std::string("cannot read the file: it is ") + kind_of(status.st_mode) + ", not a regular file";
    return false;
  }
  const auto size_bytes = static_cast<std::uint64_t>(status.st_size);
  if (size_bytes > max_bytes) {
    *error = too_large(size_bytes, max_bytes, false);
    return false;
  }
  // The file may grow while it is read: read at most one byte past the bound.
  std::string contents;
  contents.reserve(static_cast<std::size_t>(size_bytes));
  char chunk[64 << 10];
  for (;;) {
    const ssize_t got = ::read(file.get(), chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      *error = std::string("cannot read the file: ") + std::strerror(errno);
      return false;
    }
    if (got == 0) {
      break;
    }
    contents.append(chunk, static_cast<std::size_t>(got));
    if (contents.size() > max_bytes) {
      *error = too_large(max_bytes, max_bytes, true);
      return false;
    }
  }
  *text = std::move(contents);
  return true;
}

std::string not_a_regular_file(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0 || S_ISREG(status.st_mode)) {
    return "";
  }
  return std::string("it is ") + kind_of(status.st_mode) + ", not a regular file";
}

}  // namespace smh::sim
