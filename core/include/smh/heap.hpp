// smh::Heap — a bounded-time allocator over one contiguous region.
//
// Layout of the region (all positions are granule offsets from its base):
//
//   [ block | block | ... | block | block-start bitmap | < 8 bytes unused ]
//
// * Blocks tile [0, end) with no gap. The first block starts at offset 0, so the
//   first payload is at offset 8 whatever the region size, and every offset the
//   heap returns follows from the call sequence and the base's alignment alone.
// * Every block begins with one 8-byte header (detail/block_header.hpp): its size,
//   its left neighbour's size and free bit (boundary tag), a used bit and the slack
//   between the usable and the requested size. Free blocks keep their free-list
//   links in the first payload granule, so the smallest block is 16 bytes.
// * The block-start bitmap holds one bit per block granule (1/64 of the region),
//   set where a block begins. It makes the pointer checks of free()/realloc()
//   exact: an interior pointer, a pointer into a coalesced block or a double free
//   is recognised without trusting bytes the user may have written.
// * The control structure (this object: free-list heads, the two-level class bitmap
//   and the counters) lives wherever the caller puts the Heap — typically fast,
//   cacheable RAM — so slow or non-cacheable regions are touched only at the two or
//   three headers an operation needs.
//
// Free blocks are segregated into size classes (detail/size_class.hpp), 32 per
// power of two, exact below 512 bytes. A class bitmap with count-trailing-zeros
// finds the smallest non-empty class that can serve a request in O(1).
//
// Not thread-safe: the pool serialises access to each heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "smh/detail/size_class.hpp"
#include "smh/heap_types.hpp"
#include "smh/status.hpp"

namespace smh {

class Heap {
 public:
  static constexpr std::size_t granule_bytes = 8;
  static constexpr std::size_t header_bytes = 8;
  static constexpr std::size_t min_block_bytes = 16;
  static constexpr std::size_t default_align_bytes = 8;
  // Smallest region init() accepts: one bitmap word and one minimal block.
  static constexpr std::size_t min_region_bytes = 8 + min_block_bytes;
  // Block sizes are 29-bit granule counts in the header.
  static constexpr std::size_t max_region_bytes =
      static_cast<std::size_t>(detail::max_block_granules) * granule_bytes;

  Heap() = default;
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // Takes ownership of [memory, memory + size_bytes). memory must be 8-byte
  // aligned and size_bytes at most max_region_bytes; bytes past the last whole
  // granule stay unused (counted as overhead; capacity is size_bytes). A heap can
  // be initialised once; init() on an initialised heap returns already_initialized.
  Status init(void* memory, std::size_t size_bytes);
  [[nodiscard]] bool initialized() const { return base_ != nullptr; }

  // nullptr for size 0, an impossible request (size or alignment), or no memory.
  // Every nullptr but size 0 counts as a failed allocation and fires
  // on_alloc_failed; an invalid alignment also fires on_error(invalid_argument).
  void* alloc(std::size_t size_bytes);
  // align_bytes: 0 (meaning 8) or a power of two no larger than the region.
  void* aligned_alloc(std::size_t align_bytes, std::size_t size_bytes);

