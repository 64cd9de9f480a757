// smh::Heap — initialisation and the bounded-time operations: alloc, free, realloc.
//
// Cost model (docs/ARCHITECTURE.md, "Bounded time" derives the constant): every
// operation reads at most a constant number of headers and index fields, success
// or failure, whatever the number of blocks. alloc: one best-fit search of the
// free index (heap_index.hpp: a bitmap probe, then at most two walks of one trie
// of at most 7 levels; twice for an aligned request whose best fit misses the
// alignment), one unlink, at most two splits (gap and tail). free: the pointer
// checks (the block's start bit, its header, its neighbours'), at most two
// unlinks for coalescing, one insert. realloc: in place as free/alloc; a move is
// one alloc, one copy, one free. No loop here runs over blocks.
#include "smh/heap.hpp"

#include <bit>

#include "heap_hot.hpp"
#include "heap_index.hpp"
#include "heap_internal.hpp"
#include "smh/assert.hpp"
#include "smh/detail/block_header.hpp"
#include "smh/detail/size_class.hpp"

namespace smh {

using detail::make_header;

namespace {

constexpr std::uint32_t block_granules_for(std::size_t size_bytes) { return Heap::block_granules_for(size_bytes); }
static_assert(block_granules_for(1) == 2 && block_granules_for(8) == 2 && block_granules_for(9) == 3);

// The Heap object is the control data a region keeps outside itself: at most
// 512 bytes (docs/ARCHITECTURE.md, "Where the metadata lives"), on every target.
static_assert(sizeof(Heap) <= 512, "the control data outside a region exceeds 512 bytes");

// Alignment 0 means the default; 1..8 are met by every block.
constexpr bool power_of_two_or_zero(std::size_t value) { return (value & (value - 1)) == 0; }

}  // namespace

Status Heap::init(void* memory, std::size_t size_bytes) {
  if (base_ != nullptr) {
    return Status::already_initialized;
  }
  if (memory == nullptr) {
    return Status::invalid_argument;
  }
  const std::uintptr_t address = reinterpret_cast<std::uintptr_t>(memory);
  if (address % granule_bytes != 0) {
    return Status::region_misaligned;
  }
  if (size_bytes < min_region_bytes) {
    return Status::region_too_small;
  }
  if (size_bytes > max_region_bytes) {
    return Status::region_too_large;
  }
  if (address + size_bytes < address) {  // the region would wrap the address space
    return Status::invalid_argument;
  }
  // The Heap must not lie in the region it manages (SMH_RESTRICT_THIS relies on it).
  const std::uintptr_t self = reinterpret_cast<std::uintptr_t>(this);
  if (self + sizeof(Heap) > address && self < address + size_bytes) {
    return Status::invalid_argument;
  }
  // Blocks, then one bitmap bit per block granule in whole 64-bit words:
  // words * 64 >= granules - words, i.e. words = ceil(granules / 65).
  const std::size_t granules = size_bytes / granule_bytes;
  const std::size_t bitmap_words = (granules + 64) / 65;
  const std::size_t block_granules = granules - bitmap_words;
  if (block_granules < min_block_granules) {
    return Status::region_too_small;
  }

  base_ = static_cast<unsigned char*>(memory);
  region_bytes_ = static_cast<std::uint32_t>(size_bytes);
  base_granule_ = static_cast<std::uint32_t>(address / granule_bytes);
  end_g_ = static_cast<Granule>(block_granules);
  start_bits_ = base_ + block_granules * granule_bytes;
  __builtin_memset(start_bits_, 0, bitmap_words * granule_bytes);
  for (Granule& head : heads_) {
    head = no_block;
  }
  for (std::uint32_t& word : class_bits_) {
    word = 0;
  }
  free_granules_ = 0;
  free_block_count_ = 0;
  requested_bytes_ = 0;
  peak_requested_bytes_ = 0;
  alloc_count_ = 0;
  free_count_ = 0;
  failed_alloc_count_ = 0;
  high_water_g_ = 0;
#if SMH_COUNT_METADATA_READS
  metadata_reads_ = 0;
#endif

  const Granule size = end_g_;
  no_fit_granules_ = detail::max_block_granules + 1;  // unknown until a search misses
  mark_block_start(0);
  store_header(0, make_header(size, false, 0, 0, false));
  insert_free(0, size);
  min_free_granules_ = free_granules_;
  return Status::ok;
}

// ---------------------------------------------------------------- allocation

// An alignment the heap can grant: 0 or a power of two no larger than the region.
SMH_INLINE bool Heap::alignment_ok(std::size_t align_bytes) const {
  return power_of_two_or_zero(align_bytes) && align_bytes <= region_bytes_;
}

bool Heap::find(const Request& request, Fit* fit) const SMH_RESTRICT_THIS {
  return base_ != nullptr && request.well_formed && request.align_bytes <= region_bytes_ &&
         find_fit(request.need_granules, request.align_granules, fit);
}

void Heap::report_alloc_failure(std::size_t size_bytes, std::size_t align_bytes) {
  ++failed_alloc_count_;
  if (hooks_.on_alloc_failed != nullptr) {
    hooks_.on_alloc_failed(hooks_.context, AllocFailedEvent{size_bytes, align_bytes});
  }
}

void* Heap::alloc_at(const Request& request, const Fit& fit) SMH_RESTRICT_THIS {
  SMH_ASSERT(request.well_formed);
  return take_fit(fit, request.need_granules, request.size_bytes, request.align_bytes);
}

SMH_FLATTEN void* Heap::alloc_if_fits(const Request& request) SMH_RESTRICT_THIS {
#if defined(__OPTIMIZE_SIZE__)
  Fit fit;  // find() and alloc_at() exist anyway (the pool's best_fit): call them
  return find(request, &fit) ? alloc_at(request, fit) : nullptr;
#else
  return base_ != nullptr && request.well_formed ? take_if_fits(request) : nullptr;
#endif
}

SMH_HOT void* Heap::alloc_granules(std::size_t size_bytes, std::size_t align_bytes, bool tell_hook) {
  // Hosts test base_ on the failure paths only: an uninitialised heap has
  // no_fit_granules_ == 0 (init sets both), so find_fit() refuses it at once
  // (need >= min_block_granules > 0). -Os keeps the one test in front (fewer bytes).
  static_assert(min_block_granules > 0);
  if ((smh_hot_paths_over_size || base_ != nullptr) && size_bytes - 1 < max_request_bytes &&
      alignment_ok(align_bytes)) [[likely]] {
    const Granule need = block_granules_for(size_bytes);
    const Granule align_granules = align_bytes > granule_bytes ? static_cast<Granule>(align_bytes / granule_bytes) : 1u;
    Fit fit;
    if (find_fit(need, align_granules, &fit)) [[likely]] {
      SMH_ASSERT(base_ != nullptr);
      return take_fit(fit, need, size_bytes, align_bytes, tell_hook);
    }
    if (smh_hot_paths_over_size && base_ == nullptr) {
      return nullptr;
    }
  } else if (base_ == nullptr || size_bytes == 0) {
    return nullptr;
  } else if (!alignment_ok(align_bytes)) {
    report_error(Status::invalid_argument, nullptr);
  }
  report_alloc_failure(size_bytes, align_bytes);
  return nullptr;
}

void* Heap::alloc(std::size_t size_bytes) SMH_RESTRICT_THIS { return alloc_granules(size_bytes, 0); }

void* Heap::aligned_alloc(std::size_t align_bytes, std::size_t size_bytes) SMH_RESTRICT_THIS {
  return alloc_granules(size_bytes, align_bytes);
}

// ---------------------------------------------------------------- free

Status Heap::report_error(Status status, const void* ptr) const {
  SMH_ASSERT(status != Status::ok);
  if (hooks_.on_error != nullptr) {
    hooks_.on_error(hooks_.context, ErrorEvent{status, ptr == nullptr ? 0 : offset_of(ptr)});
  }
  return status;
}

Status Heap::free(void* ptr) SMH_RESTRICT_THIS {
  if (ptr == nullptr) {
    return Status::ok;
  }
  LiveBlock live;
  const Status status = check_live_block(ptr, &live);
  return status == Status::ok ? free_checked(ptr, live) : report_error(status, ptr);
}

// free() of a block at ptr whose pointer this operation checked already (the
// pool's realloc that moved it, after the copy outside the pool's lock): the
// release, the counters and the hook of free(), and no second check. Out of line
// everywhere: the pool calls it once per moving realloc.
void Heap::free_validated(void* ptr) SMH_RESTRICT_THIS {
  free_checked(ptr, checked_before(static_cast<Granule>(offset_of(ptr) / granule_bytes - 1)));
}

// ---------------------------------------------------------------- realloc
// Built from the pieces alloc and free already have: growing in place takes the
// free right neighbour and splits the tail off (split_tail, as carve does);
// shrinking splits the tail off and merges it with a free right neighbour; a
// move is alloc_granules (the same search and placement as alloc) + a copy +
// free_checked (free's release, without checking the old pointer again: it was
// checked once, on entry).
//
// The steps (check_resize, resize_block_in_place, resize_block, report_realloc)
// have two callers at most, try_realloc and resize_in_place, and a shipped image
// reaches one of them (the heap API try_realloc, the pool resize_in_place):
// SMH_INLINE, as a call there takes more bytes than one copy.

void* Heap::realloc(void* ptr, std::size_t size_bytes) SMH_RESTRICT_THIS { return try_realloc(ptr, 0, size_bytes).ptr; }

void* Heap::aligned_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes) SMH_RESTRICT_THIS {
  return try_realloc(ptr, align_bytes, size_bytes).ptr;
}

