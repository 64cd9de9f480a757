#include "smh/sim/memory_map.hpp"
#include "support/process_memory.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "smh/heap.hpp"
#include "smh/sim/sanitizers.hpp"

namespace smh::sim {
namespace {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;
constexpr std::uint64_t GiB = 1024 * MiB;

RegionSpec region(std::string name, std::uint64_t base, std::uint64_t size_bytes,
                  CachePolicy policy = CachePolicy::non_cacheable, std::uint32_t line_bytes = 32) {
  RegionSpec spec;
  spec.name = std::move(name);
  spec.base = base;
  spec.size_bytes = size_bytes;
  spec.cache_policy = policy;
  spec.line_bytes = line_bytes;
  return spec;
}

// The message build() gives for specs it must reject; also checks that the output
// map is left untouched.
std::string rejection(std::vector<RegionSpec> specs) {
  MemoryMap map;
  std::string error;
  EXPECT_FALSE(MemoryMap::build(std::move(specs), &map, &error));
  EXPECT_EQ(map.region_count(), 0u);
  return error;
}

MemoryMap built(std::vector<RegionSpec> specs) {
  MemoryMap map;
  std::string error;
  EXPECT_TRUE(MemoryMap::build(std::move(specs), &map, &error)) << error;
  return map;
}

std::uintptr_t host(const void* pointer) { return reinterpret_cast<std::uintptr_t>(pointer); }

// ---------------------------------------------------------------------------
// Validation

TEST(MemoryMapValidation, EmptyMap) { EXPECT_EQ(rejection({}), "memory map has no regions"); }

TEST(MemoryMapValidation, EmptyName) {
  EXPECT_EQ(rejection({region("sram0", 0x2000'0000, 64 * KiB), region("", 0x3000'0000, 64 * KiB)}),
            "region #1 has an empty name");
}

TEST(MemoryMapValidation, DuplicateName) {
  EXPECT_EQ(rejection({region("sram0", 0x2000'0000, 64 * KiB), region("dtcm", 0x1000'0000, 64 * KiB),
                       region("sram0", 0x3000'0000, 64 * KiB)}),
            "region 'sram0' is defined twice (regions #0 and #2)");
}

TEST(MemoryMapValidation, BaseZero) {
  EXPECT_EQ(rejection({region("low", 0, 64 * KiB)}),
            "region 'low': base address 0x0 is not allowed (0 is the null device address)");
}

TEST(MemoryMapValidation, BaseNotEightByteAligned) {
  EXPECT_EQ(rejection({region("odd", 0x2000'0004, 64 * KiB)}),
            "region 'odd': base address 0x20000004 is not 8-byte aligned");
}

TEST(MemoryMapValidation, SizeTooSmall) {
  EXPECT_EQ(rejection({region("tiny", 0x2000'0000, 16)}),
            "region 'tiny': size 16 bytes (0x10) is below the minimum of 24 bytes (0x18)");
  EXPECT_EQ(rejection({region("none", 0x2000'0000, 0)}),
            "region 'none': size 0 bytes (0x0) is below the minimum of 24 bytes (0x18)");
}

TEST(MemoryMapValidation, SizeTooLarge) {
  const std::uint64_t too_large = Heap::max_region_bytes + 8;
  EXPECT_EQ(rejection({region("huge", 0x1'0000'0000, too_large)}),
            "region 'huge': size " + std::to_string(too_large) + " bytes (0x40000000) exceeds the " +
                "maximum of " + std::to_string(Heap::max_region_bytes) + " bytes (0x3ffffff8)");
}

TEST(MemoryMapValidation, BasePlusSizeOverflows) {
  EXPECT_EQ(rejection({region("top", 0xFFFF'FFFF'FFFF'0000, 64 * KiB)}),
            "region 'top': base address 0xffffffffffff0000 + size 0x10000 overflows the 64-bit "
            "device address space");
  // The last byte below 2^64 is fine.
  const MemoryMap map = built({region("top", 0xFFFF'FFFF'FFFF'0000, 64 * KiB - 8)});
  EXPECT_EQ(map.region_count(), 1u);
}

TEST(MemoryMapValidation, Overlap) {
  EXPECT_EQ(rejection({region("sram0", 0x2000'0000, 0x18000), region("sram1", 0x2001'0000, 0x10000)}),
            "region 'sram1' [0x20010000, 0x20020000) overlaps region 'sram0' [0x20000000, 0x20018000)");
  // The later region of the map is named first whatever the address order, and a
  // region nested in another one overlaps it too.
  EXPECT_EQ(rejection({region("dtcm", 0x1000'0000, 64 * KiB), region("sram1", 0x2001'0000, 0x100),
                       region("sram0", 0x2000'0000, 0x18000)}),
            "region 'sram0' [0x20000000, 0x20018000) overlaps region 'sram1' [0x20010000, 0x20010100)");
  EXPECT_EQ(rejection({region("a", 0x2000'0000, 64 * KiB), region("b", 0x2000'0000, 64 * KiB)}),
            "region 'b' [0x20000000, 0x20010000) overlaps region 'a' [0x20000000, 0x20010000)");
}

TEST(MemoryMapValidation, AdjacentRegionsDoNotOverlap) {
  const MemoryMap map =
      built({region("sram0", 0x2000'0000, 64 * KiB), region("sram1", 0x2001'0000, 64 * KiB)});
  EXPECT_EQ(map.region_count(), 2u);
}

TEST(MemoryMapValidation, LineSizeNotPowerOfTwo) {
  EXPECT_EQ(rejection({region("sram0", 0x2000'0000, 64 * KiB, CachePolicy::write_back, 48)}),
            "region 'sram0' (write_back): cache line size 48 bytes is not a power of two");
  EXPECT_EQ(rejection({region("sram0", 0x2000'0000, 64 * KiB, CachePolicy::write_through, 0)}),
            "region 'sram0' (write_through): cache line size 0 bytes is not a power of two");
}

TEST(MemoryMapValidation, LineSizeOutOfRange) {
  EXPECT_EQ(rejection({region("sram0", 0x2000'0000, 64 * KiB, CachePolicy::write_back, 8)}),
            "region 'sram0' (write_back): cache line size 8 bytes is outside 16..256");
  EXPECT_EQ(rejection({region("sram0", 0x2000'0000, 64 * KiB, CachePolicy::write_through, 512)}),
            "region 'sram0' (write_through): cache line size 512 bytes is outside 16..256");
  const MemoryMap map = built({region("l16", 0x2000'0000, 64 * KiB, CachePolicy::write_back, 16),
                               region("l256", 0x3000'0000, 64 * KiB, CachePolicy::write_back, 256)});
  EXPECT_EQ(map.region_count(), 2u);
}

TEST(MemoryMapValidation, NonCacheableIgnoresLineSize) {
  const MemoryMap map = built({region("a", 0x2000'0000, 64 * KiB, CachePolicy::non_cacheable, 48),
                               region("b", 0x3000'0000, 64 * KiB, CachePolicy::non_cacheable, 0)});
  EXPECT_EQ(map.region_count(), 2u);
}

TEST(MemoryMapValidation, UnknownCachePolicy) {
  EXPECT_EQ(rejection({region("x", 0x2000'0000, 64 * KiB, static_cast<CachePolicy>(7))}),
            "region 'x': unknown cache policy value 7");
}

TEST(MemoryMapValidation, ValidateAgreesWithBuild) {
  EXPECT_EQ(MemoryMap::validate({region("ok", 0x2000'0000, 64 * KiB)}), std::nullopt);
  EXPECT_EQ(MemoryMap::validate({region("odd", 0x2000'0004, 64 * KiB)}),
            "region 'odd': base address 0x20000004 is not 8-byte aligned");
}

TEST(MemoryMapValidation, NullErrorAndNullOutput) {
  MemoryMap map;
  EXPECT_FALSE(MemoryMap::build({}, &map, nullptr));
  std::string error;
  EXPECT_FALSE(MemoryMap::build({region("ok", 0x2000'0000, 64 * KiB)}, nullptr, &error));
  EXPECT_FALSE(error.empty());
}

// ---------------------------------------------------------------------------
// Cache policy names

TEST(MemoryMap, CachePolicyNamesRoundTrip) {
  for (const CachePolicy policy :
       {CachePolicy::write_back, CachePolicy::write_through, CachePolicy::non_cacheable}) {
    CachePolicy parsed = policy == CachePolicy::write_back ? CachePolicy::non_cacheable
                                                           : CachePolicy::write_back;
    ASSERT_TRUE(parse_cache_policy(to_string(policy), &parsed));
    EXPECT_EQ(parsed, policy);
  }
  CachePolicy untouched = CachePolicy::write_through;
  EXPECT_FALSE(parse_cache_policy("writeback", &untouched));
  EXPECT_FALSE(parse_cache_policy("", &untouched));
  EXPECT_FALSE(parse_cache_policy("write_back ", &untouched));
  EXPECT_EQ(untouched, CachePolicy::write_through);
  EXPECT_STREQ(to_string(CachePolicy::non_cacheable), "non_cacheable");
}

// ---------------------------------------------------------------------------
// Lookups. Regions are given out of address order: indices follow the spec order.

std::vector<RegionSpec> three_regions() {
  return {region("sram0", 0x2000'0000, 64 * KiB, CachePolicy::write_back, 32),
          region("dtcm", 0x1000'0000, 16 * KiB),
          region("sram1", 0x2002'0000, 32 * KiB, CachePolicy::write_through, 64)};
}

TEST(MemoryMap, KeepsSpecOrder) {
  const MemoryMap map = built(three_regions());
  ASSERT_EQ(map.region_count(), 3u);
  EXPECT_EQ(map.spec(0).name, "sram0");
  EXPECT_EQ(map.spec(1).name, "dtcm");
  EXPECT_EQ(map.spec(2).name, "sram1");
  EXPECT_EQ(map.spec(2).line_bytes, 64u);
  EXPECT_EQ(map.spec(2).cache_policy, CachePolicy::write_through);
}

TEST(MemoryMap, LocateDeviceAddresses) {
  const MemoryMap map = built(three_regions());
  struct Case {
    std::uint64_t address;
    bool found;
    unsigned region;
    std::uint64_t offset;
  };
  const Case cases[] = {
      {0x0, false, 0, 0},                                 // null
      {0x0FFF'FFFF, false, 0, 0},                         // before the first region
      {0x1000'0000, true, 1, 0},                          // start of the first region
      {0x1000'3FFF, true, 1, 0x3FFF},                     // its last byte
      {0x1000'4000, false, 0, 0},                         // one past its end
      {0x2000'0000, true, 0, 0},                          // start
      {0x2000'8000, true, 0, 0x8000},                     // middle
      {0x2000'FFFF, true, 0, 0xFFFF},                     // last byte
      {0x2001'0000, false, 0, 0},                         // one past the end: the gap
      {0x2001'FFFF, false, 0, 0},                         // last byte of the gap
      {0x2002'0000, true, 2, 0},                          // start after the gap
      {0x2002'7FFF, true, 2, 0x7FFF},                     // last byte of the last region
      {0x2002'8000, false, 0, 0},                         // one past the last region
      {0xFFFF'FFFF'FFFF'FFFF, false, 0, 0},               // top of the address space
  };
  for (const Case& c : cases) {
    const auto location = map.locate(c.address);
    ASSERT_EQ(location.has_value(), c.found) << std::hex << c.address;
    if (c.found) {
      EXPECT_EQ(location->region, c.region) << std::hex << c.address;
      EXPECT_EQ(location->offset, c.offset) << std::hex << c.address;
    }
  }
}

TEST(MemoryMap, LocateHostPointers) {
  const MemoryMap map = built(three_regions());
  for (unsigned r = 0; r < map.region_count(); ++r) {
    const unsigned char* cpu = map.cpu_view(r);
    const std::uint64_t size = map.spec(r).size_bytes;
    const auto start = map.locate_host(cpu);
    ASSERT_TRUE(start.has_value());
    EXPECT_EQ(start->region, r);
    EXPECT_EQ(start->offset, 0u);
    const auto last = map.locate_host(cpu + size - 1);
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->region, r);
    EXPECT_EQ(last->offset, size - 1);
    // One past the end and one before the start are not this region's. They may
    // be another region's: mmap may place two views back to back.
    const auto after = map.locate_host(cpu + size);
    if (after.has_value()) {
      EXPECT_NE(after->region, r);
      EXPECT_EQ(after->offset, 0u);
    }
    const auto before = map.locate_host(reinterpret_cast<const void*>(host(cpu) - 1));
    if (before.has_value()) {
      EXPECT_NE(before->region, r);
      EXPECT_EQ(before->offset, map.spec(before->region).size_bytes - 1);
    }
  }
  // A view smaller than a page shares its page with no other view: the bytes on
  // both sides of it are in no region.
  const MemoryMap small = built({region("small", 0x3000'0008, 1000)});
  EXPECT_FALSE(small.locate_host(small.cpu_view(0) + 1000).has_value());
  EXPECT_FALSE(small.locate_host(reinterpret_cast<const void*>(host(small.cpu_view(0)) - 1)).has_value());
  EXPECT_EQ(small.locate_host(small.cpu_view(0) + 999)->offset, 999u);
  // The RAM view of a cacheable region is not a CPU pointer.
  EXPECT_FALSE(map.locate_host(map.ram_view(0)).has_value());
  EXPECT_FALSE(map.locate_host(map.ram_view(0) + 100).has_value());
  // Neither is anything else.
  int on_stack = 0;
  EXPECT_FALSE(map.locate_host(&on_stack).has_value());
  EXPECT_FALSE(map.locate_host(nullptr).has_value());
  EXPECT_FALSE(map.to_device(nullptr).has_value());
}

TEST(MemoryMap, DeviceAddressRoundTrips) {
  const MemoryMap map = built(three_regions());
  for (unsigned r = 0; r < map.region_count(); ++r) {
    const std::uint64_t size = map.spec(r).size_bytes;
    for (const std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{8},
                                       size / 2 + 3, size - 1}) {
      const std::uint64_t device = map.device_address(r, offset);
      EXPECT_EQ(device, map.spec(r).base + offset);
      const auto location = map.locate(device);
      ASSERT_TRUE(location.has_value());
      EXPECT_EQ(location->region, r);
      EXPECT_EQ(location->offset, offset);
      const auto from_host = map.to_device(map.cpu_view(r) + offset);
      ASSERT_TRUE(from_host.has_value());
      EXPECT_EQ(*from_host, device);
    }
    EXPECT_EQ(map.device_address(r, size), map.spec(r).base + size);  // one past the end
    // One past the CPU view is not this region's (it may start another view).
    const auto past = map.to_device(map.cpu_view(r) + size);
    if (past.has_value()) {
      EXPECT_NE(map.locate(*past)->region, r);
    }
  }
}

// ---------------------------------------------------------------------------
// Views

TEST(MemoryMap, CacheableRegionsHaveASeparateRamView) {
  const MemoryMap map = built(three_regions());
  for (unsigned r : {0u, 2u}) {  // write_back, write_through
    const std::uint64_t size = map.spec(r).size_bytes;
    unsigned char* cpu = map.cpu_view(r);
    unsigned char* ram = map.ram_view(r);
    ASSERT_NE(cpu, ram);
    EXPECT_TRUE(map.has_separate_ram_view(r));
    // Disjoint, both fully usable, zero-filled and independent.
    EXPECT_TRUE(host(ram) + size <= host(cpu) || host(cpu) + size <= host(ram));
    EXPECT_EQ(cpu[0], 0);
    EXPECT_EQ(ram[size - 1], 0);
    std::memset(cpu, 0xAB, size);
    std::memset(ram, 0xCD, size);
    EXPECT_EQ(cpu[size - 1], 0xAB);
    EXPECT_EQ(ram[0], 0xCD);
    // Same congruence as the CPU view.
    const std::uint64_t align = MemoryMap::host_alignment_bytes(size);
    EXPECT_EQ(host(ram) % align, map.spec(r).base % align);
  }
}

TEST(MemoryMap, NonCacheableRegionsShareOneView) {
  const MemoryMap map = built(three_regions());
  EXPECT_EQ(map.cpu_view(1), map.ram_view(1));
  EXPECT_FALSE(map.has_separate_ram_view(1));
  map.cpu_view(1)[map.spec(1).size_bytes - 1] = 0x5A;
  EXPECT_EQ(map.ram_view(1)[map.spec(1).size_bytes - 1], 0x5A);
}

TEST(MemoryMap, MoveTransfersTheViews) {
  MemoryMap first = built(three_regions());
  unsigned char* cpu = first.cpu_view(0);
  MemoryMap second(std::move(first));
  EXPECT_EQ(first.region_count(), 0u);  // NOLINT(bugprone-use-after-move): defined as empty
  ASSERT_EQ(second.region_count(), 3u);
  EXPECT_EQ(second.cpu_view(0), cpu);
  cpu[0] = 1;  // still mapped
  MemoryMap third = built({region("other", 0x4000'0000, 64 * KiB)});
  third = std::move(second);  // unmaps "other", takes the three regions
  ASSERT_EQ(third.region_count(), 3u);
  EXPECT_EQ(third.cpu_view(0)[0], 1);
  EXPECT_FALSE(third.locate(0x4000'0000).has_value());
}

// ---------------------------------------------------------------------------
// Guard pages


std::uintptr_t page_bytes() { return static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE)); }

// Whether the page at `address` is mapped: the kernel refuses to map another
// page over it.
bool page_is_mapped(std::uintptr_t address) {
  void* probe = ::mmap(reinterpret_cast<void*>(address), page_bytes(), PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (probe != MAP_FAILED) {
    ::munmap(probe, page_bytes());
    return false;
  }
  return errno == EEXIST;
}

// A stray write, as an allocator gone wrong (or a harness bug) would make.
void write_at(std::uintptr_t address) { *reinterpret_cast<volatile unsigned char*>(address) = 0x5A; }

// Under ASan the poisoned bytes around each view report the write before the
// page protection can; without ASan the guard page faults, and under TSan,
// which handles the fault itself, the process dies with TSan's report of it.
#if defined(SMH_HAS_ASAN)
#define EXPECT_STRAY_WRITE_STOPPED(statement) EXPECT_DEATH(statement, "AddressSanitizer")
#elif defined(SMH_HAS_TSAN)
#define EXPECT_STRAY_WRITE_STOPPED(statement) EXPECT_DEATH(statement, "ThreadSanitizer: SEGV")
#else
#define EXPECT_STRAY_WRITE_STOPPED(statement) EXPECT_EXIT(statement, ::testing::KilledBySignal(SIGSEGV), "")
#endif

// Issue 17: the fill of a block the allocator had placed past its region's end
// was written anyway, over the simulator's own handle table. Every view is now
// followed and preceded by a guard page, on which such a write faults at once. A
// 64 KiB region at a 64 KiB-aligned base ends on a page boundary: its very first
// byte past the end is on the guard.
TEST(MemoryMapDeathTest, AStrayWritePastAViewFaultsOnItsGuardPage) {
  const MemoryMap map = built({region("sram", 0x2000'0000, 64 * KiB, CachePolicy::write_back, 32),
                               region("odd", 0x3000'0008, 5000)});
  const std::uintptr_t page = page_bytes();
  for (unsigned r = 0; r < map.region_count(); ++r) {
    for (const unsigned char* view : {map.cpu_view(r), map.ram_view(r)}) {
      const std::uintptr_t end = host(view) + map.spec(r).size_bytes;
      const std::uintptr_t guard_after = (end + page - 1) / page * page;
      const std::uintptr_t guard_before = host(view) / page * page - page;
      if (r == 0) {
        EXPECT_EQ(guard_after, end);
      }
      // The guards belong to the view's mapping: nothing else can be mapped
      // right behind it (the handle table was, in issue 17).
      EXPECT_TRUE(page_is_mapped(guard_after)) << map.spec(r).name;
      EXPECT_TRUE(page_is_mapped(guard_before)) << map.spec(r).name;
      EXPECT_STRAY_WRITE_STOPPED(write_at(guard_after)) << map.spec(r).name;
      EXPECT_STRAY_WRITE_STOPPED(write_at(guard_after + page - 1)) << map.spec(r).name;
      EXPECT_STRAY_WRITE_STOPPED(write_at(guard_before)) << map.spec(r).name;
      EXPECT_STRAY_WRITE_STOPPED(write_at(guard_before + page - 1)) << map.spec(r).name;
      // The view itself is the allocator's, to its first and last byte.
      write_at(host(view));
      write_at(end - 1);
    }
  }
}

#if defined(SMH_HAS_ASAN)
// Between a view that does not end on a page boundary and its guard page lie
// bytes no page protection can cover; under ASan they are poisoned.
TEST(MemoryMapDeathTest, UnderAsanTheBytesBetweenAViewAndItsGuardsAreWatched) {
  const MemoryMap map = built({region("odd", 0x3000'0008, 5000)});
  const std::uintptr_t end = host(map.cpu_view(0)) + map.spec(0).size_bytes;
  ASSERT_NE(end % page_bytes(), 0u);
  EXPECT_DEATH(write_at(end), "AddressSanitizer: use-after-poison");
  EXPECT_DEATH(write_at(host(map.cpu_view(0)) - 1), "AddressSanitizer: use-after-poison");
}
#endif

// ---------------------------------------------------------------------------
// Alignment: host ≡ device (mod A), A = min(bit_ceil(size), 1 GiB)

TEST(MemoryMap, HostAlignmentModulus) {
  EXPECT_EQ(MemoryMap::host_alignment_bytes(24), 32u);
  EXPECT_EQ(MemoryMap::host_alignment_bytes(64 * KiB), 64 * KiB);
  EXPECT_EQ(MemoryMap::host_alignment_bytes(64 * KiB + 8), 128 * KiB);
  EXPECT_EQ(MemoryMap::host_alignment_bytes(1 * GiB), 1 * GiB);
  EXPECT_EQ(MemoryMap::host_alignment_bytes(3 * GiB), 1 * GiB);
}

TEST(MemoryMap, HostViewIsCongruentToTheDeviceBase) {
  struct Case {
    std::uint64_t base;
    std::uint64_t size;
  };
  const Case cases[] = {
      {0x2000'0000, 64 * KiB},     // host view 64 KiB aligned
      {0x2100'1008, 64 * KiB},     // host ≡ 0x1008 (mod 64 KiB): ≡ 8 mod 4096
      {0x2400'0010, 4 * KiB},      // host ≡ 16 (mod 4096)
      {0x3000'0000, 1 * MiB},      // beyond the page size: 1 MiB aligned
      {0x6000'0008, 100},          // A = 128: host ≡ 8 (mod 128)
      {0x7000'00F8, 5000},         // A = 8 KiB
      {0x8000'0000, 2 * MiB + 8},  // A = 4 MiB
  };
  std::vector<RegionSpec> specs;
  for (const Case& c : cases) {
    specs.push_back(region("r" + std::to_string(specs.size()), c.base, c.size, CachePolicy::write_back));
  }
  const MemoryMap map = built(specs);
  ASSERT_EQ(map.region_count(), std::size(cases));
  for (unsigned r = 0; r < map.region_count(); ++r) {
    const std::uint64_t base = map.spec(r).base;
    const std::uint64_t align = MemoryMap::host_alignment_bytes(map.spec(r).size_bytes);
    for (const unsigned char* view : {map.cpu_view(r), map.ram_view(r)}) {
      EXPECT_EQ(host(view) % align, base % align) << map.spec(r).name;
      // For every power of two X <= A, X-alignment agrees at every probed offset.
      for (std::uint64_t x = 1; x <= align; x *= 2) {
        for (const std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{8}, x - (base % x),
                                           map.spec(r).size_bytes - 1}) {
          if (offset >= map.spec(r).size_bytes) {
            continue;
          }
          EXPECT_EQ((base + offset) % x == 0, (host(view) + offset) % x == 0)
              << map.spec(r).name << " X=" << x << " offset=" << offset;
        }
      }
    }
  }
  EXPECT_EQ(host(map.cpu_view(0)) % (64 * KiB), 0u);
  EXPECT_EQ(host(map.cpu_view(1)) % 4096, 8u);
  EXPECT_EQ(host(map.cpu_view(2)) % 4096, 16u);
  EXPECT_EQ(host(map.cpu_view(3)) % MiB, 0u);
  EXPECT_EQ(host(map.cpu_view(4)) % 128, 8u);
}

// What the alignment rule is for: the heap aligns host pointers, and the
// simulated device must see the same alignment.
TEST(MemoryMap, HeapAlignedAllocationsAreAlignedOnTheDevice) {
  const MemoryMap map = built({region("sram0", 0x2000'0000, 256 * KiB),
                               region("odd", 0x2010'1008, 256 * KiB, CachePolicy::write_back),
                               region("small", 0x2020'0040, 16 * KiB)});
  for (unsigned r = 0; r < map.region_count(); ++r) {
    auto heap = std::make_unique<Heap>();
    ASSERT_EQ(heap->init(map.cpu_view(r), map.spec(r).size_bytes), Status::ok);
    void* big = heap->aligned_alloc(8 * KiB, 64);
    ASSERT_NE(big, nullptr);
    EXPECT_EQ(*map.to_device(big) % (8 * KiB), 0u) << map.spec(r).name;
    int allocated = 0;
    for (int i = 0; i < 8; ++i) {
      void* block = heap->aligned_alloc(4096, 100 + 300 * static_cast<std::size_t>(i));
      if (block == nullptr) {
        break;
      }
      ++allocated;
      const auto device = map.to_device(block);
      ASSERT_TRUE(device.has_value());
      EXPECT_EQ(*device % 4096, 0u) << map.spec(r).name << " block " << i;
      EXPECT_EQ(map.locate(*device)->region, r);
    }
    EXPECT_GE(allocated, 1) << map.spec(r).name;
  }
}

// ---------------------------------------------------------------------------
// Sparse backing

// The largest regions a heap takes (1 GiB - 8: 27-bit block sizes).
TEST(MemoryMap, OneGibibyteRegionCostsOnlyWhatIsTouched) {
  const std::uint64_t rss_before = test::resident_bytes();
  ASSERT_GT(rss_before, 0u) << "cannot read /proc/self/statm";
  const auto start = std::chrono::steady_clock::now();
  static_assert(Heap::max_region_bytes == 1 * GiB - 8);
  MemoryMap map = built({region("ddr", 0x4000'0000, Heap::max_region_bytes, CachePolicy::write_back, 64),
                         region("big", 0x1'0000'0000, Heap::max_region_bytes)});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(map.region_count(), 2u);
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  EXPECT_EQ(host(map.cpu_view(0)) % GiB, 0u);  // 0x40000000: A = bit_ceil(1 GiB - 8) = 1 GiB
  // Touch one page in the middle of each view, and the last byte.
  for (unsigned r = 0; r < map.region_count(); ++r) {
    map.cpu_view(r)[512 * MiB] = 1;
    map.ram_view(r)[512 * MiB + 4096] = 2;
    map.cpu_view(r)[Heap::max_region_bytes - 1] = 3;
  }
  const auto location = map.locate(0x4000'0000 + 512 * MiB);
  ASSERT_TRUE(location.has_value());
  EXPECT_EQ(map.cpu_view(location->region)[location->offset], 1);
  const std::uint64_t rss_after = test::resident_bytes();
  const std::uint64_t growth = rss_after > rss_before ? rss_after - rss_before : 0;
  EXPECT_LT(growth, 16 * MiB) << "RSS grew from " << rss_before << " to " << rss_after;
}

}  // namespace
}  // namespace smh::sim
