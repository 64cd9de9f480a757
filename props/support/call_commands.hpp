// The stateful command model shared by the heap, pool, no-false-OOM and layout
// suites: a command is one allocator call on a block named by handle (as in the
// simulator's ops), RapidCheck generates and shrinks sequences of them
// (rc::state), and each suite supplies its own system under test (Sut) that
// performs a call and checks what it must.
//
// A Sut provides:
//   void apply(const Call&);                       perform, then RC_ASSERT its checks
//   void finish();                                 end-of-sequence checks
//   sim::MachineConfig machine_config() const;     the machine, for the counterexample
//   const std::vector<sim::Op>& ops() const;       the ops applied so far
#pragma once

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/ops.hpp"
#include "support/counterexample.hpp"

namespace smh::props {

enum class CallKind : std::uint8_t {
  alloc,        // handle := aligned_alloc(attr, align, size) (align 0: alloc)
  realloc,      // handle := aligned_realloc(attr, handle, align, size); size 0 frees
  free,
  usable_size,  // a query: usable_size of the handle's block and of pointers into it
  validate,     // a query: the allocator's full check plus the suite's own sweep
};

struct Call {
  CallKind kind = CallKind::alloc;
  sim::Handle handle = 0;
  std::uint32_t attr = 0;
  std::uint64_t size_bytes = 0;
  std::uint64_t align_bytes = 0;  // 0: the default alignment
  // An alloc's preference chain, as in sim::Op: attr first, then these in order.
  std::array<std::uint32_t, sim::max_prefer_attrs - 1> fallback_attrs{};
  std::uint8_t fallback_count = 0;

  [[nodiscard]] unsigned attr_count() const { return 1u + fallback_count; }
  [[nodiscard]] std::uint32_t attr_at(unsigned index) const {
    return index == 0 ? attr : fallback_attrs[index - 1];
  }
};

// The simulator op that replays a call; queries have none (they change nothing).
inline std::optional<sim::Op> to_op(const Call& call) {
  sim::Op op;
  op.handle = call.handle;
  op.attr = call.attr;
  op.size_bytes = call.size_bytes;
  op.align_bytes = call.align_bytes;
  switch (call.kind) {
    case CallKind::alloc:
      op.kind = sim::OpKind::alloc;
      op.fallback_attrs = call.fallback_attrs;
      op.fallback_count = call.fallback_count;
      return op;
    case CallKind::realloc:
      op.kind = sim::OpKind::realloc;
      return op;
    case CallKind::free:
      op.kind = sim::OpKind::free;
      op.attr = 0;
      op.size_bytes = 0;
      op.align_bytes = 0;
      return op;
    case CallKind::usable_size:
    case CallKind::validate:
      return std::nullopt;
  }
  return std::nullopt;
}

inline std::ostream& operator<<(std::ostream& os, const Call& call) {
  switch (call.kind) {
    case CallKind::alloc:
      os << "alloc(h" << call.handle << ", attr " << call.attr;
      for (unsigned i = 1; i < call.attr_count(); ++i) {
        os << " then " << call.attr_at(i);
      }
      return os << ", size " << call.size_bytes << ", align " << call.align_bytes << ")";
    case CallKind::realloc:
      return os << "realloc(h" << call.handle << ", attr " << call.attr << ", size " << call.size_bytes
                << ", align " << call.align_bytes << ")";
    case CallKind::free:
      return os << "free(h" << call.handle << ")";
    case CallKind::usable_size:
      return os << "usable_size(h" << call.handle << ")";
    case CallKind::validate:
      return os << "validate()";
  }
  return os;
}

// What the generator draws from. Each suite shapes its workload here.
struct CallShape {
  std::uint64_t max_size_bytes = 4096;      // the largest request (beyond the memory: failures)
  std::vector<std::uint64_t> size_palette;  // when set, most sizes come from it (same-class holes)
  std::vector<std::uint32_t> attrs{0};      // request attributes
  bool prefer_chains = false;               // allocs sometimes carry fallback attributes
  unsigned max_align_log2 = 12;             // aligned calls draw 2^0 .. 2^max_align_log2
  std::vector<std::uint64_t> align_palette; // when set, most aligned calls use one of these
  bool zero_sizes = false;                  // alloc(0) (returns null, counts nothing)
  bool queries = false;                     // usable_size and validate calls
  // How often each call is drawn: `fill` while the model says the sequence is
  // filling memory (fewer than target_live_handles handles issued, unless the
  // model knows better), `churn` from then on. By default churn frees three
  // times as often, so the memory fills up and then churns with holes between
  // live blocks.
  struct Weights {
    unsigned alloc = 6;
    unsigned aligned_alloc = 2;
    unsigned realloc = 2;
    unsigned free = 3;
  };
  Weights fill{};
  Weights churn{6, 2, 2, 9};
  std::size_t target_live_handles = 64;
};

// RapidCheck's model of a sequence: which handles a call may name. A handle is
// issued by an alloc (successful or not: a failed one holds null, as in C) and
// retired by free or realloc to size 0; handles are never reused, so a shrunk
// sequence still means the same thing.
//
// A suite whose model predicts more (the layout suite knows which handles hold
// null) derives from CallModel and hides on_call(), churning() and
// free_candidates(); the
// commands are templated on the model, so the derived versions are the ones used.
struct CallModel {
  std::shared_ptr<const CallShape> shape;
  std::set<sim::Handle> issued;
  sim::Handle next_handle = 1;

