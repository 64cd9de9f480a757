// The heap's free index: which free blocks exist, by size (docs/ARCHITECTURE.md,
// "Finding a block"). Private to core/src; included by heap.cpp alone, so the
// hot paths inline what they use; on -Os the trie walks with one caller are
// inlined too (SMH_INLINE), and detach_anchor (SMH_COLD) stays out of line.
//
// * A class bitmap (one bit per size class, detail/size_class.hpp) says which
//   classes hold a free block.
// * Every free block of one size sits in a ring (next/prev, detail/free_node.hpp).
//   One block of the ring, its anchor, stands for the size in the index; new
//   blocks go in right after the anchor, so anchor.next is the most recently
//   inserted block of that size and the anchor the oldest.
// * An exact class holds one size: its head is the anchor. A trie class holds a
//   16-way trie of anchors keyed by size (detail::trie_key): a node at depth L
//   shares the first L digits of its key with its position, children split the
//   rest by the next digit, and a mask bit per child says which exist. A trie of
//   p key bits is at most ceil(p / 4) <= 7 levels deep.
//
// Every loop below is bounded by the trie depth, never by the number of blocks.
#pragma once

#include <bit>
#include <cstdint>

#include "heap_internal.hpp"
#include "smh/detail/free_node.hpp"
#include "smh/detail/size_class.hpp"

// A trie path with several callers, which only sizes above the exact classes
// take: out of line on -Os (one copy); inlined into its callers on hosts, where
// the call's register saves cost more than the code (callgrind, see the commit).
// The trie paths with one caller are SMH_INLINE (hot.hpp): fewer bytes on -Os.
#if defined(__OPTIMIZE_SIZE__)
#define SMH_COLD [[gnu::noinline]] inline
#else
#define SMH_COLD [[gnu::always_inline]] inline
#endif

