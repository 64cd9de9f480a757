// TraceWriter: ops through the one op writer (op_json.hpp), one per line,
// gathered in a text buffer and written (or compressed with
// ZSTD_compressStream2, content checksum on) whenever it holds flush_bytes.
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "op_json.hpp"
#include "smh/sim/trace.hpp"

namespace smh::sim {

namespace {

struct FileCloser {
  void operator()(std::FILE* file) const {
    if (file != stdout) {  // "-" writes stdout, which is not ours to close
      std::fclose(file);
    }
  }
};
struct CctxFreer {
  void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
};

class LineWriter final : public TraceWriter {
 public:
  static constexpr std::size_t flush_bytes = std::size_t{64} << 10;

  LineWriter(std::string path, std::FILE* file, ZSTD_CCtx* context)
      : path_(std::move(path)), file_(file), context_(context) {
    pending_.reserve(flush_bytes + 256);
    if (context_) {
      compressed_.resize(ZSTD_CStreamOutSize());
    }
  }
  ~LineWriter() override {
    std::string ignored;
    (void)LineWriter::close(&ignored);  // best effort: an unclosed plain trace would silently lose its tail
  }

  bool write(const Op& op, std::string* error) override {
    if (!error_.empty() || !file_) {
      *error = error_.empty() ? path_ + ": the trace is closed" : error_;
      return false;
    }
    detail::append_op_json(op, &pending_);
    pending_ += '\n';
    return pending_.size() < flush_bytes || flush(false, error);
  }

  bool close(std::string* error) override {
    if (!file_) {
      *error = error_;
      return error_.empty();
    }
    const bool flushed = error_.empty() && flush(true, error);
    std::FILE* file = file_.release();
    if ((file == stdout ? std::fflush(file) : std::fclose(file)) != 0 && flushed) {
      return fail("cannot close the file", error);
    }
    if (!flushed) {
      *error = error_;
    }
    return flushed;
  }

 private:
  bool fail(const char* what, std::string* error) {
    error_ = path_ + ": " + what + ": " + std::strerror(errno != 0 ? errno : EIO);
    *error = error_;
    return false;
  }
  bool put(const void* data, std::size_t bytes, std::string* error) {
    errno = 0;
    return std::fwrite(data, 1, bytes, file_.get()) == bytes || fail("cannot write the file", error);
  }

  // Writes out the pending text; `last` also ends the zstd frame and flushes.
  bool flush(bool last, std::string* error) {
    if (!context_) {
      const bool ok = put(pending_.data(), pending_.size(), error) && (!last || std::fflush(file_.get()) == 0 ||
                                                                       fail("cannot write the file", error));
      pending_.clear();
      return ok;
    }
    ZSTD_inBuffer input{pending_.data(), pending_.size(), 0};
    const ZSTD_EndDirective directive = last ? ZSTD_e_end : ZSTD_e_continue;
    while (true) {
      ZSTD_outBuffer output{compressed_.data(), compressed_.size(), 0};
      const std::size_t remaining = ZSTD_compressStream2(context_.get(), &output, &input, directive);
      if (ZSTD_isError(remaining) != 0) {
        error_ = path_ + ": zstd compression failed: " + ZSTD_getErrorName(remaining);
        *error = error_;
        return false;
      }
      if (!put(compressed_.data(), output.pos, error)) {
        return false;
      }
      if (last ? remaining == 0 : input.pos == input.size) {
        break;
      }
    }
    pending_.clear();
    return !last || std::fflush(file_.get()) == 0 || fail("cannot write the file", error);
  }

  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::unique_ptr<ZSTD_CCtx, CctxFreer> context_;  // null: plain text
  std::string pending_;
  std::vector<char> compressed_;
  std::string error_;  // sticky: the first failure
};

}  // namespace

std::unique_ptr<TraceWriter> TraceWriter::create(const std::string& path, bool zstd, std::string* error,
                                                 TraceCompression compression) {
  std::FILE* file = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    *error = path + ": cannot create the file: " + std::strerror(errno);
    return nullptr;
  }
  ZSTD_CCtx* context = nullptr;
  if (zstd) {
    context = ZSTD_createCCtx();
    // A checksum per frame, so that a corrupted trace is an error, not other ops.
    if (context == nullptr || ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)) != 0 ||
        ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, compression.level)) != 0) {
      ZSTD_freeCCtx(context);
      if (file != stdout) {
        std::fclose(file);
      }
      *error = path + ": cannot create a zstd compression context";
      return nullptr;
    }
    // A libzstd built without threads refuses workers: it then compresses in
    // this thread (other bytes, as another zstd version would give; the same
    // ops still).
    (void)ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, compression.workers);
  }
  return std::make_unique<LineWriter>(path, file, context);
}

}  // namespace smh::sim
