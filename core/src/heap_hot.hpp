// Heap's hot paths as inline definitions: allocation where a search chose
// (carve, split_tail, take_fit), the pointer checks and the release of a block.
// Private to core/src: heap.cpp builds the public operations from them, and the
// pool (pool_engine.cpp, a friend of Heap) inlines the same code into its own
// fast paths instead of calling through the public entry points, whose checks it
// has already made (the heap is initialised, the pointer lies in its region, the
// request is well formed). One definition of each: SMH_HOT inlines it into both
// on hosts, and an -Os build keeps one copy.
#pragma once

#include "heap_index.hpp"
#include "heap_internal.hpp"
#include "smh/assert.hpp"
#include "smh/detail/block_header.hpp"

namespace smh {

// Slack between the usable payload of a block of `block_granules` and the request.
constexpr std::uint32_t slack_for(std::uint32_t block_granules, std::size_t size_bytes) {
  return static_cast<std::uint32_t>((std::size_t{block_granules} - 1) * Heap::granule_bytes - size_bytes);
}

// ---------------------------------------------------------------- allocation

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
  store_header(tail, detail::make_header(tail_size, false, 0, need, false));
  insert_free(tail, tail_size);
  set_left_of_next(tail, tail_size, true);
  return need;
}

// Takes the chosen free block out of the index and builds the used block there:
// the alignment gap (if any) stays free in front, then the block, then the tail.
// Returns the block and its size (not read back from the header).
SMH_HOT Heap::Carved Heap::carve(const Fit& fit, Granule need, std::size_t size_bytes) {
  SMH_ASSERT(fit.gap == 0 || fit.gap >= min_block_granules);
  SMH_ASSERT(fit.gap + need <= fit.size);
  // The chosen block's header is not read: its size is fit.size, and its left
  // word (a used left neighbour: free blocks never touch) stays right for
  // whichever block starts at fit.block, the gap or the new block.
  SMH_ASSERT(peek_header(fit.block).self == detail::make_self_word(fit.size, false, 0));
  SMH_ASSERT(!detail::left_is_free(peek_header(fit.block).left));
  take_free(fit);
  const Granule block = fit.block + fit.gap;
  if (fit.gap > 0) {
    store_self(fit.block, detail::make_self_word(fit.gap, false, 0));
    insert_free(fit.block, fit.gap);
    mark_block_start(block);
    store_left(block, detail::make_left_word(fit.gap, true));
  }
  const Granule size = split_tail(block, fit.size - fit.gap, need);
  store_self(block, detail::make_self_word(size, true, slack_for(size, size_bytes)));
  return Carved{block, size};
}

SMH_INLINE void Heap::account_alloc(Granule block, Granule size, std::size_t size_bytes) {
  ++alloc_count_;
  requested_bytes_ += static_cast<std::uint32_t>(size_bytes);
  update_watermarks(block + size);
}

