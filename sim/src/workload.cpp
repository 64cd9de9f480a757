#include "smh/sim/workload.hpp"

#include <bit>
#include <cassert>

#include "smh/sim/prng.hpp"

namespace smh::sim {

namespace {

// Live handles with O(1) random pick and removal (swap with last), in an order
// that depends only on the generator's draws.
struct LiveSet {
  std::vector<Handle> handles;
  std::vector<std::uint64_t> sizes;  // by position, parallel to handles

  void add(Handle handle, std::uint64_t size) {
    handles.push_back(handle);
    sizes.push_back(size);
  }
  void remove_at(std::size_t index) {
    handles[index] = handles.back();
    sizes[index] = sizes.back();
    handles.pop_back();
    sizes.pop_back();
  }
};

}  // namespace

std::vector<Op> generate_workload(const WorkloadConfig& config, std::uint64_t seed) {
  assert(!config.attrs.empty() && config.min_size_bytes >= 1 && config.min_size_bytes <= config.max_size_bytes);
  Rng rng = Rng::stream(seed, "sim.workload");
  std::vector<Op> ops;
  ops.reserve(config.op_count + config.op_count / 2);
  LiveSet live;
  std::uint64_t live_bytes = 0;
  Handle next_handle = 1;

  auto draw_size = [&] { return rng.log_uniform(config.min_size_bytes, config.max_size_bytes); };
  auto draw_attr = [&] { return config.attrs[rng.below(config.attrs.size())]; };
  auto draw_align = [&]() -> std::uint64_t {
    if (config.max_align_bytes < 16 || !rng.chance(config.aligned_per_mille, 1000)) {
      return 0;
    }
    const auto max_log2 = static_cast<std::uint64_t>(std::bit_width(config.max_align_bytes) - 1);
    return std::uint64_t{1} << rng.between(4, max_log2);
  };

  while (ops.size() < config.op_count) {
    if (!live.handles.empty() && rng.chance(config.realloc_per_mille, 1000)) {
      const std::size_t index = rng.below(live.handles.size());
      const std::uint64_t size = draw_size();
      live_bytes = live_bytes - live.sizes[index] + size;
      live.sizes[index] = size;
      ops.push_back(Op{OpKind::realloc, live.handles[index], draw_attr(), size, draw_align()});
      continue;
    }
    const bool below_target = live_bytes < config.target_live_bytes;
    if (live.handles.empty() || rng.chance(below_target ? 3 : 2, 5)) {
      const std::uint64_t size = draw_size();
      const Handle handle = next_handle++;
      live.add(handle, size);
      live_bytes += size;
      ops.push_back(Op{OpKind::alloc, handle, draw_attr(), size, draw_align()});
    } else {
      const std::size_t index = rng.below(live.handles.size());
      ops.push_back(Op{OpKind::free, live.handles[index], 0, 0, 0});
      live_bytes -= live.sizes[index];
      live.remove_at(index);
    }
  }
  for (const Handle handle : live.handles) {
    ops.push_back(Op{OpKind::free, handle, 0, 0, 0});
  }
  return ops;
}

}  // namespace smh::sim