  void on_call(const Call& call) {
    if (call.kind == CallKind::alloc) {
      issued.insert(call.handle);
      next_handle = call.handle >= next_handle ? call.handle + 1 : next_handle;
    } else if (call.kind == CallKind::free || (call.kind == CallKind::realloc && call.size_bytes == 0)) {
      issued.erase(call.handle);
    }
  }
  // Whether the sequence has moved on from filling the memory to churning it.
  [[nodiscard]] bool churning() const { return issued.size() >= shape->target_live_handles; }
  // Handles a free is drawn from: any issued one (freeing a null handle is legal).
  [[nodiscard]] std::vector<sim::Handle> free_candidates() const { return {issued.begin(), issued.end()}; }
};

template <class Model, class Sut>
class CallCommand final : public rc::state::Command<Model, Sut> {
 public:
  explicit CallCommand(const Call& call) : call_(call) {}

  void checkPreconditions(const Model& model) const override {
    switch (call_.kind) {
      case CallKind::alloc:
        RC_PRE(!model.issued.contains(call_.handle));
        return;
      case CallKind::realloc:
      case CallKind::free:
      case CallKind::usable_size:
        RC_PRE(model.issued.contains(call_.handle));
        return;
      case CallKind::validate:
        return;
    }
  }

  void apply(Model& model) const override { model.on_call(call_); }

  void run(const Model& /*model*/, Sut& sut) const override { sut.apply(call_); }

  void show(std::ostream& os) const override { os << call_; }

