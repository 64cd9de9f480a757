#include "smh/sim/workload.hpp"

#include <algorithm>
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

// Gives `op` a preference chain: 1..3 fallbacks drawn from `attrs`, each
// distinct from the attrs before it in the chain.
void add_fallbacks(std::vector<std::uint32_t> attrs, Rng& rng, Op* op) {
  std::sort(attrs.begin(), attrs.end());
  attrs.erase(std::unique(attrs.begin(), attrs.end()), attrs.end());
  const std::uint64_t others = attrs.size() - 1;  // op->attr is one of them
  if (others == 0) {
    return;
  }
  const auto wanted = static_cast<unsigned>(rng.between(1, std::min<std::uint64_t>(others, max_prefer_attrs - 1)));
  while (op->fallback_count < wanted) {
    const std::uint32_t attr = attrs[rng.below(attrs.size())];
    bool seen = false;
    for (unsigned index = 0; index < op->attr_count(); ++index) {
      seen = seen || op->attr_at(index) == attr;
    }
    if (!seen) {
      op->fallback_attrs[op->fallback_count++] = attr;
    }
  }
}

}  // namespace

std::vector<Op> transfer_loop(Handle handle, std::uint32_t attr, std::uint64_t size_bytes, std::uint32_t line_bytes,
                              bool receive) {
  assert(size_bytes != 0 && size_bytes % line_bytes == 0);
  const auto on = [handle](OpKind kind) { return Op{kind, handle, 0, 0, 0}; };
  std::vector<Op> ops = {Op{OpKind::alloc, handle, attr, size_bytes, line_bytes}};
  if (receive) {
    // Stale lines gone before the device writes, and again after (a
    // speculative fill meanwhile), then the CPU reads what the device wrote.
    ops.insert(ops.end(), {on(OpKind::cache_invalidate), on(OpKind::dma_from_device_start),
                           on(OpKind::dma_from_device_complete), on(OpKind::cache_invalidate),
                           on(OpKind::cpu_read)});
  } else {
    // The CPU's bytes written back before the device reads them.
    ops.insert(ops.end(), {on(OpKind::cpu_write), on(OpKind::cache_clean), on(OpKind::dma_to_device_start),
                           on(OpKind::dma_to_device_complete)});
  }
  ops.push_back(on(OpKind::free));
  return ops;
}

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
    if (config.dma_loop_per_mille != 0 && !config.dma_attrs.empty() && rng.chance(config.dma_loop_per_mille, 1000)) {
      const std::uint64_t line = config.dma_line_bytes;
      const std::uint64_t size = (draw_size() + line - 1) / line * line;
      const std::uint32_t attr = config.dma_attrs[rng.below(config.dma_attrs.size())];
      const std::vector<Op> loop = transfer_loop(next_handle++, attr, size, config.dma_line_bytes, rng.chance(1, 2));
      ops.insert(ops.end(), loop.begin(), loop.end());
      continue;
    }
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
      Op alloc{OpKind::alloc, handle, draw_attr(), size, draw_align()};
      if (config.prefer_per_mille != 0 && config.attrs.size() > 1 && rng.chance(config.prefer_per_mille, 1000)) {
        add_fallbacks(config.attrs, rng, &alloc);
      }
      ops.push_back(alloc);
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