// After live bytes grew: the peak, the minimum free and the high-water mark.
SMH_HOT void Heap::update_watermarks(Granule block_end) {
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

// Builds the block where find_fit() chose, counts it and tells the hook (unless
// a realloc moves the block: on_realloc tells then).
SMH_INLINE void* Heap::take_fit(const Fit& fit, Granule need, std::size_t size_bytes, std::size_t align_bytes,
                                bool tell_hook) {
  const auto [block, size] = carve(fit, need, size_bytes);
  account_alloc(block, size, size_bytes);
  if (tell_hook && hooks_.on_alloc != nullptr) {
    hooks_.on_alloc(hooks_.context, AllocEvent{offset_of(payload_of(block)), size_bytes,
                                               std::size_t{size - 1} * granule_bytes, align_bytes});
  }
  return payload_of(block);
}

// find() and alloc_at() for a heap known to be initialised and a well-formed
// request: one search, and the block taken where it landed (nullptr: no room,
// nothing counted).
SMH_HOT void* Heap::take_if_fits(const Request& request) SMH_RESTRICT_THIS {
  SMH_ASSERT(base_ != nullptr && request.well_formed);
  Fit fit;
  if (request.align_bytes > region_bytes_ || !find_fit(request.need_granules, request.align_granules, &fit)) {
    return nullptr;
  }
  return take_fit(fit, request.need_granules, request.size_bytes, request.align_bytes);
}

// ---------------------------------------------------------------- free

// A free neighbour that free() is about to merge with (and unlink) must be what it
// claims: a sane size, a used left neighbour, a right neighbour whose boundary tag
// names it, and ring links that lead back to it. Checked before anything is
// written, so a corrupted neighbour makes free() refuse instead of following
// bytes that may be a live block's data. O(1): this checks the header and the two
// links the unlink would touch anyway; the caller checks the block after it
// (check_block_at: for the left neighbour that is free()'s own block, already
// checked, so its header is not read twice).
#if SMH_HARDENED
SMH_HOT bool Heap::free_block_consistent(Granule block, detail::BlockHeader header) const {
  const Granule size = detail::self_size(header.self);
  // header.left > size_mask: the left-free bit or a bit above it is set.
  if (size < min_block_granules || size > end_g_ - block || header.left > detail::size_mask ||
      detail::self_slack(header.self) != 0) {
    return false;
  }
  const Granule next = load_field(block, detail::next_offset);
  const Granule prev = load_field(block, detail::prev_offset);
  return link_in_area(next) && link_in_area(prev) && load_field(next, detail::prev_offset) == block &&
         load_field(prev, detail::next_offset) == block;
}
#endif

// Exact check that ptr is the payload of a live block (the start bitmap decides).
// Hardened builds (SMH_HARDENED, the default) also check that the header agrees
// with the neighbours free() will touch, so a corrupted header or neighbour is
// refused rather than acted on.
SMH_HOT Status Heap::check_live_block(const void* ptr, LiveBlock* live) const {
  const Status status = check_in_region(ptr);
  return status == Status::ok ? check_block_at(offset_of(ptr), live) : status;
}

// Whether ptr lies in this initialised heap's region: what a pool's owner lookup
// has already established for the pointers it passes on (free_in_region).
SMH_HOT Status Heap::check_in_region(const void* ptr) const {
  if (base_ == nullptr) {
    return Status::not_initialized;
  }
  // offset_of wraps for pointers below the base.
  return offset_of(ptr) < region_bytes_ ? Status::ok : Status::pointer_outside_region;
}

#if SMH_HARDENED
// check_block_at's left side of a used block at `candidate` with left word `left_word`: the
// first block names no left neighbour; a block whose left-free bit is set names a
// free block free() will merge with, which must be what it claims.
[[gnu::always_inline]] inline bool Heap::left_neighbour_consistent(Granule candidate, std::uint32_t left_word) const {
  const Granule prev_size = detail::left_size(left_word);
  if (candidate == 0) {
    return left_word == detail::make_left_word(0, false);
  }
  if (!detail::left_is_free(left_word)) {
    return true;
  }
  const Granule left = candidate - prev_size;
  // A prev_size below a block's is refused below: 0 names this used block,
  // 1 a size free_block_consistent() refuses.
  if (prev_size > candidate || !is_block_start(left)) {
    return false;
  }
  const detail::BlockHeader left_header = load_header(left);
  // The block after it is candidate: checked by the caller.
  return !detail::self_used(left_header.self) && detail::self_size(left_header.self) == prev_size &&
         free_block_consistent(left, left_header);
}
#endif

// check_live_block's block checks, for an offset inside the region. Always inlined:
// on -Os check_live_block is its one caller (the pool calls Heap::free there).
[[gnu::always_inline]] inline Status Heap::check_block_at(std::size_t offset, LiveBlock* live) const {
  SMH_ASSERT(offset < region_bytes_);
  // The block's granule: one before the payload's (wraps for an offset in the
  // first granule, which no payload has).
  const std::size_t block_at = offset / granule_bytes - 1;
  if (offset % granule_bytes != 0 || block_at >= end_g_) {
    return Status::pointer_not_block;  // unaligned, in the first granule, or in the bitmap at the end
  }
  const Granule candidate = static_cast<Granule>(block_at);
  if (!is_block_start(candidate)) {
    return Status::pointer_not_block;
  }
  const detail::BlockHeader header = load_header(candidate);
  if (!detail::self_used(header.self)) {
    return Status::double_free;
  }
  const Granule size = detail::self_size(header.self);
  // size >= min_block_granules (2) and slack < usable bytes ((size - 1) granules)
  // in one test: usable <= slack holds for size 0 and 1 too (slack >= 0).
  if (std::size_t{size} * granule_bytes <= detail::self_slack(header.self) + std::size_t{granule_bytes}) {
    return Status::metadata_corrupted;
  }
#if !SMH_HARDENED
  if (size > end_g_ - candidate) {
    return Status::metadata_corrupted;
  }
#else
  // Boundary tags to the right: the next block names this one as a used left
  // neighbour; when that one is free (free() merges with it), the block after it
  // names it as a free one. One loop of at most two steps serves both. The first
  // step also bounds the block's size (it ends at or before end_g_: candidate <
  // end_g_ < 2^27, size < 2^27, no wrap); the second's owner passed free_block_consistent.
  Granule owner = candidate;
  Granule owner_size = size;
  std::uint32_t next_self = 0;  // the right neighbour's self word, for release_block (0: none)
  for (bool owner_free = false;; owner_free = true) {
    const Granule at = owner + owner_size;
    if (at >= end_g_) {
      if (at != end_g_) {
        return Status::metadata_corrupted;
      }
      break;
    }
    if (!is_block_start(at)) {
      return Status::metadata_corrupted;
    }
    const detail::BlockHeader at_header = load_header(at);
    next_self = owner_free ? next_self : at_header.self;  // dead on -Os (not handed on)
    // Its left word (prev size, left-free bit, zero bits) in one comparison.
    if (at_header.left != detail::make_left_word(owner_size, owner_free)) {
      return Status::metadata_corrupted;
    }
    if (owner_free || detail::self_used(at_header.self)) {
      break;
    }
    if (!free_block_consistent(at, at_header)) {  // its size fits the region: the next step's read is in it
      return Status::metadata_corrupted;
    }
    owner = at;
    owner_size = detail::self_size(at_header.self);
  }
  if (!left_neighbour_consistent(candidate, header.left)) {
    return Status::metadata_corrupted;
  }
  if constexpr (smh_hot_paths_over_size) {
    live->next_self = next_self;  // for free_checked (-Os: release_block reads it)
  }
#endif
  live->block = candidate;
  live->header = header;
  return Status::ok;
}

// release_block's merge with a free left neighbour of `prev_size` granules: takes
// it out of the index and the block's start bit away. Its header is not read: the
// merged block keeps its left word. Out of line on hosts: its values need not
// stay live across the common path.
SMH_HOST_OUTLINED void Heap::take_left(Granule block, Granule prev_size) {
  const Granule prev = block - prev_size;
  SMH_ASSERT(peek_header(prev).self == detail::make_self_word(prev_size, false, 0) &&
             !detail::left_is_free(peek_header(prev).left));
  remove_free(prev, prev_size);
  clear_block_start(block);
}

// The self word of the block after `block` of `size` granules, or 0 (no self
// word is: size >= 2) when `block` is the last.
SMH_HOT std::uint32_t Heap::self_after(Granule block, Granule size) const {
  const Granule next = block + size;
  return next < end_g_ ? load_self(next) : 0;
}

// release_block() for a caller that has not read the right neighbour's header.
SMH_HOT void Heap::release_block(Granule block, detail::BlockHeader header) {
  release_block(block, header, smh_hot_paths_over_size ? self_after(block, detail::self_size(header.self)) : 0);
}

// Marks a (checked) used block free and coalesces it with free neighbours.
// `header` is the block's current header and `next_self` its right
// neighbour's self word (self_after), which the caller has read or written.
SMH_HOT void Heap::release_block(Granule block, detail::BlockHeader header, std::uint32_t next_self) {
  SMH_ASSERT(detail::self_used(header.self));  // (not re-read here: the read bound counts every read)
  const Granule size = detail::self_size(header.self);
  Granule start = block;
  Granule total = size;

  const Granule next = block + size;
  if (smh_hot_paths_over_size ? next_self != 0 : next < end_g_) {
    if constexpr (!smh_hot_paths_over_size) {
      next_self = load_self(next);  // -Os: one copy of the read, here
    }
    if (!detail::self_used(next_self)) {
      const Granule next_size = detail::self_size(next_self);
      remove_free(next, next_size);
      clear_block_start(next);
#if SMH_PLANTED_DEFECT
      // The planted defect (test builds only, see heap_internal.hpp): the
      // merged size loses the right neighbour's last granule.
      total += next_size - 1;
#else
      total += next_size;
#endif
    }
  }
  if (detail::left_is_free(header.left)) {
    const Granule prev_size = detail::left_size(header.left);
    take_left(block, prev_size);
    start = block - prev_size;
    total += prev_size;
  }
  // Only the self word: the left word of `start` (the block or its free left
  // neighbour) already names start's used left neighbour.
  SMH_ASSERT(!detail::left_is_free(peek_header(start).left));
  store_self(start, detail::make_self_word(total, false, 0));
  set_left_of_next(start, total, true);
  note_free_size(total);
  insert_free(start, total);
}

// A free block of `size` granules now exists (a free() merge, a shrink's tail):
// raises the bound every free block is below (no_fit_granules_), which a
// split's tail or gap never needs (each is cut from a larger free block).
SMH_HOT void Heap::note_free_size(Granule size) {
  if (size >= no_fit_granules_) {
    no_fit_granules_ = size + 1;  // <= max_block_granules + 1
  }
}

// Forgets a used block in the counters; the caller then releases its granules.
SMH_HOT void Heap::account_free(std::uint32_t self) {
  const Granule size = detail::self_size(self);
  const std::size_t requested = std::size_t{size - 1} * granule_bytes - detail::self_slack(self);
  SMH_ASSERT(alloc_count_ > free_count_ && requested_bytes_ >= requested);
  ++free_count_;
  requested_bytes_ -= static_cast<std::uint32_t>(requested);
}


// The LiveBlock of a used block whose pointer this operation has checked
// already (a realloc that moved it), for free_checked without a second check.
// Its header is read again: an allocation next to it since the check (the
// move's own carve) may have rewritten its left word.
SMH_HOT Heap::LiveBlock Heap::checked_before(Granule block) const {
  LiveBlock live{};  // next_self 0 unless set below: the -O1 sanitizer build warns otherwise
  live.block = block;
  live.header = load_header(block);
#if SMH_HARDENED
  if constexpr (smh_hot_paths_over_size) {  // what free_checked hands release_block (-Os: it reads it)
    live.next_self = self_after(block, detail::self_size(live.header.self));
  }
#endif
  return live;
}

// Frees a block the pointer checks accepted: counters, coalescing, the hook
// (unless a realloc moved the block: on_realloc tells then).
SMH_HOT Status Heap::free_checked(void* ptr, const LiveBlock& live, bool tell_hook) {
  const detail::BlockHeader header = live.header;
  const Granule size = detail::self_size(header.self);
  account_free(header.self);
#if SMH_HARDENED
  if constexpr (smh_hot_paths_over_size) {
    release_block(live.block, header, live.next_self);  // the pointer check read it
  } else {
    release_block(live.block, header);  // -Os: one copy of release_block, which reads it
  }
#else
  release_block(live.block, header);
#endif
  if (tell_hook && hooks_.on_free != nullptr) {
    const std::size_t usable = std::size_t{size - 1} * granule_bytes;
    hooks_.on_free(hooks_.context, FreeEvent{offset_of(ptr), usable - detail::self_slack(header.self), usable});
  }
  return Status::ok;
}

// free() of a pointer that lies in this initialised heap's region
// (check_in_region passed): the block checks, then the release.
SMH_HOT Status Heap::free_in_region(void* ptr) SMH_RESTRICT_THIS {
  LiveBlock live;
  const Status status = check_block_at(offset_of(ptr), &live);
  return status == Status::ok ? free_checked(ptr, live) : report_error(status, ptr);
}

}  // namespace smh
