// The inline op source: a scenario's own `ops` list.
#include <algorithm>

#include "scenario_runner_internal.hpp"

namespace smh::sim::detail {

namespace {

class InlineOps final : public OpSource {
 public:
  InlineOps(const std::vector<Op>& ops, const std::string& scenario_path) : ops_(ops), scenario_path_(scenario_path) {}

  std::size_t next_ops(std::span<Op> ops, std::string* error) override {
    error->clear();
    const std::size_t count = std::min(ops.size(), ops_.size() - next_);
    std::copy_n(ops_.begin() + static_cast<std::ptrdiff_t>(next_), count, ops.begin());
    next_ += count;
    return count;
  }
  [[nodiscard]] std::uint64_t ops_total() const override { return ops_.size(); }
  [[nodiscard]] double fraction_done() const override {
    return ops_.empty() ? 1.0 : static_cast<double>(next_) / static_cast<double>(ops_.size());
  }
  [[nodiscard]] std::string where(std::uint64_t op_index) const override {
    return scenario_path_ + ": $.ops[" + std::to_string(op_index) + "]";
  }

 private:
  const std::vector<Op>& ops_;
  std::string scenario_path_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<OpSource> inline_op_source(const std::vector<Op>& ops, const std::string& scenario_path) {
  return std::make_unique<InlineOps>(ops, scenario_path);
}

}  // namespace smh::sim::detail
