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
//   between the usable and the requested size. A free block keeps its index links
//   in its payload (detail/free_node.hpp), so the smallest block is 16 bytes.
// * The block-start bitmap holds one bit per block granule (1/64 of the region),
//   set where a block begins. It makes the pointer checks of free()/realloc()
//   exact: an interior pointer, a pointer into a coalesced block or a double free
//   is recognised without trusting bytes the user may have written.
// * The control structure (this object: the class bitmap, one index head per size
//   class and the counters, under 512 bytes) lives wherever the caller puts the
//   Heap — typically fast, cacheable RAM — so slow or non-cacheable regions are
//   touched only at the few headers an operation needs.
//
// Placement is best fit: the smallest free block that can hold the request, the
// most recently freed of equal ones. Free blocks are indexed by size class
// (detail/size_class.hpp): small sizes have a class each, larger ones one class per
// power of two with a 16-way size trie inside, so every operation reads a number
// of headers bounded by a constant (docs/ARCHITECTURE.md derives it), whatever the
// number of blocks, and an allocation fails only when no free block could hold it
// (for aligned requests: none has room for the worst alignment gap).
//
// Not thread-safe: the pool serialises access to each heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "smh/detail/block_header.hpp"
#include "smh/detail/size_class.hpp"
#include "smh/heap_types.hpp"
#include "smh/status.hpp"

// Test builds of the core define this to 1 (and every user of that build sees
// it): the heap then counts its metadata reads. Never set for shipped code.
#ifndef SMH_COUNT_METADATA_READS
#define SMH_COUNT_METADATA_READS 0
#endif

// SMH_HARDENED (default 1): free() and realloc() also check the headers and
// links of the neighbours they will merge with before changing anything, so a
// corrupted neighbour makes them refuse (metadata_corrupted) instead of acting on
// it. 0 keeps the exact pointer checks (foreign, interior and double frees are
// refused either way) and drops the neighbour checks, for speed.
#ifndef SMH_HARDENED
#define SMH_HARDENED 1
#endif

// The heap's own fields never lie in the region it writes (init() refuses a
// Heap placed inside its region), so its operations tell the compiler that
// stores into the region leave them alone: without this, every header write
// would make it reload the base, the counters and the index heads.
// Clang requires every member function a restrict-qualified one calls to be
// restrict-qualified too, so the qualifier is GCC's only (the fuzz build is clang).
#if defined(__GNUC__) && !defined(__clang__)
#define SMH_RESTRICT_THIS __restrict__
#else
#define SMH_RESTRICT_THIS
#endif

namespace smh {

class Heap {
 public:
  static constexpr std::size_t granule_bytes = 8;
  static constexpr std::size_t header_bytes = 8;
  static constexpr std::size_t min_block_bytes = 16;
  static constexpr std::size_t default_align_bytes = 8;
  // Smallest region init() accepts: one bitmap word and one minimal block.
  static constexpr std::size_t min_region_bytes = 8 + min_block_bytes;
  // Block sizes are 27-bit granule counts in the header (detail/block_header.hpp):
  // a region is below 1 GiB (2^27 - 1 granules).
  static constexpr std::size_t max_region_bytes =
      static_cast<std::size_t>(detail::max_block_granules) * granule_bytes;
  // Largest request: a block of the largest size, less its header.
  static constexpr std::size_t max_request_bytes =
      static_cast<std::size_t>(detail::max_block_granules - 1) * granule_bytes;
  // Block size (granules, header included) for a request of 1 .. max_request_bytes
  // bytes: ceil(n / 8) + 1, which is at least 2.
  static constexpr std::uint32_t block_granules_for(std::size_t size_bytes) {
    return static_cast<std::uint32_t>((size_bytes + 2 * granule_bytes - 1) / granule_bytes);
  }

  Heap() = default;
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // Takes ownership of [memory, memory + size_bytes). memory must be 8-byte
  // aligned and size_bytes at most max_region_bytes; bytes past the last whole
  // granule stay unused (counted as overhead; capacity is size_bytes). The Heap
  // object itself must lie outside that range (invalid_argument otherwise). A heap
  // can be initialised once; init() on an initialised heap returns
  // already_initialized.
  Status init(void* memory, std::size_t size_bytes);
  [[nodiscard]] bool initialized() const { return base_ != nullptr; }

