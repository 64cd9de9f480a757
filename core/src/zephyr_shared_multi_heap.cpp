// Zephyr's shared_multi_heap C API (include/zephyr/multi_heap/shared_multi_heap.h)
// over one static smh::BasicPool: exact attribute matching, first_fit (Zephyr's
// selection: the regions of an attribute in insertion order), a spinlock.
//
// Freestanding like the rest of the core. The pool lives in zero-initialised
// static storage (.bss) and is constructed in place by shared_multi_heap_pool_init():
//  - no static constructor (.init_array), guard variable or atexit registration,
//    so the API works on a bare MCU whatever its C++ start-up code does;
//  - no initialised-data image: a constant-initialised pool would be .data
//    (BasicPool's engine holds pointers into the pool itself, so its initial
//    bytes are not all zero) and cost its full size in flash too;
//  - it is never destroyed.
// Every other call first loads the pool pointer (acquire); until init has
// published it (release) they behave as "not initialised".
#include "zephyr/multi_heap/shared_multi_heap.h"

#include <errno.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "smh/assert.hpp"
#include "smh/locks.hpp"
#include "smh/pool.hpp"
#include "smh/pool_types.hpp"
#include "smh/status.hpp"

// Capacities, overridable with -D (Zephyr sets its limits through Kconfig).
#ifndef SMH_ZEPHYR_MAX_REGIONS
#define SMH_ZEPHYR_MAX_REGIONS 8
#endif
#ifndef SMH_ZEPHYR_MAX_REGIONS_PER_ATTR
#define SMH_ZEPHYR_MAX_REGIONS_PER_ATTR SMH_ZEPHYR_MAX_REGIONS
#endif

static_assert(SMH_ZEPHYR_MAX_REGIONS >= 1 && SMH_ZEPHYR_MAX_REGIONS <= 255,
              "SMH_ZEPHYR_MAX_REGIONS must be in [1, 255]");
static_assert(SMH_ZEPHYR_MAX_REGIONS_PER_ATTR >= 1 &&
                  SMH_ZEPHYR_MAX_REGIONS_PER_ATTR <= SMH_ZEPHYR_MAX_REGIONS,
              "SMH_ZEPHYR_MAX_REGIONS_PER_ATTR must be in [1, SMH_ZEPHYR_MAX_REGIONS]");

// The C enum and smh's exact-mode attribute ids must agree.
static_assert(SMH_REG_ATTR_CACHEABLE == smh::attr::cacheable);
static_assert(SMH_REG_ATTR_NON_CACHEABLE == smh::attr::non_cacheable);
static_assert(SMH_REG_ATTR_EXTERNAL == smh::attr::external);

namespace {

// first_fit only (Zephyr's one selection, and the only policy this API sets):
// the image links no other policy's code.
using ZephyrPool = smh::BasicPool<SMH_ZEPHYR_MAX_REGIONS, SMH_ZEPHYR_MAX_REGIONS_PER_ATTR,
                                  MAX_SHARED_MULTI_HEAP_ATTR, smh::SpinLock, smh::first_fit_only>;
static_assert(std::is_trivially_destructible_v<ZephyrPool>,
              "the pool is never destroyed: it must not need a destructor");

alignas(ZephyrPool) unsigned char pool_storage[sizeof(ZephyrPool)];
std::atomic_flag pool_claimed = ATOMIC_FLAG_INIT;  // set by the first init
std::atomic<ZephyrPool*> pool_ready{nullptr};       // published once constructed and initialised

ZephyrPool* ready_pool() { return pool_ready.load(std::memory_order_acquire); }

// smh::Status to Zephyr's errno results: a full pool is -ENOMEM, a second init
// -EALREADY, everything else a caller can get wrong (including add before init)
// -EINVAL.
int to_errno(smh::Status status) {
  switch (status) {
    case smh::Status::ok:
      return 0;
    case smh::Status::already_initialized:
      return -EALREADY;
    case smh::Status::capacity_exceeded:
    case smh::Status::out_of_memory:
      return -ENOMEM;
    case smh::Status::invalid_argument:
    case smh::Status::not_initialized:
    case smh::Status::region_misaligned:
    case smh::Status::region_too_small:
    case smh::Status::region_too_large:
    case smh::Status::pointer_outside_region:
    case smh::Status::pointer_not_block:
    case smh::Status::double_free:
    case smh::Status::metadata_corrupted:
    case smh::Status::unknown_attribute:
    case smh::Status::region_null:
    case smh::Status::region_overlap:
    case smh::Status::region_out_of_range:
      return -EINVAL;
  }
  return -EINVAL;
}

// The attribute parameter as an integer. C callers may pass any value of the
// enum's integer type (out of range ones included: the API returns NULL for
// them), but in C++ an enum without a fixed underlying type only holds the values
// of its enumerators' bit range, so the parameter is never read as the enum (a
// load UBSan's -fsanitize=enum would flag): its bytes are copied out instead.
std::uint32_t attr_value(const enum shared_multi_heap_attr& attr) {
  std::underlying_type_t<enum shared_multi_heap_attr> raw;
  static_assert(sizeof raw == sizeof attr);
  __builtin_memcpy(&raw, &attr, sizeof raw);
  return static_cast<std::uint32_t>(raw);
}

bool attr_in_range(std::uint32_t attr) {
  return attr < static_cast<std::uint32_t>(MAX_SHARED_MULTI_HEAP_ATTR);
}

// Only the pool pointer is checked: the pool itself returns nullptr for an
// unknown attribute or a size of 0. One out-of-line copy for both entry points
// (inlined into each, the -Os image is 16 B larger).
[[gnu::noinline]] void* aligned_alloc_checked(std::uint32_t attr, std::size_t align, std::size_t bytes) {
  ZephyrPool* pool = ready_pool();
  if (pool == nullptr) {
    return nullptr;
  }
  return pool->aligned_alloc(attr, align, bytes);
}

}  // namespace

