// FaultInjector — fault injection (fault_injector.cpp has the catalogue): it
// owns the run's "sim.faults" stream, the injections and their typed outcomes
// (Detection), the regions it took offline and the pool's fault hook. Before each
// op strike() draws, per enabled kind, whether that fault hits; each injection is
// checked for detection on the spot and repaired where the machine would
// otherwise stay broken, or, for an allocation failure or a region going
// offline, resolved by what the pool does later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "finding_sink.hpp"
#include "owner_names.hpp"
#include "sim_pool.hpp"
#include "smh/sim/faults.hpp"
#include "smh/sim/prng.hpp"
#include "smh/sim/shadow_state.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

class FaultInjector {
 public:
  // What the injector may touch: it reads the map and the live blocks, drives
  // the pool (frees, validation, regions offline) and reports to the sink.
  struct Machine {
    const MemoryMap& map;
    SimPool& pool;
    const ShadowState& shadow;
    const OwnerNames& owners;
    FindingSink& sink;
  };
  // Installs the pool's fault hook (PoolHooks::refuse_alloc).
  FaultInjector(const Machine& machine, const FaultPlan& plan, std::uint64_t seed);
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Before `op` (a valid one): every enabled kind strikes with its rate.
  void strike(const Op& op);

  // An allocation failure was injected before this op: the alloc must go
  // through allocate_refused().
  [[nodiscard]] bool refusal_pending() const { return refusal_.has_value(); }
  // Calls `allocate` (the op's pool call) with every region selection refused by
  // the pool's fault hook, and resolves the injection by what it returned.
  template <class Allocate>
  void* allocate_refused(Allocate&& allocate) {
    SMH_SIM_ASSERT(refusal_.has_value() && !refusing_);
    refusing_ = true;
    void* ptr = allocate();
    refusing_ = false;
    const std::size_t injection = *refusal_;
    refusal_.reset();
    resolve(injection, ptr == nullptr ? Detection::pool_returned_null : Detection::undetected,
            "the pool returned null");
    return ptr;
  }

  [[nodiscard]] bool offline(unsigned region) const { return region_offline_[region]; }
  // REGION_OFFLINE_VIOLATED when `block`, just placed, lies in a region taken offline.
  void check_not_offline(Handle handle, const LiveBlock& block);
  // A freed block, for a later double free. Inline, and a test of one flag
  // decided at construction: every free calls it, and only a plan with double
  // frees keeps anything.
  void remember_freed(void* ptr, std::uint64_t device_address) {
    if (remembers_freed_) {
      keep_freed(ptr, device_address);
    }
  }
  // Resolves what is still open at the end of the run (regions offline).
  void finish();

  [[nodiscard]] const std::vector<Injection>& injections() const { return injections_; }

 private:
  static bool refuse_alloc(void* context, std::uint32_t attr, std::size_t size_bytes);
  void inject(FaultKind kind, const Op& op);
  // One kind each; `index`: the injection it opens, if it opens one.
  void fail_alloc(const Op& op, std::size_t index);
  void flip_metadata(std::size_t index);
  void overrun_dma(std::size_t index);
  void free_twice(std::size_t index);
  void free_foreign(std::size_t index);
  void take_offline(std::size_t index);
  void open(FaultKind kind, std::string what);
  // remember_freed()'s work, when double frees may strike.
  void keep_freed(void* ptr, std::uint64_t device_address);
  // `by`: what caught it, or Detection::undetected (then FAULT_UNDETECTED).
  void resolve(std::size_t injection, Detection by, std::string detected_by);

  Machine machine_;
  FaultPlan plan_;
  Rng rng_;
  std::vector<Injection> injections_;
  std::vector<bool> region_offline_;  // by region
  // The region_offline injections, each with its region: resolved at finish().
  std::vector<std::pair<std::size_t, unsigned>> offline_injections_;
  std::optional<std::size_t> refusal_;  // the alloc_failure injection the next alloc serves
  bool refusing_ = false;               // what the pool's fault hook answers
  std::vector<std::pair<void*, std::uint64_t>> recently_freed_;  // pointer, device address
  bool remembers_freed_ = false;  // the plan's double_free rate is not 0: only a double free reads them
};

}  // namespace smh::sim
