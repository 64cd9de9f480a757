#include "host_backing.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "smh/assert.hpp"

namespace smh::sim::detail {
namespace {

std::uintptr_t page_bytes() {
  static const std::uintptr_t bytes = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  return bytes;
}

std::uintptr_t round_down(std::uintptr_t value, std::uintptr_t align) { return value & ~(align - 1); }
std::uintptr_t round_up(std::uintptr_t value, std::uintptr_t align) {
  return (value + align - 1) & ~(align - 1);
}

}  // namespace

bool map_backing(std::uint64_t size_bytes, std::uint64_t align_bytes, std::uint64_t residue,
                 HostBacking* out, std::string* error) {
  SMH_ASSERT(out != nullptr && error != nullptr);
  SMH_ASSERT(size_bytes > 0 && align_bytes > 0 && (align_bytes & (align_bytes - 1)) == 0);
  constexpr std::uint64_t address_space = std::numeric_limits<std::uintptr_t>::max();
  if (size_bytes > address_space / 2 || align_bytes > address_space / 2) {
    *error = "larger than the host address space";
    return false;
  }
  // Whatever alignment mmap gives, some start in the first align_bytes of the
  // reservation has the wanted residue, and size_bytes fit after it.
  const std::size_t reserve_bytes = static_cast<std::size_t>(size_bytes + align_bytes);
  void* reservation = ::mmap(nullptr, reserve_bytes, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reservation == MAP_FAILED) {
    *error = std::strerror(errno);
    return false;
  }
  const auto first = reinterpret_cast<std::uintptr_t>(reservation);
  const auto mask = static_cast<std::uintptr_t>(align_bytes - 1);
  const std::uintptr_t view = first + ((static_cast<std::uintptr_t>(residue) - first) & mask);
  const std::uintptr_t keep_first = round_down(view, page_bytes());
  const std::uintptr_t keep_end = round_up(view + static_cast<std::uintptr_t>(size_bytes), page_bytes());
  // mmap maps whole pages: the reservation ends at the next page boundary.
  const std::uintptr_t reservation_end = round_up(first + reserve_bytes, page_bytes());
  // Give the slack back; a munmap of a subrange of our own mapping cannot fail
  // for any reason but a bad argument, which would be a bug here.
  if (keep_first > first) {
    [[maybe_unused]] const int rc = ::munmap(reservation, keep_first - first);
    SMH_ASSERT(rc == 0);
  }
  if (reservation_end > keep_end) {
    [[maybe_unused]] const int rc =
        ::munmap(reinterpret_cast<void*>(keep_end), reservation_end - keep_end);
    SMH_ASSERT(rc == 0);
  }
  out->view = reinterpret_cast<unsigned char*>(view);
  out->mapping = reinterpret_cast<void*>(keep_first);
  out->mapping_bytes = keep_end - keep_first;
  return true;
}

void unmap_backing(void* mapping, std::size_t mapping_bytes) noexcept {
  if (mapping == nullptr) {
    return;
  }
  [[maybe_unused]] const int rc = ::munmap(mapping, mapping_bytes);
  SMH_ASSERT(rc == 0);
}

}  // namespace smh::sim::detail
