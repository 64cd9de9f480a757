// Shared helpers for the smh::Heap tests: aligned backing buffers, block walks
// collected into vectors, a stats comparison that names the differing fields, and
// HeapConsistent(), an independent cross-check of validate(), walk() and stats().
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "smh/heap.hpp"
#include "smh/heap_types.hpp"
#include "smh/status.hpp"

namespace smh {
// Readable gtest output for the enums.
inline void PrintTo(Status status, std::ostream* os) { *os << to_string(status); }
inline void PrintTo(ValidationCheck check, std::ostream* os) { *os << to_string(check); }
}  // namespace smh

namespace smh::test {

// Heap-allocated storage whose first byte sits `offset` bytes past an `align`
// boundary, pre-filled with a non-zero pattern so nothing relies on zeroed memory.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(std::size_t bytes, std::size_t align = 4096, std::size_t offset = 0)
      : align_(align),
        total_(bytes + offset),
        raw_(static_cast<unsigned char*>(::operator new(total_, std::align_val_t{align}))),
        data_(raw_ + offset),
        bytes_(bytes) {
    std::memset(raw_, 0xCD, total_);
  }
  ~AlignedBuffer() { ::operator delete(raw_, std::align_val_t{align_}); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  [[nodiscard]] unsigned char* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return bytes_; }

 private:
  std::size_t align_;
  std::size_t total_;
  unsigned char* raw_;
  unsigned char* data_;
  std::size_t bytes_;
};

inline std::uintptr_t address_of(const void* ptr) { return reinterpret_cast<std::uintptr_t>(ptr); }

// Pointer minus base on integers (wraps for pointers below the base), the same
// convention as the heap's events.
inline std::size_t offset_in(const Heap& heap, const void* ptr) {
  return static_cast<std::size_t>(address_of(ptr) - address_of(heap.base()));
}

inline unsigned char* at_offset(const Heap& heap, std::size_t offset) {
  return static_cast<unsigned char*>(heap.base()) + offset;
}

inline std::size_t round_up8(std::size_t n) { return (n + 7) / 8 * 8; }

struct Walk {
  std::vector<BlockInfo> blocks;
  bool complete = false;
};

inline Walk walk_blocks(const Heap& heap) {
  Walk walk;
  walk.complete = heap.walk([&walk](const BlockInfo& block) { walk.blocks.push_back(block); });
  return walk;
}

inline std::vector<BlockInfo> free_blocks(const Heap& heap) {
  std::vector<BlockInfo> out;
  for (const BlockInfo& block : walk_blocks(heap).blocks) {
    if (!block.used) {
      out.push_back(block);
    }
  }
  return out;
}

inline std::string describe(const BlockInfo& block) {
  std::ostringstream os;
  os << (block.used ? "U" : "F") << "@" << block.block_offset_bytes << "+" << block.block_size_bytes;
  if (block.used) {
    os << "(req " << block.requested_bytes << ")";
  }
  return os.str();
}

inline std::string describe_layout(const Heap& heap) {
  const Walk walk = walk_blocks(heap);
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < walk.blocks.size(); ++i) {
    os << (i == 0 ? "" : " ") << describe(walk.blocks[i]);
  }
  os << (walk.complete ? "]" : " ...walk stopped]");
  return os.str();
}

inline std::string describe(const HeapStats& s) {
  std::ostringstream os;
  os << "{capacity " << s.capacity_bytes << ", free " << s.free_bytes << ", requested "
     << s.allocated_requested_bytes << ", usable " << s.allocated_usable_bytes << ", overhead "
     << s.overhead_bytes << ", peak " << s.peak_allocated_requested_bytes << ", min_free "
     << s.min_free_bytes << ", largest_free " << s.largest_free_block_bytes << ", high_water "
     << s.high_water_bytes << ", free_blocks " << s.free_block_count << ", used_blocks "
     << s.allocated_block_count << ", allocs " << s.alloc_count << ", frees " << s.free_count
     << ", failed " << s.failed_alloc_count << "}";
  return os.str();
}

