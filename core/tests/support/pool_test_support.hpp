// Shared helpers for the smh::BasicPool tests: the Zephyr placement layout
// (res0 4 KiB cacheable, res1 8 KiB non-cacheable, res2 12 KiB cacheable over one
// 4096-aligned buffer), a recorder for the pool's error hook, region-stat
// snapshots, the expected per-attribute aggregate of region stats, and fill
// patterns.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "smh/pool.hpp"
#include "smh/pool_types.hpp"
#include "heap_test_support.hpp"

namespace smh {
inline void PrintTo(Policy policy, std::ostream* os) { *os << to_string(policy); }
}  // namespace smh

namespace smh::test {

inline RegionConfig region(const void* base, std::size_t size_bytes, std::uint32_t attr,
                           bool reserved = false, RegionRole role = RegionRole::any) {
  RegionConfig config;
  config.address = address_of(base);
  config.size_bytes = size_bytes;
  config.attr = attr;
  config.reserved = reserved;
  config.role = role;
  return config;
}

inline RegionConfig region_at(std::uintptr_t address, std::size_t size_bytes, std::uint32_t attr) {
  RegionConfig config;
  config.address = address;
  config.size_bytes = size_bytes;
  config.attr = attr;
  return config;
}

// Usable bytes of a fresh region of `region_bytes` (8-byte multiple): blocks
// tile the region minus ceil(granules / 65) bitmap words, and one free block of
// that size is the whole heap after init (heap.hpp, Heap::init).
constexpr std::size_t block_area_bytes(std::size_t region_bytes) {
  const std::size_t granules = region_bytes / 8;
  return (granules - (granules + 64) / 65) * 8;
}
// Bytes a block for an n-byte request takes: payload rounded to 8, plus a header,
// at least 16.
constexpr std::size_t block_bytes_for(std::size_t n) {
  const std::size_t block = (n + 7) / 8 * 8 + 8;
  return block < 16 ? 16 : block;
}

// Zephyr's placement scenario over one buffer. `gap` bytes separate the regions
// (0: adjacent). Regions are res0, res1, res2 at increasing addresses.
struct ZephyrLayout {
  static constexpr std::size_t res0_bytes = 4 * 1024;
  static constexpr std::size_t res1_bytes = 8 * 1024;
  static constexpr std::size_t res2_bytes = 12 * 1024;

  explicit ZephyrLayout(std::size_t gap = 0)
      : gap_bytes(gap), buffer(res0_bytes + res1_bytes + res2_bytes + 2 * gap, 4096) {}

  [[nodiscard]] unsigned char* res0_base() const { return buffer.data(); }
  [[nodiscard]] unsigned char* res1_base() const { return res0_base() + res0_bytes + gap_bytes; }
  [[nodiscard]] unsigned char* res2_base() const { return res1_base() + res1_bytes + gap_bytes; }

  [[nodiscard]] RegionConfig res0(RegionRole role = RegionRole::any) const {
    return region(res0_base(), res0_bytes, attr::cacheable, false, role);
  }
  [[nodiscard]] RegionConfig res1(RegionRole role = RegionRole::any) const {
    return region(res1_base(), res1_bytes, attr::non_cacheable, false, role);
  }
  [[nodiscard]] RegionConfig res2(RegionRole role = RegionRole::any) const {
    return region(res2_base(), res2_bytes, attr::cacheable, false, role);
  }

  std::size_t gap_bytes;
  AlignedBuffer buffer;
};

// Collects every PoolErrorEvent the pool reports.
struct PoolErrorLog {
  std::vector<PoolErrorEvent> events;

  PoolHooks hooks() {
    PoolHooks h;
    h.context = this;
    h.on_error = [](void* context, const PoolErrorEvent& event) {
      static_cast<PoolErrorLog*>(context)->events.push_back(event);
    };
    return h;
  }
  void clear() { events.clear(); }

