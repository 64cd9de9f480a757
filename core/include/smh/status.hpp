// Result codes shared by every core API. One enum so that the heap, the pool and
// the C API report failures in the same vocabulary, and hooks can carry them.
#pragma once

#include <cstdint>

namespace smh {

enum class Status : std::uint8_t {
  ok = 0,
  // Arguments and lifecycle.
  invalid_argument,      // a parameter outside its documented domain
  not_initialized,       // the object was used before init()
  already_initialized,   // init() called twice
  // Region set-up.
  region_misaligned,     // region base not aligned to the granule (8 bytes)
  region_too_small,      // cannot hold the metadata plus one minimal block
  region_too_large,      // beyond what the header encoding can address
  // Allocation.
  out_of_memory,         // no free block can hold the request
  // Pointers handed back to free/realloc/usable_size.
  pointer_outside_region,  // not inside this heap's block area
  pointer_not_block,       // inside the region but not the start of a block:
                           // an interior pointer, or a block already coalesced away
  double_free,             // the start of a block that is already free
  // Integrity.
  metadata_corrupted,      // a header or free-list link failed a consistency check
  // Pool set-up.
  unknown_attribute,       // exact mode: attribute id outside [0, attribute_count)
  region_null,             // a region at address 0
  region_overlap,          // a region overlapping one already added
  capacity_exceeded,       // more regions (in total or for one attribute) than the pool holds
  region_out_of_range,     // a region index the pool does not have
};

// A stable, lower_snake_case name for reports and error messages.
const char* to_string(Status status);

}  // namespace smh
