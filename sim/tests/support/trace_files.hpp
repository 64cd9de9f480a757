// Files for the trace tests: a per-test scratch folder, whole-file writes and
// reads, and zstd frames built by hand from raw (stored) blocks, so that a test
// controls exactly which text sits in which block (and can cut the frame at a
// block boundary) without depending on the compressor.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace smh::sim::test {

// A fresh folder under the system's temp folder, removed with everything in it.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view name)
      : path_(std::filesystem::temp_directory_path() /
              ("smh_" + std::string(name) + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] std::string file(std::string_view name) const { return (path_ / name).string(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A zstd frame (RFC 8878) holding `blocks` as raw blocks, in order, without
// content size or checksum. Each block must be at most 128 KiB.
inline std::string zstd_raw_frame(const std::vector<std::string_view>& blocks) {
  std::string frame = {'\x28', '\xB5', '\x2F', '\xFD'};  // the magic number, little-endian
  frame += '\x00';                 // frame header descriptor: no single segment, no size, no checksum
  frame += static_cast<char>(11 << 3);  // window descriptor: 2^(10 + 11) = 2 MiB
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::uint32_t last = i + 1 == blocks.size() ? 1 : 0;
    const std::uint32_t header = static_cast<std::uint32_t>(blocks[i].size()) << 3 | last;  // type 0: raw
    frame += static_cast<char>(header & 0xFF);
    frame += static_cast<char>((header >> 8) & 0xFF);
    frame += static_cast<char>((header >> 16) & 0xFF);
    frame += blocks[i];
  }
  return frame;
}

}  // namespace smh::sim::test
