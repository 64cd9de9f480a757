// The simulated machine's memory map: regions at fixed device addresses, each
// backed by host memory the allocator manages.
//
// * Every region has a device address range [base, base + size_bytes); everything
//   the simulator reports is a device address, never a host pointer.
// * The host backing is anonymous, lazily committed memory (mmap with
//   MAP_NORESERVE), so a 1 GiB region costs memory only where it is touched.
// * Every view is followed, and preceded, by a guard page (PROT_NONE): an access
//   past the view's pages, by the allocator under test or by the harness, faults
//   at once instead of landing in the simulator's own memory. The rest of the
//   view's first and last pages (less than a page each side) cannot be guarded
//   that way: under ASan it is poisoned, and the harness itself never touches a
//   byte outside a view on the allocator's word (Executor: CONTAINMENT).
// * The backing is placed so that host ≡ device (mod A) with
//   A = min(bit_ceil(size_bytes), 1 GiB): for every power of two X <= A, an address
//   in the region is X-aligned on the device iff it is on the host. The heap aligns
//   host pointers and accepts alignments up to the region size, so whatever it
//   returns is equally aligned on the simulated device. (The base's own alignment
//   must not cap A: a region at 0x20001008 holds device addresses aligned to
//   4096 and more, and they must be 4096-aligned on the host as well.)
// * Cacheable regions (write-back, write-through) have two views of the same
//   size: the CPU view (what the CPU sees through the cache; the memory smh::Heap
//   is given) and the RAM view (what DMA sees). Non-cacheable regions have one
//   view, returned by both accessors.
//
// The API reports errors as values; build() names the region(s) and the rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smh/pool_types.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

enum class CachePolicy : std::uint8_t { write_back, write_through, non_cacheable };

// "write_back", "write_through", "non_cacheable" ("?" for an invalid value).
const char* to_string(CachePolicy policy);
// Accepts exactly the names to_string() produces; false (and *policy untouched)
// for anything else.
bool parse_cache_policy(std::string_view text, CachePolicy* policy);
// Whether the region sits behind a cache (and so has a separate RAM view).
constexpr bool is_cacheable(CachePolicy policy) { return policy != CachePolicy::non_cacheable; }

struct RegionSpec {
  std::string name;                 // unique, non-empty
  std::uint64_t base = 0;           // simulated device address, != 0, 8-byte aligned
  std::uint64_t size_bytes = 0;     // >= smh::Heap::min_region_bytes, <= smh::Heap::max_region_bytes
  std::uint32_t attr = 0;           // pool attribute id (exact mode) or capability bits
  CachePolicy cache_policy = CachePolicy::non_cacheable;
  std::uint32_t line_bytes = 32;    // power of two, 16..256 (32 as on Cortex-M7, 64 as on Cortex-A);
                                    // checked for cacheable regions only
  bool dma_capable = false;
  bool reserved = false;            // pool: serves only explicit alloc_in
  RegionRole role = RegionRole::any;  // pool: which requests it serves under Policy::size_threshold
};

struct DeviceLocation {
  unsigned region;
  std::uint64_t offset;
};

// A rule a map breaks: the region (its index in the map), the field of that
// region the rule is about, by its key in the scenario format ("name", "base",
// "size", "cache", "line_bytes"), and the message naming the region(s) and the
// rule. An overlap is shown at the later region's base.
struct MapProblem {
  unsigned region = 0;
  std::string_view field;
  std::string message;
};

class MemoryMap {
 public:
  static constexpr std::uint32_t min_line_bytes = 16;
  static constexpr std::uint32_t max_line_bytes = 256;
  // Cap of the host/device congruence modulus (keeps the over-reservation bounded).
  static constexpr std::uint64_t max_host_alignment_bytes = std::uint64_t{1} << 30;

  // Validates the specs and maps host backing. On failure returns false, leaves
  // *out unchanged and sets *error (when not null) to a message naming the
  // region(s) and the rule. Regions keep the given order (index = position).
  static bool build(std::vector<RegionSpec> specs, MemoryMap* out, std::string* error);
  // Only the validation part of build(): nullopt when the specs are acceptable,
  // else the message build() would give. Maps nothing.
  static std::optional<std::string> validate(const std::vector<RegionSpec>& specs);
  // The first rule the regions break, field by field (validate() without its
  // "no regions" rule, which is about the whole map).
  static std::optional<MapProblem> find_problem(const std::vector<RegionSpec>& specs);
  // The congruence modulus A used for a region of that size (see the top of this
  // file); the host view starts at base mod A modulo A.
  static std::uint64_t host_alignment_bytes(std::uint64_t size_bytes);

  MemoryMap();
  MemoryMap(MemoryMap&& other) noexcept;
  MemoryMap& operator=(MemoryMap&& other) noexcept;
  MemoryMap(const MemoryMap&) = delete;
  MemoryMap& operator=(const MemoryMap&) = delete;
  ~MemoryMap();  // unmaps every view

  std::size_t region_count() const { return regions_.size(); }
  // Inline: every op with checks on asks for them several times.
  const RegionSpec& spec(unsigned region) const {
    SMH_SIM_ASSERT(region < regions_.size());
    return regions_[region].spec;
  }
  // The CPU view: the host memory the allocator manages for this region.
  unsigned char* cpu_view(unsigned region) const {
    SMH_SIM_ASSERT(region < regions_.size());
    return regions_[region].cpu;
  }
  // The RAM view (what DMA sees): a separate buffer of the same size for
  // cacheable regions, the cpu_view pointer for non-cacheable ones.
  unsigned char* ram_view(unsigned region) const;
  // Whether ram_view(region) is a separate buffer.
  bool has_separate_ram_view(unsigned region) const;

  // The region holding a device address, and the offset in it. O(log regions).
  std::optional<DeviceLocation> locate(std::uint64_t device_address) const;
  // The region whose CPU view holds a host pointer (RAM views are not searched).
  // O(log regions).
  std::optional<DeviceLocation> locate_host(const void* cpu_pointer) const;
  // base + offset; offset may be size_bytes (one past the end).
  std::uint64_t device_address(unsigned region, std::uint64_t offset) const;
  // The device address of a pointer into a CPU view; nullopt outside every region.
  std::optional<std::uint64_t> to_device(const void* cpu_pointer) const;

 private:
  struct HostMapping {  // one mmap'ed range, as munmap needs it
    void* address = nullptr;
    std::size_t bytes = 0;
  };
  struct Region {
    RegionSpec spec;
    unsigned char* cpu = nullptr;
    unsigned char* ram = nullptr;
    HostMapping cpu_mapping;
    HostMapping ram_mapping;  // empty for non-cacheable regions
  };
  struct IndexEntry {  // a sorted lookup key (device base or host address)
    std::uint64_t start;
    unsigned region;
  };

  void release() noexcept;

  std::vector<Region> regions_;
  std::vector<IndexEntry> by_device_;  // sorted by device base
  std::vector<IndexEntry> by_host_;    // sorted by CPU-view host address
};

}  // namespace smh::sim
