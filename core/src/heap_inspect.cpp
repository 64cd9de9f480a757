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
  std::size_t largest_free_granules = 0;
};

namespace {

ValidationReport failure(ValidationCheck check, std::size_t granule) {
  return ValidationReport{check, granule * Heap::granule_bytes};
}

}  // namespace

// The largest anchor of the subtrie at `node`, along the highest children.
Heap::Granule Heap::subtree_max(Granule node) const {
  Granule best = node;
  Granule best_size = size_of(node);
  for (unsigned level = 0; level < detail::trie_max_levels; ++level) {
    const std::uint32_t children = load_field(node, detail::mask_offset) & detail::children_mask;
    if (children == 0) {
      break;
    }
    node = child_of(node, detail::floor_log2(children));
    const Granule size = size_of(node);
    if (size > best_size) {
      best = node;
      best_size = size;
    }
  }
  return best;
}

// The highest non-empty class holds the largest block: its size (exact class) or
// its trie's largest anchor. Bounded by the trie depth.
std::size_t Heap::largest_free_block_granules() const {
  const unsigned top = last_class();
  if (top == detail::class_count) {
    return 0;
  }
  return detail::is_exact_class(top) ? top : size_of(subtree_max(heads_[top]));
}

HeapStats Heap::stats(StatsDepth depth) const {
  HeapStats stats;
  if (base_ == nullptr) {
    return stats;
  }
  const std::size_t block_area = end_g_;
  const std::size_t used_granules = block_area - free_granules_;
  stats.capacity_bytes = region_bytes_;
  stats.free_bytes = std::size_t{free_granules_} * granule_bytes;
  stats.allocated_requested_bytes = requested_bytes_;
  const std::size_t used_blocks = static_cast<std::size_t>(alloc_count_ - free_count_);
  stats.allocated_usable_bytes = (used_granules - used_blocks) * granule_bytes;
  stats.overhead_bytes = region_bytes_ - stats.free_bytes - stats.allocated_usable_bytes;
  stats.peak_allocated_requested_bytes = peak_requested_bytes_;
  stats.min_free_bytes = std::size_t{min_free_granules_} * granule_bytes;
  stats.largest_free_block_bytes =
      depth == StatsDepth::full ? largest_free_block_granules() * granule_bytes : 0;
  stats.high_water_bytes = std::size_t{high_water_g_} * granule_bytes;
  stats.free_block_count = free_block_count_;
  stats.allocated_block_count = used_blocks;
  stats.alloc_count = alloc_count_;
  stats.free_count = free_count_;
  stats.failed_alloc_count = failed_alloc_count_;
  return stats;
}

