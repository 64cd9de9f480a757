// Suite 4: fragmentation bounds (docs/ARCHITECTURE.md, "Fragmentation
// bound"; support/fragmentation_bound.hpp has the formulas).
//   * A region whose block area is the bound proven for this heap,
//     M * (1 + e_max / s_min) granules, never fails an allocation of a workload
//     with peak live need M, needs in [s_min, s_max] and sure-fit sizes up to
//     e_max (the need, plus align/8 + 1 for an aligned request): random
//     workloads (rc::state sequences of allocs, aligned allocs, reallocs, aligned
//     or not, and frees), Robson's adversary and a hole-punching adversary, all
//     through the Executor with every invariant check on.
//   * The other side: Robson's adversary makes every region whose block area is
//     below Robson's floor M (1 + log2(n) / 2) - s_max + 1 fail (the generators
//     have teeth).
// M, n and the budgets stay small so a case runs in milliseconds.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "smh/heap.hpp"
#include "smh/sim/executor.hpp"
#include "support/counterexample.hpp"
#include "support/fragmentation_bound.hpp"
#include "support/hole_punch_adversary.hpp"
#include "support/live_executor.hpp"
#include "support/robson_adversary.hpp"
#include "support/suite_budget.hpp"

namespace smh::props {
namespace {

constexpr SuiteBudget fragmentation_budget{300, 200, 0x5eed'0004};
constexpr std::uint64_t region_base = 0x2000'0000;

// One non-cacheable region of `region_bytes`: the heap under test, alone.
sim::MachineConfig one_region(std::uint64_t region_bytes) {
  sim::MachineConfig machine;
  machine.regions = {{"heap", region_base, region_bytes, 0, sim::CachePolicy::non_cacheable, 32, false, false}};
  return machine;
}

bool any_failed(const std::vector<sim::Event>& events) {
  return std::any_of(events.begin(), events.end(), [](const sim::Event& e) { return e.kind == sim::EventKind::alloc_failed; });
}

// ---- Random workloads -----------------------------------------------------------

struct WorkloadModel {
  std::uint64_t budget = 0;  // peak live need allowed, granules
  std::uint64_t min_request_bytes = 1;
  std::uint64_t max_request_bytes = 1;
  std::map<sim::Handle, std::uint64_t> live;  // handle -> need
  std::uint64_t live_need = 0;
  sim::Handle next_handle = 1;
};

struct OpRecorder {
  std::vector<sim::Op> ops;
};

class AllocCommand final : public rc::state::Command<WorkloadModel, OpRecorder> {
 public:
  AllocCommand(sim::Handle handle, std::uint64_t size_bytes, std::uint64_t align_bytes)
      : handle_(handle), size_bytes_(size_bytes), align_bytes_(align_bytes) {}
  void checkPreconditions(const WorkloadModel& model) const override {
    RC_PRE(handle_ == model.next_handle && model.live_need + need_granules(size_bytes_) <= model.budget);
  }
  void apply(WorkloadModel& model) const override {
    model.live[handle_] = need_granules(size_bytes_);
    model.live_need += need_granules(size_bytes_);
    model.next_handle = handle_ + 1;
  }
  void run(const WorkloadModel& /*model*/, OpRecorder& sut) const override {
    sim::Op op;
    op.kind = sim::OpKind::alloc;
    op.handle = handle_;
    op.size_bytes = size_bytes_;
    op.align_bytes = align_bytes_;
    sut.ops.push_back(op);
  }
  void show(std::ostream& os) const override {
    os << "alloc h" << handle_ << " " << size_bytes_ << " bytes, align " << align_bytes_;
  }

 private:
  sim::Handle handle_;
  std::uint64_t size_bytes_;
  std::uint64_t align_bytes_;
};

// A realloc, in place or moving: while it moves, its old block is live too, so
// the budget counts the new need on top of everything live.
class ReallocCommand final : public rc::state::Command<WorkloadModel, OpRecorder> {
 public:
  ReallocCommand(sim::Handle handle, std::uint64_t size_bytes, std::uint64_t align_bytes)
      : handle_(handle), size_bytes_(size_bytes), align_bytes_(align_bytes) {}
  void checkPreconditions(const WorkloadModel& model) const override {
    RC_PRE(model.live.contains(handle_) && model.live_need + need_granules(size_bytes_) <= model.budget);
  }
  void apply(WorkloadModel& model) const override {
    model.live_need = model.live_need - model.live.at(handle_) + need_granules(size_bytes_);
    model.live[handle_] = need_granules(size_bytes_);
  }
  void run(const WorkloadModel& /*model*/, OpRecorder& sut) const override {
    sim::Op op;
    op.kind = sim::OpKind::realloc;
    op.handle = handle_;
    op.size_bytes = size_bytes_;
    op.align_bytes = align_bytes_;
    sut.ops.push_back(op);
  }
  void show(std::ostream& os) const override {
    os << "realloc h" << handle_ << " " << size_bytes_ << " bytes, align " << align_bytes_;
  }

 private:
  sim::Handle handle_;
  std::uint64_t size_bytes_;
  std::uint64_t align_bytes_;
};

class FreeCommand final : public rc::state::Command<WorkloadModel, OpRecorder> {
 public:
  explicit FreeCommand(sim::Handle handle) : handle_(handle) {}
  void checkPreconditions(const WorkloadModel& model) const override { RC_PRE(model.live.contains(handle_)); }
  void apply(WorkloadModel& model) const override {
    model.live_need -= model.live.at(handle_);
    model.live.erase(handle_);
  }
  void run(const WorkloadModel& /*model*/, OpRecorder& sut) const override {
    sim::Op op;
    op.kind = sim::OpKind::free;
    op.handle = handle_;
    sut.ops.push_back(op);
  }
  void show(std::ostream& os) const override { os << "free h" << handle_; }

 private:
  sim::Handle handle_;
};

using WorkloadCommandPtr = std::shared_ptr<const rc::state::Command<WorkloadModel, OpRecorder>>;

// Mostly fill towards the budget, then churn; sizes at both ends of the range,
// uniform, and log-uniform (small ones often, as real programs do); one request
// in four aligned (16 to 128 bytes, DMA-like); one op in six a realloc.
rc::Gen<WorkloadCommandPtr> gen_workload_command(const WorkloadModel& model) {
  return rc::gen::exec([model]() -> WorkloadCommandPtr {
    const std::uint64_t low = model.min_request_bytes;
    const std::uint64_t high = model.max_request_bytes;
    const bool can_alloc = model.live_need + need_granules(low) <= model.budget;
    enum class Kind { alloc, realloc, free };
    const Kind kind = model.live.empty()
                          ? Kind::alloc
                          : *rc::gen::weightedElement<Kind>({{3, Kind::alloc}, {1, Kind::realloc}, {2, Kind::free}});
    const std::uint64_t align = *rc::gen::weightedElement<std::uint64_t>({{12, 0}, {1, 16}, {1, 32}, {1, 64}, {1, 128}});
    if (kind != Kind::alloc || !can_alloc) {
      std::vector<sim::Handle> live;
      for (const auto& [handle, need] : model.live) live.push_back(handle);
      const sim::Handle handle = *rc::gen::elementOf(live);
      if (kind == Kind::realloc && can_alloc) {
        const std::uint64_t room_bytes = request_bytes_for_need(model.budget - model.live_need);
        const std::uint64_t size = *rc::gen::inRange(low, high + 1);
        return std::make_shared<ReallocCommand>(handle, std::min(size, std::max(room_bytes, low)), align);
      }
      return std::make_shared<FreeCommand>(handle);
    }
    const unsigned octaves = static_cast<unsigned>(std::bit_width(high / low));
    std::uint64_t size = *rc::gen::weightedOneOf<std::uint64_t>({
        {1, rc::gen::just(low)},
        {1, rc::gen::just(high)},
        {2, rc::gen::inRange(low, high + 1)},
        {2, rc::gen::map(rc::gen::inRange(0u, octaves), [low](unsigned octave) { return low << octave; })},
    });
    size = std::min(size, high);
    const std::uint64_t room_bytes = request_bytes_for_need(model.budget - model.live_need);
    return std::make_shared<AllocCommand>(model.next_handle, std::min(size, std::max(room_bytes, low)), align);
  });
}

TEST(FragmentationBoundsProps, RandomWorkloadsNeverFailAtTheProvenBound) {
  check_within_budget(
      [] {
        WorkloadModel model;
        model.min_request_bytes = *rc::gen::inRange<std::uint64_t>(1, 257);
        model.max_request_bytes = model.min_request_bytes * *rc::gen::inRange<std::uint64_t>(1, 33);
        model.budget = need_granules(model.max_request_bytes) * *rc::gen::inRange<std::uint64_t>(1, 65);
        const auto commands = *rc::state::gen::commands(model, &gen_workload_command);
        OpRecorder recorder;
        rc::state::runAll(commands, model, recorder);
        const std::vector<sim::Op>& ops = recorder.ops;

        // The bound for what the workload actually did: its peak, its extreme
        // needs and sure-fit sizes.
        std::uint64_t s_min = ~std::uint64_t{0};
        std::uint64_t s_max = 0;
        std::uint64_t e_max = 0;
        for (const sim::Op& op : ops) {
          if (op.kind == sim::OpKind::alloc || op.kind == sim::OpKind::realloc) {
            s_min = std::min(s_min, need_granules(op.size_bytes));
            s_max = std::max(s_max, need_granules(op.size_bytes));
            e_max = std::max(e_max, sure_fit_granules(op.size_bytes, op.align_bytes));
          }
        }
        RC_PRE(s_max > 0);
        const std::uint64_t peak = peak_live_need(ops);
        const std::uint64_t bound = proven_bound_granules(peak, s_min, e_max);
        const std::uint64_t region_bytes = region_bytes_for_block_area(bound);
        const sim::MachineConfig machine = one_region(region_bytes);
        const sim::RunResult result = sim::run_ops(machine, ops, 1);
        RC_LOG() << "peak live need " << peak << " granules, needs " << s_min << ".." << s_max << ", sure fit up to "
                 << e_max << ", bound " << bound
                 << " granules, region " << region_bytes << " bytes\n"
                 << counterexample_json("fragmentation_bound_random", machine, ops, 1) << "\n";
        RC_ASSERT(result.ok);
        RC_ASSERT(!any_failed(result.events));
        RC_ASSERT(result.findings.empty());
        const double used = static_cast<double>(result.summary.regions[0].stats.high_water_bytes) /
                            static_cast<double>(bound * granule_bytes);
        RC_CLASSIFY(used > 0.5, "footprint above half the bound");
        RC_CLASSIFY(e_max > s_max, "an aligned request sets the bound");
        RC_CLASSIFY(std::any_of(ops.begin(), ops.end(), [](const sim::Op& op) { return op.kind == sim::OpKind::realloc; }),
                    "reallocs");
      },
      fragmentation_budget);
}

// The model's block-area arithmetic is the heap's own (Heap::init).
TEST(FragmentationBoundsProps, BlockAreaArithmeticMatchesTheHeap) {
  check_within_budget(
      [] {
        const std::uint64_t granules = *rc::gen::inRange<std::uint64_t>(Heap::min_region_bytes / 8, 1 << 16);
        std::vector<std::uint64_t> memory(granules);
        Heap heap;
        RC_ASSERT(heap.init(memory.data(), granules * granule_bytes) == Status::ok);
        RC_ASSERT(heap.block_area_bytes() == block_area_granules(granules * granule_bytes) * granule_bytes);
        const std::uint64_t wanted = *rc::gen::inRange<std::uint64_t>(2, 1 << 16);
        const std::uint64_t region = region_bytes_for_block_area(wanted);
        RC_ASSERT(block_area_granules(region) >= wanted);
        RC_ASSERT(block_area_granules(region - granule_bytes) < wanted);
      },
      SuiteBudget{100, 0, 0x5eed'0004});
}

// ---- Adversaries ------------------------------------------------------------------

TEST(FragmentationBoundsProps, AdversariesNeverMakeTheProvenBoundFail) {
  check_within_budget(
      [] {
        const bool robson = *rc::gen::arbitrary<bool>();
        const unsigned log2_n = *rc::gen::inRange(1u, 6u);
        const std::uint64_t s_min = robson ? robson_unit_granules : *rc::gen::inRange<std::uint64_t>(2, 9);
        const std::uint64_t s_max = s_min << log2_n;
        const std::uint64_t budget = s_max * *rc::gen::inRange<std::uint64_t>(1, 9);
        const std::uint64_t bound = proven_bound_granules(budget, s_min, s_max);
        const sim::MachineConfig machine = one_region(region_bytes_for_block_area(bound));
        const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
        LiveExecutor sut(machine, {}, 1);
        bool survived = true;
        if (robson) {
          survived = !RobsonAdversary(sut, region_base, budget / robson_unit_granules, log2_n, seed).play().failed;
        } else {
          survived = HolePunchAdversary(sut, region_base, budget, s_min, s_max, seed).play(8);
        }
        sut.finish();
        RC_LOG() << (robson ? "Robson" : "hole punching") << " adversary, M " << budget << " granules, needs "
                 << s_min << ".." << s_max << ", bound " << bound << " granules\n"
                 << counterexample_json("fragmentation_bound_adversary", machine, sut.ops(), 1) << "\n";
        RC_ASSERT(survived);
        RC_ASSERT(sut.executor().findings().empty());
        RC_CLASSIFY(robson, "Robson");
      },
      fragmentation_budget);
}

// Every block area below Robson's floor less the construction's remainder slack
// (residue_construction_slack_granules) fails.
TEST(FragmentationBoundsProps, RobsonsAdversaryMakesEveryRegionBelowTheFloorFail) {
  check_within_budget(
      [] {
        const unsigned log2_n = *rc::gen::inRange(1u, 6u);
        const std::uint64_t n = std::uint64_t{1} << log2_n;
        const std::uint64_t units = n * *rc::gen::inRange<std::uint64_t>(1, 9) + *rc::gen::inRange<std::uint64_t>(0, n);
        const std::uint64_t peak = units * robson_unit_granules;
        const std::uint64_t s_max = n * robson_unit_granules;
        const std::uint64_t slack = residue_construction_slack_granules(log2_n, robson_unit_granules);
        const std::uint64_t floor_minus_one = below_robson_floor_granules(peak, log2_n, s_max);
        RC_PRE(floor_minus_one > slack + 2);
        const std::uint64_t below_floor = floor_minus_one - slack;
        // Most cases just below the floor, where it is hardest; some far below.
        const std::uint64_t shortfall = *rc::gen::weightedOneOf<std::uint64_t>(
            {{3, rc::gen::inRange<std::uint64_t>(0, 4)}, {1, rc::gen::inRange<std::uint64_t>(0, below_floor / 2)}});
        const std::uint64_t block_area = std::max<std::uint64_t>(below_floor - shortfall, 2);
        const std::uint64_t region_bytes = std::max<std::uint64_t>(region_bytes_for_block_area(block_area), Heap::min_region_bytes);
        RC_PRE(block_area_granules(region_bytes) <= below_floor);
        const sim::MachineConfig machine = one_region(region_bytes);
        LiveExecutor sut(machine, {}, 1);
        const RobsonOutcome outcome =
            RobsonAdversary(sut, region_base, units, log2_n, *rc::gen::arbitrary<std::uint64_t>()).play();
        RC_LOG() << "M " << peak << " granules, n " << n << ", floor - 1 = " << floor_minus_one << ", slack " << slack
                 << ", block area "
                 << block_area_granules(region_bytes) << " granules\n"
                 << counterexample_json("robson_floor", machine, sut.ops(), 1) << "\n";
        RC_ASSERT(outcome.failed);
        RC_ASSERT(sut.executor().findings().empty());  // a true failure: NO_FALSE_OOM stayed silent
        RC_CLASSIFY(shortfall < 4, "just below the floor");
      },
      fragmentation_budget);
}

}  // namespace
}  // namespace smh::props
