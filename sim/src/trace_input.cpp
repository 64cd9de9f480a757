// The trace's byte sources (trace_input.hpp): plain text, or zstd decompressed
// with ZSTD_decompressStream through one input buffer of ZSTD_DStreamInSize().
#include "trace_input.hpp"

// For ZSTD_createDCtx_advanced (its custom allocator): "experimental" in
// zstd.h, exported by the shared libzstd since 1.3 and unchanged since.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "smh/sim/dense_mapping.hpp"

namespace smh::sim::detail {

namespace {

struct FileCloser {
  void operator()(std::FILE* file) const {
    if (file != stdin) {  // "-" reads stdin, which is not ours to close
      std::fclose(file);
    }
  }
};
struct DctxFreer {
  void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

// The decoder's window (the frame's; 512 KiB and up for imported traces;
// malloc'd, so at these sizes freshly mapped) is
// touched a page at a time as text is decoded: about 175 first-touch faults,
// ~10 µs each on the shared virtual machine, ~2 % of a short checks-off replay.
// Large blocks are faulted in by one call up front instead: the same zeroed
// pages. A hint only; the bytes zstd reads are the ones it writes either way.
constexpr std::size_t populated_block_bytes = std::size_t{64} << 10;
void* zstd_alloc(void* /*opaque*/, std::size_t bytes) {
  void* block = std::malloc(bytes);
  if (block != nullptr && bytes >= populated_block_bytes) {
    populate_pages(block, bytes);
  }
  return block;
}
void zstd_free(void* /*opaque*/, void* block) { std::free(block); }
ZSTD_DCtx* create_decoder() { return ZSTD_createDCtx_advanced(ZSTD_customMem{zstd_alloc, zstd_free, nullptr}); }

// The open file and how many of its bytes have been read.
class TraceFile {
 public:
  bool open(const std::string& path, std::string* error) {
    if (path == "-") {
      file_.reset(stdin);  // a pipe, typically: no size, so no progress total
      return true;
    }
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) {
      *error = std::string("cannot open the file: ") + std::strerror(errno);
      return false;
    }
    // Whole reads into our own buffers: stdio's would only add a copy.
    std::setvbuf(file_.get(), nullptr, _IONBF, 0);
    std::error_code ignored;
    if (std::filesystem::is_regular_file(path, ignored)) {
      const std::uintmax_t size = std::filesystem::file_size(path, ignored);
      bytes_total_ = ignored ? 0 : size;
    }
    return true;
  }
  // Up to `capacity` bytes; *got == 0 only at the end of the file.
  bool read(void* out, std::size_t capacity, std::size_t* got, std::string* error) {
    errno = 0;
    *got = std::fread(out, 1, capacity, file_.get());
    bytes_read_ += *got;
    if (*got < capacity && std::ferror(file_.get()) != 0) {
      *error = std::string("cannot read the file: ") + std::strerror(errno != 0 ? errno : EIO);
      return false;
    }
    return true;
  }
  [[nodiscard]] std::uint64_t bytes_read() const { return bytes_read_; }
  [[nodiscard]] std::uint64_t bytes_total() const { return bytes_total_; }

 private:
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_total_ = 0;
};

// What both inputs share: the file, and progress counted in its bytes.
class FileInput : public TraceInput {
 public:
  explicit FileInput(TraceFile file) : file_(std::move(file)) {}
  [[nodiscard]] std::uint64_t file_bytes_read() const final { return file_.bytes_read(); }
  [[nodiscard]] std::uint64_t file_bytes_total() const final { return file_.bytes_total(); }

 protected:
  TraceFile file_;
};

// The file as it is; `prefix` holds the bytes open() read to look for the magic.
class PlainInput final : public FileInput {
 public:
  PlainInput(TraceFile file, const unsigned char* prefix, std::size_t prefix_bytes)
      : FileInput(std::move(file)), prefix_(prefix, prefix + prefix_bytes) {}
  [[nodiscard]] std::uint64_t text_bytes_total() const override { return file_.bytes_total(); }
  [[nodiscard]] std::uint64_t file_bytes_consumed() const override {
    return file_.bytes_read() - (prefix_.size() - prefix_used_);
  }

  bool read(char* out, std::size_t capacity, std::size_t* produced, std::string* error) override {
    const std::size_t from_prefix = std::min(capacity, prefix_.size() - prefix_used_);
    if (from_prefix != 0) {  // an empty file has no prefix (and a null data())
      std::memcpy(out, prefix_.data() + prefix_used_, from_prefix);
      prefix_used_ += from_prefix;
    }
    std::size_t got = 0;
    if (!file_.read(out + from_prefix, capacity - from_prefix, &got, error)) {
      return false;
    }
    *produced = from_prefix + got;
    return true;
  }

 private:
  std::vector<unsigned char> prefix_;
  std::size_t prefix_used_ = 0;
};

// One or more zstd frames, decompressed as the reader asks for text.
class ZstdInput final : public FileInput {
 public:
  ZstdInput(TraceFile file, const unsigned char* prefix, std::size_t prefix_bytes)
      : FileInput(std::move(file)), context_(create_decoder()), buffer_(ZSTD_DStreamInSize()) {
    std::memcpy(buffer_.data(), prefix, prefix_bytes);
    input_ = ZSTD_inBuffer{buffer_.data(), prefix_bytes, 0};
    // The first frame's header: its content size when the compressor declared
    // it (zstd does for a file; a streamed one, as `smh import` writes, does not).
    const unsigned long long declared = ZSTD_getFrameContentSize(prefix, prefix_bytes);
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR) {
      first_frame_text_bytes_ = declared;
    }
  }
  [[nodiscard]] bool ready() const { return context_ != nullptr; }

