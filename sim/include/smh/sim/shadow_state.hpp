// The harness's own record of what is live: every block by handle (hashed: O(1)),
// and, when invariants are checked, the same blocks indexed by device address so
// that an overlap check costs O(log live) rather than a rescan. handles_in_order()
// gives a deterministic order for anything that iterates.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "smh/sim/ops.hpp"

namespace smh::sim {

struct LiveBlock {
  void* ptr = nullptr;               // CPU view (host); never printed
  std::uint64_t device_address = 0;
  std::uint64_t size_bytes = 0;      // as requested
  std::uint32_t region = 0;
  std::uint32_t attr = 0;            // what the request asked for
  std::uint64_t align_bytes = 0;
  std::uint32_t generation = 0;      // bumps on every realloc and receive: selects the fill key
  // False once an invalidate discarded the block's own unwritten-back bytes: its
  // contents are undefined (as on hardware) until the CPU rewrites the whole
  // block or a receive completes, so content checks skip it meanwhile.
  bool contents_known = true;
};

class ShadowState {
 public:
  // track_addresses: keep the address index (needed by overlapping()).
  explicit ShadowState(bool track_addresses = true) : track_addresses_(track_addresses) {}

  [[nodiscard]] const LiveBlock* find(Handle handle) const;
  // For fields that do not move the block (its generation).
  [[nodiscard]] LiveBlock* find_mutable(Handle handle);
  // The live block (other than `except`) whose [address, address + size) meets
  // [begin, end), if any. Blocks of size 0 do not exist.
  [[nodiscard]] std::optional<Handle> overlapping(std::uint64_t begin, std::uint64_t end,
                                                  std::optional<Handle> except) const;
  void insert(Handle handle, const LiveBlock& block);  // handle must not be live
  void erase(Handle handle);                           // handle must be live
  [[nodiscard]] std::size_t live_count() const { return by_handle_.size(); }
  [[nodiscard]] std::uint64_t live_bytes() const { return live_bytes_; }
  [[nodiscard]] std::vector<Handle> handles_in_order() const;

 private:
  bool track_addresses_;
  std::unordered_map<Handle, LiveBlock> by_handle_;
  std::multimap<std::uint64_t, Handle> by_address_;  // multimap: an overlap bug must not hide a block
  std::uint64_t live_bytes_ = 0;
};

}  // namespace smh::sim
