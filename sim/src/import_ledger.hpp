// What every importer shares once a format parser has read an event: the live
// blocks by key (an address, or a CSV handle), handle assignment, attributes
// (attribute-map rules, then the input's own, then the map's default), the ops
// written, and the statistics. Formats only say what happened; the ledger
// decides what it means for the op sequence, the same way for all of them.
// Private to sim/src.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "import_block_table.hpp"
#include "smh/sim/attr_map.hpp"
#include "smh/sim/import.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim::detail {

// An allocation as an input describes it.
struct BlockRequest {
  std::uint64_t key = 0;  // the address (or CSV handle) the block goes by
  std::uint64_t size_bytes = 0;
  std::uint64_t align_bytes = 0;  // 0: the default
  bool has_attr = false;          // the input names an attribute of its own
  std::uint32_t attr = 0;
  AllocFacts facts;  // site, trace, heap for the rules (size is filled in)
};

class ImportLedger {
 public:
  // Ops are appended to *out; statistics accumulate in *stats.
  ImportLedger(const ImportOptions& options, ImportStats* stats, std::vector<Op>* out);

  // Where the events come from: the input line, and its clock when known.
  void set_line(std::uint64_t line) { line_ = line; }
  [[nodiscard]] std::uint64_t line() const { return line_; }
  void set_time(std::uint64_t ticks) {
    time_known_ = true;
    time_ticks_ = ticks;
  }

  // Each returns false with *message only when a limit is reached (too many
  // live blocks, attributes or handles): the import cannot go on.
  bool alloc(const BlockRequest& request, std::string* message);
  // A free of a block never seen is counted, not an error.
  bool free(std::uint64_t key, std::string* message);
  // The input shows that a live block is gone (an allocation overlapping it)
  // without a free of its own: its free is written and counted as implied.
  void implied_free(std::uint64_t key);
  // A realloc of a block never seen is counted and written as an allocation.
  bool realloc(std::uint64_t old_key, const BlockRequest& request, std::string* message);
  void failed_alloc() {
    ++stats_->events;
    ++stats_->failed_allocs;
  }
  void device_error() {
    ++stats_->events;
    ++stats_->device_errors;
  }
  void lost_events(std::uint64_t count) { stats_->lost_events += count; }
  void ignored_line() { ++stats_->ignored_lines; }
  void set_ticks_per_second(std::uint64_t ticks) { stats_->ticks_per_second = ticks; }
  [[nodiscard]] bool is_live(std::uint64_t key) { return blocks_.find(key) != nullptr; }
  [[nodiscard]] std::uint64_t tracked_blocks() const { return blocks_.size(); }
  // A remark for the summary, kept once however often it is made.
  void note(const std::string& text);

  // Completes the statistics (live figures, attributes in order).
  void finish();

 private:
  bool resolve_attr(const BlockRequest& request, std::uint32_t* attr, std::string* message);
  bool new_handle(Handle* out, std::string* message);
  bool ensure_room(std::string* message) const;
  ImportAttributeStats* attribute(std::uint32_t attr, std::string* message);
  bool count_attribute(std::uint32_t attr, std::string* message);
  void emit(const Op& op);
  void count_size(std::uint64_t size_bytes);
  void add_live(std::uint32_t attr, std::uint64_t size_bytes);
  void remove_live(std::uint32_t attr, std::uint64_t size_bytes);
  void free_block(TrackedBlock* block);

  const ImportOptions& options_;
  ImportStats* stats_;
  std::vector<Op>* out_;
  BlockTable blocks_;
  Handle next_handle_ = 1;
  bool handles_exhausted_ = false;
  std::uint64_t line_ = 0;
  bool time_known_ = false;
  std::uint64_t time_ticks_ = 0;
  std::size_t last_attribute_ = 0;  // index in stats_->attributes of the last one used
};

}  // namespace smh::sim::detail