  // realloc(nullptr, n) allocates; realloc(p, 0) frees and returns nullptr. In place
  // when possible (shrink, or grow into a free right neighbour), else allocate,
  // copy min(usable, n) bytes, free. On failure the old block is untouched.
  void* realloc(void* ptr, std::size_t size_bytes);
  void* aligned_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes);
  ReallocResult try_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes);
  // Resizes a live block (size_bytes > 0) without moving it: ok, or out_of_memory
  // when its alignment or neighbourhood does not allow it (the block is then
  // unchanged and no failure is counted: the caller may move it). The pool uses
  // this to keep realloc's copy outside its lock.
  Status resize_in_place(void* ptr, std::size_t align_bytes, std::size_t size_bytes);

  // free(nullptr) is a no-op returning ok. Anything that is not a live block of
  // this heap is refused with a status (and the error hook); the heap is unchanged.
  Status free(void* ptr);

  // Whether aligned_alloc(align_bytes, size_bytes) would succeed now: the same
  // search, without taking the block. The pool's policies rely on it so that the
  // region they choose never fails the allocation.
  [[nodiscard]] bool can_alloc(std::size_t align_bytes, std::size_t size_bytes) const;

  // A request measured once (granules, size classes) so that several heaps can be
  // asked about it cheaply: the pool asks every candidate region.
  struct Request {
    std::size_t align_bytes = 0;
    std::uint32_t need_granules = 0;   // block size, header included
    std::uint32_t align_granules = 1;
    std::uint32_t low_class = 0;       // class_of(need): no smaller class can fit
    std::uint32_t sure_class = 0;      // every block in a higher class fits
    bool well_formed = false;          // size in range, alignment a power of two
  };
  [[nodiscard]] static Request make_request(std::size_t align_bytes, std::size_t size_bytes);
  [[nodiscard]] bool can_alloc(const Request& request) const;
  [[nodiscard]] std::size_t free_bytes() const {
    return static_cast<std::size_t>(free_granules_) * granule_bytes;
  }
  [[nodiscard]] std::size_t largest_free_block_bytes() const {
    return largest_free_block_granules() * granule_bytes;
  }
  // O(1) lower bound of largest_free_block_bytes() from the class bitmap: the
  // smallest size of the highest non-empty class (within 1/32 of the exact
  // figure). Heaps with different floors are ordered like their largest blocks.
  [[nodiscard]] std::size_t largest_free_block_floor_bytes() const;

  // Usable bytes of a live block; 0 for anything else (no error hook).
  [[nodiscard]] std::size_t usable_size(const void* ptr) const;
  // Whether ptr lies in this heap's region (any byte of it).
  [[nodiscard]] bool contains(const void* ptr) const;
  // Whether ptr is the payload start of a live block (exact, O(1)).
  [[nodiscard]] bool is_live_block(const void* ptr) const;

  [[nodiscard]] HeapStats stats() const;
  // Full structural check; never trusts a header before bounds-checking it, so a
  // corrupted heap yields a report, not a crash. O(blocks + classes).
  [[nodiscard]] ValidationReport validate() const;

  // Visits every block in address order. Stops early (returning false) if a
  // header is inconsistent; the visitor sees only blocks that passed the checks.
  using BlockVisitor = void (*)(void* context, const BlockInfo& block);
  bool walk(BlockVisitor visitor, void* context) const;
  template <class Fn>
  bool walk(Fn&& fn) const {
    return walk([](void* context, const BlockInfo& block) { (*static_cast<Fn*>(context))(block); },
                static_cast<void*>(&fn));
  }

  void set_hooks(const HeapHooks& hooks) { hooks_ = hooks; }
  [[nodiscard]] const HeapHooks& hooks() const { return hooks_; }

  [[nodiscard]] void* base() const { return base_; }
  [[nodiscard]] std::size_t region_bytes() const { return region_bytes_; }
  // Bytes the blocks tile, from the base; the start bitmap follows them.
  [[nodiscard]] std::size_t block_area_bytes() const {
    return static_cast<std::size_t>(end_g_) * granule_bytes;
  }

 private:
  using Granule = std::uint32_t;  // a granule offset or count
  static constexpr Granule no_block = 0xFFFF'FFFFu;

  struct Placement;   // where an allocation lands inside a chosen free block
  struct ScanTotals;  // what a checked walk over all blocks measured
  struct ResizeRequest {  // a checked realloc request
    Granule block;
    std::uint64_t header;
    Granule align_granules;
    Granule need;
  };

  // Header and link access (memcpy-based: the region is untyped storage).
  [[nodiscard]] std::uint64_t load_header(Granule block) const;
  void store_header(Granule block, std::uint64_t header);
  [[nodiscard]] Granule block_size(Granule block) const;
  void set_left_of_next(Granule block, Granule size, bool free);
  [[nodiscard]] Granule next_link(Granule block) const;
  [[nodiscard]] Granule prev_link(Granule block) const;
  void store_links(Granule block, Granule next, Granule prev);
  void set_next_link(Granule block, Granule next);
  void set_prev_link(Granule block, Granule prev);
  // Whether a link read from the region can name a block (a block has >= 2
  // granules, so none starts at the last granule); no_block is not.
  [[nodiscard]] bool link_in_area(Granule link) const { return link < end_g_ - 1; }

  // Block-start bitmap.
  [[nodiscard]] bool is_block_start(Granule granule) const;
  void mark_block_start(Granule granule);
  void clear_block_start(Granule granule);

  // Free lists.
  void insert_free(Granule block, Granule size);
  void remove_free(Granule block, Granule size);
  [[nodiscard]] unsigned first_nonempty_class_from(unsigned class_index) const;
  [[nodiscard]] unsigned last_nonempty_class() const;

  // Allocation.
  [[nodiscard]] bool normalise_alignment(std::size_t align_bytes, Granule* align_granules) const;
  [[nodiscard]] bool fits(Granule block, Granule size, Granule need, Granule align_granules,
                          Placement* out) const;
  [[nodiscard]] bool find_block(Granule need, Granule align_granules, Placement* out) const;
  [[nodiscard]] bool scan_spanned_classes(unsigned low, unsigned high, Granule need,
                                          Granule align_granules, Placement* out) const;
  Granule split_tail(Granule block, Granule available, Granule need);
  Granule carve(const Placement& placement, Granule need, std::size_t size_bytes);
  void* alloc_granules(std::size_t size_bytes, std::size_t align_bytes);
  void account_alloc(Granule block, Granule size, std::size_t size_bytes);
  void update_watermarks(Granule block_end);
  void report_alloc_failure(std::size_t size_bytes, std::size_t align_bytes);

  // Freeing and resizing.
  void release_block(Granule block, Granule size);  // mark free + coalesce
  void account_free(std::uint64_t header);
  Granule resize_block(Granule block, Granule size, Granule need);
  Status check_resize(void* ptr, std::size_t align_bytes, std::size_t size_bytes,
                      bool count_failure, ResizeRequest* request);
  bool resize_block_in_place(const ResizeRequest& request, std::size_t size_bytes);
  void report_realloc(const ResizeRequest& request, const void* old_ptr, Granule new_block,
                      std::size_t size_bytes, std::size_t align_bytes);

  // Pointer checks shared by free, realloc and usable_size.
  [[nodiscard]] Status check_live_block(const void* ptr, Granule* block) const;
  [[nodiscard]] bool free_block_consistent(Granule block, std::uint64_t header) const;
  Status report_error(Status status, const void* ptr) const;

  [[nodiscard]] std::size_t offset_of(const void* ptr) const;
  [[nodiscard]] void* payload_of(Granule block) const;
  [[nodiscard]] std::size_t largest_free_block_granules() const;

  // The checked physical walk behind both validate() and walk().
  [[nodiscard]] ValidationReport scan_blocks(BlockVisitor visitor, void* context,
                                             ScanTotals* totals) const;
  [[nodiscard]] bool start_bits_clear(Granule from, Granule to) const;
  [[nodiscard]] ValidationReport check_free_lists(std::size_t free_blocks_in_walk) const;

  // Ordered hot-first: the fields every operation and every pool policy pass
  // reads (geometry, the class bitmap, the counters) share the first few cache
  // lines; the 3.2 KiB of list heads come last.
  unsigned char* base_ = nullptr;
  std::size_t region_bytes_ = 0;
  unsigned char* start_bits_ = nullptr;        // the block-start bitmap
  std::uintptr_t base_address_granules_ = 0;  // base address / 8, for absolute alignment
  Granule end_g_ = 0;                         // one past the last block granule

  // Two-level non-empty bitmap over the segregated free lists.
  std::uint32_t class_summary_ = 0;  // bit w set <=> class_words_[w] != 0
  std::uint64_t class_words_[detail::class_word_count] = {};

  // Counters; the rest of HeapStats is derived from them.
  Granule free_granules_ = 0;
  Granule min_free_granules_ = 0;
  Granule high_water_g_ = 0;
  std::size_t free_block_count_ = 0;
  std::size_t used_block_count_ = 0;
  std::size_t requested_bytes_ = 0;
  std::size_t peak_requested_bytes_ = 0;
  std::uint64_t alloc_count_ = 0;
  std::uint64_t free_count_ = 0;
  std::uint64_t failed_alloc_count_ = 0;

  HeapHooks hooks_{};

  Granule heads_[detail::class_count] = {};  // free-list heads by class
};

}  // namespace smh