  // nullptr for size 0, an impossible request (size or alignment), or no memory.
  // Every nullptr but size 0 counts as a failed allocation and fires
  // on_alloc_failed; an invalid alignment also fires on_error(invalid_argument).
  void* alloc(std::size_t size_bytes) SMH_RESTRICT_THIS;
  // align_bytes: 0 (meaning 8) or a power of two no larger than the region.
  void* aligned_alloc(std::size_t align_bytes, std::size_t size_bytes) SMH_RESTRICT_THIS;

  // realloc(nullptr, n) allocates; realloc(p, 0) frees and returns nullptr. In place
  // when possible (shrink, or grow into a free right neighbour), else allocate,
  // copy min(usable, n) bytes, free. On failure the old block is untouched.
  void* realloc(void* ptr, std::size_t size_bytes) SMH_RESTRICT_THIS;
  void* aligned_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes) SMH_RESTRICT_THIS;
  ReallocResult try_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes) SMH_RESTRICT_THIS;
  // Resizes a live block (size_bytes > 0) without moving it: ok, or out_of_memory
  // when its alignment or neighbourhood does not allow it (the block is then
  // unchanged and no failure is counted: the caller may move it). The pool uses
  // this to keep realloc's copy outside its lock.
  Status resize_in_place(void* ptr, std::size_t align_bytes, std::size_t size_bytes) SMH_RESTRICT_THIS;
  // The same with one pointer check for a caller that also needs the block's size
  // (the pool's realloc): whenever ptr is a live block, *old_usable_bytes gets its
  // usable bytes before the call (0 otherwise); with may_stay false the block is
  // only checked and out_of_memory returned (the caller moves it).
  Status resize_in_place(void* ptr, std::size_t align_bytes, std::size_t size_bytes, bool may_stay,
                         std::size_t* old_usable_bytes) SMH_RESTRICT_THIS;

  // free(nullptr) is a no-op returning ok. Anything that is not a live block of
  // this heap is refused with a status (and the error hook); the heap is unchanged.
  Status free(void* ptr) SMH_RESTRICT_THIS;

  // A request measured once (granules, alignment) so that several heaps can be
  // asked about it cheaply: the pool asks every candidate region.
  struct Request {
    std::size_t size_bytes = 0;
    std::size_t align_bytes = 0;
    std::uint32_t need_granules = 0;   // block size, header included
    std::uint32_t align_granules = 1;  // payload alignment in granules (1: none beyond 8 bytes)
    bool well_formed = false;          // size in range, alignment 0 or a power of two
  };
  // Inline: the pool measures every request once, on its hot path.
  [[nodiscard]] static Request make_request(std::size_t align_bytes, std::size_t size_bytes) {
    Request request;
    request.size_bytes = size_bytes;
    request.align_bytes = align_bytes;
    if (size_bytes - 1 >= max_request_bytes || (align_bytes & (align_bytes - 1)) != 0) {
      return request;  // size 0 (wraps), too large, or an alignment not 0 or a power of two
    }
    request.need_granules = block_granules_for(size_bytes);
    request.align_granules = align_bytes > granule_bytes ? static_cast<std::uint32_t>(align_bytes / granule_bytes) : 1u;
    request.well_formed = true;
    return request;
  }

  // Where a request would land: found by find() and taken by alloc_at(), which
  // must come before any other call that changes this heap. The pool finds a
  // block in each candidate region once and allocates where its policy chooses,
  // without searching again.
  struct Fit {
    std::uint32_t block = 0;   // the free block chosen
    std::uint32_t anchor = 0;  // the index entry of its size (the block itself when alone)
    std::uint32_t parent = 0;  // where the anchor hangs: trie node (or none: a class head)
    std::uint32_t digit = 0;   // and which child of it
    std::uint32_t size = 0;    // the block's size in granules
    std::uint32_t gap = 0;     // alignment gap left free in front of the new block
  };
  [[nodiscard]] bool find(const Request& request, Fit* fit) const SMH_RESTRICT_THIS;
  // False when this heap surely has no room for the request: no free block is as
  // large as its block (see no_fit_granules_). True says only "search": the
  // pool skips a full region with this one comparison instead of a search.
  [[nodiscard]] bool might_fit(const Request& request) const { return request.need_granules < no_fit_granules_; }
  // Allocates where find() said (counts it and fires on_alloc like alloc()).
  void* alloc_at(const Request& request, const Fit& fit) SMH_RESTRICT_THIS;
  // find() and alloc_at() in one call, for a caller that takes the first heap
  // with room (the pool's first_fit and kin): the block, or nullptr without a
  // failed allocation counted or reported (the caller tries another heap and
  // counts its own failure). One search, as alloc() makes.
  void* alloc_if_fits(const Request& request) SMH_RESTRICT_THIS;

  // Whether aligned_alloc(align_bytes, size_bytes) would succeed now: the same
  // search, without taking the block.
  [[nodiscard]] bool can_alloc(std::size_t align_bytes, std::size_t size_bytes) const;
  [[nodiscard]] bool can_alloc(const Request& request) const;
  [[nodiscard]] std::size_t free_bytes() const {
    return static_cast<std::size_t>(free_granules_) * granule_bytes;
  }
  // Exact, in a bounded number of steps (the highest size class's largest block).
  [[nodiscard]] std::size_t largest_free_block_bytes() const {
    return largest_free_block_granules() * granule_bytes;
  }

  // Usable bytes of a live block; 0 for anything else (no error hook).
  [[nodiscard]] std::size_t usable_size(const void* ptr) const;
  // usable_size of a block this heap has just returned (alloc or realloc) and no
  // one has freed since: read from its header without the pointer checks, which
  // a pointer the heap itself handed out has no need of (only SMH_ASSERT makes
  // them). For a caller that asks about every block it gets (the simulator with
  // its checks off); a pointer from anywhere else goes through usable_size.
  [[nodiscard]] std::size_t usable_size_unchecked(const void* ptr) const;
  // Whether ptr lies in this heap's region (any byte of it).
  [[nodiscard]] bool contains(const void* ptr) const;
  // Whether ptr is the payload start of a live block (exact, O(1)).
  [[nodiscard]] bool is_live_block(const void* ptr) const;

  [[nodiscard]] HeapStats stats(StatsDepth depth = StatsDepth::full) const;
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

  // An anchor (the index entry of one size) and where the index keeps it: a
  // class head, or child `digit` of trie node `parent`.
  struct Slot {
    Granule anchor;
    Granule parent;  // no_block: the class head
    unsigned digit;
  };
  struct ScanTotals;  // what a checked walk over all blocks measured
  struct LiveBlock {  // a block the pointer checks accepted, with the headers they read
    Granule block = 0;
    detail::BlockHeader header{};
    std::uint32_t next_self;  // hardened host builds: the right neighbour's self word (0: none); set by the check
  };

  struct ResizeRequest {  // a checked realloc request
    Granule block;
    detail::BlockHeader header{};  // self word 0 until ptr passed the pointer check (size >= 2)
    Granule align_granules;
    Granule need;
  };

  // Metadata access (memcpy-based: the region is untyped storage). With
  // SMH_COUNT_METADATA_READS, every read of a header, an index link or a bitmap
  // word is counted (metadata_reads()): the bounded-time test reads the count.
  // A header is two 32-bit words (detail/block_header.hpp): load_header reads
  // both (one counted read), load_self/load_left one, and stores write only the
  // word they name. peek_header reads without counting: assertions only.
  [[nodiscard]] detail::BlockHeader load_header(Granule block) const;
  [[nodiscard]] std::uint32_t load_self(Granule block) const;
  [[nodiscard]] std::uint32_t load_left(Granule block) const;
  [[nodiscard]] detail::BlockHeader peek_header(Granule block) const;
  void store_header(Granule block, detail::BlockHeader header);
  void store_self(Granule block, std::uint32_t self);
  void store_left(Granule block, std::uint32_t left);
  [[nodiscard]] Granule size_of(Granule block) const;
  [[nodiscard]] std::uint32_t load_field(Granule block, unsigned byte_offset) const;
  void store_field(Granule block, unsigned byte_offset, std::uint32_t value);
  void set_left_of_next(Granule block, Granule size, bool free);
  // Whether a link read from the region can name a free block (a block has >= 2
  // granules, so none starts at the last granule); no_block is not.
  [[nodiscard]] bool link_in_area(Granule link) const { return link < end_g_ - 1; }
  void count_read() const {
#if SMH_COUNT_METADATA_READS
    ++metadata_reads_;
#endif
  }

  // Block-start bitmap.
  [[nodiscard]] bool is_block_start(Granule granule) const;
  void mark_block_start(Granule granule);
  void clear_block_start(Granule granule);

  // The free index (heap_index.cpp): class bitmap, rings of equal sizes, tries.
  void mark_class(unsigned class_index);
  void clear_class(unsigned class_index);
  [[nodiscard]] unsigned first_class_from(unsigned class_index) const;
  [[nodiscard]] unsigned last_class() const;
  [[nodiscard]] Slot best_anchor(Granule need, unsigned found) const SMH_RESTRICT_THIS;
  [[nodiscard]] Slot trie_best(unsigned class_index, Granule need) const;
  [[nodiscard]] Slot subtree_min(Slot root) const;
  [[nodiscard]] Granule subtree_max(Granule node) const;
  [[nodiscard]] bool find_fit(Granule need, Granule align_granules, Fit* fit) const;
  [[nodiscard]] Granule gap_for(Granule block, Granule align_granules) const;
  [[nodiscard]] Granule child_of(Granule node, unsigned digit) const;
  [[nodiscard]] Slot find_slot(Granule anchor, Granule size) const;
  void store_slot(const Slot& slot, unsigned class_index, Granule anchor);
  void ring_insert(Granule anchor, Granule block);
  void insert_free(Granule block, Granule size) SMH_RESTRICT_THIS;
  void insert_trie(Granule node, Granule block, Granule size) SMH_RESTRICT_THIS;
  void remove_free(Granule block, Granule size);
  void remove_trie(Granule block, Granule size, unsigned class_index) SMH_RESTRICT_THIS;
  void take_free(const Fit& fit);
  void unlink_ring(Granule block);
  void detach_anchor(const Slot& slot, unsigned class_index) SMH_RESTRICT_THIS;
  void move_node(Granule to, Granule from, std::uint32_t node_word);

  // Allocation.
  Granule split_tail(Granule block, Granule available, Granule need);
  struct Carved {  // a used block carve() built, with the size it gave it
    Granule block;
    Granule size;
  };
  Carved carve(const Fit& fit, Granule need, std::size_t size_bytes);
  void* alloc_granules(std::size_t size_bytes, std::size_t align_bytes, bool tell_hook = true);
  void* take_fit(const Fit& fit, Granule need, std::size_t size_bytes, std::size_t align_bytes,
                 bool tell_hook = true);
  void account_alloc(Granule block, Granule size, std::size_t size_bytes);
  void update_watermarks(Granule block_end);
  void report_alloc_failure(std::size_t size_bytes, std::size_t align_bytes);
  [[nodiscard]] bool alignment_ok(std::size_t align_bytes) const;

  // Freeing and resizing.
  void release_block(Granule block, detail::BlockHeader header, std::uint32_t next_self);  // mark free + coalesce
  void release_block(Granule block, detail::BlockHeader header);  // the same, reading next_self
  [[nodiscard]] std::uint32_t self_after(Granule block, Granule size) const;
  void take_left(Granule block, Granule prev_size);
  void account_free(std::uint32_t self);
  void note_free_size(Granule size);  // a free block this large now exists: raise no_fit_granules_
  Granule resize_block(Granule block, Granule size, Granule need);
  Status check_resize(void* ptr, std::size_t align_bytes, std::size_t size_bytes,
                      bool count_failure, bool check_arguments, ResizeRequest* request);
  bool resize_block_in_place(const ResizeRequest& request, std::size_t size_bytes);
  void report_realloc(const ResizeRequest& request, const void* old_ptr, Granule new_block,
                      std::size_t size_bytes, std::size_t align_bytes);

  // Pointer checks shared by free, realloc and usable_size (heap_hot.hpp).
  [[nodiscard]] Status check_live_block(const void* ptr, LiveBlock* live) const;
  [[nodiscard]] Status check_in_region(const void* ptr) const;
  [[nodiscard]] Status check_block_at(std::size_t offset, LiveBlock* live) const;

  // The pool's fast paths (heap_hot.hpp): the public operations less the
  // checks its caller has made (initialised heap, pointer in the region,
  // well-formed request). PoolEngine inlines them.
  friend class PoolEngine;
  void* take_if_fits(const Request& request) SMH_RESTRICT_THIS;
  Status free_in_region(void* ptr) SMH_RESTRICT_THIS;
  Status free_checked(void* ptr, const LiveBlock& live, bool tell_hook = true);
  [[nodiscard]] LiveBlock checked_before(Granule block) const;
  void free_validated(void* ptr) SMH_RESTRICT_THIS;  // the pool's realloc after a move: ptr was checked