// Resizes a live block without moving it, if its neighbourhood allows. Returns the
// new size in granules, or 0 when it cannot (nothing changed then). Shrink and
// grow are one path: take the free right neighbour (if any), then split the tail
// beyond `need` off as one free block (split_tail: the same tail as a carve).
// Shrinking by less than a block gives nothing back and leaves a free right
// neighbour where it is (taking it and putting it back could move it in its ring).
SMH_INLINE Heap::Granule Heap::resize_block(Granule block, Granule size, Granule need) {
  if (need <= size && size - need < min_block_granules) {
    return size;  // too little to give back: keep the block as it is
  }
  const Granule next = block + size;
  Granule next_size = 0;  // the free right neighbour's size (0: none)
  if (next < end_g_) {
    const std::uint32_t next_self = load_self(next);
    next_size = detail::self_used(next_self) ? 0 : detail::self_size(next_self);
  }
  if (size + next_size < need) {
    return 0;
  }
  if (next_size != 0) {
    remove_free(next, next_size);
    clear_block_start(next);
  }
  // A shrink's tail (merged with the neighbour) may be larger than any free
  // block was, as one free() makes (release_block): raise the bound before
  // split_tail inserts it. A grow's tail is smaller than the neighbour it was
  // cut from.
  const Granule tail = size + next_size - need;
  if (tail >= min_block_granules) {
    note_free_size(tail);
  }
  return split_tail(block, size + next_size, need);
}

