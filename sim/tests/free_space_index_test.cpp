// GranuleSet and FreeSpaceIndex against plain models (a std::set of members; a
// vector of granule owners) over seeded random changes, plus the refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "smh/sim/free_space_index.hpp"
#include "smh/sim/granule_set.hpp"
#include "smh/sim/prng.hpp"

namespace smh::sim {
namespace {

std::uint64_t model_next(const std::set<std::uint64_t>& members, std::uint64_t index) {
  const auto it = members.lower_bound(index);
  return it == members.end() ? GranuleSet::none : *it;
}

std::uint64_t model_prev(const std::set<std::uint64_t>& members, std::uint64_t index) {
  auto it = members.upper_bound(index);
  return it == members.begin() ? GranuleSet::none : *--it;
}

TEST(GranuleSet, NextAndPrevAgreeWithAnOrderedSetAcrossEveryLevel) {
  // 300,000 granules: three levels below the one-word top.
  for (const std::uint64_t size : {1ull, 63ull, 64ull, 65ull, 4096ull, 4097ull, 300000ull}) {
    GranuleSet set(size);
    std::set<std::uint64_t> model;
    Rng rng = Rng::stream(size, "granule_set");
    for (int step = 0; step < 4000; ++step) {
      const std::uint64_t index = rng.below(size);
      if (rng.below(3) == 0 && !model.empty()) {
        const std::uint64_t member = model_next(model, index) == GranuleSet::none ? *model.begin()
                                                                                   : model_next(model, index);
        set.erase(member);
        model.erase(member);
      } else {
        set.insert(index);
        model.insert(index);
      }
      const std::uint64_t probe = rng.below(size);
      ASSERT_EQ(set.next(probe), model_next(model, probe)) << "size " << size << " probe " << probe;
      ASSERT_EQ(set.prev(probe), model_prev(model, probe)) << "size " << size << " probe " << probe;
      ASSERT_EQ(set.test(probe), model.count(probe) == 1);
    }
    EXPECT_EQ(set.next(size), GranuleSet::none);
  }
}

// Lanes are independent sets over the same granules whose bitmap words are
// interleaved: each lane against its own model, changes to one never seen in
// another, across every level.
TEST(GranuleSet, LanesAreIndependentSets) {
  for (const std::uint64_t size : {1ull, 64ull, 65ull, 4097ull, 300000ull}) {
    for (const unsigned lanes : {2u, 3u}) {
      GranuleSet set(size, lanes);
      std::vector<std::set<std::uint64_t>> models(lanes);
      Rng rng = Rng::stream(size * 8 + lanes, "granule_set_lanes");
      for (int step = 0; step < 4000; ++step) {
        const auto lane = static_cast<unsigned>(rng.below(lanes));
        std::set<std::uint64_t>& model = models[lane];
        const std::uint64_t index = rng.below(size);
        if (rng.below(3) == 0 && !model.empty()) {
          const std::uint64_t member = model_next(model, index) == GranuleSet::none ? *model.begin()
                                                                                     : model_next(model, index);
          set.erase(member, lane);
          model.erase(member);
        } else {
          set.insert(index, lane);
          model.insert(index);
        }
        const std::uint64_t probe = rng.below(size);
        for (unsigned other = 0; other < lanes; ++other) {
          ASSERT_EQ(set.next(probe, other), model_next(models[other], probe)) << "size " << size << " lane " << other;
          ASSERT_EQ(set.prev(probe, other), model_prev(models[other], probe)) << "size " << size << " lane " << other;
          ASSERT_EQ(set.test(probe, other), models[other].count(probe) == 1);
        }
      }
    }
  }
}

// Gap sizes are counted in a table below 4096 granules and in a map from 4096
// up: the largest gap is right on either side of that line and across it.
TEST(FreeSpaceIndex, LargestGapAcrossTheSmallAndLargeCounts) {
  FreeSpaceIndex index;
  index.add_region(8193);
  EXPECT_EQ(index.largest_gap(0), 8193u);
  ASSERT_TRUE(index.allocate(0, 4095, 4097));  // gaps of 4095 (table) and 4096 (map)
  EXPECT_EQ(index.largest_gap(0), 4096u);
  ASSERT_TRUE(index.allocate(0, 4097, 8193));  // only the 4095 is left
  EXPECT_EQ(index.largest_gap(0), 4095u);
  EXPECT_EQ(index.gap_count(0), 1u);
  ASSERT_TRUE(index.release(0, 4097));  // 4096 again, beside the 4095
  EXPECT_EQ(index.largest_gap(0), 4096u);
  EXPECT_EQ(index.gap_count(0), 2u);
  ASSERT_TRUE(index.release(0, 4095));  // one gap over the whole area
  EXPECT_EQ(index.largest_gap(0), 8193u);
  EXPECT_EQ(index.gap_count(0), 1u);
}

// The model: which granules are live, and the gaps read off it.
struct Model {
  std::vector<bool> live;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (std::uint64_t g = 0; g < live.size();) {
      if (live[g]) {
        ++g;
        continue;
      }
      std::uint64_t end = g;
      while (end < live.size() && !live[end]) {
        ++end;
      }
      out.emplace_back(g, end);
      g = end;
    }
    return out;
  }
};

TEST(FreeSpaceIndex, GapsFollowAllocationsAndReleasesLikeTheModel) {
  constexpr std::uint64_t area = 5000;
  FreeSpaceIndex index;
  index.add_region(64);  // region 0: a bystander that never changes
  index.add_region(area);
  Model model{std::vector<bool>(area, false)};
  std::vector<std::pair<std::uint64_t, std::uint64_t>> extents;
  Rng rng = Rng::stream(7, "free_space_index");
  for (int step = 0; step < 6000; ++step) {
    if (extents.empty() || rng.below(5) < 3) {
      const std::uint64_t begin = rng.below(area);
      const std::uint64_t end = begin + 2 + rng.below(40);
      bool free = end <= area;
      for (std::uint64_t g = begin; free && g < end; ++g) {
        free = !model.live[g];
      }
      ASSERT_EQ(index.allocate(1, begin, end), free) << "step " << step;
      if (free) {
        for (std::uint64_t g = begin; g < end; ++g) {
          model.live[g] = true;
        }
        extents.emplace_back(begin, end);
      }
    } else {
      const std::size_t pick = rng.below(extents.size());
      const auto [begin, end] = extents[pick];
      ASSERT_FALSE(index.release(1, begin + 1)) << "inside an extent is no extent's start";
      ASSERT_TRUE(index.release(1, begin));
      ASSERT_FALSE(index.release(1, begin)) << "released twice";
      for (std::uint64_t g = begin; g < end; ++g) {
        model.live[g] = false;
      }
      extents[pick] = extents.back();
      extents.pop_back();
    }
    const auto gaps = model.gaps();
    std::uint64_t largest = 0;
    std::uint64_t free_granules = 0;
    for (const auto& [b, e] : gaps) {
      largest = std::max(largest, e - b);
      free_granules += e - b;
    }
    ASSERT_EQ(index.largest_gap(1), largest) << "step " << step;
    ASSERT_EQ(index.gap_count(1), gaps.size());
    ASSERT_EQ(index.free_granules(1), free_granules);
    const std::uint64_t want = 1 + rng.below(60);
    const auto found = index.first_gap_at_least(1, want);
    const auto expected = std::find_if(gaps.begin(), gaps.end(), [&](const auto& gap) {
      return gap.second - gap.first >= want;
    });
    ASSERT_EQ(found.has_value(), expected != gaps.end());
    if (found) {
      EXPECT_EQ(found->begin, expected->first);
      EXPECT_EQ(found->end, expected->second);
    }
  }
  EXPECT_EQ(index.largest_gap(0), 64u);
  EXPECT_EQ(index.gap_count(0), 1u);
}

TEST(FreeSpaceIndex, RefusesExtentsOutsideTheAreaOrEmpty) {
  FreeSpaceIndex index;
  index.add_region(100);
  EXPECT_FALSE(index.allocate(0, 90, 101));
  EXPECT_FALSE(index.allocate(0, 10, 10));
  EXPECT_TRUE(index.allocate(0, 0, 100));
  EXPECT_EQ(index.largest_gap(0), 0u);
  EXPECT_EQ(index.gap_count(0), 0u);
  EXPECT_FALSE(index.first_gap_at_least(0, 1).has_value());
  EXPECT_TRUE(index.release(0, 0));
  EXPECT_EQ(index.largest_gap(0), 100u);
}

}  // namespace
}  // namespace smh::sim
