#include "region_map.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace smh::cli {

namespace {

struct Cell {
  std::size_t used_bytes = 0;
  std::size_t metadata_bytes = 0;
};

// Adds the byte range [begin, end) to the cells it overlaps.
template <class Member>
void add_range(std::vector<Cell>& cells, std::size_t bytes_per_cell, std::size_t begin,
               std::size_t end, Member member) {
  for (std::size_t cell = begin / bytes_per_cell; cell < cells.size() && cell * bytes_per_cell < end;
       ++cell) {
    const std::size_t cell_begin = cell * bytes_per_cell;
    const std::size_t overlap =
        std::min(end, cell_begin + bytes_per_cell) - std::max(begin, cell_begin);
    cells[cell].*member += overlap;
  }
}

char symbol_of(const Cell& cell, std::size_t bytes_per_cell) {
  if (cell.used_bytes == bytes_per_cell) {
    return '#';
  }
  if (cell.used_bytes > 0) {
    return '+';
  }
  if (cell.metadata_bytes > 0) {
    return 'M';
  }
  return '.';
}

}  // namespace

std::string render_region_map(const Heap& heap, std::size_t bytes_per_cell, std::size_t cells_per_line) {
  const std::size_t region_bytes = heap.region_bytes();
  std::vector<Cell> cells((region_bytes + bytes_per_cell - 1) / bytes_per_cell);

  add_range(cells, bytes_per_cell, heap.block_area_bytes(), region_bytes, &Cell::metadata_bytes);
  heap.walk([&](const BlockInfo& block) {
    if (block.used) {
      add_range(cells, bytes_per_cell, block.block_offset_bytes,
                block.block_offset_bytes + block.block_size_bytes, &Cell::used_bytes);
    }
  });

  std::string picture;
  for (std::size_t line_start = 0; line_start < cells.size(); line_start += cells_per_line) {
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "  %6zu |", line_start * bytes_per_cell);
    picture += prefix;
    const std::size_t line_end = std::min(cells.size(), line_start + cells_per_line);
    for (std::size_t cell = line_start; cell < line_end; ++cell) {
      picture += symbol_of(cells[cell], bytes_per_cell);
    }
    picture += "|\n";
  }
  return picture;
}

}  // namespace smh::cli
