#include "smh/sim/memory_map.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <exception>
#include <limits>
#include <unordered_map>
#include <utility>

#include "host_backing.hpp"
#include "power_of_two.hpp"
#include "smh/sim/sim_assert.hpp"
#include "smh/heap.hpp"

namespace smh::sim {
namespace {

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

// "16 bytes (0x10)": sizes in both bases, so they can be matched against a
// decimal spec and against device addresses.
std::string bytes(std::uint64_t value) {
  return std::to_string(value) + " bytes (" + hex(value) + ")";
}

std::string quoted(const RegionSpec& spec) { return "region '" + spec.name + "'"; }

// "[0x20000000, 0x20018000)"; only called once base + size is known not to wrap.
std::string device_range(const RegionSpec& spec) {
  return "[" + hex(spec.base) + ", " + hex(spec.base + spec.size_bytes) + ")";
}

bool valid_policy(CachePolicy policy) {
  return policy == CachePolicy::write_back || policy == CachePolicy::write_through ||
         policy == CachePolicy::non_cacheable;
}

// A broken rule: the field it is about (its key in the scenario format) and
// the message.
struct Broken {
  std::string_view field;
  std::string message;
};

// The rules one region must satisfy on its own; names are checked by the caller.
std::optional<Broken> check_region(const RegionSpec& spec) {
  const std::string who = quoted(spec);
  if (spec.base == 0) {
    return Broken{"base", who + ": base address 0x0 is not allowed (0 is the null device address)"};
  }
  if (spec.base % Heap::granule_bytes != 0) {
    return Broken{"base", who + ": base address " + hex(spec.base) + " is not " +
                              std::to_string(Heap::granule_bytes) + "-byte aligned"};
  }
  if (spec.size_bytes < Heap::min_region_bytes) {
    return Broken{"size", who + ": size " + bytes(spec.size_bytes) + " is below the minimum of " +
                              bytes(Heap::min_region_bytes)};
  }
  if (spec.size_bytes > Heap::max_region_bytes) {
    return Broken{"size", who + ": size " + bytes(spec.size_bytes) + " exceeds the maximum of " +
                              bytes(Heap::max_region_bytes)};
  }
  if (spec.size_bytes > std::numeric_limits<std::uint64_t>::max() - spec.base) {
    return Broken{"size", who + ": base address " + hex(spec.base) + " + size " + hex(spec.size_bytes) +
                              " overflows the 64-bit device address space"};
  }
  if (!valid_policy(spec.cache_policy)) {
    return Broken{"cache", who + ": unknown cache policy value " +
                               std::to_string(static_cast<unsigned>(spec.cache_policy))};
  }
  // The line size only means something behind a cache.
  if (is_cacheable(spec.cache_policy)) {
    if (!detail::is_power_of_two(spec.line_bytes)) {
      return Broken{"line_bytes", who + " (" + to_string(spec.cache_policy) + "): cache line size " +
                                      std::to_string(spec.line_bytes) + " bytes is not a power of two"};
    }
    if (spec.line_bytes < MemoryMap::min_line_bytes || spec.line_bytes > MemoryMap::max_line_bytes) {
      return Broken{"line_bytes", who + " (" + to_string(spec.cache_policy) + "): cache line size " +
                                      std::to_string(spec.line_bytes) + " bytes is outside " +
                                      std::to_string(MemoryMap::min_line_bytes) + ".." +
                                      std::to_string(MemoryMap::max_line_bytes)};
    }
  }
  return std::nullopt;
}

// Regions sorted by base overlap somewhere iff some neighbours do: if i and j > i
// overlap, base(i+1) <= base(j) < end(i).
std::optional<MapProblem> check_overlaps(const std::vector<RegionSpec>& specs) {
  std::vector<unsigned> order(specs.size());
  for (unsigned i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](unsigned a, unsigned b) { return specs[a].base < specs[b].base; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    const RegionSpec& low = specs[order[k - 1]];
    const RegionSpec& high = specs[order[k]];
    if (high.base < low.base + low.size_bytes) {
      // Name the later region of the map first: it is the one that "overlaps",
      // and its base is where the problem is shown.
      const bool high_is_later = order[k] > order[k - 1];
      const RegionSpec& later = high_is_later ? high : low;
      const RegionSpec& earlier = high_is_later ? low : high;
      return MapProblem{std::max(order[k], order[k - 1]), "base",
                        quoted(later) + " " + device_range(later) + " overlaps " + quoted(earlier) + " " +
                            device_range(earlier)};
    }
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(CachePolicy policy) {
  switch (policy) {
    case CachePolicy::write_back:
      return "write_back";
    case CachePolicy::write_through:
      return "write_through";
    case CachePolicy::non_cacheable:
      return "non_cacheable";
  }
  return "?";
}

bool parse_cache_policy(std::string_view text, CachePolicy* policy) {
  for (const CachePolicy candidate :
       {CachePolicy::write_back, CachePolicy::write_through, CachePolicy::non_cacheable}) {
    if (text == to_string(candidate)) {
      if (policy != nullptr) {
        *policy = candidate;
      }
      return true;
    }
  }
  return false;
}

std::uint64_t MemoryMap::host_alignment_bytes(std::uint64_t size_bytes) {
  if (size_bytes == 0 || size_bytes >= max_host_alignment_bytes) {
    return max_host_alignment_bytes;
  }
  return std::bit_ceil(size_bytes);
}

std::optional<MapProblem> MemoryMap::find_problem(const std::vector<RegionSpec>& specs) {
  std::unordered_map<std::string_view, unsigned> index_of_name;
  for (unsigned i = 0; i < specs.size(); ++i) {
    const RegionSpec& spec = specs[i];
    if (spec.name.empty()) {
      return MapProblem{i, "name", "region #" + std::to_string(i) + " has an empty name"};
    }
    const auto [it, inserted] = index_of_name.emplace(spec.name, i);
    if (!inserted) {
      return MapProblem{i, "name", quoted(spec) + " is defined twice (regions #" + std::to_string(it->second) +
                                       " and #" + std::to_string(i) + ")"};
    }
    if (auto broken = check_region(spec)) {
      return MapProblem{i, broken->field, std::move(broken->message)};
    }
  }
  return check_overlaps(specs);
}

std::optional<std::string> MemoryMap::validate(const std::vector<RegionSpec>& specs) {
  if (specs.empty()) {
    return std::string("memory map has no regions");
  }
  if (auto problem = find_problem(specs)) {
    return std::move(problem->message);
  }
  return std::nullopt;
}

bool MemoryMap::build(std::vector<RegionSpec> specs, MemoryMap* out, std::string* error) {
  std::string discarded;
  std::string& message = error != nullptr ? *error : discarded;
  if (out == nullptr) {
    message = "MemoryMap::build: no output map given";
    return false;
  }
  try {
    if (auto problem = validate(specs)) {
      message = std::move(*problem);
      return false;
    }
    MemoryMap map;  // unmaps what was mapped if a later region fails
    map.regions_.reserve(specs.size());
    for (RegionSpec& spec : specs) {
      const std::uint64_t align = host_alignment_bytes(spec.size_bytes);
      const std::uint64_t residue = spec.base & (align - 1);
      Region region;
      region.spec = std::move(spec);
      const bool two_views = is_cacheable(region.spec.cache_policy);
      for (int view = 0; view < (two_views ? 2 : 1); ++view) {
        detail::HostBacking backing;
        std::string reason;
        if (!detail::map_backing(region.spec.size_bytes, align, residue, &backing, &reason)) {
          // Mapped views of this region are not yet owned by the map: release them.
          detail::unmap_backing(region.cpu_mapping.address, region.cpu_mapping.bytes);
          message = quoted(region.spec) + ": cannot map " + bytes(region.spec.size_bytes) +
                    " of host memory for its " + (view == 0 ? "CPU" : "RAM") + " view: " + reason;
          return false;
        }
        HostMapping& mapping = view == 0 ? region.cpu_mapping : region.ram_mapping;
        mapping = HostMapping{backing.mapping, backing.mapping_bytes};
        (view == 0 ? region.cpu : region.ram) = backing.view;
      }
      if (!two_views) {
        region.ram = region.cpu;
      }
      map.regions_.push_back(std::move(region));
    }

    const auto by_start = [](const IndexEntry& a, const IndexEntry& b) { return a.start < b.start; };
    map.by_device_.reserve(map.regions_.size());
    map.by_host_.reserve(map.regions_.size());
    for (unsigned i = 0; i < map.regions_.size(); ++i) {
      map.by_device_.push_back({map.regions_[i].spec.base, i});
      map.by_host_.push_back({reinterpret_cast<std::uintptr_t>(map.regions_[i].cpu), i});
    }
    std::sort(map.by_device_.begin(), map.by_device_.end(), by_start);
    std::sort(map.by_host_.begin(), map.by_host_.end(), by_start);
    *out = std::move(map);
    return true;
  } catch (const std::exception& failure) {  // in practice std::bad_alloc
    message = std::string("MemoryMap::build failed: ") + failure.what();
    return false;
  }
}

MemoryMap::MemoryMap() = default;

MemoryMap::MemoryMap(MemoryMap&& other) noexcept
    : regions_(std::exchange(other.regions_, {})),
      by_device_(std::exchange(other.by_device_, {})),
      by_host_(std::exchange(other.by_host_, {})) {}

MemoryMap& MemoryMap::operator=(MemoryMap&& other) noexcept {
  if (this != &other) {
    release();
    regions_ = std::exchange(other.regions_, {});
    by_device_ = std::exchange(other.by_device_, {});
    by_host_ = std::exchange(other.by_host_, {});
  }
  return *this;
}

MemoryMap::~MemoryMap() { release(); }

void MemoryMap::release() noexcept {
  for (const Region& region : regions_) {
    // Kept for the next machine of this shape while a HostMemoryReuse is active.
    const std::uint64_t align = host_alignment_bytes(region.spec.size_bytes);
    const std::uint64_t residue = region.spec.base & (align - 1);
    detail::release_backing(detail::HostBacking{region.cpu, region.cpu_mapping.address, region.cpu_mapping.bytes},
                            region.spec.size_bytes, align, residue);
    if (region.ram != region.cpu) {
      detail::release_backing(
          detail::HostBacking{region.ram, region.ram_mapping.address, region.ram_mapping.bytes},
          region.spec.size_bytes, align, residue);
    }
  }
  regions_.clear();
  by_device_.clear();
  by_host_.clear();
}

unsigned char* MemoryMap::ram_view(unsigned region) const {
  SMH_SIM_ASSERT(region < regions_.size());
  return regions_[region].ram;
}

bool MemoryMap::has_separate_ram_view(unsigned region) const {
  SMH_SIM_ASSERT(region < regions_.size());
  return regions_[region].ram != regions_[region].cpu;
}

namespace {

// The entry with the greatest start <= key, if any.
template <class Entry>
const Entry* floor_entry(const std::vector<Entry>& index, std::uint64_t key) {
  const auto after = std::upper_bound(index.begin(), index.end(), key,
                                      [](std::uint64_t k, const Entry& e) { return k < e.start; });
  return after == index.begin() ? nullptr : &*(after - 1);
}

}  // namespace

std::optional<DeviceLocation> MemoryMap::locate(std::uint64_t device_address) const {
  const IndexEntry* entry = floor_entry(by_device_, device_address);
  if (entry == nullptr) {
    return std::nullopt;
  }
  const std::uint64_t offset = device_address - entry->start;
  if (offset >= regions_[entry->region].spec.size_bytes) {
    return std::nullopt;
  }
  return DeviceLocation{entry->region, offset};
}

std::optional<DeviceLocation> MemoryMap::locate_host(const void* cpu_pointer) const {
  const std::uint64_t address = reinterpret_cast<std::uintptr_t>(cpu_pointer);
  const IndexEntry* entry = floor_entry(by_host_, address);
  if (entry == nullptr) {
    return std::nullopt;
  }
  const std::uint64_t offset = address - entry->start;
  if (offset >= regions_[entry->region].spec.size_bytes) {
    return std::nullopt;
  }
  return DeviceLocation{entry->region, offset};
}

std::uint64_t MemoryMap::device_address(unsigned region, std::uint64_t offset) const {
  SMH_SIM_ASSERT(region < regions_.size());
  SMH_SIM_ASSERT(offset <= regions_[region].spec.size_bytes);
  return regions_[region].spec.base + offset;
}

std::optional<std::uint64_t> MemoryMap::to_device(const void* cpu_pointer) const {
  const std::optional<DeviceLocation> location = locate_host(cpu_pointer);
  if (!location) {
    return std::nullopt;
  }
  return regions_[location->region].spec.base + location->offset;
}

}  // namespace smh::sim
