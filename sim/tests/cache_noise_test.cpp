// Sampled cache noise (CoherencyMachine::draw_noise): with live DMA buffers,
// lines are drawn among them and their neighbours, where an eviction or a fill
// can matter, not uniformly over a region that is mostly something else.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "coherency_machine.hpp"

namespace smh::sim {
namespace {

MemoryMap one_region() {
  MemoryMap map;
  std::string error;
  EXPECT_TRUE(MemoryMap::build({{"sram", 0x2000'0000, 64 << 10, 0, CachePolicy::write_back, 32, true, false}}, &map,
                               &error))
      << error;
  return map;
}

TEST(CacheNoise, LinesAreDrawnAmongTheTargetsWhenThereAreAny) {
  const MemoryMap map = one_region();
  CoherencyMachine machine(map, 7);
  const std::vector<CoherencyMachine::NoiseTarget> targets = {{0, 0x400, 3}, {0, 0x1000, 1}};
  std::set<std::uint64_t> drawn;
  for (int draw = 0; draw < 400; ++draw) {
    const auto noise = machine.draw_noise(1'000'000, [&] { return targets; });
    ASSERT_TRUE(noise.has_value());
    drawn.insert(noise->line_offset);
  }
  EXPECT_EQ(drawn, (std::set<std::uint64_t>{0x400, 0x420, 0x440, 0x1000}));
}

TEST(CacheNoise, WithoutTargetsAnyLineOfTheRegionMayBeDrawn) {
  const MemoryMap map = one_region();
  CoherencyMachine machine(map, 7);
  std::set<std::uint64_t> drawn;
  for (int draw = 0; draw < 400; ++draw) {
    const auto noise = machine.draw_noise(1'000'000, [] { return std::vector<CoherencyMachine::NoiseTarget>{}; });
    ASSERT_TRUE(noise.has_value());
    EXPECT_LT(noise->line_offset, 64u << 10);
    drawn.insert(noise->line_offset);
  }
  EXPECT_GT(drawn.size(), 300u);  // 2048 lines: nearly every draw a new one
}

}  // namespace
}  // namespace smh::sim
