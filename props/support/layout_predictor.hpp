// Suite 7's oracle: the heap's layout predicted from the "Layout rules" section of
// docs/ARCHITECTURE.md alone — a second, deliberately plain implementation (an
// ordered map of blocks and, per free size, the free blocks in the order they
// became free) that shares no code with the core and knows nothing of its size
// classes or tries. Every quantity is a 64-bit granule count or offset, so the
// prediction cannot depend on the host's word size. Rule numbers below refer to
// that section.
#pragma once

#include <bit>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace smh::props {

class LayoutPredictor {
 public:
  struct Block {
    std::uint64_t start_granule = 0;
    std::uint64_t size_granules = 0;
    bool used = false;
  };

  // base_address: the region's first byte (only its value modulo alignments matters).
  LayoutPredictor(std::uint64_t base_address, std::uint64_t region_bytes)
      : base_granule_(base_address / granule_bytes), region_bytes_(region_bytes) {
    const std::uint64_t granules = region_bytes / granule_bytes;  // rule 1
    const std::uint64_t bitmap_granules = (granules + 64) / 65;
    add_free(0, granules - bitmap_granules);
  }

  // The payload offset (bytes from the base) an alloc returns, or nullopt.
  std::optional<std::uint64_t> alloc(std::uint64_t size_bytes, std::uint64_t align_bytes) {
    if (size_bytes == 0 || align_bytes > region_bytes_) {
      return std::nullopt;
    }
    const std::uint64_t need = need_granules(size_bytes);
    const auto choice = choose(need, align_granules(align_bytes));
    if (!choice) {
      return std::nullopt;
    }
    return payload_offset(carve(choice->block, choice->gap, need));
  }

  void free(std::uint64_t payload_offset_bytes) { release(block_at(payload_offset_bytes)); }

  // Whether alloc(size_bytes, align_bytes) would return a block now.
  [[nodiscard]] bool places(std::uint64_t size_bytes, std::uint64_t align_bytes) const {
    return size_bytes > 0 && align_bytes <= region_bytes_ &&
           choose(need_granules(size_bytes), align_granules(align_bytes)).has_value();
  }

  // realloc of a live block to size_bytes > 0 (rule 9): its new payload offset, or
  // nullopt when it fails (nothing changes then).
  std::optional<std::uint64_t> realloc(std::uint64_t payload_offset_bytes, std::uint64_t size_bytes,
                                       std::uint64_t align_bytes) {
    if (align_bytes > region_bytes_) {
      return std::nullopt;
    }
    const std::uint64_t block = block_at(payload_offset_bytes);
    const std::uint64_t align = align_granules(align_bytes);
    const std::uint64_t need = need_granules(size_bytes);
    if ((base_granule_ + block + 1) % align == 0 && resize_in_place(block, need)) {
      return payload_offset_bytes;
    }
    const auto choice = choose(need, align);
    if (!choice) {
      return std::nullopt;
    }
    const std::uint64_t moved = carve(choice->block, choice->gap, need);
    release(block);
    return payload_offset(moved);
  }

  [[nodiscard]] std::uint64_t usable_bytes(std::uint64_t payload_offset_bytes) const {
    return (blocks_.at(block_at(payload_offset_bytes)).size_granules - 1) * granule_bytes;  // rule 2
  }

  // Every block in address order.
  [[nodiscard]] std::vector<Block> blocks() const {
    std::vector<Block> out;
    for (const auto& [start, block] : blocks_) {
      out.push_back(block);
    }
    return out;
  }

 private:
  static constexpr std::uint64_t granule_bytes = 8;
  static constexpr std::uint64_t min_block_granules = 2;

  struct Choice {
    std::uint64_t block;
    std::uint64_t gap;
  };

  static std::uint64_t need_granules(std::uint64_t size_bytes) {  // rule 2
    const std::uint64_t need = (size_bytes + granule_bytes - 1) / granule_bytes + 1;
    return need < min_block_granules ? min_block_granules : need;
  }
  static std::uint64_t align_granules(std::uint64_t align_bytes) {
    return align_bytes <= granule_bytes ? 1 : align_bytes / granule_bytes;
  }
  static std::uint64_t payload_offset(std::uint64_t block) { return (block + 1) * granule_bytes; }

  std::uint64_t block_at(std::uint64_t payload_offset_bytes) const {
    const std::uint64_t block = payload_offset_bytes / granule_bytes - 1;
    if (!blocks_.contains(block)) {
      throw std::logic_error("predictor: no block at payload offset " + std::to_string(payload_offset_bytes));
    }
    return block;
  }

