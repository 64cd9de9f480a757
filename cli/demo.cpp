// `smh demo`: a guided tour of smh::Heap. Every line reports offsets from the
// region base (never host pointers), so the output is the same on every machine.
#include "demo.hpp"

#include <cstddef>
#include <cstdio>

#include "region_map.hpp"
#include "smh/heap.hpp"

namespace smh::cli {

namespace {

constexpr std::size_t region_bytes = 64 * 1024;
constexpr std::size_t map_bytes_per_cell = 128;
constexpr std::size_t map_cells_per_line = 64;  // one line = 8 KiB

alignas(64) unsigned char region[region_bytes];

class Demo {
 public:
  bool init() {
    const Status status = heap_.init(region, region_bytes);
    char call[48];
    std::snprintf(call, sizeof call, "init(%zu bytes)", region_bytes);
    std::printf("%-32s  -> %s; blocks tile [0, %zu), the block-start bitmap follows\n", call,
                to_string(status), heap_.block_area_bytes());
    return expect(status == Status::ok);
  }

  void* alloc(const char* name, std::size_t size_bytes) {
    void* ptr = heap_.alloc(size_bytes);
    char call[48];
    std::snprintf(call, sizeof call, "alloc(%zu)", size_bytes);
    report_block(name, call, ptr);
    return ptr;
  }

  void* aligned_alloc(const char* name, std::size_t align_bytes, std::size_t size_bytes) {
    void* ptr = heap_.aligned_alloc(align_bytes, size_bytes);
    char call[48];
    std::snprintf(call, sizeof call, "aligned_alloc(%zu, %zu)", align_bytes, size_bytes);
    report_block(name, call, ptr);
    if (ptr != nullptr) {
      std::printf("%34s offset %% %zu = %zu\n", "", align_bytes, offset_of(ptr) % align_bytes);
    }
    return ptr;
  }

  void* realloc(const char* name, void* ptr, std::size_t size_bytes) {
    const std::size_t old_offset = offset_of(ptr);
    void* moved_to = heap_.realloc(ptr, size_bytes);
    char call[48];
    std::snprintf(call, sizeof call, "realloc(%s, %zu)", name, size_bytes);
    report_block(name, call, moved_to);
    if (moved_to != nullptr) {
      if (offset_of(moved_to) == old_offset) {
        std::printf("%34s in place: grew into the free right neighbour\n", "");
      } else {
        std::printf("%34s moved from %zu (contents copied, old block freed)\n", "", old_offset);
      }
    }
    return moved_to;
  }

  void free(const char* name, void* ptr) {
    const std::size_t offset = offset_of(ptr);
    const Status status = heap_.free(ptr);
    char call[48];
    std::snprintf(call, sizeof call, "free(%s)", name);
    std::printf("%-32s  -> %s (block at %zu released)\n", call, to_string(status), offset);
    expect(status == Status::ok);
  }

  void show_map(const char* title) const {
    std::printf("\nregion map, %s (1 char = %zu bytes; M metadata, # used, + partly used, . free)\n%s\n",
                title, map_bytes_per_cell,
                render_region_map(heap_, map_bytes_per_cell, map_cells_per_line).c_str());
  }

  void show_stats() const {
    const HeapStats s = heap_.stats();
    const double f_ext =
        s.free_bytes == 0
            ? 0.0
            : 1.0 - static_cast<double>(s.largest_free_block_bytes) / static_cast<double>(s.free_bytes);
    std::printf("stats\n");
    std::printf("  capacity            %6zu bytes\n", s.capacity_bytes);
    std::printf("  free                %6zu bytes in %zu block(s)\n", s.free_bytes, s.free_block_count);
    std::printf("  allocated           %6zu bytes requested, %zu usable, in %zu block(s)\n",
                s.allocated_requested_bytes, s.allocated_usable_bytes, s.allocated_block_count);
    std::printf("  overhead            %6zu bytes (bitmap + headers of live blocks)\n", s.overhead_bytes);
    std::printf("  largest free block  %6zu bytes (F_ext = %.3f)\n", s.largest_free_block_bytes, f_ext);
    std::printf("  high water          %6zu bytes from the base\n", s.high_water_bytes);
    std::printf("  peak requested      %6zu bytes, minimum free ever %zu bytes\n",
                s.peak_allocated_requested_bytes, s.min_free_bytes);
    std::printf("  operations          %llu allocs, %llu frees, %llu failed\n",
                static_cast<unsigned long long>(s.alloc_count),
                static_cast<unsigned long long>(s.free_count),
                static_cast<unsigned long long>(s.failed_alloc_count));
  }

  bool show_validation() {
    const ValidationReport report = heap_.validate();
    if (report.ok()) {
      std::printf("validate: ok\n");
    } else {
      std::printf("validate: FAILED, %s at offset %zu\n", to_string(report.check), report.offset_bytes);
    }
    return expect(report.ok());
  }

  [[nodiscard]] bool all_steps_ok() const { return all_ok_; }

 private:
  static std::size_t offset_of(const void* ptr) {
    return static_cast<std::size_t>(static_cast<const unsigned char*>(ptr) - region);
  }

  void report_block(const char* name, const char* call, const void* ptr) {
    if (ptr == nullptr) {
      std::printf("%-32s  -> nullptr: unexpected in this demo\n", call);
      expect(false);
      return;
    }
    std::printf("%-32s  -> %s at offset %5zu, usable %zu bytes\n", call, name, offset_of(ptr),
                heap_.usable_size(ptr));
  }

  bool expect(bool condition) {
    all_ok_ = all_ok_ && condition;
    return condition;
  }

  Heap heap_;
  bool all_ok_ = true;
};

}  // namespace

int run_demo() {
  std::printf("smh demo: one smh::Heap over a %zu-byte static region; offsets are bytes from its base\n\n",
              region_bytes);
  Demo demo;
  if (!demo.init()) {
    return 1;
  }

  void* a = demo.alloc("a", 24);
  void* b = demo.alloc("b", 100);
  void* c = demo.alloc("c", 1000);
  demo.aligned_alloc("d", 64, 200);
  void* e = demo.alloc("e", 4000);
  void* f = demo.alloc("f", 12000);
  demo.show_map("after six allocations");

  demo.free("b", b);
  demo.realloc("a", a, 120);   // b's space is free to a's right: grows in place
  demo.realloc("c", c, 6000);  // d is in the way: moves
  demo.free("e", e);
  demo.free("f", f);

  demo.show_map("at the end (a, c and d still live)");
  demo.show_stats();
  const bool valid = demo.show_validation();
  return valid && demo.all_steps_ok() ? 0 : 1;
}

}  // namespace smh::cli
