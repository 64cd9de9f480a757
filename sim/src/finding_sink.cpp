// FindingSink (finding_sink.hpp): findings, and the events kept (record() is inline, in the header).
#include "finding_sink.hpp"

#include <utility>

namespace smh::sim {

void FindingSink::keep(const Event& event) { events_.push_back(event); }

void FindingSink::report(Check check, std::string message, Handle handle) {
  // The digest takes the finding's identity (check, op, handle), not its prose:
  // rewording a message must not move every golden digest that has findings. The
  // check enters by its stable name, not its enum value: reordering the enum
  // moves no digest either.
  digest_.add_text(to_string(check));
  digest_.add_u64(op_index_);
  digest_.add_u64(handle);
  tally_.add(check, op_index_);
  if (findings_.size() < max_findings_kept_) {
    findings_.push_back(Finding{op_index_, check, std::move(message)});
  }
  if (keep_events_) {
    Event event;
    event.op_index = op_index_;
    event.kind = EventKind::finding;
    event.handle = handle;
    events_.push_back(event);
  }
}

}  // namespace smh::sim
