// Layout probe: runs one fixed pseudo-random sequence of heap calls over a 1 MiB
// region and prints, per operation, the payload offset (pointer minus region base)
// and usable size it got, then the final statistics. Then small regions at many
// base offsets go through generated fill / punch-holes / search sequences — the
// cases of props/layout_props.cpp, whose predictor the 64-bit core must match:
// failures, alignment gaps, in-place reallocs, long size-class lists. The program
// is built natively and with -m32; the test layout_32_equals_64 requires both
// outputs to be byte-identical, which is the "offsets, not pointers" rule of the
// core; a digest of the headers' bytes shows their words are laid out alike too.
//
// Nothing printed may depend on the word size or on host addresses.
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "smh/heap.hpp"
#include "support/print_heap_stats.hpp"

namespace {

constexpr std::size_t region_bytes = std::size_t{1} << 20;
constexpr std::size_t slot_count = 256;
constexpr int op_count = 2000;
constexpr std::uint64_t seed = 0x5EED'1A70'0000'0001ull;

alignas(4096) unsigned char region[region_bytes];

// xorshift64: tiny, deterministic, the same on every platform.
class XorShift64 {
 public:
  explicit XorShift64(std::uint64_t state) : state_(state) {}
  std::uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  // Uniform enough in [low, high]; the bias of % is irrelevant here.
  std::size_t between(std::size_t low, std::size_t high) {
    return low + static_cast<std::size_t>(next() % (std::uint64_t{high} - low + 1));
  }

 private:
  std::uint64_t state_;
};

// Every number is printed with %llu (support/print_heap_stats.hpp says why).
using smh::test::ull;

std::size_t offset_of(const void* ptr) {
  return static_cast<std::size_t>(static_cast<const unsigned char*>(ptr) - region);
}

// Prints "-> offset N usable U" or "-> null".
void print_result(const smh::Heap& heap, const void* ptr) {
  if (ptr == nullptr) {
    std::printf(" -> null\n");
  } else {
    std::printf(" -> offset %llu usable %llu\n", ull(offset_of(ptr)), ull(heap.usable_size(ptr)));
  }
}

void print_stats(const char* title, const smh::Heap& heap) { smh::test::print_heap_stats("", title, heap.stats()); }

// The headers' byte image (two 32-bit words each, detail/block_header.hpp): an
// FNV-1a digest of every block's 8 header bytes, in block order. Equal on 32-
// and 64-bit builds only if the header words are laid out alike there.
void print_header_digest(const smh::Heap& heap) {
  std::uint64_t digest = 0xcbf2'9ce4'8422'2325ull;
  unsigned long long blocks = 0;
  (void)heap.walk([&digest, &blocks](const smh::BlockInfo& block) {
    for (std::size_t i = 0; i < smh::Heap::header_bytes; ++i) {
      digest = (digest ^ region[block.block_offset_bytes + i]) * 0x100'0000'01b3ull;
    }
    ++blocks;
  });
  std::printf("header bytes of %llu blocks: digest %016llx\n", blocks, static_cast<unsigned long long>(digest));
}

bool report_validation(const smh::Heap& heap, int op) {
  const smh::ValidationReport report = heap.validate();
  if (report.ok()) {
    return true;
  }
  std::printf("validate failed after op %d: %s at offset %llu\n", op, smh::to_string(report.check),
              ull(report.offset_bytes));
  return false;
}

// One small region at `offset_bytes` into the static buffer: fill it with blocks
// of a few sizes (some 16-aligned), free a third of them in a scrambled order,
// then aligned requests, reallocs and frees. Prints every offset.
bool probe_small_region(int index, XorShift64& rng) {
  const std::size_t size = rng.between(24, 8192);
  const std::size_t offset_bytes = 8 * rng.between(0, 511);
  smh::Heap heap;
  unsigned char* base = region + offset_bytes;
  std::printf("small %d: %llu bytes at +%llu -> %s\n", index, ull(size), ull(offset_bytes),
              smh::to_string(heap.init(base, size)));
  const std::size_t sizes[3] = {rng.between(1, 96), rng.between(1, 96), rng.between(1, 1100)};
  constexpr std::size_t small_slots = 512;
  void* slots[small_slots] = {};
  auto offset = [base](const void* ptr) {
    return ptr == nullptr ? std::size_t{0} : static_cast<std::size_t>(static_cast<const unsigned char*>(ptr) - base);
  };
  const std::size_t fill = size / 16 + 1 < small_slots ? size / 16 + 1 : small_slots;
  for (std::size_t i = 0; i < fill; ++i) {
    // Two draws, sequenced: as arguments of one call their order would be the
    // compiler's choice (GCC for x86 and for ARM chose differently).
    const std::size_t align = rng.between(0, 5) == 0 ? 16 : 0;
    const std::size_t n = sizes[rng.between(0, 2)];
    slots[i] = heap.aligned_alloc(align, n);
    std::printf(" %llu", ull(offset(slots[i])));
  }
  for (std::size_t i = 0; i < fill; ++i) {
    const std::size_t slot = (i * 7 + 3) % fill;
    if (slots[slot] != nullptr && rng.between(0, 2) == 0) {
      std::printf(" f%llu", ull(offset(slots[slot])));
      if (heap.free(slots[slot]) != smh::Status::ok) {
        return false;
      }
      slots[slot] = nullptr;
    }
  }
  for (int op = 0; op < 200; ++op) {
    const std::size_t slot = rng.between(0, small_slots - 1);
    const std::size_t align = rng.between(0, 2) == 0 ? 0 : std::size_t{1} << rng.between(0, 11);
    const std::size_t n = rng.between(0, 3) != 0 ? sizes[rng.between(0, 2)] : rng.between(1, size + 64);
    if (slots[slot] == nullptr) {
      slots[slot] = heap.aligned_alloc(align, n);
      std::printf(" a%llu", ull(offset(slots[slot])));
    } else if (rng.between(0, 1) == 0) {
      void* moved = heap.aligned_realloc(slots[slot], align, n);
      std::printf(" r%llu", ull(offset(moved)));
      slots[slot] = moved != nullptr ? moved : slots[slot];
    } else {
      if (heap.free(slots[slot]) != smh::Status::ok) {
        return false;
      }
      slots[slot] = nullptr;
    }
  }
  std::printf("\n");
  return heap.validate().ok();
}

}  // namespace

