// Reusing the host memory of simulated machines on one thread.
//
// A machine maps its regions' views (memory_map.hpp) and the side tables over
// them (lazy_zero_array.hpp: cache lines, owners, the shadow state's table) as
// anonymous mappings, and unmaps them when it goes. For a campaign of short
// runs (smh swarm: thousands of machines a second) mmap, munmap, mprotect and
// the page faults and TLB shootdowns they bring cost more than the runs
// themselves, and every thread contends on the process's one address-space lock.
// While a HostMemoryReuse lives on a thread, the mappings that thread's
// machines release are zeroed and kept, and a later mapping of the same shape
// (bytes, host alignment and residue, huge-page hint) is taken from them: its
// bytes are zero, as a fresh mapping's are, and only its host address can
// differ, which nothing a run reports depends on (executor.hpp). Without one,
// mappings come and go as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace smh::sim {

namespace detail {

// A transparent huge page: from this size on, a mapping that the run touches
// densely (a region's view, a table with an entry per granule of one) asks for
// them (madvise, a hint), since a replay reaches it all over at random and with
// 4 KiB pages pays a first-touch fault per page and a TLB miss per access.
inline constexpr std::uint64_t huge_page_bytes = std::uint64_t{2} << 20;

struct MappingShape {
  std::uint64_t bytes = 0;        // what the user of the mapping asked for
  std::uint64_t align_bytes = 0;  // host ≡ residue (mod align_bytes); 0: page-aligned (a side table)
  std::uint64_t residue = 0;
  bool huge_pages = false;
  friend bool operator==(const MappingShape&, const MappingShape&) = default;
};

struct KeptMapping {
  MappingShape shape;
  void* mapping = nullptr;          // what munmap takes, guard pages included
  std::size_t mapping_bytes = 0;
  unsigned char* payload = nullptr;  // what the user of the mapping works in
};

// A kept mapping of `shape` into *out (its payload zero), when a
// HostMemoryReuse is active on this thread and holds one; else false.
bool take_kept_mapping(const MappingShape& shape, KeptMapping* out);

// Keeps a released mapping for reuse when a HostMemoryReuse is active on this
// thread and has room: first makes [zero_begin, zero_begin + zero_bytes) zero
// (whole pages: the part a user may have written). False: the caller unmaps it.
bool keep_mapping(const KeptMapping& mapping, unsigned char* zero_begin, std::size_t zero_bytes);

}  // namespace detail

class HostMemoryReuse {
 public:
  // At most this many bytes of address space are kept; a release past it unmaps.
  static constexpr std::size_t default_max_kept_bytes = std::size_t{256} << 20;

  // Active on the constructing thread until destroyed; inside another active
  // one it does nothing (the outer one keeps).
  explicit HostMemoryReuse(std::size_t max_kept_bytes = default_max_kept_bytes);
  ~HostMemoryReuse();  // unmaps what it kept
  HostMemoryReuse(const HostMemoryReuse&) = delete;
  HostMemoryReuse& operator=(const HostMemoryReuse&) = delete;

  // Mappings taken back from it (a test's and a benchmark's figure).
  [[nodiscard]] std::uint64_t reused() const { return reused_; }

 private:
  friend bool detail::take_kept_mapping(const detail::MappingShape&, detail::KeptMapping*);
  friend bool detail::keep_mapping(const detail::KeptMapping&, unsigned char*, std::size_t);

  bool active_ = false;
  std::size_t max_kept_bytes_;
  std::size_t kept_bytes_ = 0;
  std::uint64_t reused_ = 0;
  std::vector<detail::KeptMapping> kept_;
};

}  // namespace smh::sim
