#include "demand_tally.hpp"

#include <algorithm>

namespace smh::sim::detail {

void DemandTally::failed(Handle handle, std::uint32_t attr, std::uint64_t size_bytes) {
  cleared(handle);  // a second failure replaces the first request
  // BlockTable marks a used slot by a non-zero handle field: any will do here.
  nulls_.insert(TrackedBlock{handle, size_bytes, 1, attr});
  add(attr, size_bytes);
}

void DemandTally::clear_null(Handle handle) {
  if (TrackedBlock* found = nulls_.find(handle)) {
    remove(found->attr, found->size_bytes);
    nulls_.erase(found);
  }
}

std::uint64_t DemandTally::peak_bytes(std::uint32_t attr) const {
  const auto found = std::find_if(per_attr_.begin(), per_attr_.end(), [&](const PerAttr& one) { return one.attr == attr; });
  return found == per_attr_.end() ? 0 : found->peak_bytes;
}

DemandTally::PerAttr& DemandTally::search(std::uint32_t attr) {
  for (last_ = 0; last_ < per_attr_.size(); ++last_) {
    if (per_attr_[last_].attr == attr) {
      return per_attr_[last_];
    }
  }
  return per_attr_.emplace_back(PerAttr{attr, 0, 0});  // last_ is its index
}

}  // namespace smh::sim::detail
