// FindingSink — where everything a run observes goes: outcome events, findings
// (the first max_findings_kept in full, every one counted per check) and the
// digest over all of them and the ops applied, each stamped with the op being applied. The sink
// owns the op counter, so nothing can be recorded against the wrong op.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smh/sim/checks.hpp"
#include "smh/sim/digest.hpp"
#include "smh/sim/events.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim {

class FindingSink {
 public:
  // `keep_events`: keep every event in memory (else only the digest and the
  // findings record them). `max_findings_kept`: findings kept in full.
  FindingSink(bool keep_events, std::uint64_t max_findings_kept)
      : keep_events_(keep_events), max_findings_kept_(max_findings_kept) {}

  // The op being applied: what every record is stamped with.
  [[nodiscard]] std::uint64_t op_index() const { return op_index_; }
  void next_op() { ++op_index_; }

  // An outcome event: kept (keep_events) and digested whole. Inline: every
  // alloc and free records one, checks on or off (the digest covers every
  // outcome); the call showed as 4 % of a checks-off replay's profile.
  void record(const Event& event) {
    if (keep_events_) {
      keep(event);  // out of line: with it inline GCC no longer inlined record()
    }
    digest_.add_u64(event.op_index);
    digest_.add_u64(static_cast<std::uint64_t>(event.kind));
    digest_.add_u64(event.handle);
    digest_.add_u64(event.region);
    digest_.add_u64(event.device_address);
    digest_.add_u64(event.size_bytes);
    digest_.add_u64(event.usable_bytes);
  }
  // A finding: digested by identity (check, op, handle), counted, kept in full
  // while fewer than max_findings_kept are.
  void report(Check check, std::string message, Handle handle = 0);
  // A fact that decides behaviour but is neither an event nor a finding (a
  // preference chain, an injection's outcome): it enters the digest only.
  void digest_u64(std::uint64_t value) { digest_.add_u64(value); }
  // The op about to be applied, every field of it (issue 16): events say what
  // happened, this what was asked, so that two traces of as many ops whose
  // outcomes agree (another attribute or alignment that placed alike, a CPU
  // read where a write was) still give two digests. A stream of its own, so
  // that its multiplies overlap the events' instead of lengthening one chain.
  void note_op(const Op& op) {
    ops_digest_.add_u64(static_cast<std::uint64_t>(op.kind) | std::uint64_t{op.fallback_count} << 8 |
                        std::uint64_t{op.handle} << 32);
    // The fields the op's kind carries (op_fields, which the op writer also
    // reads): an op read back from a written scenario or trace notes alike.
    const unsigned fields = op_fields(op.kind);
    if ((fields & op_field_attr_size_align) != 0) {
      for (unsigned i = 0; i < op.attr_count(); ++i) {
        ops_digest_.add_u64(op.attr_at(i));
      }
      ops_digest_.add_u64(op.size_bytes);
      ops_digest_.add_u64(op.align_bytes);
    }
    if ((fields & op_field_offset) != 0) {
      ops_digest_.add_u64(op.offset_bytes);
    }
    if ((fields & op_field_length) != 0) {
      ops_digest_.add_u64(op.length_bytes);
    }
  }

  [[nodiscard]] const std::vector<Event>& events() const { return events_; }
  [[nodiscard]] const std::vector<Finding>& findings() const { return findings_; }
  [[nodiscard]] const FindingTally& tally() const { return tally_; }
  // Everything recorded, then the ops noted.
  [[nodiscard]] std::uint64_t digest() const {
    Digest both = digest_;
    both.add_u64(ops_digest_.value());
    return both.value();
  }

 private:
  void keep(const Event& event);  // record()'s keep_events part
  bool keep_events_;
  std::uint64_t max_findings_kept_;
  std::uint64_t op_index_ = 0;
  std::vector<Event> events_;
  std::vector<Finding> findings_;  // the first max_findings_kept_
  FindingTally tally_;             // all of them
  Digest digest_;
  Digest ops_digest_;  // note_op()
};

}  // namespace smh::sim
