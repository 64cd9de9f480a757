// OwnerNames — who holds device bytes, in words for findings: a live block, the
// allocator's metadata, free space. Read-only over the memory map, the pool and
// the shadow state; the coherency oracles and the fault injector's bus monitor
// name what they hit with it.
#pragma once

#include <cstdint>
#include <string>

#include "sim_pool.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/shadow_state.hpp"

namespace smh::sim {

class OwnerNames {
 public:
  OwnerNames(const MemoryMap& map, const SimPool& pool, const ShadowState& shadow)
      : map_(map), pool_(pool), shadow_(shadow) {}

  // "handle 7 [0x20000010, 0x20000050) in 'sram'".
  [[nodiscard]] std::string describe(Handle handle, const LiveBlock& block) const;
  // Where the block's own bytes (its usable area) end, as its header in the CPU
  // view says now: take it before anything that may discard that header.
  [[nodiscard]] std::uint64_t own_bytes_end(const LiveBlock& block) const;
  // Who owns device bytes [begin, end): `block` itself (up to `own_end`, its
  // own_bytes_end() taken before the op), another live block, or what
  // unowned_bytes() says.
  [[nodiscard]] std::string owner_of(std::uint64_t begin, std::uint64_t end, Handle handle, const LiveBlock& block,
                                     std::uint64_t own_end) const;
  // What holds device bytes [begin, end) of `region` that no live block holds.
  [[nodiscard]] std::string unowned_bytes(unsigned region, std::uint64_t begin, std::uint64_t end) const;
  // The bus monitor: "" when a device write to [begin, end) stays inside the
  // buffer `handle` was given (its requested bytes); else what it hit.
  [[nodiscard]] std::string device_write_outside(Handle handle, const LiveBlock& block, std::uint64_t begin,
                                                 std::uint64_t end) const;

 private:
  const MemoryMap& map_;
  const SimPool& pool_;
  const ShadowState& shadow_;
};

}  // namespace smh::sim