// The checks realloc and resize_in_place share. On ok, `request` describes the
// block and the wanted size; otherwise the failure has been reported, and counted
// as a failed allocation when `count_failure` (realloc; resize_in_place is only a
// first attempt whose caller may move the block, so it never counts one). Once
// the pointer passed, request->header is set whatever follows; without
// `check_arguments` only the pointer is checked (a caller that will not resize).
SMH_INLINE Status Heap::check_resize(void* ptr, std::size_t align_bytes, std::size_t size_bytes,
                          bool count_failure, bool check_arguments, ResizeRequest* request) {
  LiveBlock live;
  const Status status = check_live_block(ptr, &live);
  if (status != Status::ok) {
    return report_error(status, ptr);
  }
  request->block = live.block;
  request->header = live.header;
  if (!check_arguments) {
    return Status::ok;
  }
  Status refusal = Status::ok;
  if (!alignment_ok(align_bytes)) {
    refusal = report_error(Status::invalid_argument, ptr);
  } else if (size_bytes > max_request_bytes) {
    refusal = Status::out_of_memory;
  }
  if (refusal != Status::ok) {
    if (count_failure) {
      report_alloc_failure(size_bytes, align_bytes);
    }
    return refusal;
  }
  request->align_granules = align_bytes > granule_bytes ? static_cast<Granule>(align_bytes / granule_bytes) : 1u;
  request->need = block_granules_for(size_bytes);
  return Status::ok;
}

// Resizes without moving when the block already has the alignment and its
// neighbourhood allows; updates header and counters. False leaves all unchanged.
SMH_INLINE bool Heap::resize_block_in_place(const ResizeRequest& request, std::size_t size_bytes) {
  const Granule block = request.block;
  const std::uint32_t self = request.header.self;
  if (((base_granule_ + block + 1) & (request.align_granules - 1)) != 0) {
    return false;
  }
  const Granule new_size = resize_block(block, detail::self_size(self), request.need);
  if (new_size == 0) {
    return false;
  }
  const std::size_t old_requested =
      std::size_t{detail::self_size(self) - 1} * granule_bytes - detail::self_slack(self);
  // Only the self word: resizing in place leaves the left neighbour as it is.
  store_self(block, detail::make_self_word(new_size, true, slack_for(new_size, size_bytes)));
  requested_bytes_ = static_cast<std::uint32_t>(requested_bytes_ - old_requested + size_bytes);
  // A shrink (no more bytes requested: the block does not grow, nothing
  // free shrinks) moves no watermark. Hosts skip them then; on -Os the test
  // takes more bytes (16 B of the heap image) than it saves.
  SMH_ASSERT(size_bytes > old_requested || new_size <= detail::self_size(self));
  if (!smh_hot_paths_over_size || size_bytes > old_requested) {
    update_watermarks(block + new_size);
  }
  return true;
}

