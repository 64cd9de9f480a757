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

// XXH64 with seed 0 (the xxHash specification), whose low 32 bits are a zstd
// frame's content checksum.
inline std::uint64_t xxh64(std::string_view bytes) {
  constexpr std::uint64_t p1 = 0x9E3779B185EBCA87u;
  constexpr std::uint64_t p2 = 0xC2B2AE3D27D4EB4Fu;
  constexpr std::uint64_t p3 = 0x165667B19E3779F9u;
  constexpr std::uint64_t p4 = 0x85EBCA77C2B2AE63u;
  constexpr std::uint64_t p5 = 0x27D4EB2F165667C5u;
  const auto rotl = [](std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  const auto load = [&](std::size_t at, int count) {  // little-endian
    std::uint64_t value = 0;
    for (int i = count - 1; i >= 0; --i) {
      value = value << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    }
    return value;
  };
  const auto round = [&](std::uint64_t acc, std::uint64_t input) { return rotl(acc + input * p2, 31) * p1; };
  std::size_t at = 0;
  std::uint64_t hash = 0;
  if (bytes.size() >= 32) {
    std::uint64_t lanes[4] = {p1 + p2, p2, 0, 0 - p1};
    for (; at + 32 <= bytes.size(); at += 32) {
      for (int lane = 0; lane < 4; ++lane) {
        lanes[lane] = round(lanes[lane], load(at + 8 * static_cast<std::size_t>(lane), 8));
      }
    }
    hash = rotl(lanes[0], 1) + rotl(lanes[1], 7) + rotl(lanes[2], 12) + rotl(lanes[3], 18);
    for (const std::uint64_t lane : lanes) {
      hash = (hash ^ round(0, lane)) * p1 + p4;
    }
  } else {
    hash = p5;
  }
  hash += bytes.size();
  for (; at + 8 <= bytes.size(); at += 8) {
    hash = rotl(hash ^ round(0, load(at, 8)), 27) * p1 + p4;
  }
  if (at + 4 <= bytes.size()) {
    hash = rotl(hash ^ (load(at, 4) * p1), 23) * p2 + p3;
    at += 4;
  }
  for (; at < bytes.size(); ++at) {
    hash = rotl(hash ^ (static_cast<unsigned char>(bytes[at]) * p5), 11) * p1;
  }
  hash = (hash ^ (hash >> 33)) * p2;
  hash = (hash ^ (hash >> 29)) * p3;
  return hash ^ (hash >> 32);
}

// A zstd frame (RFC 8878) holding `blocks` as raw blocks, in order, without
// content size, and with the content checksum when `checksum`. Each block must
// be at most 128 KiB.
// `declare_size`: the header gives the content size (8 bytes, as zstd writes
// for a file), else it is unknown (as in a stream).
inline std::string zstd_raw_frame(const std::vector<std::string_view>& blocks, bool checksum = false,
                                  bool declare_size = false) {
  std::string frame = {'\x28', '\xB5', '\x2F', '\xFD'};  // the magic number, little-endian
  // Frame header descriptor: no single segment; bits 6-7, the size field (3: 8
  // bytes, 0: none); bit 2, the checksum.
  frame += static_cast<char>((declare_size ? 0xC0 : 0x00) | (checksum ? 0x04 : 0x00));
  frame += static_cast<char>(11 << 3);  // window descriptor: 2^(10 + 11) = 2 MiB
  std::uint64_t content_bytes = 0;
  for (const std::string_view block : blocks) {
    content_bytes += block.size();
  }
  for (int byte = 0; declare_size && byte < 8; ++byte) {
    frame += static_cast<char>((content_bytes >> (8 * byte)) & 0xFF);
  }
  std::string content;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    content += blocks[i];
    const std::uint32_t last = i + 1 == blocks.size() ? 1 : 0;
    const std::uint32_t header = static_cast<std::uint32_t>(blocks[i].size()) << 3 | last;  // type 0: raw
    frame += static_cast<char>(header & 0xFF);
    frame += static_cast<char>((header >> 8) & 0xFF);
    frame += static_cast<char>((header >> 16) & 0xFF);
    frame += blocks[i];
  }
  if (checksum) {
    const std::uint64_t hash = xxh64(content);
    for (int byte = 0; byte < 4; ++byte) {
      frame += static_cast<char>((hash >> (8 * byte)) & 0xFF);
    }
  }
  return frame;
}

}  // namespace smh::sim::test
