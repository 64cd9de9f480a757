// OwnerNames (owner_names.hpp): who holds device bytes, in words.
#include "owner_names.hpp"

#include <algorithm>
#include <optional>

#include "number_text.hpp"

namespace smh::sim {

using detail::hex;

std::string OwnerNames::describe(Handle handle, const LiveBlock& block) const {
  return "handle " + std::to_string(handle) + " [" + hex(block.device_address) + ", " +
         hex(block.device_address + block.size_bytes) + ") in '" + map_.spec(block.region).name + "'";
}

std::uint64_t OwnerNames::own_bytes_end(const LiveBlock& block) const {
  return block.device_address + pool_.usable_size(host_of(map_, block));
}

std::string OwnerNames::owner_of(std::uint64_t begin, std::uint64_t end, Handle handle, const LiveBlock& block,
                                 std::uint64_t own_end) const {
  if (begin >= block.device_address && end <= own_end) {
    return "handle " + std::to_string(handle);
  }
  if (const auto other = shadow_.overlapping(begin, end, handle)) {
    return "handle " + std::to_string(*other);
  }
  return unowned_bytes(block.region, begin, end);
}

// The allocator's own walk tells block headers (allocator metadata) from free
// blocks (free space and their free-list links) and from what lies past the
// last block. Findings are rare, so walking O(blocks) here costs nothing that
// matters.
std::string OwnerNames::unowned_bytes(unsigned region, std::uint64_t begin, std::uint64_t end) const {
  const std::uint64_t base = map_.spec(region).base;
  const std::uint64_t first = begin - base;
  const std::uint64_t stop = end - base;
  std::string what;
  std::uint64_t covered_to = first;  // the walk visits blocks in address order
  auto add = [&what](const std::string& part) {
    if (what.find(part) == std::string::npos) {
      what += (what.empty() ? "" : " and ") + part;
    }
  };
  const bool walked = pool_.walk([&](unsigned block_region, const BlockInfo& info) {
    const std::uint64_t block_begin = info.block_offset_bytes;
    const std::uint64_t block_end = block_begin + info.block_size_bytes;
    const std::uint64_t payload = info.payload_offset_bytes;
    if (block_region != region || block_end <= first || block_begin >= stop) {
      return;
    }
    covered_to = std::max(covered_to, block_end);
    const std::string at = hex(base + block_begin);
    if (first < payload) {
      add(std::string("allocator metadata (the header of the ") + (info.used ? "used" : "free") + " block at " + at + ")");
    }
    if (stop > payload && !info.used) {
      add("the free block at " + at + " (free space and the allocator's free-list links)");
    } else if (stop > payload) {
      const auto holder = shadow_.overlapping(base + payload, base + payload + 1, std::nullopt);
      add(holder ? "handle " + std::to_string(*holder) : "the used block at " + at + ", which no live handle holds");
    }
  });
  if (!walked) {
    add("bytes the allocator's walk could not reach (its metadata is corrupted)");
  } else if (covered_to < stop) {
    add("allocator metadata past the last block");
  }
  return what;
}

std::string OwnerNames::device_write_outside(Handle handle, const LiveBlock& block, std::uint64_t begin,
                                             std::uint64_t end) const {
  const std::uint64_t buffer_end = block.device_address + block.size_bytes;
  if (begin >= block.device_address && end <= buffer_end) {
    return "";
  }
  const std::uint64_t from = begin < block.device_address ? begin : buffer_end;
  const std::uint64_t to = begin < block.device_address ? std::min(end, block.device_address) : end;
  return "device write [" + hex(begin) + ", " + hex(end) + ") leaves handle " + std::to_string(handle) +
         "'s buffer [" + hex(block.device_address) + ", " + hex(buffer_end) + ") at [" + hex(from) + ", " + hex(to) +
         "), into " + owner_of(from, to, handle, block, own_bytes_end(block));
}

}  // namespace smh::sim
