// Stack high-water of the allocator's calls, measured on the target (stack is
// the scarce resource on a microcontroller): before each call the stack below
// the caller is painted with a pattern, and after it the deepest word the call
// changed is found. Every call of a seeded workload (heap: alloc, aligned_alloc,
// realloc that moves or grows, free that merges; the pool through the Zephyr C
// API on three regions) is measured, and the deepest of each kind is printed.
// The program fails when a call needs more than stack_budget_bytes, the figure
// docs/ARCHITECTURE.md states.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>

#include "smh/heap.hpp"
#include "zephyr/multi_heap/shared_multi_heap.h"

namespace {

constexpr std::uint32_t paint_word = 0x5A5A'C3C3u;
constexpr std::size_t paint_bytes = 4096;    // painted below the caller's frame
constexpr std::size_t stack_budget_bytes = 640;  // a ratchet: the deepest call (pool realloc, 584 B) when it was set

// The stack pointer of the function that calls this (inlined into it).
__attribute__((always_inline)) inline std::uintptr_t stack_pointer() {
  std::uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

// Leaf functions kept out of line: their own frames stay above `low`.
__attribute__((noinline)) void paint(std::uint32_t* low, std::uint32_t* high) {
  for (std::uint32_t* word = low; word < high; ++word) {
    *static_cast<volatile std::uint32_t*>(word) = paint_word;
  }
}

__attribute__((noinline)) std::uint32_t* deepest_changed(std::uint32_t* low, std::uint32_t* high) {
  for (std::uint32_t* word = low; word < high; ++word) {
    if (*static_cast<volatile std::uint32_t*>(word) != paint_word) {
      return word;
    }
  }
  return high;
}

struct Deepest {
  const char* name;
  std::size_t bytes = 0;
  unsigned calls = 0;
};

// Runs `call` with the stack below this frame painted, and records how deep it
// went (bytes below this function's stack pointer).
template <class Call>
__attribute__((noinline)) auto measured(Deepest& deepest, Call call) {
  const std::uintptr_t sp = stack_pointer();
  auto* high = reinterpret_cast<std::uint32_t*>(sp - 64);  // room for paint()'s own frame
  auto* low = reinterpret_cast<std::uint32_t*>(sp - paint_bytes);
  paint(low, high);
  auto result = call();
  const std::uint32_t* changed = deepest_changed(low, high);
  const std::size_t depth = sp - reinterpret_cast<std::uintptr_t>(changed);
  deepest.bytes = depth > deepest.bytes ? depth : deepest.bytes;
  ++deepest.calls;
  return result;
}

// xorshift64, as in the layout probe: the same workload on every run.
std::uint64_t rng_state = 0x57AC'4000'0000'0001ull;
std::uint32_t next_below(std::uint32_t bound) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return static_cast<std::uint32_t>(rng_state % bound);
}

constexpr std::size_t slot_count = 128;
constexpr int op_count = 4000;

alignas(4096) unsigned char heap_region[64 * 1024];
alignas(4096) unsigned char pool_regions[3][32 * 1024];

Deepest heap_alloc{"heap alloc"}, heap_aligned_alloc{"heap aligned_alloc"}, heap_realloc{"heap realloc"},
    heap_free{"heap free"}, pool_alloc{"pool alloc"}, pool_aligned_alloc{"pool aligned_alloc"},
    pool_realloc{"pool realloc"}, pool_free{"pool free"};

bool run_heap() {
  smh::Heap heap;
  if (heap.init(heap_region, sizeof heap_region) != smh::Status::ok) {
    return false;
  }
  void* slots[slot_count] = {};
  for (int op = 0; op < op_count; ++op) {
    void*& slot = slots[next_below(slot_count)];
    const std::size_t size = 1 + next_below(1500);
    if (slot == nullptr) {
      if (next_below(4) == 0) {
        const std::size_t align = std::size_t{16} << next_below(7);
        slot = measured(heap_aligned_alloc, [&] { return heap.aligned_alloc(align, size); });
      } else {
        slot = measured(heap_alloc, [&] { return heap.alloc(size); });
      }
    } else if (next_below(3) == 0) {
      void* moved = measured(heap_realloc, [&] { return heap.realloc(slot, size); });
      slot = moved != nullptr ? moved : slot;
    } else {
      if (measured(heap_free, [&] { return heap.free(slot); }) != smh::Status::ok) {
        return false;
      }
      slot = nullptr;
    }
  }
  return heap.validate().ok();
}

bool run_pool() {
  if (shared_multi_heap_pool_init() != 0) {
    return false;
  }
  const enum shared_multi_heap_attr attrs[3] = {SMH_REG_ATTR_CACHEABLE, SMH_REG_ATTR_NON_CACHEABLE,
                                                SMH_REG_ATTR_CACHEABLE};
  for (int i = 0; i < 3; ++i) {
    shared_multi_heap_region region{};
    region.attr = attrs[i];
    region.addr = reinterpret_cast<std::uintptr_t>(pool_regions[i]);
    region.size = sizeof pool_regions[i];
    if (shared_multi_heap_add(&region, nullptr) != 0) {
      return false;
    }
  }
  void* slots[slot_count] = {};
  enum shared_multi_heap_attr slot_attr[slot_count] = {};
  for (int op = 0; op < op_count; ++op) {
    const std::size_t index = next_below(slot_count);
    void*& slot = slots[index];
    const std::size_t size = 1 + next_below(1500);
    if (slot == nullptr) {
      slot_attr[index] = attrs[next_below(2)];
      if (next_below(4) == 0) {
        const std::size_t align = std::size_t{16} << next_below(7);
        slot = measured(pool_aligned_alloc,
                        [&] { return shared_multi_heap_aligned_alloc(slot_attr[index], align, size); });
      } else {
        slot = measured(pool_alloc, [&] { return shared_multi_heap_alloc(slot_attr[index], size); });
      }
    } else if (next_below(3) == 0) {
      void* moved = measured(pool_realloc, [&] { return shared_multi_heap_realloc(slot_attr[index], slot, size); });
      slot = moved != nullptr ? moved : slot;
    } else {
      measured(pool_free, [&] {
        shared_multi_heap_free(slot);
        return 0;
      });
      slot = nullptr;
    }
  }
  return true;
}

}  // namespace

int main() {
  const bool heap_ok = run_heap();
  const bool pool_ok = run_pool();
  std::printf("stack high-water per call (bytes below the caller's frame), budget %u:\n",
              static_cast<unsigned>(stack_budget_bytes));
  bool within_budget = true;
  for (const Deepest* deepest : {&heap_alloc, &heap_aligned_alloc, &heap_realloc, &heap_free, &pool_alloc,
                                 &pool_aligned_alloc, &pool_realloc, &pool_free}) {
    std::printf("  %-20s %4u bytes over %u calls\n", deepest->name, static_cast<unsigned>(deepest->bytes),
                deepest->calls);
    within_budget = within_budget && deepest->bytes <= stack_budget_bytes && deepest->calls > 0;
  }
  std::printf("heap workload: %s, pool workload: %s, budget: %s\n", heap_ok ? "ok" : "FAILED",
              pool_ok ? "ok" : "FAILED", within_budget ? "met" : "EXCEEDED");
  return heap_ok && pool_ok && within_budget ? 0 : 1;
}
