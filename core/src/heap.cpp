// smh::Heap — initialisation and the bounded-time paths: alloc, free, realloc.
//
// Cost model (worst case, in operations on the success path):
//   alloc / aligned_alloc: class computation (one bit_width), at most a handful of
//     class-bitmap probes (count-trailing-zeros on a 64-bit word and on the 32-bit
//     summary), one free-list unlink, at most two splits (front padding and tail),
//     i.e. a bounded number of header and link writes. For align > 8 the heads of
//     the non-empty classes between class_of(need) and class_of(need + padding) are
//     probed first (at most class_count, usually one or two).
//   free: the pointer checks (bitmap bit, own header, both neighbours' headers),
//     up to two unlinks for coalescing, one insert. No loop over blocks.
//   realloc: in place as free/alloc; a move is one alloc, one copy, one free.
// The only loops over blocks run on the failure path of allocation (proving that no
// free block could hold the request: bounded by the number of free blocks in the
// classes the request spans) and in stats().largest_free_block_bytes (bounded by the
// number of free blocks in the highest non-empty class, usually one).
#include "smh/heap.hpp"

#include <bit>

#include "heap_internal.hpp"
#include "smh/assert.hpp"
#include "smh/detail/block_header.hpp"
#include "smh/detail/size_class.hpp"

// The fast paths are split into helpers for reading; inlining them back measurably
// shortens alloc and free (fewer calls and spills on every operation).
#define SMH_HOT [[gnu::always_inline]] inline

namespace smh {

using detail::class_count;
using detail::class_of;
using detail::make_header;

namespace {

// How many blocks of a class find_block() tries before moving to a larger class.
constexpr unsigned probes_per_class = 4;

constexpr std::size_t max_request_bytes =
    static_cast<std::size_t>(detail::max_block_granules - 1) * Heap::granule_bytes;

// Block size (granules, header included) needed for a request of size_bytes.
constexpr std::uint32_t block_granules_for(std::size_t size_bytes) {
  const std::size_t payload = (size_bytes + Heap::granule_bytes - 1) / Heap::granule_bytes;
  const std::size_t block = payload + 1;
  return static_cast<std::uint32_t>(block < min_block_granules ? min_block_granules : block);
}

// Slack between the usable payload of a block of `block_granules` and the request.
constexpr std::uint32_t slack_for(std::uint32_t block_granules, std::size_t size_bytes) {
  return static_cast<std::uint32_t>((std::size_t{block_granules} - 1) * Heap::granule_bytes -
                                    size_bytes);
}

}  // namespace

// A chosen free block and where the new block's header goes inside it.
struct Heap::Placement {
  Granule free_block = 0;
  Granule free_size = 0;
  Granule block = 0;  // >= free_block; the gap (if any) is >= min_block_granules
};

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
  // Blocks, then one bitmap bit per block granule in whole 64-bit words:
  // words * 64 >= granules - words, i.e. words = ceil(granules / 65).
  const std::size_t granules = size_bytes / granule_bytes;
  const std::size_t bitmap_words = (granules + 64) / 65;
  const std::size_t block_granules = granules - bitmap_words;
  if (block_granules < min_block_granules) {
    return Status::region_too_small;
  }
  if (block_granules > detail::max_block_granules) {
    return Status::region_too_large;
  }

  base_ = static_cast<unsigned char*>(memory);
  region_bytes_ = size_bytes;
  base_address_granules_ = address / granule_bytes;
  end_g_ = static_cast<Granule>(block_granules);
  start_bits_ = base_ + block_granules * granule_bytes;
  __builtin_memset(start_bits_, 0, bitmap_words * granule_bytes);
  for (Granule& head : heads_) {
    head = no_block;
  }
  for (std::uint64_t& word : class_words_) {
    word = 0;
  }
  class_summary_ = 0;
  free_granules_ = 0;
  free_block_count_ = 0;
  used_block_count_ = 0;
  requested_bytes_ = 0;
  peak_requested_bytes_ = 0;
  alloc_count_ = 0;
  free_count_ = 0;
  failed_alloc_count_ = 0;
  high_water_g_ = 0;

  const Granule size = static_cast<Granule>(block_granules);
  mark_block_start(0);
  store_header(0, make_header(size, false, 0, 0, false));
  insert_free(0, size);
  min_free_granules_ = free_granules_;
  return Status::ok;
}

// ---------------------------------------------------------------- free lists