extern "C" {

int shared_multi_heap_pool_init(void) {
  if (pool_claimed.test_and_set(std::memory_order_acq_rel)) {
    return -EALREADY;
  }
  ZephyrPool* pool = ::new (static_cast<void*>(pool_storage)) ZephyrPool();
  smh::PoolConfig config;
  config.mode = smh::MatchMode::exact;
  config.policy = smh::Policy::first_fit;
  // A fresh pool, a valid mode and a policy in its set: init() cannot refuse.
  const smh::Status status = pool->init(config);
  SMH_ASSERT(status == smh::Status::ok);
  (void)status;
  pool_ready.store(pool, std::memory_order_release);
  return 0;
}

int shared_multi_heap_add(struct shared_multi_heap_region* region, void* user_data) {
  ZephyrPool* pool = ready_pool();
  if (pool == nullptr || region == nullptr) {
    return -EINVAL;  // add before init, or no region
  }
  // As Zephyr's sys_heap_init: the start rounded up and the end rounded down to
  // 8 bytes (its chunk unit, smh's granule), so any region that holds a whole
  // granule pair is accepted wherever it starts.
  constexpr std::uintptr_t granule_mask = smh::Heap::granule_bytes - 1;
  const std::uintptr_t start = (region->addr + granule_mask) & ~granule_mask;
  const std::uintptr_t lost_bytes = start - region->addr;
  if (start < region->addr || lost_bytes > region->size) {
    return -EINVAL;  // rounding wraps the address space, or leaves nothing
  }
  smh::RegionConfig config;
  config.address = start;
  config.size_bytes = (region->size - lost_bytes) & ~granule_mask;
  config.attr = region->attr;  // out of range: the pool refuses it (unknown_attribute)
  return to_errno(pool->add(config, user_data));
}

void* shared_multi_heap_alloc(enum shared_multi_heap_attr attr, size_t bytes) {
  return aligned_alloc_checked(attr_value(attr), 0, bytes);
}

void* shared_multi_heap_aligned_alloc(enum shared_multi_heap_attr attr, size_t align, size_t bytes) {
  return aligned_alloc_checked(attr_value(attr), align, bytes);
}

void* shared_multi_heap_realloc(enum shared_multi_heap_attr attr, void* ptr, size_t bytes) {
  ZephyrPool* pool = ready_pool();
  const std::uint32_t id = attr_value(attr);
  if (pool == nullptr || !attr_in_range(id)) {
    return nullptr;  // checked first so that bytes == 0 does not free through a bad call
  }
  return pool->realloc(id, ptr, bytes);
}

void shared_multi_heap_free(void* block) {
  ZephyrPool* pool = ready_pool();
  if (pool == nullptr) {
    return;  // nothing can have been allocated yet
  }
  // NULL is a no-op; anything that is not a live block is refused by the pool
  // (reported through its error hook, none installed here) and never reaches a heap.
  (void)pool->free(block);
}

}  // extern "C"
