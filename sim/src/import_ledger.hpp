// What every importer shares once a format parser has read an event: the live
// blocks by key (an address, or a CSV handle), handle assignment, attributes
// (attribute-map rules, then the input's own, then the map's default), the ops
// written, and the statistics. Formats only say what happened; the ledger
// decides what it means for the op sequence, the same way for all of them.
//
// Block events are applied a few events after they arrive: each one's table
// slot is prefetched when it is queued and used when it is applied, so the
// cache miss a large table costs overlaps with parsing the next lines (half
// the cost of a heaptrack import with 10k blocks live). Everything the ledger
// writes (ops, statistics) follows the queue, in input order; a limit reached
// while applying is reported at the line of the event that reached it.
// Private to sim/src.
#pragma once

#include <array>
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

// A limit an event reached: the import cannot go on.
struct LedgerFailure {
  std::uint64_t line = 0;
  std::string message;
};

class ImportLedger {
 public:
  // Ops are appended to *out; statistics accumulate in *stats.
  ImportLedger(const ImportOptions& options, ImportStats* stats, std::vector<Op>* out);

  // Where the next events come from: the input line, and its clock when known.
  void set_line(std::uint64_t line) { line_ = line; }
  [[nodiscard]] std::uint64_t line() const { return line_; }
  void set_time(std::uint64_t ticks) {
    time_known_ = true;
    time_ticks_ = ticks;
  }
  void set_ticks_per_second(std::uint64_t ticks) { stats_->ticks_per_second = ticks; }

  // Block events, queued. An allocation over a live block first writes that
  // block's free (an implied free: the input lost it); a free of a block never
  // seen is counted; a realloc of one is counted and written as an allocation.
  void alloc(const BlockRequest& request);
  void free(std::uint64_t key);
  void realloc(std::uint64_t old_key, const BlockRequest& request);
  // The input shows that a live block is gone (an allocation overlapping it)
  // without a free of its own: its free is written and counted as implied.
  void implied_free(std::uint64_t key);

  // Applies every queued event. False when one reached a limit (failure()).
  bool flush();
  [[nodiscard]] bool failed() const { return failed_; }
  [[nodiscard]] const LedgerFailure& failure() const { return failure_; }
  // Whether a block goes by `key` once every queued event is applied (false
  // too when applying them failed).
  [[nodiscard]] bool is_live(std::uint64_t key) { return flush() && blocks_.find(key) != nullptr; }

  // Counts, in no particular order with the events.
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
  // A remark for the summary, kept once however often it is made.
  void note(const std::string& text);

  // Completes the statistics (live figures, attributes in order); call after a
  // successful flush().
  void finish();

 private:
  enum class Kind : std::uint8_t { alloc, free, realloc, implied_free };
  struct Event {
    Kind kind = Kind::alloc;
    std::uint64_t old_key = 0;  // free, implied free, realloc
    BlockRequest request;       // alloc, realloc
    std::uint64_t line = 0;
    bool time_known = false;
    std::uint64_t time_ticks = 0;
  };
  // Events in flight: enough to cover a memory access with the parsing of the
  // lines that come after it.
  static constexpr std::size_t window = 8;

  void enqueue(Kind kind, std::uint64_t old_key, const BlockRequest* request);
  bool apply(const Event& event);
  bool apply_alloc(const BlockRequest& request);
  bool apply_free(std::uint64_t key);
  bool apply_realloc(std::uint64_t old_key, const BlockRequest& request);
  bool fail(std::string message);

  bool resolve_attr(const BlockRequest& request, std::uint32_t* attr);
  bool count_attribute(std::uint32_t attr);
  ImportAttributeStats* attribute(std::uint32_t attr);
  bool new_handle(Handle* out);
  bool ensure_room();
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
  std::size_t last_attribute_ = 0;  // index in stats_->attributes of the last one used

  // Where new events come from.
  std::uint64_t line_ = 0;
  bool time_known_ = false;
  std::uint64_t time_ticks_ = 0;

  // The queue: events [head_, head_ + count_) of the ring.
  std::array<Event, window> queue_{};
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  // The event being applied: its line and time position the statistics.
  const Event* applying_ = nullptr;
  bool failed_ = false;
  LedgerFailure failure_;
};

}  // namespace smh::sim::detail
