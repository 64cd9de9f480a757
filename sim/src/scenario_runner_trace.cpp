// The trace op source: ops streamed from a JSON Lines file (sim::TraceReader),
// never loaded whole.
#include <array>
#include <string>

#include "scenario_runner_internal.hpp"
#include "smh/sim/bounded_file.hpp"
#include "smh/sim/sim_assert.hpp"
#include "smh/sim/trace.hpp"

namespace smh::sim::detail {

namespace {

class TraceOps final : public OpSource {
 public:
  TraceOps(std::unique_ptr<TraceReader> reader, std::string path) : reader_(std::move(reader)), path_(std::move(path)) {}

  std::size_t next_ops(std::span<Op> ops, std::string* error) override {
    SMH_SIM_ASSERT(ops.size() <= batch_lines_.size());
    const std::uint64_t first = reader_->ops_read();
    TraceError trace_error;
    const std::size_t count = reader_->next_batch(ops, batch_lines_, &trace_error);
    for (std::size_t i = 0; i < count; ++i) {
      lines_[(first + i) % recent_ops] = batch_lines_[i];
    }
    error->clear();
    if (count < ops.size() && !trace_error.message.empty()) {
      *error = trace_error.to_string();
    }
    return count;
  }
  std::string input_corruption() override { return reader_->frame_corruption(); }
  [[nodiscard]] std::uint64_t ops_total() const override { return 0; }
  [[nodiscard]] double fraction_done() const override { return reader_->fraction_done(); }
  [[nodiscard]] std::string where(std::uint64_t op_index) const override {
    const std::uint64_t read = reader_->ops_read();
    if (op_index >= read || read - op_index > recent_ops) {
      return path_;  // not among the ops kept: the driver asked too late
    }
    return path_ + ":" + std::to_string(lines_[op_index % recent_ops]);
  }

 private:
  // The driver applies ops in chunks of a few hundred, so an invalid op is
  // always among the last ones read: their lines are kept in a ring.
  static constexpr std::uint64_t recent_ops = 1024;
  std::unique_ptr<TraceReader> reader_;
  std::string path_;
  std::array<std::uint64_t, recent_ops> lines_{};
  std::array<std::uint64_t, recent_ops> batch_lines_{};  // next_ops' lines, before they enter the ring
};

}  // namespace

std::unique_ptr<OpSource> trace_op_source(const std::string& path, MatchMode mode, std::string* error) {
  // A trace is a regular file, or stdin ("-"): opening a FIFO with no writer
  // would wait for ever, and a device may never end. Asked of the name, without
  // opening it.
  if (const std::string why = path == "-" ? "" : not_a_regular_file(path); !why.empty()) {
    *error = path + ": cannot read the file: " + why + " (a trace is a file, or '-' for stdin)";
    return nullptr;
  }
  TraceError trace_error;
  std::unique_ptr<TraceReader> reader = TraceReader::open(path, mode, &trace_error);
  if (!reader) {
    *error = trace_error.to_string();
    return nullptr;
  }
  return std::make_unique<TraceOps>(std::move(reader), path);
}

}  // namespace smh::sim::detail
