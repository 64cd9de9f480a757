#include "host_backing.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "asan_poison.hpp"
#include "smh/sim/dense_mapping.hpp"
#include "smh/sim/host_memory_reuse.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim::detail {
namespace {

std::uintptr_t round_down(std::uintptr_t value, std::uintptr_t align) { return value & ~(align - 1); }
std::uintptr_t round_up(std::uintptr_t value, std::uintptr_t align) {
  return (value + align - 1) & ~(align - 1);
}

MappingShape backing_shape(std::uint64_t size_bytes, std::uint64_t align_bytes, std::uint64_t residue) {
  return MappingShape{size_bytes, align_bytes, residue & (align_bytes - 1), false};
}

}  // namespace

bool map_backing(std::uint64_t size_bytes, std::uint64_t align_bytes, std::uint64_t residue,
                 HostBacking* out, std::string* error) {
  SMH_SIM_ASSERT(out != nullptr && error != nullptr);
  SMH_SIM_ASSERT(size_bytes > 0 && align_bytes > 0 && (align_bytes & (align_bytes - 1)) == 0);
  constexpr std::uint64_t address_space = std::numeric_limits<std::uintptr_t>::max();
  if (size_bytes > address_space / 4 || align_bytes > address_space / 4) {
    *error = "larger than the host address space";
    return false;
  }
  detail::KeptMapping kept;
  if (take_kept_mapping(backing_shape(size_bytes, align_bytes, residue), &kept)) {
    *out = HostBacking{kept.payload, kept.mapping, kept.mapping_bytes};
    return true;
  }
  const std::uintptr_t page = host_page_bytes();
  // A guard page, then some start in the next align_bytes with the wanted
  // residue, size_bytes after it, the rest of its last page, and a guard page.
  const std::size_t reserve_bytes = static_cast<std::size_t>(page + align_bytes + size_bytes + 2 * page);
  void* reservation = ::mmap(nullptr, reserve_bytes, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reservation == MAP_FAILED) {
    *error = std::strerror(errno);
    return false;
  }
  const auto first = reinterpret_cast<std::uintptr_t>(reservation);
  const auto mask = static_cast<std::uintptr_t>(align_bytes - 1);
  const std::uintptr_t earliest = first + page;
  const std::uintptr_t view = earliest + ((static_cast<std::uintptr_t>(residue) - earliest) & mask);
  const std::uintptr_t view_end = view + static_cast<std::uintptr_t>(size_bytes);
  const std::uintptr_t guard_before = round_down(view, page) - page;
  const std::uintptr_t guard_after = round_up(view_end, page);
  const std::uintptr_t keep_end = guard_after + page;
  // mmap maps whole pages: the reservation ends at the next page boundary.
  const std::uintptr_t reservation_end = round_up(first + reserve_bytes, page);
  SMH_SIM_ASSERT(guard_before >= first && keep_end <= reservation_end);
  // Give the slack back and make the guards inaccessible. munmap and mprotect of
  // whole pages of our own mapping cannot fail but for a bad argument, which
  // would be a bug here.
  if (guard_before > first) {
    [[maybe_unused]] const int rc = ::munmap(reservation, guard_before - first);
    SMH_SIM_ASSERT(rc == 0);
  }
  if (reservation_end > keep_end) {
    [[maybe_unused]] const int rc = ::munmap(reinterpret_cast<void*>(keep_end), reservation_end - keep_end);
    SMH_SIM_ASSERT(rc == 0);
  }
  for (const std::uintptr_t guard : {guard_before, guard_after}) {
    [[maybe_unused]] const int rc = ::mprotect(reinterpret_cast<void*>(guard), page, PROT_NONE);
    SMH_SIM_ASSERT(rc == 0);
  }
  // A region of a huge page or more: transparent huge pages, and its pieces they
  // cannot cover faulted in up front (dense_mapping.hpp). A replay writes a region
  // densely (fill patterns, headers) and reaches block headers all over it at
  // random: with 4 KiB pages the kernel's first-touch faults were 11 % of a checked
  // replay of a real trace, and nearly every header access also missed the TLB
  // (huge pages made a checks-off replay of 100k live blocks, BM_ExecutorReplay,
  // about a quarter faster). Smaller regions (the scenarios') stay lazy.
  if (size_bytes >= huge_page_bytes) {
    advise_dense(reinterpret_cast<void*>(guard_before + page), guard_after - (guard_before + page));
  }
  // Under ASan, everything mapped but the view is poisoned: an access to the
  // bytes between the view and its guard pages (which no page protection can
  // cover) is reported where it happens, and so is one on the guards.
  poison_memory(reinterpret_cast<void*>(guard_before), view - guard_before);
  poison_memory(reinterpret_cast<void*>(view_end), keep_end - view_end);
  out->view = reinterpret_cast<unsigned char*>(view);
  out->mapping = reinterpret_cast<void*>(guard_before);
  out->mapping_bytes = keep_end - guard_before;
  return true;
}

void unmap_backing(void* mapping, std::size_t mapping_bytes) noexcept {
  if (mapping == nullptr) {
    return;
  }
  // Memory mapped there later must not inherit the poison.
  unpoison_memory(mapping, mapping_bytes);
  [[maybe_unused]] const int rc = ::munmap(mapping, mapping_bytes);
  SMH_SIM_ASSERT(rc == 0);
}


void release_backing(const HostBacking& backing, std::uint64_t size_bytes, std::uint64_t align_bytes,
                     std::uint64_t residue) noexcept {
  if (backing.mapping == nullptr) {
    return;
  }
  // The pages between the guards: the view, and the rest of its first and last
  // pages, where only a stray write of the allocator under test could have
  // landed. Unpoisoned to be zeroed, then poisoned again around the view.
  const std::uintptr_t page = host_page_bytes();
  auto* const span = static_cast<unsigned char*>(backing.mapping) + page;
  const std::size_t span_bytes = backing.mapping_bytes - 2 * page;
  unpoison_memory(span, span_bytes);
  const KeptMapping kept{backing_shape(size_bytes, align_bytes, residue), backing.mapping, backing.mapping_bytes,
                         backing.view};
  if (!keep_mapping(kept, span, span_bytes)) {
    unmap_backing(backing.mapping, backing.mapping_bytes);
    return;
  }
  unsigned char* const view_end = backing.view + size_bytes;
  poison_memory(span, static_cast<std::size_t>(backing.view - span));
  poison_memory(view_end, static_cast<std::size_t>(span + span_bytes - view_end));
}

}  // namespace smh::sim::detail