// True when no block-start bit is set in granules [from, to).
bool Heap::start_bits_clear(Granule from, Granule to) const {
  while (from < to) {
    std::uint32_t word;
    __builtin_memcpy(&word, start_bits_ + std::size_t{from / 32} * 4, sizeof word);
    const unsigned low = from % 32;
    const unsigned span = to - from < 32u - low ? to - from : 32u - low;
    const std::uint32_t mask = (span == 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << span) - 1) << low;
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
  // Bits past the last block granule (to the end of the bitmap's last 64-bit
  // word) are never set.
  const std::size_t bitmap_bits = (std::size_t{end_g_} + 63) / 64 * 64;
  for (std::size_t bit = end_g_; bit < bitmap_bits; bit += 32 - bit % 32) {
    std::uint32_t word;
    __builtin_memcpy(&word, start_bits_ + bit / 32 * 4, sizeof word);
    if ((word >> (bit % 32)) != 0) {
      return failure(ValidationCheck::stray_block_start_bit, end_g_);
    }
  }

  Granule prev_size = 0;
  bool prev_free = false;
  for (Granule block = 0; block < end_g_;) {
    if (!is_block_start(block)) {
      return failure(ValidationCheck::block_start_bit_missing, block);
    }
    const detail::BlockHeader header = load_header(block);
    const Granule size = detail::self_size(header.self);
    if (size < min_block_granules) {
      return failure(ValidationCheck::block_too_small, block);
    }
    if (size > end_g_ - block) {
      return failure(ValidationCheck::block_out_of_bounds, block);
    }
    if (detail::left_size(header.left) != prev_size) {
      return failure(ValidationCheck::prev_size_mismatch, block);
    }
    // The left-free bit and the zero bits above it, in one test.
    if ((header.left >> detail::left_free_shift) != std::uint32_t{prev_free}) {
      return failure(ValidationCheck::left_free_mismatch, block);
    }
    if (!start_bits_clear(block + 1, block + size)) {
      return failure(ValidationCheck::stray_block_start_bit, block);
    }
    const bool used = detail::self_used(header.self);
    const std::size_t usable = std::size_t{size - 1} * granule_bytes;
    const std::size_t slack = detail::self_slack(header.self);
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
      totals->largest_free_granules = size > totals->largest_free_granules ? size : totals->largest_free_granules;
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

// One ring of equal sizes, from its anchor: every member a free block of the
// anchor's size, links that agree both ways, no more members than free blocks.
ValidationReport Heap::check_ring(unsigned class_index, Granule anchor, std::size_t* listed,
                                  std::size_t limit) const {
  const Granule size = size_of(anchor);
  Granule member = anchor;
  do {
    // A start bit guarantees a checked block of >= 2 granules (the walk ran first).
    if (!link_in_area(member) || !is_block_start(member)) {
      return failure(ValidationCheck::free_list_link_broken, anchor);
    }
    const std::uint32_t self = load_self(member);
    if (detail::self_used(self)) {
      return failure(ValidationCheck::free_list_entry_not_free, member);
    }
    if (detail::self_size(self) != size || detail::class_of(size) != class_index) {
      return failure(ValidationCheck::free_list_wrong_class, member);
    }
    const Granule next = load_field(member, detail::next_offset);
    if (!link_in_area(next) || load_field(next, detail::prev_offset) != member) {
      return failure(ValidationCheck::free_list_link_broken, member);
    }
    // In a trie class, the anchor alone carries the anchor flag.
    if (!detail::is_exact_class(class_index) &&
        ((load_field(member, detail::mask_offset) & detail::anchor_flag) != 0) != (member == anchor)) {
      return failure(ValidationCheck::free_list_link_broken, member);
    }
    if (++*listed > limit) {
      return failure(ValidationCheck::free_list_cycle, member);
    }
    member = next;
  } while (member != anchor);
  return {};
}

// A trie node and what hangs below it: its key shares the first `depth` digits
// of `path_key` (its position), its children differ in the next digit, and it
// and each child anchor a well-formed ring. Recursion depth <= trie_max_levels.
ValidationReport Heap::check_trie(unsigned class_index, Granule node, unsigned depth, std::uint32_t path_key,
                                  std::size_t* listed, std::size_t limit) const {
  if (!link_in_area(node) || !is_block_start(node)) {
    return failure(ValidationCheck::free_list_link_broken, node < end_g_ ? node : 0);
  }
  const ValidationReport ring = check_ring(class_index, node, listed, limit);
  if (!ring.ok()) {
    return ring;
  }
  const std::uint32_t key = detail::trie_key(size_of(node));
  const unsigned spent = detail::trie_digit_bits * depth;
  if (spent > 0 && ((key ^ path_key) >> (31 - spent)) != 0) {
    return failure(ValidationCheck::free_list_wrong_class, node);  // not where its key belongs
  }
  const std::uint32_t word = detail::is_exact_class(class_index) ? 0 : load_field(node, detail::mask_offset);
  const std::uint32_t mask = word & detail::children_mask;
  if ((word & ~(detail::children_mask | detail::anchor_flag)) != 0 || (mask != 0 && depth == detail::trie_max_levels)) {
    return failure(ValidationCheck::free_list_link_broken, node);
  }
  for (unsigned digit = 0; digit < detail::trie_fanout; ++digit) {
    if (((mask >> digit) & 1u) == 0) {
      continue;
    }
    const unsigned shift = detail::trie_top_shift - spent;
    const std::uint32_t child_path = (path_key & ~(~0u >> (1 + spent))) | (digit << shift) | 0x8000'0000u;
    const ValidationReport below = check_trie(class_index, child_of(node, digit), depth + 1, child_path, listed, limit);
    if (!below.ok()) {
      return below;
    }
  }
  return {};
}

ValidationReport Heap::check_free_index(std::size_t free_blocks_in_walk) const {
  std::size_t listed = 0;
  for (unsigned index = 0; index < detail::class_count; ++index) {
    const bool marked = ((class_bits_[index / 32] >> (index % 32)) & 1u) != 0;
    const Granule head = heads_[index];
    if (marked != (head != no_block) || (index < min_block_granules && marked)) {
      return failure(ValidationCheck::class_bitmap_mismatch, head != no_block && head < end_g_ ? head : 0);
    }
    if (head != no_block) {
      const ValidationReport report = check_trie(index, head, 0, 0x8000'0000u, &listed, free_blocks_in_walk);
      if (!report.ok()) {
        return report;
      }
    }
  }
  for (unsigned word = 0; word < detail::class_word_count; ++word) {
    const unsigned first = word * 32;
    const std::uint32_t valid = detail::class_count - first >= 32 ? ~0u : (1u << (detail::class_count - first)) - 1;
    if ((class_bits_[word] & ~valid) != 0) {
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
  const ValidationReport list_report = check_free_index(totals.free_blocks);
  if (!list_report.ok()) {
    return list_report;
  }
  if (totals.free_granules != free_granules_ || totals.free_blocks != free_block_count_ ||
      totals.used_blocks != alloc_count_ - free_count_ || totals.requested_bytes != requested_bytes_ ||
      min_free_granules_ > free_granules_ || peak_requested_bytes_ < requested_bytes_ ||
      high_water_g_ > end_g_ || totals.largest_free_granules >= no_fit_granules_) {
    return {ValidationCheck::accounting_mismatch, 0};
  }
  return {};
}

bool Heap::walk(BlockVisitor visitor, void* context) const {
  ScanTotals totals;
  return scan_blocks(visitor, context, &totals).ok();
}

}  // namespace smh
