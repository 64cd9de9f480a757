// smh::Heap — inspection: stats(), validate() and walk().
//
// validate() and walk() share one checked walk over the blocks (scan_blocks), which
// bounds-checks every header before following it, so a flipped bit anywhere in the
// metadata ends in a report naming the check and the offset, never in a wild read.
#include <bit>

#include "heap_internal.hpp"
#include "smh/detail/block_header.hpp"
#include "smh/detail/size_class.hpp"
#include "smh/heap.hpp"

namespace smh {

struct Heap::ScanTotals {
  std::size_t free_blocks = 0;
  std::size_t used_blocks = 0;
  std::size_t free_granules = 0;
  std::size_t requested_bytes = 0;
};

namespace {

ValidationReport failure(ValidationCheck check, std::size_t granule) {
  return ValidationReport{check, granule * Heap::granule_bytes};
}

}  // namespace

std::size_t Heap::largest_free_block_granules() const {
  const unsigned top = last_nonempty_class();
  if (top == detail::class_count) {
    return 0;
  }
  // Blocks in one class differ by less than 1/32; the list is scanned for the
  // exact maximum. Bounded by the free block count in case of corruption.
  std::size_t largest = 0;
  std::size_t visited = 0;
  // Links are range-checked so that a corrupted heap still reports stats.
  for (Granule block = heads_[top]; link_in_area(block) && visited < free_block_count_;
       block = next_link(block), ++visited) {
    const std::size_t size = block_size(block);
    largest = size > largest ? size : largest;
  }
  return largest;
}

HeapStats Heap::stats() const {
  HeapStats stats;
  if (base_ == nullptr) {
    return stats;
  }
  const std::size_t block_area = end_g_;
  const std::size_t used_granules = block_area - free_granules_;
  stats.capacity_bytes = region_bytes_;
  stats.free_bytes = std::size_t{free_granules_} * granule_bytes;
  stats.allocated_requested_bytes = requested_bytes_;
  stats.allocated_usable_bytes = (used_granules - used_block_count_) * granule_bytes;
  stats.overhead_bytes = region_bytes_ - stats.free_bytes - stats.allocated_usable_bytes;
  stats.peak_allocated_requested_bytes = peak_requested_bytes_;
  stats.min_free_bytes = std::size_t{min_free_granules_} * granule_bytes;
  stats.largest_free_block_bytes = largest_free_block_granules() * granule_bytes;
  stats.high_water_bytes = std::size_t{high_water_g_} * granule_bytes;
  stats.free_block_count = free_block_count_;
  stats.allocated_block_count = used_block_count_;
  stats.alloc_count = alloc_count_;
  stats.free_count = free_count_;
  stats.failed_alloc_count = failed_alloc_count_;
  return stats;
}

// True when no block-start bit is set in granules [from, to).
bool Heap::start_bits_clear(Granule from, Granule to) const {
  while (from < to) {
    std::uint64_t word;
    __builtin_memcpy(&word, start_bits_ + std::size_t{from / 64} * granule_bytes, sizeof word);
    const unsigned low = from % 64;
    const unsigned span = to - from < 64u - low ? to - from : 64u - low;
    const std::uint64_t mask = (span == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << span) - 1) << low;
    if ((word & mask) != 0) {
      return false;
    }
    from += span;
  }
  return true;
}

