#include "smh/sim/host_memory_reuse.hpp"

#include <sys/mman.h>

#include <cstring>

#include "asan_poison.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {
namespace {

// The thread's active HostMemoryReuse, if any.
thread_local HostMemoryReuse* active_reuse = nullptr;

// Up to this many bytes are zeroed by writing them, which keeps their pages;
// larger spans are handed back to the kernel (MADV_DONTNEED: read back as zero,
// committed again only where touched), so a 1 GiB region costs what it used.
constexpr std::size_t memset_limit_bytes = std::size_t{1} << 20;

bool make_zero(unsigned char* begin, std::size_t bytes) {
  if (bytes <= memset_limit_bytes) {
    std::memset(begin, 0, bytes);
    return true;
  }
  return ::madvise(begin, bytes, MADV_DONTNEED) == 0;
}

}  // namespace

HostMemoryReuse::HostMemoryReuse(std::size_t max_kept_bytes) : max_kept_bytes_(max_kept_bytes) {
  if (active_reuse == nullptr) {
    active_reuse = this;
    active_ = true;
  }
}

HostMemoryReuse::~HostMemoryReuse() {
  if (!active_) {
    return;
  }
  SMH_SIM_ASSERT(active_reuse == this);
  active_reuse = nullptr;
  for (const detail::KeptMapping& kept : kept_) {
    // Memory mapped there later must not inherit a view's poisoned surroundings.
    detail::unpoison_memory(kept.mapping, kept.mapping_bytes);
    [[maybe_unused]] const int rc = ::munmap(kept.mapping, kept.mapping_bytes);
    SMH_SIM_ASSERT(rc == 0);
  }
}

namespace detail {

bool take_kept_mapping(const MappingShape& shape, KeptMapping* out) {
  HostMemoryReuse* reuse = active_reuse;
  if (reuse == nullptr) {
    return false;
  }
  // The latest kept first: a machine of one shape releases and takes its
  // mappings in the same order, so the match is near the end.
  for (std::size_t index = reuse->kept_.size(); index-- > 0;) {
    if (reuse->kept_[index].shape == shape) {
      *out = reuse->kept_[index];
      reuse->kept_.erase(reuse->kept_.begin() + static_cast<std::ptrdiff_t>(index));
      reuse->kept_bytes_ -= out->mapping_bytes;
      ++reuse->reused_;
      return true;
    }
  }
  return false;
}

bool keep_mapping(const KeptMapping& mapping, unsigned char* zero_begin, std::size_t zero_bytes) {
  HostMemoryReuse* reuse = active_reuse;
  if (reuse == nullptr || mapping.mapping_bytes > reuse->max_kept_bytes_ - reuse->kept_bytes_ ||
      !make_zero(zero_begin, zero_bytes)) {
    return false;
  }
  reuse->kept_.push_back(mapping);
  reuse->kept_bytes_ += mapping.mapping_bytes;
  return true;
}

}  // namespace detail
}  // namespace smh::sim