// Empty when equal, else "field: a != b; ..." for every differing field.
inline std::string stats_diff(const HeapStats& a, const HeapStats& b) {
  std::ostringstream os;
  auto field = [&os](const char* name, auto x, auto y) {
    if (x != y) {
      os << name << ": " << x << " != " << y << "; ";
    }
  };
  field("capacity_bytes", a.capacity_bytes, b.capacity_bytes);
  field("free_bytes", a.free_bytes, b.free_bytes);
  field("allocated_requested_bytes", a.allocated_requested_bytes, b.allocated_requested_bytes);
  field("allocated_usable_bytes", a.allocated_usable_bytes, b.allocated_usable_bytes);
  field("overhead_bytes", a.overhead_bytes, b.overhead_bytes);
  field("peak_allocated_requested_bytes", a.peak_allocated_requested_bytes,
        b.peak_allocated_requested_bytes);
  field("min_free_bytes", a.min_free_bytes, b.min_free_bytes);
  field("largest_free_block_bytes", a.largest_free_block_bytes, b.largest_free_block_bytes);
  field("high_water_bytes", a.high_water_bytes, b.high_water_bytes);
  field("free_block_count", a.free_block_count, b.free_block_count);
  field("allocated_block_count", a.allocated_block_count, b.allocated_block_count);
  field("alloc_count", a.alloc_count, b.alloc_count);
  field("free_count", a.free_count, b.free_count);
  field("failed_alloc_count", a.failed_alloc_count, b.failed_alloc_count);
  return os.str();
}