SMH_HOT void Heap::insert_free(Granule block, Granule size) {
  SMH_ASSERT(size >= min_block_granules && block + size <= end_g_);
  const unsigned index = class_of(size);
  const Granule head = heads_[index];
  store_links(block, head, no_block);
  if (head != no_block) {
    set_prev_link(head, block);
  } else {
    class_words_[index / 64] |= std::uint64_t{1} << (index % 64);
    class_summary_ |= 1u << (index / 64);
  }
  heads_[index] = block;
  free_granules_ += size;
  ++free_block_count_;
}

SMH_HOT void Heap::remove_free(Granule block, Granule size) {
  SMH_ASSERT(free_block_count_ > 0 && free_granules_ >= size);
  const unsigned index = class_of(size);
  Granule next = next_link(block);
  Granule prev = prev_link(block);
  // Links live in the region, where a stray write can reach them. One that points
  // outside the block area is reported and cut, never followed: the heap then
  // fails validate() instead of writing outside its region.
  if ((next != no_block && !link_in_area(next)) || (prev != no_block && !link_in_area(prev)))
      [[unlikely]] {
    report_error(Status::metadata_corrupted, payload_of(block));
    next = link_in_area(next) ? next : no_block;
    prev = link_in_area(prev) ? prev : no_block;
  }
  if (prev != no_block) {
    set_next_link(prev, next);
  } else {
    SMH_ASSERT(heads_[index] == block);
    heads_[index] = next;
    if (next == no_block) {
      class_words_[index / 64] &= ~(std::uint64_t{1} << (index % 64));
      if (class_words_[index / 64] == 0) {
        class_summary_ &= ~(1u << (index / 64));
      }
    }
  }
  if (next != no_block) {
    set_prev_link(next, prev);
  }
  free_granules_ -= size;
  --free_block_count_;
}

// Smallest non-empty class >= class_index, or class_count if there is none.
SMH_HOT unsigned Heap::first_nonempty_class_from(unsigned class_index) const {
  if (class_index >= class_count) {
    return class_count;
  }
  unsigned word = class_index / 64;
  const std::uint64_t bits = class_words_[word] & (~std::uint64_t{0} << (class_index % 64));
  if (bits != 0) {
    return word * 64 + static_cast<unsigned>(std::countr_zero(bits));
  }
  const std::uint32_t later_words = word + 1 < 32 ? class_summary_ & (~0u << (word + 1)) : 0u;
  if (later_words == 0) {
    return class_count;
  }
  word = static_cast<unsigned>(std::countr_zero(later_words));
  SMH_ASSERT(class_words_[word] != 0);
  return word * 64 + static_cast<unsigned>(std::countr_zero(class_words_[word]));
}

// ---------------------------------------------------------------- allocation

// align_bytes 0 means the default; anything up to 8 is met by every block.
bool Heap::normalise_alignment(std::size_t align_bytes, Granule* align_granules) const {
  if (align_bytes == 0 || align_bytes <= granule_bytes) {
    *align_granules = 1;
    return align_bytes == 0 || std::has_single_bit(align_bytes);
  }
  if (!std::has_single_bit(align_bytes) || align_bytes > region_bytes_) {
    return false;
  }
  *align_granules = static_cast<Granule>(align_bytes / granule_bytes);
  return true;
}

// Can the free block [block, block + size) hold a block of `need` granules whose
// payload is aligned to align_granules (absolute address)? The gap in front, if
// any, must be able to stay behind as a free block, so a gap of one granule is
// widened by one alignment step.
SMH_HOT bool Heap::fits(Granule block, Granule size, Granule need, Granule align_granules,
                Placement* out) const {
  std::uint64_t gap = 0;
  if (align_granules > 1) {
    const std::uint64_t payload = std::uint64_t{base_address_granules_} + block + 1;
    gap = (std::uint64_t{align_granules} - payload % align_granules) % align_granules;
    if (gap == 1) {
      gap += align_granules;
    }
  }
  if (gap + need > size) {
    return false;
  }
  out->free_block = block;
  out->free_size = size;
  out->block = static_cast<Granule>(block + gap);
  return true;
}