 private:
  Call call_;
};

template <class Model, class Sut>
using CallCommandPtr = std::shared_ptr<const rc::state::Command<Model, Sut>>;

// A request size: mostly small, some medium, a few up to the shape's maximum
// (which may exceed the memory, to exercise failures).
inline rc::Gen<std::uint64_t> gen_size_bytes(const CallShape& shape) {
  const std::uint64_t max = shape.max_size_bytes < 2 ? 2 : shape.max_size_bytes;
  const std::uint64_t medium = max < 256 ? max : 256;
  const std::uint64_t large = max < 2048 ? max : 2048;
  rc::Gen<std::uint64_t> any = rc::gen::weightedOneOf<std::uint64_t>({
      {3, rc::gen::inRange<std::uint64_t>(1, 17)},
      {4, rc::gen::inRange<std::uint64_t>(1, medium + 1)},
      {2, rc::gen::inRange<std::uint64_t>(1, large + 1)},
      {1, rc::gen::inRange<std::uint64_t>(1, max + 1)},
  });
  if (shape.size_palette.empty()) {
    return any;
  }
  return rc::gen::weightedOneOf<std::uint64_t>({{3, rc::gen::elementOf(shape.size_palette)}, {1, any}});
}

inline rc::Gen<std::uint64_t> gen_align_bytes(const CallShape& shape) {
  rc::Gen<std::uint64_t> any = rc::gen::map(rc::gen::inRange(0u, shape.max_align_log2 + 1),
                                            [](unsigned log2) { return std::uint64_t{1} << log2; });
  if (shape.align_palette.empty()) {
    return any;
  }
  return rc::gen::weightedOneOf<std::uint64_t>({{3, rc::gen::elementOf(shape.align_palette)}, {1, any}});
}

// One call valid in `model`. The model is captured by value: RapidCheck may
// re-run the generator while shrinking, after the caller's model is gone.
template <class Model, class Sut>
rc::Gen<CallCommandPtr<Model, Sut>> gen_call(const Model& model) {
  return rc::gen::exec([model]() -> CallCommandPtr<Model, Sut> {
    using Command = CallCommand<Model, Sut>;
    const CallShape& shape = *model.shape;
    const bool any_issued = !model.issued.empty();
    enum Pick { alloc, aligned_alloc, realloc, free, usable_size, validate };
    const CallShape::Weights& weights = model.churning() ? shape.churn : shape.fill;
    const Pick pick = *rc::gen::weightedElement<Pick>({
        {weights.alloc, alloc},
        {weights.aligned_alloc, aligned_alloc},
        {any_issued ? weights.realloc : 0u, realloc},
        {any_issued ? weights.free : 0u, free},
        {any_issued && shape.queries ? 1u : 0u, usable_size},
        {shape.queries ? 1u : 0u, validate},
    });
    Call call;
    if (pick == alloc || pick == aligned_alloc) {
      call.kind = CallKind::alloc;
      call.handle = model.next_handle;
    } else if (pick == validate) {
      call.kind = CallKind::validate;
      return std::make_shared<const Command>(call);
    } else if (pick == free) {
      call.kind = CallKind::free;
      const std::vector<sim::Handle> candidates = model.free_candidates();
      call.handle = candidates.empty() ? *model.issued.begin() : *rc::gen::elementOf(candidates);
      return std::make_shared<const Command>(call);
    } else {
      call.kind = pick == realloc ? CallKind::realloc : CallKind::usable_size;
      call.handle = *rc::gen::elementOf(std::vector<sim::Handle>(model.issued.begin(), model.issued.end()));
      if (call.kind != CallKind::realloc) {
        return std::make_shared<const Command>(call);
      }
    }
    call.attr = *rc::gen::elementOf(shape.attrs);
    if (call.kind == CallKind::alloc && shape.prefer_chains) {
      call.fallback_count = *rc::gen::weightedElement<std::uint8_t>({{6, 0}, {2, 1}, {1, 2}, {1, 3}});
      for (unsigned i = 0; i < call.fallback_count; ++i) {
        call.fallback_attrs[i] = *rc::gen::elementOf(shape.attrs);
      }
    }
    const bool zero_allowed = call.kind == CallKind::realloc || shape.zero_sizes;
    call.size_bytes = zero_allowed && *rc::gen::weightedElement<bool>({{15, false}, {1, true}})
                          ? 0
                          : *gen_size_bytes(shape);
    const bool aligned = pick == aligned_alloc || (pick == realloc && *rc::gen::element(false, true));
    call.align_bytes = aligned ? *gen_align_bytes(shape) : 0;
    return std::make_shared<const Command>(call);
  });
}

// Runs `body` (which applies calls to `sut`), then the Sut's end-of-sequence
// checks. On any failure the ops applied so far — the shrunk sequence, once
// RapidCheck is done — are logged as a scenario that `smh run` replays.
template <class Sut, class Body>
void with_counterexample(const std::string& scenario_name, Sut& sut, Body&& body) {
  try {
    body();
    sut.finish();
  } catch (...) {
    RC_LOG() << counterexample_json(scenario_name, sut.machine_config(), sut.ops(), 1) << "\n";
    throw;
  }
}

// Generates a call sequence for `initial` (rc::state) and runs it on `sut`; each
// command checks as it goes.
template <class Model, class Sut>
void run_calls(const std::string& scenario_name, const Model& initial, Sut& sut) {
  const auto commands =
      *rc::state::gen::commands(initial, [](const Model& model) { return gen_call<Model, Sut>(model); });
  with_counterexample(scenario_name, sut, [&] { rc::state::runAll(commands, initial, sut); });
}

}  // namespace smh::props