  // Rule 5: the gap in front of the payload when `block` is used at `align`.
  std::uint64_t gap_for(std::uint64_t block, std::uint64_t align) const {
    const std::uint64_t misalignment = (base_granule_ + block + 1) % align;
    std::uint64_t gap = misalignment == 0 ? 0 : align - misalignment;
    if (gap == 1) {
      gap += align;
    }
    return gap;
  }
  std::optional<Choice> try_block(std::uint64_t block, std::uint64_t need, std::uint64_t align) const {
    const std::uint64_t gap = gap_for(block, align);
    if (gap + need > blocks_.at(block).size_granules) {
      return std::nullopt;
    }
    return Choice{block, gap};
  }

  // Rule 6 (a): the newest free block of the smallest free size >= need.
  std::optional<std::uint64_t> best_fit(std::uint64_t need) const {
    const auto size = free_by_size_.lower_bound(need);
    if (size == free_by_size_.end()) {
      return std::nullopt;
    }
    return size->second.back();
  }

  // Rule 6.
  std::optional<Choice> choose(std::uint64_t need, std::uint64_t align) const {
    const auto best = best_fit(need);
    if (!best) {
      return std::nullopt;
    }
    if (const auto choice = try_block(*best, need, align)) {
      return choice;
    }
    // (b) An aligned request the best fit cannot hold: room for any gap.
    const auto wide = best_fit(need + align + 1);
    if (!wide) {
      return std::nullopt;
    }
    const auto choice = try_block(*wide, need, align);
    if (!choice) {
      throw std::logic_error("predictor: a block of need + align + 1 granules does not fit");
    }
    return choice;
  }

  // Rule 4: a block that becomes free is the newest of its size.
  void add_free(std::uint64_t start, std::uint64_t size) {
    blocks_[start] = Block{start, size, false};
    free_by_size_[size].push_back(start);
  }
  void unlink(std::uint64_t start) {
    const auto group = free_by_size_.find(blocks_.at(start).size_granules);
    if (group != free_by_size_.end()) {
      for (auto entry = group->second.begin(); entry != group->second.end(); ++entry) {
        if (*entry == start) {
          group->second.erase(entry);
          if (group->second.empty()) {
            free_by_size_.erase(group);
          }
          return;
        }
      }
    }
    throw std::logic_error("predictor: free block " + std::to_string(start) + " is not indexed");
  }

  // Rule 7: returns the new block's start.
  std::uint64_t carve(std::uint64_t block, std::uint64_t gap, std::uint64_t need) {
    const std::uint64_t size = blocks_.at(block).size_granules;
    unlink(block);
    blocks_.erase(block);
    if (gap > 0) {
      add_free(block, gap);
    }
    const std::uint64_t start = block + gap;
    place_used(start, size - gap, need);
    return start;
  }
  // A used block at `start` cut from `available` free granules, keeping `need`.
  void place_used(std::uint64_t start, std::uint64_t available, std::uint64_t need) {
    if (available - need < min_block_granules) {
      blocks_[start] = Block{start, available, true};
      return;
    }
    blocks_[start] = Block{start, need, true};
    add_free(start + need, available - need);
  }

  // Rule 8: `block` (used) becomes free, merged with its free neighbours.
  void release(std::uint64_t block) {
    std::uint64_t start = block;
    std::uint64_t size = blocks_.at(block).size_granules;
    blocks_.erase(block);
    if (const auto right = blocks_.find(start + size); right != blocks_.end() && !right->second.used) {
      size += right->second.size_granules;
      unlink(right->first);
      blocks_.erase(right);
    }
    if (const auto after = blocks_.lower_bound(start); after != blocks_.begin()) {
      const auto left = std::prev(after);
      if (!left->second.used && left->first + left->second.size_granules == start) {
        start = left->first;
        size += left->second.size_granules;
        unlink(left->first);
        blocks_.erase(left);
      }
    }
    add_free(start, size);
  }

  // Rule 9's in-place part: false when the block must move (nothing changed).
  bool resize_in_place(std::uint64_t block, std::uint64_t need) {
    const std::uint64_t size = blocks_.at(block).size_granules;
    if (need <= size) {
      if (size - need >= min_block_granules) {
        blocks_[block].size_granules = need;
        blocks_[block + need] = Block{block + need, size - need, true};
        release(block + need);
      }
      return true;
    }
    const auto right = blocks_.find(block + size);
    if (right == blocks_.end() || right->second.used || size + right->second.size_granules < need) {
      return false;
    }
    const std::uint64_t available = size + right->second.size_granules;
    unlink(right->first);
    blocks_.erase(right);
    place_used(block, available, need);
    return true;
  }

  std::uint64_t base_granule_;
  std::uint64_t region_bytes_;
  std::map<std::uint64_t, Block> blocks_;  // by start granule
  // Free blocks by size, each size's in the order they became free (newest last).
  std::map<std::uint64_t, std::vector<std::uint64_t>> free_by_size_;
};

}  // namespace smh::props