namespace smh {

using detail::class_count;
using detail::class_of;
using detail::is_exact_class;

SMH_HOT void Heap::mark_class(unsigned class_index) { class_bits_[class_index / 32] |= 1u << (class_index % 32); }

SMH_HOT void Heap::clear_class(unsigned class_index) { class_bits_[class_index / 32] &= ~(1u << (class_index % 32)); }

// Smallest non-empty class >= class_index, or class_count if there is none.
SMH_INLINE unsigned Heap::first_class_from(unsigned class_index) const {
  unsigned word = class_index / 32;
  if (word >= detail::class_word_count) {
    return class_count;
  }
  std::uint32_t bits = class_bits_[word] & (~0u << (class_index % 32));
  while (bits == 0) {
    if (++word == detail::class_word_count) {
      return class_count;
    }
    bits = class_bits_[word];
  }
  return word * 32 + static_cast<unsigned>(std::countr_zero(bits));
}

// The smallest anchor of the subtrie at `root` (with its slot): the minimum lies
// on the path that always takes the lowest child (every other child's keys are
// larger). At most trie_max_levels + 1 anchors read.
SMH_HOT Heap::Slot Heap::subtree_min(Slot root) const {
  Slot best = root;
  Granule best_size = size_of(root.anchor);
  Granule node = root.anchor;
  for (unsigned level = 0; level < detail::trie_max_levels; ++level) {
    const std::uint32_t children = load_field(node, detail::mask_offset) & detail::children_mask;
    if (children == 0) {
      break;
    }
    const unsigned digit = static_cast<unsigned>(std::countr_zero(children));
    const Granule child = child_of(node, digit);
    const Granule size = size_of(child);
    if (size < best_size) {
      best = Slot{child, node, digit};
      best_size = size;
    }
    node = child;
  }
  return best;
}

// The anchor of the smallest size >= need in trie class `class_index` (which is
// not empty), or no_block. Walks need's path: every anchor on it is a candidate,
// and at each level the lowest child above need's digit roots a subtrie whose
// keys all exceed need — the deepest such subtrie holds the smallest of them, so
// its minimum is the only other candidate. At most 2 (levels + 1) anchors read.
SMH_INLINE Heap::Slot Heap::trie_best(unsigned class_index, Granule need) const {
  const std::uint32_t key = detail::trie_key(need);
  Slot best{no_block, no_block, 0};
  Granule best_size = no_block;
  Slot right{no_block, no_block, 0};
  Slot at{heads_[class_index], no_block, 0};
  for (unsigned level = 0;; ++level) {
    const Granule size = size_of(at.anchor);
    if (size >= need && size < best_size) {
      best = at;
      best_size = size;
      if (size == need) {
        return best;
      }
    }
    if (level == detail::trie_max_levels) {
      break;  // every key bit spent: nothing deeper
    }
    const std::uint32_t children = load_field(at.anchor, detail::mask_offset) & detail::children_mask;
    if (children == 0) {
      break;  // a leaf, often the class's lone size
    }
    const unsigned digit = (key >> (detail::trie_top_shift - detail::trie_digit_bits * level)) & 15u;
    const std::uint32_t above = children & (0xFFFEu << digit);
    if (above != 0) {
      const unsigned next = static_cast<unsigned>(std::countr_zero(above));
      right = Slot{child_of(at.anchor, next), at.anchor, next};
    }
    if (((children >> digit) & 1u) == 0) {
      break;
    }
    at = Slot{child_of(at.anchor, digit), at.anchor, digit};
  }
  if (right.anchor != no_block) {
    const Slot low = subtree_min(right);
    if (size_of(low.anchor) < best_size) {
      best = low;
    }
  }
  return best;
}

// The anchor of the smallest free size >= need (no_block if none), with its slot:
// best fit. `found` is first_class_from(class_of(need)), which the caller has.
SMH_INLINE Heap::Slot Heap::best_anchor(Granule need, unsigned found) const SMH_RESTRICT_THIS {
  const unsigned wanted = class_of(need);
  SMH_ASSERT(found == first_class_from(wanted));
  if (found == wanted && !is_exact_class(wanted)) {
    const Slot best = trie_best(wanted, need);
    if (best.anchor != no_block) {
      return best;
    }
    found = first_class_from(wanted + 1);
  }
  // Every block of a higher class is larger than need; an exact class >= need
  // holds blocks of exactly its index.
  if (found == class_count) {
    return Slot{no_block, no_block, 0};
  }
  const Slot head{heads_[found], no_block, 0};
  return is_exact_class(found) ? head : subtree_min(head);
}

// The alignment gap in front of a new block at `block`: the least g >= 0 that
// aligns its payload (absolute address), one alignment step more when that is
// one granule (a one-granule gap cannot stay behind as a free block).
SMH_HOT Heap::Granule Heap::gap_for(Granule block, Granule align_granules) const {
  const Granule gap = (0u - (base_granule_ + block + 1)) & (align_granules - 1);
  return gap == 1 ? gap + align_granules : gap;
}

// The placement rule: the newest block of the smallest free size >= need; for
// an aligned request whose gap makes that block too small, the newest block of
// the smallest size >= need + align + 1 (the wide search), which fits whatever
// its address. One loop of at most two passes serves both searches (one copy of
// the search on -Os targets). A search that finds nothing proves that no free
// block is that large, which no_fit_granules_ keeps (Heap::might_fit).
SMH_HOT bool Heap::find_fit(Granule need, Granule align_granules, Fit* fit) const {
  Granule wanted_size = need;
  for (;;) {
    if (wanted_size >= no_fit_granules_) {
      return false;  // no free block that large (nor past max_block_granules: the bound is at most one more)
    }
    const unsigned first = first_class_from(class_of(wanted_size));
    Slot found{no_block, no_block, 0};
    if (first < detail::exact_class_count) [[likely]] {
      found.anchor = heads_[first];  // an exact class: every block of it fits
    } else {
      found = best_anchor(wanted_size, first);
    }
    if (found.anchor == no_block) {
      no_fit_granules_ = wanted_size;  // no free block of wanted_size or more
      return false;
    }
    const Granule block = load_field(found.anchor, detail::next_offset);
    const Granule size = size_of(found.anchor);
    Granule gap = 0;
    if (align_granules > 1) [[unlikely]] {
      gap = gap_for(block, align_granules);
      if (gap + need > size) {
        // The wide pass always fits (a gap is at most align + 1): a wide block
        // that does not is damaged metadata, and the loop ends after two passes.
        SMH_ASSERT(wanted_size == need);
        if (wanted_size != need) {
          return false;
        }
        wanted_size = need + align_granules + 1;  // both terms below 2^29: no overflow
        continue;
      }
    }
    *fit = Fit{block, found.anchor, found.parent, found.digit, size, gap};
    return true;
  }
}

// Where `anchor`, the anchor of `size`, is kept. The walk follows size's path,
// on which the anchor lies, and stops at it by position: no header read (a class
// holding one size, the common case, stops at its head). It ends within the trie
// depth.
inline Heap::Slot Heap::find_slot(Granule anchor, Granule size) const {
  const unsigned class_index = class_of(size);
  const std::uint32_t key = detail::trie_key(size);
  Slot slot{heads_[class_index], no_block, 0};
  for (unsigned level = 0; slot.anchor != anchor; ++level) {
    SMH_ASSERT(!is_exact_class(class_index) && level < detail::trie_max_levels);
    const unsigned digit = (key >> (detail::trie_top_shift - detail::trie_digit_bits * level)) & 15u;
    SMH_ASSERT(((load_field(slot.anchor, detail::mask_offset) >> digit) & 1u) != 0);
    slot = Slot{child_of(slot.anchor, digit), slot.anchor, digit};
  }
  return slot;
}

inline void Heap::store_slot(const Slot& slot, unsigned class_index, Granule anchor) {
  if (slot.parent == no_block) {
    heads_[class_index] = anchor;
  } else {
    store_field(slot.parent, detail::children_offset + 4 * slot.digit, anchor);
  }
}

SMH_HOT void Heap::unlink_ring(Granule block) {
  const Granule next = load_field(block, detail::next_offset);
  const Granule prev = load_field(block, detail::prev_offset);
  store_field(prev, detail::next_offset, next);
  store_field(next, detail::prev_offset, prev);
}

// Gives the block taking an anchor's place its node word and children.
inline void Heap::move_node(Granule to, Granule from, std::uint32_t node_word) {
  store_field(to, detail::mask_offset, node_word);
  for (unsigned child = 0; child < detail::trie_fanout; ++child) {
    count_read();  // the children are read as one copy: counted one by one
  }
  __builtin_memcpy(base_ + std::size_t{to} * granule_bytes + detail::children_offset,
                   base_ + std::size_t{from} * granule_bytes + detail::children_offset, 4 * detail::trie_fanout);
}

// Removes the anchor of `slot`, alone in its ring, from the index: a leaf of its
// subtrie takes its place (any key of the subtrie shares its position's digits),
// or the slot empties.
SMH_COLD void Heap::detach_anchor(const Slot& slot, unsigned class_index) SMH_RESTRICT_THIS {
  const Granule anchor = slot.anchor;
  std::uint32_t word = is_exact_class(class_index) ? 0 : load_field(anchor, detail::mask_offset);
  if ((word & detail::children_mask) != 0) {
    Granule parent = anchor;
    unsigned digit = static_cast<unsigned>(std::countr_zero(word & detail::children_mask));
    Granule leaf = child_of(parent, digit);
    unsigned depth = 1;  // of leaf below the anchor: a path is at most trie_max_levels deep
    for (std::uint32_t below = load_field(leaf, detail::mask_offset) & detail::children_mask; below != 0;
         below = load_field(leaf, detail::mask_offset) & detail::children_mask) {
      SMH_ASSERT(++depth <= detail::trie_max_levels);
      parent = leaf;
      digit = static_cast<unsigned>(std::countr_zero(below));
      leaf = child_of(parent, digit);
    }
    const std::uint32_t parent_word = load_field(parent, detail::mask_offset) & ~(1u << digit);
    store_field(parent, detail::mask_offset, parent_word);
    if (parent == anchor) {
      word = parent_word;
    }
    // The leaf inherits the anchor's place, flag and children (itself no longer among them).
    move_node(leaf, anchor, word);
    store_slot(slot, class_index, leaf);
    return;
  }
  if (slot.parent == no_block) {
    heads_[class_index] = no_block;
    clear_class(class_index);
  } else {
    const std::uint32_t parent_word = load_field(slot.parent, detail::mask_offset);
    store_field(slot.parent, detail::mask_offset, parent_word & ~(1u << slot.digit));
  }
}

// Puts `block` in the ring right after `anchor` (the newest of its size).
SMH_INLINE void Heap::ring_insert(Granule anchor, Granule block) {
  const Granule after = load_field(anchor, detail::next_offset);
  store_field(block, detail::next_offset, after);
  store_field(block, detail::prev_offset, anchor);
  store_field(after, detail::prev_offset, block);
  store_field(anchor, detail::next_offset, block);
}

SMH_HOT void Heap::insert_free(Granule block, Granule size) SMH_RESTRICT_THIS {
  SMH_ASSERT(size >= min_block_granules && block + size <= end_g_);
  free_granules_ += size;
  ++free_block_count_;
  // Only a freed block can be larger than every free one (release_block raises
  // the bound for it); a split's tail or gap is cut from a free block.
  SMH_ASSERT(size < no_fit_granules_);
  const unsigned class_index = class_of(size);
  const Granule head = heads_[class_index];
  if (head == no_block) {
    heads_[class_index] = block;
    mark_class(class_index);
    store_field(block, detail::next_offset, block);
    store_field(block, detail::prev_offset, block);
    if (!is_exact_class(class_index)) {
      store_field(block, detail::mask_offset, detail::anchor_flag);
    }
  } else if (is_exact_class(class_index)) {
    ring_insert(head, block);
  } else {
    insert_trie(head, block, size);
  }
}

// insert_free() into a trie that is not empty: down `size`'s path to its anchor
// (then into its ring) or to the empty child slot where it becomes one.
SMH_INLINE void Heap::insert_trie(Granule node, Granule block, Granule size) SMH_RESTRICT_THIS {
  const std::uint32_t key = detail::trie_key(size);
  for (unsigned level = 0; size_of(node) != size; ++level) {
    SMH_ASSERT(level < detail::trie_max_levels);
    const unsigned digit = (key >> (detail::trie_top_shift - detail::trie_digit_bits * level)) & 15u;
    const std::uint32_t word = load_field(node, detail::mask_offset);
    if (((word >> digit) & 1u) == 0) {
      store_field(node, detail::children_offset + 4 * digit, block);
      store_field(node, detail::mask_offset, word | (1u << digit));
      store_field(block, detail::next_offset, block);
      store_field(block, detail::prev_offset, block);
      store_field(block, detail::mask_offset, detail::anchor_flag);
      return;
    }
    node = child_of(node, digit);
  }
  store_field(block, detail::mask_offset, 0);
  ring_insert(node, block);
}

// Takes a block chosen by find_fit() out of the index.
SMH_HOT void Heap::take_free(const Fit& fit) {
  SMH_ASSERT(free_block_count_ > 0 && free_granules_ >= fit.size);
  free_granules_ -= fit.size;
  --free_block_count_;
  if (fit.block != fit.anchor) {
    unlink_ring(fit.block);  // a newer block of the anchor's size
    return;
  }
  const unsigned class_index = class_of(fit.size);  // the only block of its size
  if (is_exact_class(class_index)) {
    heads_[class_index] = no_block;
    clear_class(class_index);
  } else {
    detach_anchor(Slot{fit.anchor, fit.parent, fit.digit}, class_index);
  }
}

// Takes any free block out of the index (a neighbour being merged, or grown into).
SMH_HOT void Heap::remove_free(Granule block, Granule size) {
  SMH_ASSERT(free_block_count_ > 0 && free_granules_ >= size);
  free_granules_ -= size;
  --free_block_count_;
  const unsigned class_index = class_of(size);
  if (!is_exact_class(class_index)) {
    remove_trie(block, size, class_index);
  } else if (heads_[class_index] != block) {
    unlink_ring(block);
  } else {
    const Granule oldest = load_field(block, detail::prev_offset);
    if (oldest == block) {
      heads_[class_index] = no_block;
      clear_class(class_index);
    } else {
      unlink_ring(block);
      heads_[class_index] = oldest;  // the oldest other block of the size becomes the anchor
    }
  }
}

// remove_free() from a trie class.
SMH_INLINE void Heap::remove_trie(Granule block, Granule size, unsigned class_index) SMH_RESTRICT_THIS {
  if ((load_field(block, detail::mask_offset) & detail::anchor_flag) == 0) {
    unlink_ring(block);  // a newer block of its size
    return;
  }
  const Slot slot = find_slot(block, size);
  const Granule oldest = load_field(block, detail::prev_offset);
  if (oldest == block) {
    detach_anchor(slot, class_index);
    return;
  }
  // The oldest other block of the size becomes its anchor, in the same place.
  unlink_ring(block);
  move_node(oldest, block, load_field(block, detail::mask_offset));
  store_slot(slot, class_index, oldest);
}

}  // namespace smh