int main() {
  smh::Heap heap;
  const smh::Status init_status = heap.init(region, region_bytes);
  std::printf("init %llu bytes -> %s, block area %llu bytes\n", ull(region_bytes), smh::to_string(init_status),
              ull(heap.block_area_bytes()));
  if (init_status != smh::Status::ok) {
    return 1;
  }

  void* slots[slot_count] = {};
  XorShift64 rng(seed);
  bool valid = true;

  for (int op = 0; op < op_count && valid; ++op) {
    const std::size_t slot = rng.between(0, slot_count - 1);
    const std::size_t size = rng.between(1, 3000);
    const std::size_t choice = rng.between(0, 3);
    std::printf("%4d ", op);
    if (slots[slot] == nullptr) {
      if (choice == 0) {
        const std::size_t align = std::size_t{16} << rng.between(0, 6);  // 16 .. 1024
        std::printf("aligned_alloc(%llu, %llu)", ull(align), ull(size));
        slots[slot] = heap.aligned_alloc(align, size);
      } else {
        std::printf("alloc(%llu)", ull(size));
        slots[slot] = heap.alloc(size);
      }
      print_result(heap, slots[slot]);
    } else if (choice <= 1) {
      std::printf("free(%llu) -> %s\n", ull(offset_of(slots[slot])), smh::to_string(heap.free(slots[slot])));
      slots[slot] = nullptr;
    } else {
      void* result = nullptr;
      if (choice == 2) {
        std::printf("realloc(%llu, %llu)", ull(offset_of(slots[slot])), ull(size));
        result = heap.realloc(slots[slot], size);
      } else {
        const std::size_t align = std::size_t{16} << rng.between(0, 6);
        std::printf("aligned_realloc(%llu, %llu, %llu)", ull(offset_of(slots[slot])), ull(align), ull(size));
        result = heap.aligned_realloc(slots[slot], align, size);
      }
      print_result(heap, result);
      if (result != nullptr) {  // on failure the old block stays live
        slots[slot] = result;
      }
    }
    valid = report_validation(heap, op);
  }

  print_stats("stats after the sequence", heap);
  print_header_digest(heap);
  for (void*& ptr : slots) {
    if (ptr != nullptr && heap.free(ptr) != smh::Status::ok) {
      std::printf("free of a live block failed at offset %llu\n", ull(offset_of(ptr)));
      valid = false;
    }
    ptr = nullptr;
  }
  print_stats("stats after freeing everything", heap);
  valid = report_validation(heap, op_count) && valid;
  XorShift64 small_rng(seed ^ 0x5A11);
  for (int index = 0; index < 64 && valid; ++index) {
    valid = probe_small_region(index, small_rng);
  }
  std::printf("validate: %s\n", valid ? "ok" : "FAILED");
  return valid ? 0 : 1;
}