// Good fit in bounded time. `worst` is the block size that fits whatever the
// alignment gap turns out to be; every block in a class above class_of(worst) is
// larger than worst, so the head of the smallest such class always fits.
bool Heap::find_block(Granule need, Granule align_granules, Placement* out) const {
  const std::uint64_t worst =
      std::uint64_t{need} + (align_granules > 1 ? std::uint64_t{align_granules} + 1 : 0);
  const unsigned low = class_of(need);
  const unsigned high =
      worst > detail::max_block_granules ? class_count - 1 : class_of(static_cast<Granule>(worst));

  // 1. The first few blocks of each non-empty class the request spans (one class
  //    when unaligned): the tightest candidates, smallest class first. Probing a
  //    few rather than only the head fills holes that would otherwise send the
  //    request to a larger class, which is what grows the footprint.
  unsigned index = first_nonempty_class_from(low);
  for (; index <= high; index = first_nonempty_class_from(index + 1)) {
    Granule block = heads_[index];
    for (unsigned probe = 0; probe < probes_per_class && link_in_area(block); ++probe) {
      if (fits(block, block_size(block), need, align_granules, out)) {
        return true;
      }
      block = next_link(block);
    }
  }
  // 2. The smallest class whose every block fits: where step 1's search stopped,
  //    the first non-empty class above `high`.
  if (worst <= detail::max_block_granules && index < class_count) {
    const Granule head = heads_[index];
    const bool head_fits = fits(head, block_size(head), need, align_granules, out);
    SMH_ASSERT(head_fits);
    return head_fits;
  }
  // 3. Failure path, so that nullptr means no free block could hold the request.
  return scan_spanned_classes(low, high, need, align_granules, out);
}

// Every block of the non-empty classes in [low, high] past those step 1 probed.
// Bounded by the number of free blocks in those classes.
bool Heap::scan_spanned_classes(unsigned low, unsigned high, Granule need, Granule align_granules,
                                Placement* out) const {
  for (unsigned index = first_nonempty_class_from(low); index <= high;
       index = first_nonempty_class_from(index + 1)) {
    std::size_t visited = 0;
    for (Granule block = heads_[index]; link_in_area(block); block = next_link(block)) {
      ++visited;
      SMH_ASSERT(visited <= free_block_count_);
      if (visited <= probes_per_class) {
        continue;
      }
      if (fits(block, block_size(block), need, align_granules, out)) {
        return true;
      }
    }
  }
  return false;
}

// Gives the block at `block` (with `available` granules from it to the end of the
// free space it was cut from) its final size: the tail beyond `need` becomes a
// free block when it can hold one, else stays with the block. Keeps the boundary
// tag of whatever follows. Returns the block's size.
SMH_HOT Heap::Granule Heap::split_tail(Granule block, Granule available, Granule need) {
  SMH_ASSERT(available >= need && need >= min_block_granules);
  if (available - need < min_block_granules) {
    set_left_of_next(block, available, false);
    return available;
  }
  const Granule tail = block + need;
  const Granule tail_size = available - need;
  mark_block_start(tail);
  store_header(tail, make_header(tail_size, false, 0, need, false));
  insert_free(tail, tail_size);
  set_left_of_next(tail, tail_size, true);
  return need;
}

// Takes the placement's free block off its list and builds the used block there.
SMH_HOT Heap::Granule Heap::carve(const Placement& placement, Granule need, std::size_t size_bytes) {
  const Granule free_block = placement.free_block;
  const Granule gap = placement.block - free_block;
  SMH_ASSERT(gap == 0 || gap >= min_block_granules);
  SMH_ASSERT(gap + need <= placement.free_size);
  const std::uint64_t old_header = load_header(free_block);
  SMH_ASSERT(!detail::header_used(old_header) && detail::header_size(old_header) == placement.free_size);
  remove_free(free_block, placement.free_size);

  // A free block's left neighbour is in use (free blocks never touch).
  SMH_ASSERT(!detail::header_left_free(old_header));
  Granule prev_size = detail::header_prev_size(old_header);
  if (gap > 0) {  // the alignment gap stays free, in front of the new block
    store_header(free_block, make_header(gap, false, 0, prev_size, false));
    insert_free(free_block, gap);
    mark_block_start(placement.block);
    prev_size = gap;
  }
  const Granule size = split_tail(placement.block, placement.free_size - gap, need);
  store_header(placement.block,
               make_header(size, true, slack_for(size, size_bytes), prev_size, gap > 0));
  return placement.block;
}

void Heap::account_alloc(Granule block, Granule size, std::size_t size_bytes) {
  ++used_block_count_;
  ++alloc_count_;
  requested_bytes_ += size_bytes;
  update_watermarks(block + size);
}