// Everything that must hold between validate(), walk(), stats() and the pointer
// queries of an intact heap, checked independently of the heap's own validate():
// blocks tile [0, block_area_bytes()) exactly, the block area is the largest that
// leaves room for the start bitmap (one bit per block granule), no two free
// neighbours, per-block fields agree, and every stat matches the walk.
inline ::testing::AssertionResult HeapConsistent(const Heap& heap) {
  const ValidationReport report = heap.validate();
  if (!report.ok()) {
    return ::testing::AssertionFailure() << "validate() failed: " << to_string(report.check)
                                         << " at offset " << report.offset_bytes << "; layout "
                                         << describe_layout(heap);
  }
  const Walk walk = walk_blocks(heap);
  if (!walk.complete) {
    return ::testing::AssertionFailure() << "walk() stopped early on a heap that validates; layout "
                                         << describe_layout(heap);
  }
  const HeapStats s = heap.stats();
  const std::size_t end = heap.block_area_bytes();
  const std::size_t block_granules = end / Heap::granule_bytes;
  const std::size_t region_granules = heap.region_bytes() / Heap::granule_bytes;
  // Whole 64-bit bitmap words, one bit per block granule.
  auto bitmap_granules = [](std::size_t granules) { return (granules + 63) / 64; };
  // The block area must leave room for its bitmap and be the largest that does:
  // one more block granule would not fit with its bitmap (the spare granule this
  // can leave, e.g. 576 + 9 of 586, is then unavoidable).
  if (end % Heap::granule_bytes != 0 || block_granules + bitmap_granules(block_granules) > region_granules ||
      block_granules + 1 + bitmap_granules(block_granules + 1) <= region_granules) {
    return ::testing::AssertionFailure() << "block area " << end << " of region " << heap.region_bytes()
                                         << " leaves no room for, or too much beyond, a "
                                         << bitmap_granules(block_granules) * Heap::granule_bytes
                                         << "-byte start bitmap";
  }
  std::size_t expected_offset = 0;
  std::size_t free_sum = 0;
  std::size_t free_count = 0;
  std::size_t largest = 0;
  std::size_t used_count = 0;
  std::size_t usable_sum = 0;
  std::size_t requested_sum = 0;
  std::size_t highest_used_end = 0;
  bool previous_free = false;
  for (const BlockInfo& b : walk.blocks) {
    auto fail = [&]() {
      return ::testing::AssertionFailure() << "block " << describe(b) << " in layout "
                                           << describe_layout(heap) << ": ";
    };
    if (b.block_offset_bytes != expected_offset) {
      return fail() << "starts at " << b.block_offset_bytes << ", expected " << expected_offset;
    }
    if (b.block_size_bytes < Heap::min_block_bytes || b.block_size_bytes % Heap::granule_bytes != 0) {
      return fail() << "size " << b.block_size_bytes << " is not a whole block";
    }
    if (b.payload_offset_bytes != b.block_offset_bytes + Heap::header_bytes ||
        b.usable_bytes != b.block_size_bytes - Heap::header_bytes) {
      return fail() << "payload/usable fields disagree with the block size";
    }
    expected_offset += b.block_size_bytes;
    const void* payload = at_offset(heap, b.payload_offset_bytes);
    if (b.used) {
      if (b.requested_bytes == 0 || b.requested_bytes > b.usable_bytes ||
          b.usable_bytes - b.requested_bytes > 15) {
        return fail() << "requested " << b.requested_bytes << " vs usable " << b.usable_bytes;
      }
      if (!heap.is_live_block(payload) || heap.usable_size(payload) != b.usable_bytes) {
        return fail() << "is_live_block/usable_size disagree with walk";
      }
      ++used_count;
      usable_sum += b.usable_bytes;
      requested_sum += b.requested_bytes;
      highest_used_end = b.block_offset_bytes + b.block_size_bytes;
      previous_free = false;
    } else {
      if (b.requested_bytes != 0) {
        return fail() << "free block with requested bytes";
      }
      if (previous_free) {
        return fail() << "two adjacent free blocks";
      }
      if (heap.is_live_block(payload) || heap.usable_size(payload) != 0) {
        return fail() << "free block's payload reported live";
      }
      ++free_count;
      free_sum += b.block_size_bytes;
      largest = b.block_size_bytes > largest ? b.block_size_bytes : largest;
      previous_free = true;
    }
  }
  if (expected_offset != end) {
    return ::testing::AssertionFailure() << "blocks end at " << expected_offset << ", block area ends at "
                                         << end << "; layout " << describe_layout(heap);
  }
  std::ostringstream bad;
  if (s.capacity_bytes != heap.region_bytes()) bad << "capacity != region_bytes; ";
  if (s.free_bytes != free_sum) bad << "free_bytes != walk sum " << free_sum << "; ";
  if (s.free_block_count != free_count) bad << "free_block_count != walk " << free_count << "; ";
  if (s.largest_free_block_bytes != largest) bad << "largest_free_block_bytes != walk " << largest << "; ";
  if (s.allocated_block_count != used_count) bad << "allocated_block_count != walk " << used_count << "; ";
  if (s.allocated_usable_bytes != usable_sum) bad << "allocated_usable_bytes != walk " << usable_sum << "; ";
  if (s.allocated_requested_bytes != requested_sum)
    bad << "allocated_requested_bytes != walk " << requested_sum << "; ";
  if (s.overhead_bytes != s.capacity_bytes - s.free_bytes - s.allocated_usable_bytes)
    bad << "accounting identity usable + free + overhead != capacity; ";
  if (s.overhead_bytes != (heap.region_bytes() - end) + used_count * Heap::header_bytes)
    bad << "overhead != fixed metadata + one header per live block; ";
  if (s.min_free_bytes > s.free_bytes) bad << "min_free_bytes > free_bytes; ";
  if (s.peak_allocated_requested_bytes < s.allocated_requested_bytes)
    bad << "peak_allocated_requested_bytes < allocated_requested_bytes; ";
  if (s.high_water_bytes < highest_used_end) bad << "high_water_bytes below a live block's end; ";
  if (s.alloc_count - s.free_count != s.allocated_block_count)
    bad << "alloc_count - free_count != allocated_block_count; ";
  if (!bad.str().empty()) {
    return ::testing::AssertionFailure() << bad.str() << "stats " << describe(s) << "; layout "
                                         << describe_layout(heap);
  }
  return ::testing::AssertionSuccess();
}

// A heap over its own aligned buffer, for tests that need nothing special.
struct OwnedHeap {
  explicit OwnedHeap(std::size_t bytes, std::size_t align = 4096, std::size_t offset = 0)
      : buffer(bytes, align, offset) {
    status = heap.init(buffer.data(), buffer.size());
  }
  AlignedBuffer buffer;
  Heap heap;
  Status status = Status::not_initialized;
};

}  // namespace smh::test