ValidationReport Heap::scan_blocks(BlockVisitor visitor, void* context, ScanTotals* totals) const {
  if (base_ == nullptr) {
    return {ValidationCheck::not_initialized, 0};
  }
  // Bits past the last block granule (in the bitmap's last word) are never set.
  if (end_g_ % 64 != 0) {
    std::uint64_t last;
    __builtin_memcpy(&last, start_bits_ + std::size_t{end_g_ / 64} * granule_bytes, sizeof last);
    if ((last >> (end_g_ % 64)) != 0) {
      return failure(ValidationCheck::stray_block_start_bit, end_g_);
    }
  }

  Granule prev_size = 0;
  bool prev_free = false;
  for (Granule block = 0; block < end_g_;) {
    if (!is_block_start(block)) {
      return failure(ValidationCheck::block_start_bit_missing, block);
    }
    const std::uint64_t header = load_header(block);
    const Granule size = detail::header_size(header);
    if (size < min_block_granules) {
      return failure(ValidationCheck::block_too_small, block);
    }
    if (size > end_g_ - block) {
      return failure(ValidationCheck::block_out_of_bounds, block);
    }
    if (detail::header_prev_size(header) != prev_size) {
      return failure(ValidationCheck::prev_size_mismatch, block);
    }
    if (detail::header_left_free(header) != prev_free) {
      return failure(ValidationCheck::left_free_mismatch, block);
    }
    if (!start_bits_clear(block + 1, block + size)) {
      return failure(ValidationCheck::stray_block_start_bit, block);
    }
    const bool used = detail::header_used(header);
    const std::size_t usable = std::size_t{size - 1} * granule_bytes;
    const std::size_t slack = detail::header_slack(header);
    if (used) {
      if (slack >= usable) {  // a live block always holds at least one requested byte
        return failure(ValidationCheck::accounting_mismatch, block);
      }
      ++totals->used_blocks;
      totals->requested_bytes += usable - slack;
    } else {
      if (prev_free) {
        return failure(ValidationCheck::adjacent_free_blocks, block);
      }
      if (slack != 0) {
        return failure(ValidationCheck::slack_on_free_block, block);
      }
      ++totals->free_blocks;
      totals->free_granules += size;
    }
    if (visitor != nullptr) {
      visitor(context, BlockInfo{std::size_t{block} * granule_bytes,
                                 (std::size_t{block} + 1) * granule_bytes,
                                 std::size_t{size} * granule_bytes, usable,
                                 used ? usable - slack : 0, used});
    }
    prev_free = !used;
    prev_size = size;
    block += size;
  }
  return {};
}

ValidationReport Heap::check_free_lists(std::size_t free_blocks_in_walk) const {
  std::size_t listed = 0;
  for (unsigned index = 0; index < detail::class_count; ++index) {
    const bool marked = ((class_words_[index / 64] >> (index % 64)) & 1u) != 0;
    if (marked != (heads_[index] != no_block)) {
      return failure(ValidationCheck::class_bitmap_mismatch,
                     heads_[index] != no_block && heads_[index] < end_g_ ? heads_[index] : 0);
    }
    Granule prev = no_block;
    for (Granule block = heads_[index]; block != no_block;) {
      // A start bit guarantees a checked block of >= 2 granules (the walk ran first).
      if (block >= end_g_ || !is_block_start(block)) {
        return failure(ValidationCheck::free_list_link_broken, prev == no_block ? 0 : prev);
      }
      const std::uint64_t header = load_header(block);
      if (detail::header_used(header)) {
        return failure(ValidationCheck::free_list_entry_not_free, block);
      }
      if (detail::class_of(detail::header_size(header)) != index) {
        return failure(ValidationCheck::free_list_wrong_class, block);
      }
      if (prev_link(block) != prev) {
        return failure(ValidationCheck::free_list_link_broken, block);
      }
      if (++listed > free_blocks_in_walk) {
        return failure(ValidationCheck::free_list_cycle, block);
      }
      prev = block;
      block = next_link(block);
    }
  }
  for (unsigned word = 0; word < detail::class_word_count; ++word) {
    if ((class_words_[word] != 0) != (((class_summary_ >> word) & 1u) != 0)) {
      return {ValidationCheck::class_bitmap_mismatch, 0};
    }
  }
  if (listed != free_blocks_in_walk) {
    return {ValidationCheck::free_block_not_listed, 0};
  }
  return {};
}

ValidationReport Heap::validate() const {
  ScanTotals totals;
  const ValidationReport walk_report = scan_blocks(nullptr, nullptr, &totals);
  if (!walk_report.ok()) {
    return walk_report;
  }
  const ValidationReport list_report = check_free_lists(totals.free_blocks);
  if (!list_report.ok()) {
    return list_report;
  }
  if (totals.free_granules != free_granules_ || totals.free_blocks != free_block_count_ ||
      totals.used_blocks != used_block_count_ || totals.requested_bytes != requested_bytes_ ||
      min_free_granules_ > free_granules_ || peak_requested_bytes_ < requested_bytes_ ||
      high_water_g_ > end_g_) {
    return {ValidationCheck::accounting_mismatch, 0};
  }
  return {};
}

bool Heap::walk(BlockVisitor visitor, void* context) const {
  ScanTotals totals;
  return scan_blocks(visitor, context, &totals).ok();
}

}  // namespace smh
