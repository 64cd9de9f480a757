#include "smh/sim/shadow_state.hpp"

#include <algorithm>
#include <cassert>

namespace smh::sim {

const LiveBlock* ShadowState::find(Handle handle) const {
  const auto found = by_handle_.find(handle);
  return found == by_handle_.end() ? nullptr : &found->second;
}

LiveBlock* ShadowState::find_mutable(Handle handle) {
  const auto found = by_handle_.find(handle);
  return found == by_handle_.end() ? nullptr : &found->second;
}

std::optional<Handle> ShadowState::overlapping(std::uint64_t begin, std::uint64_t end,
                                               std::optional<Handle> except) const {
  assert(track_addresses_ && "overlapping() needs the address index");
  // Candidates: blocks starting before `end`, nearest first. Blocks never overlap
  // one another unless a bug already was reported, so the nearest one or two
  // (skipping `except`) decide; stop at the first that ends at or before `begin`.
  auto it = by_address_.lower_bound(end);
  while (it != by_address_.begin()) {
    --it;
    const LiveBlock& block = by_handle_.at(it->second);
    if (except && it->second == *except) {
      continue;
    }
    if (block.device_address + block.size_bytes > begin) {
      return it->second;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

void ShadowState::insert(Handle handle, const LiveBlock& block) {
  const bool inserted = by_handle_.emplace(handle, block).second;
  assert(inserted && "handle already live");
  (void)inserted;
  if (track_addresses_) {
    by_address_.emplace(block.device_address, handle);
  }
  live_bytes_ += block.size_bytes;
}

void ShadowState::erase(Handle handle) {
  const auto found = by_handle_.find(handle);
  assert(found != by_handle_.end() && "handle not live");
  auto [first, last] = by_address_.equal_range(found->second.device_address);
  for (auto it = first; it != last; ++it) {
    if (it->second == handle) {
      by_address_.erase(it);
      break;
    }
  }  // (an empty range when the index is not kept)
  live_bytes_ -= found->second.size_bytes;
  by_handle_.erase(found);
}

std::vector<Handle> ShadowState::handles_in_order() const {
  std::vector<Handle> handles;
  handles.reserve(by_handle_.size());
  for (const auto& entry : by_handle_) {
    handles.push_back(entry.first);
  }
  std::sort(handles.begin(), handles.end());
  return handles;
}

}  // namespace smh::sim