// After live bytes grew: the peak, the minimum free and the high-water mark.
void Heap::update_watermarks(Granule block_end) {
  if (requested_bytes_ > peak_requested_bytes_) {
    peak_requested_bytes_ = requested_bytes_;
  }
  if (free_granules_ < min_free_granules_) {
    min_free_granules_ = free_granules_;
  }
  if (block_end > high_water_g_) {
    high_water_g_ = block_end;
  }
}

void Heap::report_alloc_failure(std::size_t size_bytes, std::size_t align_bytes) {
  ++failed_alloc_count_;
  if (hooks_.on_alloc_failed != nullptr) {
    hooks_.on_alloc_failed(hooks_.context, AllocFailedEvent{size_bytes, align_bytes});
  }
}

void* Heap::alloc_granules(std::size_t size_bytes, std::size_t align_bytes) {
  if (base_ == nullptr || size_bytes == 0) {
    return nullptr;
  }
  Granule align_granules = 1;
  if (!normalise_alignment(align_bytes, &align_granules)) {
    report_error(Status::invalid_argument, nullptr);
    report_alloc_failure(size_bytes, align_bytes);
    return nullptr;
  }
  Placement placement;
  if (size_bytes > max_request_bytes ||
      !find_block(block_granules_for(size_bytes), align_granules, &placement)) {
    report_alloc_failure(size_bytes, align_bytes);
    return nullptr;
  }
  const Granule need = block_granules_for(size_bytes);
  const Granule block = carve(placement, need, size_bytes);
  const Granule size = block_size(block);
  account_alloc(block, size, size_bytes);
  if (hooks_.on_alloc != nullptr) {
    hooks_.on_alloc(hooks_.context,
                    AllocEvent{offset_of(payload_of(block)), size_bytes,
                               std::size_t{size - 1} * granule_bytes, align_bytes});
  }
  return payload_of(block);
}

void* Heap::alloc(std::size_t size_bytes) { return alloc_granules(size_bytes, 0); }

void* Heap::aligned_alloc(std::size_t align_bytes, std::size_t size_bytes) {
  return alloc_granules(size_bytes, align_bytes);
}

// ---------------------------------------------------------------- free

// Exact check that ptr is the payload of a live block (the start bitmap decides),
// and that the header agrees with the neighbours free() will touch, so a corrupted
// header is refused rather than acted on.
SMH_HOT Status Heap::check_live_block(const void* ptr, Granule* block) const {
  if (base_ == nullptr) {
    return Status::not_initialized;
  }
  const std::uintptr_t address = reinterpret_cast<std::uintptr_t>(ptr);
  const std::uintptr_t base = reinterpret_cast<std::uintptr_t>(base_);
  if (address < base || address - base >= region_bytes_) {
    return Status::pointer_outside_region;
  }
  const std::size_t offset = address - base;
  const std::size_t payload = offset / granule_bytes;
  if (offset % granule_bytes != 0 || payload == 0 || payload > end_g_) {
    return Status::pointer_not_block;  // unaligned, or in the bitmap at the end
  }
  const Granule candidate = static_cast<Granule>(payload - 1);
  if (!is_block_start(candidate)) {
    return Status::pointer_not_block;
  }
  const std::uint64_t header = load_header(candidate);
  if (!detail::header_used(header)) {
    return Status::double_free;
  }
  const Granule size = detail::header_size(header);
  const Granule prev_size = detail::header_prev_size(header);
  if (size < min_block_granules || size > end_g_ - candidate ||
      detail::header_slack(header) >= (size - 1) * granule_bytes) {
    return Status::metadata_corrupted;
  }
  const Granule next = candidate + size;
  if (next < end_g_) {
    const std::uint64_t next_header = load_header(next);
    if (!is_block_start(next) || detail::header_prev_size(next_header) != size ||
        detail::header_left_free(next_header) ||
        (!detail::header_used(next_header) && !free_block_consistent(next, next_header))) {
      return Status::metadata_corrupted;
    }
  }
  if (candidate == 0) {
    if (prev_size != 0 || detail::header_left_free(header)) {
      return Status::metadata_corrupted;
    }
  } else if (detail::header_left_free(header)) {  // free() will merge with it: check it
    const Granule left = candidate - prev_size;
    if (prev_size < min_block_granules || prev_size > candidate || !is_block_start(left)) {
      return Status::metadata_corrupted;
    }
    const std::uint64_t left_header = load_header(left);
    if (detail::header_used(left_header) || detail::header_size(left_header) != prev_size ||
        !free_block_consistent(left, left_header)) {
      return Status::metadata_corrupted;
    }
  }
  *block = candidate;
  return Status::ok;
}

