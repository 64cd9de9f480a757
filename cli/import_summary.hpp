// The summary `smh import` prints: what was read, what became of it, and what a
// user needs before sizing regions (peak live bytes and when, the largest
// block, a power-of-two size histogram, the peak per attribute). A pure
// function of the statistics, so the same input prints the same text.
#pragma once

#include <string>

#include "smh/pool_types.hpp"
#include "smh/sim/attr_map.hpp"
#include "smh/sim/import.hpp"

namespace smh::cli {

struct ImportSummaryInputs {
  sim::ImportFormat format = sim::ImportFormat::heaptrack;
  std::string input_path;
  std::string output_path;  // empty: --stats, nothing written
  MatchMode mode = MatchMode::exact;
  const sim::AttrMap* attr_map = nullptr;
};

std::string render_import_summary(const ImportSummaryInputs& inputs, const sim::ImportStats& stats);

}  // namespace smh::cli
