// The capture (smh/capture.h) plugged into the core's event hooks: a Heap's
// HeapHooks write its allocations, frees, in-place and moving reallocs, failed
// requests and refused calls; a BasicPool's PoolHooks write the calls the pool
// refused before any heap saw them. Freestanding, like the core.
//
// What the hooks see, and so what the log holds: the heap's own events, with
// the attribute of the region that served the request (in exact mode the
// request's attribute; in capability mode the region's bits, which on the same
// machine select the same region under every policy). A pool realloc that
// moves a block is an allocation in the new place followed by a free of the old
// block (the pool does exactly that); one that stays in place is an R line.
// Requests the pool refuses before asking a heap (no region could hold them)
// leave no line.
#pragma once

#include <cstdint>

#include "smh/capture.h"
#include "smh/heap_types.hpp"
#include "smh/pool_types.hpp"

namespace smh::capture {

// Hooks that write `region`'s heap events; `region` must outlive them.
HeapHooks heap_hooks(smh_capture_region* region);
// Hooks that write the pool's refusals (E lines with REGION "-").
PoolHooks pool_hooks(smh_capture* capture);

// Watches every region of `pool`: fills regions[0, pool.region_count()) (the
// region's index as its id, its attribute, and as its base the device address
// device_bases[i], or the region's own address when device_bases is null),
// writes an H line for each, and installs the heap and pool hooks (replacing
// any already set). The regions array must outlive the hooks. Returns
// capacity_exceeded when region_count is below the pool's region count.
template <class Pool>
Status attach(Pool& pool, smh_capture* capture, smh_capture_region* regions, unsigned region_count,
              const std::uintptr_t* device_bases = nullptr) {
  const unsigned count = pool.region_count();
  if (region_count < count) {
    return Status::capacity_exceeded;
  }
  for (unsigned index = 0; index < count; ++index) {
    const RegionConfig* config = pool.region_config(index);
    smh_capture_region& region = regions[index];
    region.capture = capture;
    region.id = index;
    region.base = device_bases != nullptr ? device_bases[index] : config->address;
    region.attr = config->attr;
    smh_capture_heap(capture, region.id, region.base, config->size_bytes, region.attr);
    const Status status = pool.set_region_hooks(index, heap_hooks(&region));
    if (status != Status::ok) {
      return status;
    }
  }
  pool.set_hooks(pool_hooks(capture));
  return Status::ok;
}

}  // namespace smh::capture
