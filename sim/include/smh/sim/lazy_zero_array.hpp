// A fixed-size array of zero-initialised T backed by an anonymous MAP_NORESERVE
// mapping: pages cost memory only once written, so per-granule or per-line side
// tables over a 1 GiB simulated region cost what the run touches, not 1 GiB/8.
// Host-only (the simulator), move-only; construction throws std::runtime_error
// when the address space cannot be reserved.
#pragma once

#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "smh/sim/dense_mapping.hpp"
#include "smh/sim/host_memory_reuse.hpp"

namespace smh::sim {

template <class T>
class LazyZeroArray {
  static_assert(std::is_trivially_copyable_v<T>, "zero pages must be valid T values");

 public:
  LazyZeroArray() = default;
  // `huge_pages`: for dense tables probed at random (a hash table), ask for
  // transparent huge pages, so that each probe does not also miss the TLB, and
  // fault in up front what they cannot cover (dense_mapping.hpp). Not for
  // sparse tables: a huge page makes one touched byte cost 2 MiB.
  explicit LazyZeroArray(std::size_t count, bool huge_pages = false) : count_(count), huge_pages_(huge_pages) {
    if (count == 0) {
      return;
    }
    // A zeroed mapping of this size a machine released, while the thread
    // reuses them (host_memory_reuse.hpp).
    if (detail::KeptMapping kept; detail::take_kept_mapping(shape(), &kept)) {
      data_ = reinterpret_cast<T*>(kept.payload);
      return;
    }
    void* mapping = ::mmap(nullptr, bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                           -1, 0);
    if (mapping == MAP_FAILED) {
      throw std::runtime_error("cannot reserve " + std::to_string(bytes()) + " bytes: " + std::strerror(errno));
    }
    data_ = static_cast<T*>(mapping);
    if (huge_pages) {
      detail::advise_dense(mapping, bytes());  // hints: refused, they only cost speed
    }
  }
  LazyZeroArray(LazyZeroArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        count_(std::exchange(other.count_, 0)),
        huge_pages_(other.huge_pages_) {}
  LazyZeroArray& operator=(LazyZeroArray&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      count_ = std::exchange(other.count_, 0);
      huge_pages_ = other.huge_pages_;
    }
    return *this;
  }
  LazyZeroArray(const LazyZeroArray&) = delete;
  LazyZeroArray& operator=(const LazyZeroArray&) = delete;
  ~LazyZeroArray() { release(); }

  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] bool empty() const { return count_ == 0; }
  [[nodiscard]] T* begin() { return data_; }
  [[nodiscard]] T* end() { return data_ + count_; }
  [[nodiscard]] const T* begin() const { return data_; }
  [[nodiscard]] const T* end() const { return data_ + count_; }
  [[nodiscard]] T* data() { return data_; }
  [[nodiscard]] const T* data() const { return data_; }
  T& operator[](std::size_t index) { return data_[index]; }
  const T& operator[](std::size_t index) const { return data_[index]; }

 private:
  [[nodiscard]] std::size_t bytes() const { return count_ * sizeof(T); }
  [[nodiscard]] detail::MappingShape shape() const { return detail::MappingShape{bytes(), 0, 0, huge_pages_}; }
  void release() noexcept {
    if (data_ != nullptr) {
      auto* const payload = reinterpret_cast<unsigned char*>(data_);
      if (!detail::keep_mapping(detail::KeptMapping{shape(), data_, bytes(), payload}, payload, bytes())) {
        ::munmap(data_, bytes());
      }
      data_ = nullptr;
    }
  }
  T* data_ = nullptr;
  std::size_t count_ = 0;
  bool huge_pages_ = false;
};

}  // namespace smh::sim
