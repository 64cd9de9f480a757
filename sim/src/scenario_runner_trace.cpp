// The trace op source: ops streamed from a JSON Lines file (sim::TraceReader),
// never loaded whole.
#include "scenario_runner_internal.hpp"
#include "smh/sim/trace.hpp"

namespace smh::sim::detail {

namespace {

class TraceOps final : public OpSource {
 public:
  explicit TraceOps(std::unique_ptr<TraceReader> reader) : reader_(std::move(reader)) {}

  bool next(Op* op, std::string* error) override {
    TraceError trace_error;
    if (reader_->next(op, &trace_error)) {
      return true;
    }
    *error = trace_error.message.empty() ? std::string() : trace_error.to_string();
    return false;
  }
  [[nodiscard]] std::uint64_t ops_total() const override { return 0; }
  [[nodiscard]] double fraction_done() const override {
    const std::uint64_t total = reader_->file_bytes_total();
    return total == 0 ? 0.0 : static_cast<double>(reader_->file_bytes_read()) / static_cast<double>(total);
  }

 private:
  std::unique_ptr<TraceReader> reader_;
};

}  // namespace

std::unique_ptr<OpSource> trace_op_source(const std::string& path, MatchMode mode, std::string* error) {
  TraceError trace_error;
  std::unique_ptr<TraceReader> reader = TraceReader::open(path, mode, &trace_error);
  if (!reader) {
    *error = trace_error.to_string();
    return nullptr;
  }
  return std::make_unique<TraceOps>(std::move(reader));
}

}  // namespace smh::sim::detail