// A free neighbour that free() is about to merge with (and unlink) must be what it
// claims: a sane size, a used left neighbour, a right neighbour whose boundary tag
// names it, and list links that lead back to it. Checked before anything is
// written, so a corrupted neighbour makes free() refuse instead of following
// bytes that may be a live block's data. O(1): the header after it, and the two
// links remove_free() would touch anyway.
bool Heap::free_block_consistent(Granule block, std::uint64_t header) const {
  const Granule size = detail::header_size(header);
  if (size < min_block_granules || size > end_g_ - block || detail::header_left_free(header) ||
      detail::header_slack(header) != 0) {
    return false;
  }
  const Granule after = block + size;
  if (after < end_g_) {
    if (!is_block_start(after)) {
      return false;
    }
    const std::uint64_t after_header = load_header(after);
    if (detail::header_prev_size(after_header) != size || !detail::header_left_free(after_header)) {
      return false;
    }
  }
  const Granule next = next_link(block);
  const Granule prev = prev_link(block);
  if ((next != no_block && !link_in_area(next)) || (prev != no_block && !link_in_area(prev))) {
    return false;
  }
  if (prev == no_block ? heads_[class_of(size)] != block : next_link(prev) != block) {
    return false;
  }
  return next == no_block || prev_link(next) == block;
}

Status Heap::report_error(Status status, const void* ptr) const {
  SMH_ASSERT(status != Status::ok);
  if (hooks_.on_error != nullptr) {
    hooks_.on_error(hooks_.context, ErrorEvent{status, ptr == nullptr ? 0 : offset_of(ptr)});
  }
  return status;
}

// Marks a (checked) used block free and coalesces it with free neighbours.
SMH_HOT void Heap::release_block(Granule block, Granule size) {
  const std::uint64_t header = load_header(block);
  SMH_ASSERT(detail::header_size(header) == size);
  Granule start = block;
  Granule total = size;
  Granule prev_size = detail::header_prev_size(header);

  const Granule next = block + size;
  if (next < end_g_) {
    const std::uint64_t next_header = load_header(next);
    if (!detail::header_used(next_header)) {
      const Granule next_size = detail::header_size(next_header);
      remove_free(next, next_size);
      clear_block_start(next);
      total += next_size;
    }
  }
  if (detail::header_left_free(header)) {
    const Granule prev = block - prev_size;
    const std::uint64_t prev_header = load_header(prev);
    SMH_ASSERT(!detail::header_used(prev_header) && !detail::header_left_free(prev_header));
    remove_free(prev, prev_size);
    clear_block_start(block);
    start = prev;
    total += prev_size;
    prev_size = detail::header_prev_size(prev_header);
  }
  store_header(start, make_header(total, false, 0, prev_size, false));
  set_left_of_next(start, total, true);
  insert_free(start, total);
}

// Forgets a used block in the counters; the caller then releases its granules.
void Heap::account_free(std::uint64_t header) {
  const Granule size = detail::header_size(header);
  const std::size_t requested = std::size_t{size - 1} * granule_bytes - detail::header_slack(header);
  SMH_ASSERT(used_block_count_ > 0 && requested_bytes_ >= requested);
  --used_block_count_;
  ++free_count_;
  requested_bytes_ -= requested;
}

Status Heap::free(void* ptr) {
  if (ptr == nullptr) {
    return Status::ok;
  }
  Granule block = 0;
  const Status status = check_live_block(ptr, &block);
  if (status != Status::ok) {
    return report_error(status, ptr);
  }
  const std::uint64_t header = load_header(block);
  const Granule size = detail::header_size(header);
  const std::size_t usable = std::size_t{size - 1} * granule_bytes;
  const std::size_t requested = usable - detail::header_slack(header);
  account_free(header);
  release_block(block, size);
  if (hooks_.on_free != nullptr) {
    hooks_.on_free(hooks_.context, FreeEvent{offset_of(ptr), requested, usable});
  }
  return Status::ok;
}

// ---------------------------------------------------------------- realloc

void* Heap::realloc(void* ptr, std::size_t size_bytes) { return try_realloc(ptr, 0, size_bytes).ptr; }

