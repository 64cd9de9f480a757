// Fill, punch holes, search: a call list that leaves many free blocks of a few
// sizes. The memory is filled with blocks of a few sizes, a random subset is
// freed in a random order, then requests (mostly aligned) search the holes. The
// hole that fits an aligned request then often is not the newest of its size,
// with nothing larger left — so the heap's age order among equal sizes and its
// rule for aligned requests decide the outcome, which stateful sequences rarely
// reach. Used by the layout and no-false-OOM suites.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "support/call_commands.hpp"

namespace smh::props {

// fill_bytes: how much memory the fill must cover (one 16-byte block per 16
// bytes is enough to exhaust it); attrs: what the calls ask for.
inline rc::Gen<std::vector<Call>> gen_hole_punching_calls(std::uint64_t fill_bytes,
                                                          std::vector<std::uint32_t> attrs) {
  return rc::gen::exec([fill_bytes, attrs]() {
    const auto sizes = *rc::gen::container<std::vector<std::uint64_t>>(
        *rc::gen::inRange<std::size_t>(1, 4),
        rc::gen::weightedOneOf<std::uint64_t>({{4, rc::gen::inRange<std::uint64_t>(1, 97)},
                                               {1, rc::gen::inRange<std::uint64_t>(1, 1100)}}));
    const std::vector<std::uint64_t> aligns{0, 16, 32, 64, 128};
    std::vector<Call> calls;
    sim::Handle next = 1;
    const std::size_t fill_count = fill_bytes / 16 + 1;
    for (std::size_t i = 0; i < fill_count; ++i) {
      const std::uint64_t align = *rc::gen::weightedElement<std::uint64_t>({{6, 0}, {1, 16}});
      calls.push_back(Call{CallKind::alloc, next++, *rc::gen::elementOf(attrs), *rc::gen::elementOf(sizes), align});
    }
    // A random subset of the fill, freed in a random order.
    const auto keep = *rc::gen::container<std::vector<bool>>(fill_count, rc::gen::element(false, true, true));
    const auto order =
        *rc::gen::container<std::vector<std::uint32_t>>(fill_count, rc::gen::arbitrary<std::uint32_t>());
    std::vector<sim::Handle> holes;
    for (sim::Handle handle = 1; handle < next; ++handle) {
      if (!keep[handle - 1]) {
        holes.push_back(handle);
      }
    }
    std::stable_sort(holes.begin(), holes.end(),
                     [&order](sim::Handle a, sim::Handle b) { return order[a - 1] < order[b - 1]; });
    for (const sim::Handle handle : holes) {
      calls.push_back(Call{CallKind::free, handle, 0, 0, 0});
    }
    const std::size_t request_count = *rc::gen::inRange<std::size_t>(1, 41);
    for (std::size_t i = 0; i < request_count; ++i) {
      const std::uint64_t size = *rc::gen::weightedOneOf<std::uint64_t>(
          {{4, rc::gen::elementOf(sizes)}, {1, rc::gen::inRange<std::uint64_t>(1, 257)}});
      calls.push_back(
          Call{CallKind::alloc, next++, *rc::gen::elementOf(attrs), size, *rc::gen::elementOf(aligns)});
    }
    return calls;
  });
}

// Applies a generated call list to `sut`, with the counterexample on failure.
template <class Sut>
void run_call_list(const std::string& scenario_name, const std::vector<Call>& calls, Sut& sut) {
  with_counterexample(scenario_name, sut, [&] {
    for (const Call& call : calls) {
      sut.apply(call);
    }
  });
}

}  // namespace smh::props