  // Exactly one event since the last clear(), with this status and address.
  ::testing::AssertionResult one(Status status, std::uintptr_t address) const {
    if (events.size() != 1) {
      return ::testing::AssertionFailure() << events.size() << " error events, expected 1 ("
                                           << to_string(status) << ")";
    }
    if (events[0].status != status || events[0].address != address) {
      return ::testing::AssertionFailure()
             << "event {" << to_string(events[0].status) << ", 0x" << std::hex << events[0].address
             << "}, expected {" << to_string(status) << ", 0x" << address << "}";
    }
    return ::testing::AssertionSuccess();
  }
};

// Counts the heap-level error events of the regions it is installed on.
struct HeapErrorLog {
  std::vector<ErrorEvent> events;
  HeapHooks hooks() {
    HeapHooks h;
    h.context = this;
    h.on_error = [](void* context, const ErrorEvent& event) {
      static_cast<HeapErrorLog*>(context)->events.push_back(event);
    };
    return h;
  }
};

// The region that owns p, or -1.
template <class P>
int region_of(const P& pool, const void* p) {
  const Owner o = pool.owner(p);
  return o.found ? static_cast<int>(o.region) : -1;
}

template <class P>
std::vector<HeapStats> snapshot_regions(const P& pool) {
  std::vector<HeapStats> out;
  for (unsigned i = 0; i < pool.region_count(); ++i) {
    out.push_back(pool.region_stats(i));
  }
  return out;
}

// Empty when every region's stats equal the snapshot, else which differ and how.
template <class P>
std::string regions_diff(const P& pool, const std::vector<HeapStats>& before) {
  std::ostringstream os;
  if (pool.region_count() != before.size()) {
    os << "region count " << pool.region_count() << " != " << before.size() << "; ";
  }
  for (unsigned i = 0; i < pool.region_count() && i < before.size(); ++i) {
    const std::string diff = stats_diff(before[i], pool.region_stats(i));
    if (!diff.empty()) {
      os << "region " << i << ": " << diff;
    }
  }
  return os.str();
}

template <class P>
::testing::AssertionResult PoolValid(const P& pool) {
  const PoolValidationReport report = pool.validate();
  if (!report.ok()) {
    return ::testing::AssertionFailure() << "region " << report.region << " failed validate(): "
                                         << to_string(report.report.check) << " at offset "
                                         << report.report.offset_bytes;
  }
  return ::testing::AssertionSuccess();
}

// Every region is one free block covering its whole block area again.
template <class P>
::testing::AssertionResult EveryRegionOneFreeBlock(const P& pool) {
  for (unsigned i = 0; i < pool.region_count(); ++i) {
    const HeapStats s = pool.region_stats(i);
    const std::size_t area = block_area_bytes(pool.region_config(i)->size_bytes);
    if (s.allocated_block_count != 0 || s.free_block_count != 1 || s.free_bytes != area ||
        s.largest_free_block_bytes != area || s.allocated_requested_bytes != 0 ||
        s.allocated_usable_bytes != 0) {
      return ::testing::AssertionFailure() << "region " << i << " is not one free block of " << area
                                           << " bytes: " << describe(s);
    }
  }
  return ::testing::AssertionSuccess();
}

// What pool_types.hpp documents for stats(attr): over the regions matching attr,
// every field summed except largest_free_block_bytes (the maximum); the pool's own
// failure tally for attr (requests no region could take) is added by the caller.
template <class P>
HeapStats sum_of_regions(const P& pool, std::uint32_t attr, MatchMode mode) {
  HeapStats total;
  for (unsigned i = 0; i < pool.region_count(); ++i) {
    const std::uint32_t region_attr = pool.region_config(i)->attr;
    const bool match = mode == MatchMode::exact ? region_attr == attr : (region_attr & attr) == attr;
    if (!match) {
      continue;
    }
    const HeapStats s = pool.region_stats(i);
    total.capacity_bytes += s.capacity_bytes;
    total.free_bytes += s.free_bytes;
    total.allocated_requested_bytes += s.allocated_requested_bytes;
    total.allocated_usable_bytes += s.allocated_usable_bytes;
    total.overhead_bytes += s.overhead_bytes;
    total.peak_allocated_requested_bytes += s.peak_allocated_requested_bytes;
    total.min_free_bytes += s.min_free_bytes;
    if (s.largest_free_block_bytes > total.largest_free_block_bytes) {
      total.largest_free_block_bytes = s.largest_free_block_bytes;
    }
    total.high_water_bytes += s.high_water_bytes;
    total.free_block_count += s.free_block_count;
    total.allocated_block_count += s.allocated_block_count;
    total.alloc_count += s.alloc_count;
    total.free_count += s.free_count;
    total.failed_alloc_count += s.failed_alloc_count;
  }
  return total;
}

// Fill patterns keyed by an id (a block number, a thread number...).
inline unsigned char pool_pattern_byte(std::uint64_t id, std::size_t i) {
  return static_cast<unsigned char>((id * 0x9Dull + i * 0x3Bull + (i >> 7) + (id >> 5)) & 0xFF);
}
inline void fill_block(void* p, std::size_t n, std::uint64_t id) {
  auto* bytes = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    bytes[i] = pool_pattern_byte(id, i);
  }
}
// Index of the first byte that differs, or n.
inline std::size_t first_bad_byte(const void* p, std::size_t n, std::uint64_t id) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (bytes[i] != pool_pattern_byte(id, i)) {
      return i;
    }
  }
  return n;
}

}  // namespace smh::test