void* Heap::aligned_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes) {
  return try_realloc(ptr, align_bytes, size_bytes).ptr;
}

// Resizes a live block without moving it, if its neighbourhood allows. Returns the
// new size in granules, or 0 when it cannot (nothing changed then).
Heap::Granule Heap::resize_block(Granule block, Granule size, Granule need) {
  if (need <= size) {
    if (size - need < min_block_granules) {
      return size;  // too little to give back: keep the block as it is
    }
    // Release the tail through the ordinary free path so it coalesces rightwards.
    const Granule tail = block + need;
    const Granule tail_size = size - need;
    mark_block_start(tail);
    store_header(tail, make_header(tail_size, true, 0, need, false));
    set_left_of_next(tail, tail_size, false);
    release_block(tail, tail_size);
    return need;
  }
  const Granule next = block + size;
  if (next >= end_g_) {
    return 0;
  }
  const std::uint64_t next_header = load_header(next);
  const Granule next_size = detail::header_size(next_header);
  if (detail::header_used(next_header) || size + next_size < need) {
    return 0;
  }
  remove_free(next, next_size);
  clear_block_start(next);
  return split_tail(block, size + next_size, need);
}

// The checks realloc and resize_in_place share. On ok, `request` describes the
// block and the wanted size; otherwise the failure has been reported, and counted
// as a failed allocation when `count_failure` (realloc; resize_in_place is only a
// first attempt whose caller may move the block, so it never counts one).
Status Heap::check_resize(void* ptr, std::size_t align_bytes, std::size_t size_bytes,
                          bool count_failure, ResizeRequest* request) {
  Granule block = 0;
  const Status status = check_live_block(ptr, &block);
  if (status != Status::ok) {
    return report_error(status, ptr);
  }
  Granule align_granules = 1;
  if (!normalise_alignment(align_bytes, &align_granules)) {
    report_error(Status::invalid_argument, ptr);
    if (count_failure) {
      report_alloc_failure(size_bytes, align_bytes);
    }
    return Status::invalid_argument;
  }
  if (size_bytes > max_request_bytes) {
    if (count_failure) {
      report_alloc_failure(size_bytes, align_bytes);
    }
    return Status::out_of_memory;
  }
  request->block = block;
  request->header = load_header(block);
  request->align_granules = align_granules;
  request->need = block_granules_for(size_bytes);
  return Status::ok;
}

// Resizes without moving when the block already has the alignment and its
// neighbourhood allows; updates header and counters. False leaves all unchanged.
bool Heap::resize_block_in_place(const ResizeRequest& request, std::size_t size_bytes) {
  const Granule block = request.block;
  const std::uint64_t header = request.header;
  if ((base_address_granules_ + block + 1) % request.align_granules != 0) {
    return false;
  }
  const Granule new_size = resize_block(block, detail::header_size(header), request.need);
  if (new_size == 0) {
    return false;
  }
  const std::size_t old_requested =
      std::size_t{detail::header_size(header) - 1} * granule_bytes - detail::header_slack(header);
  store_header(block, make_header(new_size, true, slack_for(new_size, size_bytes),
                                  detail::header_prev_size(header),
                                  detail::header_left_free(header)));
  requested_bytes_ = requested_bytes_ - old_requested + size_bytes;
  update_watermarks(block + new_size);
  return true;
}

void Heap::report_realloc(const ResizeRequest& request, const void* old_ptr, Granule new_block,
                          std::size_t size_bytes, std::size_t align_bytes) {
  if (hooks_.on_realloc == nullptr) {
    return;
  }
  const std::size_t old_usable = std::size_t{detail::header_size(request.header) - 1} * granule_bytes;
  hooks_.on_realloc(hooks_.context,
                    ReallocEvent{offset_of(old_ptr), offset_of(payload_of(new_block)),
                                 old_usable - detail::header_slack(request.header), size_bytes,
                                 std::size_t{block_size(new_block) - 1} * granule_bytes, align_bytes,
                                 new_block != request.block});
}

Status Heap::resize_in_place(void* ptr, std::size_t align_bytes, std::size_t size_bytes) {
  if (ptr == nullptr || size_bytes == 0) {
    return report_error(Status::invalid_argument, ptr);
  }
  ResizeRequest request;
  const Status status = check_resize(ptr, align_bytes, size_bytes, false, &request);
  if (status != Status::ok) {
    return status;
  }
  if (!resize_block_in_place(request, size_bytes)) {
    return Status::out_of_memory;  // not a failed allocation: the caller may move
  }
  report_realloc(request, ptr, request.block, size_bytes, align_bytes);
  return Status::ok;
}