#if SMH_HARDENED
  [[nodiscard]] bool free_block_consistent(Granule block, detail::BlockHeader header) const;
  [[nodiscard]] bool left_neighbour_consistent(Granule candidate, std::uint32_t left_word) const;
#endif
  Status report_error(Status status, const void* ptr) const;

  [[nodiscard]] std::size_t offset_of(const void* ptr) const;
  [[nodiscard]] void* payload_of(Granule block) const;
  [[nodiscard]] std::size_t largest_free_block_granules() const;

  // The checked physical walk behind both validate() and walk().
  [[nodiscard]] ValidationReport scan_blocks(BlockVisitor visitor, void* context,
                                             ScanTotals* totals) const;
  [[nodiscard]] bool start_bits_clear(Granule from, Granule to) const;
  [[nodiscard]] ValidationReport check_free_index(std::size_t free_blocks_in_walk) const;
  [[nodiscard]] ValidationReport check_trie(unsigned class_index, Granule node, unsigned depth,
                                            std::uint32_t path_key, std::size_t* listed,
                                            std::size_t limit) const;
  [[nodiscard]] ValidationReport check_ring(unsigned class_index, Granule anchor,
                                            std::size_t* listed, std::size_t limit) const;

  // Ordered hot-first: geometry, the class bitmap and the counters every
  // operation touches share the first cache lines; the index heads come last.
  unsigned char* base_ = nullptr;
  unsigned char* start_bits_ = nullptr;  // the block-start bitmap, after the blocks
  std::uint32_t region_bytes_ = 0;   // <= max_region_bytes < 2^32
  Granule end_g_ = 0;                // one past the last block granule
  std::uint32_t base_granule_ = 0;   // (base address / 8) mod 2^32, for absolute alignment
  std::uint32_t class_bits_[detail::class_word_count] = {};  // bit c: class c not empty
  // Every free block is smaller than this (granules): learned from a search
  // that found no block of some size (best fit is exact, so a miss proves none
  // exists), raised again by each block freed (release_block; a split's tail or
  // gap is smaller than the free block it was cut from). A search for at least
  // this much fails at once, and the pool skips the heap without calling it. init() starts it unknown (max_block_granules + 1), not at the region's
  // size: only a miss lowers it, so the heap never refuses unsearched what its
  // region's headers have not been asked for (docs/ARCHITECTURE.md, "Ruling a
  // heap out"). Mutable: a const search that misses records what it proved.
  // 0 (nothing fits) before init(): alloc relies on it to refuse an uninitialised heap.
  mutable Granule no_fit_granules_ = 0;

  // Counters; the rest of HeapStats is derived from them. Granule and byte
  // figures of one region fit 32 bits (max_region_bytes < 2^32).
  Granule free_granules_ = 0;
  Granule min_free_granules_ = 0;
  Granule high_water_g_ = 0;
  std::uint32_t free_block_count_ = 0;
  std::uint32_t requested_bytes_ = 0;
  std::uint32_t peak_requested_bytes_ = 0;
  std::uint64_t alloc_count_ = 0;  // blocks taken (a realloc move too) ...
  std::uint64_t free_count_ = 0;   // ... and given back: the difference is live
  std::uint64_t failed_alloc_count_ = 0;

  HeapHooks hooks_{};

  Granule heads_[detail::class_count] = {};  // the anchor of each class (no_block: empty)
#if SMH_COUNT_METADATA_READS
  mutable std::uint64_t metadata_reads_ = 0;

 public:
  // Test builds only: metadata reads since init().
  [[nodiscard]] std::uint64_t metadata_reads() const { return metadata_reads_; }
#endif
};

}  // namespace smh
