// The allocation ops of the bundled scenarios, as plain constant data that the
// pool replay (pool_replay.cpp) runs on the host and on the Cortex-M4 target.
// export_replay_data.cpp writes the data (replay_data.cpp in the build tree)
// from the scenario files; only alloc, realloc and free are kept: the replay
// runs the pool alone, without the simulator's caches and devices.
#pragma once

#include <cstddef>
#include <cstdint>

namespace smh::test::replay {

// Each scenario's regions are laid out one after another in one static arena,
// each starting at a page boundary plus its scenario base's offset in a page,
// so that every alignment up to a page falls the same way as at the scenario's
// addresses, and the same way on every build.
inline constexpr std::size_t arena_bytes = std::size_t{1} << 20;
inline constexpr std::size_t page_bytes = 4096;
inline constexpr unsigned max_regions = 16;
inline constexpr unsigned max_prefer_attrs = 4;  // attr plus 3 fallbacks, as in scenarios
inline constexpr unsigned max_live_blocks = 4096;

enum class OpKind : std::uint8_t { alloc, realloc, free };

struct Region {
  std::uint32_t size_bytes;
  std::uint32_t page_offset_bytes;  // the scenario base's offset in its page
  std::uint32_t attr;
  bool reserved;
  std::uint8_t role;  // smh::RegionRole
};

struct Op {
  OpKind kind;
  std::uint8_t attr_count;  // 1 .. max_prefer_attrs: attrs[0] first, then fallbacks
  std::uint32_t handle;
  std::uint32_t attrs[max_prefer_attrs];
  std::uint32_t size_bytes;
  std::uint32_t align_bytes;  // 0: the default alignment
};

struct Scenario {
  const char* name;
  const char* skipped_because;  // non-null: not replayed (its ops are in a trace file)
  std::uint8_t mode;            // smh::MatchMode
  std::uint8_t policy;          // smh::Policy
  std::uint32_t size_threshold_bytes;
  const Region* regions;
  unsigned region_count;
  const Op* ops;
  unsigned op_count;
};

extern const Scenario scenarios[];
extern const unsigned scenario_count;

}  // namespace smh::test::replay