ReallocResult Heap::try_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes) {
  if (ptr == nullptr) {
    void* fresh = alloc_granules(size_bytes, align_bytes);
    return {fresh, fresh != nullptr || size_bytes == 0 ? Status::ok : Status::out_of_memory};
  }
  if (size_bytes == 0) {
    return {nullptr, free(ptr)};
  }
  ResizeRequest request;
  const Status status = check_resize(ptr, align_bytes, size_bytes, true, &request);
  if (status != Status::ok) {
    return {nullptr, status};
  }
  Granule new_block = request.block;
  if (!resize_block_in_place(request, size_bytes)) {
    Placement placement;
    if (!find_block(request.need, request.align_granules, &placement)) {
      report_alloc_failure(size_bytes, align_bytes);
      return {nullptr, Status::out_of_memory};
    }
    new_block = carve(placement, request.need, size_bytes);
    account_alloc(new_block, block_size(new_block), size_bytes);
    const std::size_t old_usable =
        std::size_t{detail::header_size(request.header) - 1} * granule_bytes;
    __builtin_memcpy(payload_of(new_block), ptr, old_usable < size_bytes ? old_usable : size_bytes);
    account_free(request.header);
    release_block(request.block, detail::header_size(request.header));
  }
  report_realloc(request, ptr, new_block, size_bytes, align_bytes);
  return {payload_of(new_block), Status::ok};
}

// ---------------------------------------------------------------- queries

std::size_t Heap::usable_size(const void* ptr) const {
  Granule block = 0;
  if (ptr == nullptr || check_live_block(ptr, &block) != Status::ok) {
    return 0;
  }
  return std::size_t{block_size(block) - 1} * granule_bytes;
}

// The pool asks this of every candidate region, so the usual answers come from
// the class bitmap alone, without touching region memory: if the highest
// non-empty class lies above the request's worst case, some block surely fits; if
// it lies below the request's own class, none can. Only in between does it run
// the heap's search (the same one aligned_alloc runs), so the answer is exact.
Heap::Request Heap::make_request(std::size_t align_bytes, std::size_t size_bytes) {
  Request request;
  request.align_bytes = align_bytes;
  if (size_bytes == 0 || size_bytes > max_request_bytes ||
      (align_bytes != 0 && !std::has_single_bit(align_bytes))) {
    return request;
  }
  request.need_granules = block_granules_for(size_bytes);
  request.align_granules =
      align_bytes > granule_bytes ? static_cast<Granule>(align_bytes / granule_bytes) : 1u;
  request.low_class = class_of(request.need_granules);
  const std::uint64_t worst = std::uint64_t{request.need_granules} +
                              (request.align_granules > 1 ? std::uint64_t{request.align_granules} + 1 : 0);
  // No class lies above the last one: a worst case beyond the largest block has no
  // "surely fits" class.
  request.sure_class = worst <= detail::max_block_granules ? class_of(static_cast<Granule>(worst))
                                                           : class_count - 1;
  request.well_formed = true;
  return request;
}

bool Heap::can_alloc(const Request& request) const {
  if (base_ == nullptr || !request.well_formed || request.align_bytes > region_bytes_) {
    return false;
  }
  const unsigned top = last_nonempty_class();
  if (top == class_count || top < request.low_class) {
    return false;
  }
  if (top > request.sure_class) {
    return true;
  }
  Placement placement;
  return find_block(request.need_granules, request.align_granules, &placement);
}

bool Heap::can_alloc(std::size_t align_bytes, std::size_t size_bytes) const {
  return can_alloc(make_request(align_bytes, size_bytes));
}

std::size_t Heap::largest_free_block_floor_bytes() const {
  const unsigned top = last_nonempty_class();
  return top == class_count ? 0 : std::size_t{detail::class_min_granules(top)} * granule_bytes;
}

bool Heap::contains(const void* ptr) const {
  return base_ != nullptr && offset_of(ptr) < region_bytes_;
}

bool Heap::is_live_block(const void* ptr) const {
  Granule block = 0;
  return ptr != nullptr && check_live_block(ptr, &block) == Status::ok;
}

}  // namespace smh