  bool read(char* out, std::size_t capacity, std::size_t* produced, std::string* error) override {
    reported_ = reported_ || !read_text(out, capacity, produced, error);
    text_bytes_produced_ += reported_ ? 0 : *produced;
    return !reported_;
  }
  [[nodiscard]] std::uint64_t text_bytes_total() const override {
    return text_bytes_produced_ <= first_frame_text_bytes_ ? first_frame_text_bytes_ : 0;
  }
  [[nodiscard]] std::uint64_t file_bytes_consumed() const override {
    return file_.bytes_read() - (input_.size - input_.pos);
  }

  // A zstd frame's checksum is checked only at its end: damage in the middle
  // decodes to other text first, which may parse, and fail as an op the trace
  // never held (issue 13, defect 9).
  std::string check_frame() override {
    if (reported_) {
      return "";
    }
    reported_ = true;
    if (!pending_error_.empty()) {
      return pending_error_;  // found with the text that led to the error
    }
    std::vector<char> dropped(ZSTD_DStreamOutSize());
    while (frame_open_) {
      ZSTD_outBuffer output{dropped.data(), dropped.size(), 0};
      const std::size_t input_before = input_.pos;
      const std::size_t hint = ZSTD_decompressStream(context_.get(), &output, &input_);
      if (ZSTD_isError(hint) != 0) {
        return std::string("corrupt zstd data: ") + ZSTD_getErrorName(hint);
      }
      frame_open_ = hint != 0;
      if (frame_open_ && output.pos == 0 && input_.pos == input_before) {  // it needs more input
        if (file_done_) {
          return "the zstd data ends inside a frame (the file is truncated)";
        }
        std::size_t got = 0;
        std::string why;
        if (!file_.read(buffer_.data(), buffer_.size(), &got, &why)) {
          return why;
        }
        file_done_ = got == 0;
        input_ = ZSTD_inBuffer{buffer_.data(), got, 0};
      }
    }
    return "";
  }

 private:
  // An error is held back while this call has text to hand over, so the reader
  // places it where the good text ends, not at the line it was assembling.
  bool read_text(char* out, std::size_t capacity, std::size_t* produced, std::string* error) {
    if (!pending_error_.empty()) {
      *error = pending_error_;
      return false;
    }
    ZSTD_outBuffer output{out, capacity, 0};
    auto fail = [&](std::string message) {
      if (output.pos == 0) {
        *error = std::move(message);
        return false;
      }
      pending_error_ = std::move(message);
      *produced = output.pos;
      return true;
    };
    while (output.pos < output.size) {
      if (input_.pos == input_.size && !file_done_) {
        std::size_t got = 0;
        std::string why;
        if (!file_.read(buffer_.data(), buffer_.size(), &got, &why)) {
          return fail(std::move(why));
        }
        file_done_ = got == 0;
        input_ = ZSTD_inBuffer{buffer_.data(), got, 0};
      }
      const std::size_t output_before = output.pos;
      const std::size_t input_before = input_.pos;
      const std::size_t hint = ZSTD_decompressStream(context_.get(), &output, &input_);
      if (ZSTD_isError(hint) != 0) {
        return fail(std::string("corrupt zstd data: ") + ZSTD_getErrorName(hint));
      }
      if (output.pos == output_before && input_.pos == input_before) {
        break;  // the file is done and everything decoded (else output would be full)
      }
      // 0: the frame this call worked on is complete, nothing held back. (A call
      // that did nothing says how much the next frame header needs: not news.)
      frame_open_ = hint != 0;
    }
    *produced = output.pos;
    if (*produced == 0 && frame_open_) {
      *error = "the zstd data ends inside a frame (the file is truncated)";
      return false;
    }
    return true;
  }

  std::unique_ptr<ZSTD_DCtx, DctxFreer> context_;
  std::vector<char> buffer_;
  ZSTD_inBuffer input_{};
  bool file_done_ = false;
  bool frame_open_ = false;
  std::uint64_t first_frame_text_bytes_ = 0;  // declared in its header; 0: not declared
  std::uint64_t text_bytes_produced_ = 0;
  std::string pending_error_;  // held back until the text before it is read
  bool reported_ = false;      // read() failed, or check_frame() ran: nothing more to say
};

}  // namespace

std::unique_ptr<TraceInput> TraceInput::open(const std::string& path, std::string* error) {
  TraceFile file;
  if (!file.open(path, error)) {
    return nullptr;
  }
  // A zstd frame starts with ZSTD_MAGICNUMBER, little-endian; the rest of its
  // header (at most 18 bytes) gives its content size, if declared.
  unsigned char prefix[18] = {};
  std::size_t got = 0;
  if (!file.read(prefix, sizeof prefix, &got, error)) {
    return nullptr;
  }
  const std::uint32_t magic = std::uint32_t{prefix[0]} | std::uint32_t{prefix[1]} << 8 |
                              std::uint32_t{prefix[2]} << 16 | std::uint32_t{prefix[3]} << 24;
  if (got >= 4 && magic == ZSTD_MAGICNUMBER) {
    auto input = std::make_unique<ZstdInput>(std::move(file), prefix, got);
    if (!input->ready()) {
      *error = "cannot create a zstd decompression context";
      return nullptr;
    }
    return input;
  }
  return std::make_unique<PlainInput>(std::move(file), prefix, got);
}

}  // namespace smh::sim::detail
