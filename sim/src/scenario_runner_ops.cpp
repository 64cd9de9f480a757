// The inline op source: a scenario's own `ops` list.
#include "scenario_runner_internal.hpp"

namespace smh::sim::detail {

namespace {

class InlineOps final : public OpSource {
 public:
  explicit InlineOps(const std::vector<Op>& ops) : ops_(ops) {}

  bool next(Op* op, std::string* error) override {
    error->clear();
    if (next_ == ops_.size()) {
      return false;
    }
    *op = ops_[next_++];
    return true;
  }
  [[nodiscard]] std::uint64_t ops_total() const override { return ops_.size(); }
  [[nodiscard]] double fraction_done() const override {
    return ops_.empty() ? 1.0 : static_cast<double>(next_) / static_cast<double>(ops_.size());
  }

 private:
  const std::vector<Op>& ops_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<OpSource> inline_op_source(const std::vector<Op>& ops) { return std::make_unique<InlineOps>(ops); }

}  // namespace smh::sim::detail
