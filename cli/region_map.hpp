#pragma once

#include <cstddef>
#include <string>

#include "smh/heap.hpp"

namespace smh::cli {

// A picture of a heap's region, one character per `bytes_per_cell` bytes and
// `cells_per_line` characters per line, each line prefixed by its offset:
//   M  heap metadata in the region (the block-start bitmap after the blocks)
//   #  allocated block (its header included)
//   +  partly allocated, partly free
//   .  free
std::string render_region_map(const Heap& heap, std::size_t bytes_per_cell, std::size_t cells_per_line);

}  // namespace smh::cli