SMH_INLINE void Heap::report_realloc(const ResizeRequest& request, const void* old_ptr, Granule new_block,
                          std::size_t size_bytes, std::size_t align_bytes) {
  if (hooks_.on_realloc == nullptr) {
    return;
  }
  const std::size_t old_usable = std::size_t{detail::self_size(request.header.self) - 1} * granule_bytes;
  hooks_.on_realloc(hooks_.context,
                    ReallocEvent{offset_of(old_ptr), offset_of(payload_of(new_block)),
                                 old_usable - detail::self_slack(request.header.self), size_bytes,
                                 std::size_t{size_of(new_block) - 1} * granule_bytes, align_bytes,
                                 new_block != request.block});
}

Status Heap::resize_in_place(void* ptr, std::size_t align_bytes, std::size_t size_bytes) SMH_RESTRICT_THIS {
  std::size_t old_usable_bytes = 0;
  return resize_in_place(ptr, align_bytes, size_bytes, true, &old_usable_bytes);
}

// Flattened on hosts as try_realloc is: the pool's realloc (every realloc through
// a pool) starts here, and the calls to check_resize, resize_block_in_place and
// resize_block cost it 4.7 instructions per event of the mix (callgrind, pool8).
SMH_FLATTEN Status Heap::resize_in_place(void* ptr, std::size_t align_bytes, std::size_t size_bytes,
                                         bool may_stay, std::size_t* old_usable_bytes) SMH_RESTRICT_THIS {
  *old_usable_bytes = 0;
  if (ptr == nullptr || size_bytes == 0) {
    return report_error(Status::invalid_argument, ptr);
  }
  ResizeRequest request{};
  const Status status = check_resize(ptr, align_bytes, size_bytes, false, may_stay, &request);
  if (request.header.self != 0) {  // ptr is a live block (a self word is never 0: size >= 2)
    *old_usable_bytes = std::size_t{detail::self_size(request.header.self) - 1} * granule_bytes;
  }
  if (status != Status::ok) {
    return status;
  }
  if (!may_stay || !resize_block_in_place(request, size_bytes)) {
    return Status::out_of_memory;  // not a failed allocation: the caller may move
  }
  report_realloc(request, ptr, request.block, size_bytes, align_bytes);
  return Status::ok;
}

SMH_FLATTEN ReallocResult Heap::try_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes) SMH_RESTRICT_THIS {
  if (ptr == nullptr) {
    void* fresh = alloc_granules(size_bytes, align_bytes);
    return {fresh, fresh != nullptr || size_bytes == 0 ? Status::ok : Status::out_of_memory};
  }
  if (size_bytes == 0) {
    return {nullptr, free(ptr)};
  }
  ResizeRequest request{};
  const Status status = check_resize(ptr, align_bytes, size_bytes, true, true, &request);
  if (status != Status::ok) {
    return {nullptr, status};
  }
  Granule new_block = request.block;
  if (!resize_block_in_place(request, size_bytes)) {
    // Moves: alloc's search and placement (without its hook: on_realloc tells),
    // which counts and reports a failure, then free's release of the old block.
    void* moved = alloc_granules(size_bytes, align_bytes, false);
    if (moved == nullptr) {
      return {nullptr, Status::out_of_memory};
    }
    new_block = static_cast<Granule>(offset_of(moved) / granule_bytes - 1);
    const std::size_t old_usable = std::size_t{detail::self_size(request.header.self) - 1} * granule_bytes;
    __builtin_memcpy(moved, ptr, old_usable < size_bytes ? old_usable : size_bytes);
    free_checked(ptr, checked_before(request.block), false);
  }
  report_realloc(request, ptr, new_block, size_bytes, align_bytes);
  return {payload_of(new_block), Status::ok};
}

// ---------------------------------------------------------------- queries

std::size_t Heap::usable_size(const void* ptr) const {
  LiveBlock live;
  if (ptr == nullptr || check_live_block(ptr, &live) != Status::ok) {
    return 0;
  }
  return std::size_t{detail::self_size(live.header.self) - 1} * granule_bytes;
}

std::size_t Heap::usable_size_unchecked(const void* ptr) const {
  SMH_ASSERT(is_live_block(ptr));  // the caller's promise (heap.hpp)
  const auto block = static_cast<Granule>(offset_of(ptr) / granule_bytes - 1);
  return std::size_t{size_of(block) - 1} * granule_bytes;
}

bool Heap::can_alloc(const Request& request) const {
  Fit fit;
  return find(request, &fit);
}

bool Heap::can_alloc(std::size_t align_bytes, std::size_t size_bytes) const {
  return can_alloc(make_request(align_bytes, size_bytes));
}

bool Heap::contains(const void* ptr) const { return base_ != nullptr && offset_of(ptr) < region_bytes_; }

bool Heap::is_live_block(const void* ptr) const {
  LiveBlock live;
  return ptr != nullptr && check_live_block(ptr, &live) == Status::ok;
}

}  // namespace smh
