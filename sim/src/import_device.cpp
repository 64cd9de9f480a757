// smh's device log (docs/device-log.md), as core/capture writes it: one event
// per line, anywhere in a console log, after the marker "@smh1 ":
//
//   @smh1 SEQ KIND FIELDS... [tTIME]
//
// every number lowercase or uppercase hex without "0x"; SEQ counts the
// capture's events (dropped ones too) modulo 2^32, so a gap says how many were
// lost. KIND and FIELDS:
//   B TICKS_PER_SECOND                          the capture started (0: no clock)
//   H REGION BASE SIZE ATTR                     a region (heap) it watches
//   A REGION ADDRESS SIZE ALIGN ATTR            allocated
//   F REGION ADDRESS SIZE                       freed
//   R REGION OLD_ADDRESS NEW_ADDRESS SIZE ALIGN ATTR   resized (moved if the addresses differ)
//   X REGION SIZE ALIGN                         the heap could not serve a request
//   E REGION STATUS ADDRESS                     the allocator refused a call (REGION "-": the pool)
// ATTR "-": not known (a Zephyr heap). Text before the marker (a console's
// timestamps or log prefix) and lines without it are ignored.

#include "import_format.hpp"
#include "power_of_two.hpp"

namespace smh::sim::detail {

namespace {

constexpr std::string_view marker = "@smh1 ";

struct DeviceEvent {
  std::uint64_t seq = 0;
  char kind = 0;
  std::uint64_t region = 0;
  std::uint64_t address = 0;
  std::uint64_t new_address = 0;
  std::uint64_t size_bytes = 0;
  std::uint64_t align_bytes = 0;
  bool has_attr = false;
  std::uint64_t attr = 0;
  bool has_time = false;
  std::uint64_t time = 0;
};

class DeviceParser final : public FormatParser {
 public:
  bool line(std::string_view text, ImportLedger* ledger, ImportProblem* problem) override {
    const std::size_t at = text.find(marker);
    if (at == std::string_view::npos) {
      ledger->ignored_line();  // console output around the capture
      return true;
    }
    DeviceEvent event;
    LineProblem where;
    if (!read_event(text, at + marker.size(), &event, &where)) {
      return malformed(where, problem);
    }
    if (event.kind == 'B') {
      if (any_event_) {
        return fatal("the capture restarted here (a B event after " + std::to_string(events_) +
                         " events): import one session at a time (cut the log before this line)",
                     problem);
      }
      ledger->set_ticks_per_second(event.size_bytes);
    } else if (any_event_) {
      const std::uint64_t expected = (last_seq_ + 1) & 0xFFFF'FFFFu;
      const std::uint64_t skipped = (event.seq - expected) & 0xFFFF'FFFFu;
      if (skipped >= 0x8000'0000u) {
        // Behind the last number: lines came out of order (events from two
        // contexts without a lock), not 4 billion lost events.
        if (!order_noted_) {
          order_noted_ = true;
          ledger->note("sequence numbers go backwards at line " + std::to_string(ledger->line()) +
                       ": lines are out of order (give the capture a lock: smh_capture_set_lock)");
        }
      } else if (skipped != 0) {
        ledger->lost_events(skipped);
        if (!gap_noted_) {
          gap_noted_ = true;
          ledger->note("events were lost (sequence gaps; the first before line " + std::to_string(ledger->line()) +
                       "): frees of blocks never seen and implied frees follow");
        }
      }
    }
    // The highest number seen stays the reference: a late line does not make
    // the ones after it look lost.
    if (!any_event_ || event.kind == 'B' || ((event.seq - last_seq_) & 0xFFFF'FFFFu) < 0x8000'0000u) {
      last_seq_ = event.seq;
    }
    any_event_ = true;
    ++events_;
    if (event.has_time) {
      ledger->set_time(event.time);
    }
    apply(event, ledger);
    return true;
  }

  bool finish(ImportLedger* /*ledger*/, ImportProblem* /*problem*/) override { return true; }

 private:
  static void apply(const DeviceEvent& event, ImportLedger* ledger) {
    BlockRequest request;
    request.key = event.kind == 'R' ? event.new_address : event.address;
    request.size_bytes = event.size_bytes;
    request.align_bytes = event.align_bytes;
    request.has_attr = event.has_attr;
    request.attr = static_cast<std::uint32_t>(event.attr);
    request.facts.has_heap = true;
    request.facts.heap = event.region;
    switch (event.kind) {
      case 'A': ledger->alloc(request); break;
      case 'F': ledger->free(event.address); break;
      case 'R': ledger->realloc(event.address, request); break;
      case 'X': ledger->failed_alloc(); break;
      case 'E': ledger->device_error(); break;
      default: ledger->ignored_line(); break;  // B, H: about the capture, not an allocation
    }
  }

  // A hex field after a space; "-" allowed (→ *present false) when `optional`.
  static bool field(std::string_view text, std::size_t* pos, std::string_view what, bool optional,
                    std::uint64_t* out, bool* present, LineProblem* where) {
    if (!read_separator(text, pos, what, where)) {
      return false;
    }
    if (optional && *pos < text.size() && text[*pos] == '-') {
      ++*pos;
      *present = false;
      return true;
    }
    *present = true;
    return read_hex(text, pos, HexPrefix::none, what, out, where);
  }
  static bool field(std::string_view text, std::size_t* pos, std::string_view what, std::uint64_t* out,
                    LineProblem* where) {
    bool present = false;
    return field(text, pos, what, false, out, &present, where);
  }
  // 0 (the default) or a power of two.
  static bool align_field(std::string_view text, std::size_t* pos, std::uint64_t* out, LineProblem* where) {
    const std::size_t start = skip_spaces(text, *pos);
    if (!field(text, pos, "the alignment", out, where)) {
      return false;
    }
    if (*out != 0 && !is_power_of_two(*out)) {
      return fail_at(start, "the alignment " + std::to_string(*out) + " is not a power of two", where);
    }
    return true;
  }

  static bool read_event(std::string_view text, std::size_t pos, DeviceEvent* event, LineProblem* where) {
    const std::size_t seq_at = pos;
    if (!read_hex(text, &pos, HexPrefix::none, "the sequence number", &event->seq, where)) {
      return false;
    }
    if (event->seq > 0xFFFF'FFFFu) {
      return fail_at(seq_at, "the sequence number has more than 32 bits", where);
    }
    if (!read_separator(text, &pos, "the event", where)) {
      return false;
    }
    const std::size_t kind_at = pos;
    event->kind = pos < text.size() ? text[pos] : '\0';
    ++pos;
    if (pos < text.size() && !is_space(text[pos])) {
      return fail_at(kind_at, "expected an event letter (B, H, A, F, R, X or E), got " + found_at(text, kind_at),
                     where);
    }
    bool ok = true;
    bool region_present = true;
    bool attr_present = true;
    std::uint64_t ignored = 0;
    switch (event->kind) {
      case 'B': ok = field(text, &pos, "the ticks per second", &event->size_bytes, where); break;
      case 'H':
        ok = field(text, &pos, "the region", &event->region, where) &&
             field(text, &pos, "the base address", &ignored, where) &&
             field(text, &pos, "the size", &ignored, where) &&
             field(text, &pos, "the attribute", true, &ignored, &attr_present, where);
        break;
      case 'A':
        ok = field(text, &pos, "the region", &event->region, where) &&
             field(text, &pos, "the address", &event->address, where) &&
             field(text, &pos, "the size", &event->size_bytes, where) &&
             align_field(text, &pos, &event->align_bytes, where) &&
             field(text, &pos, "the attribute", true, &event->attr, &attr_present, where);
        break;
      case 'F':
        ok = field(text, &pos, "the region", &event->region, where) &&
             field(text, &pos, "the address", &event->address, where) &&
             field(text, &pos, "the size", &event->size_bytes, where);
        break;
      case 'R':
        ok = field(text, &pos, "the region", &event->region, where) &&
             field(text, &pos, "the old address", &event->address, where) &&
             field(text, &pos, "the new address", &event->new_address, where) &&
             field(text, &pos, "the size", &event->size_bytes, where) &&
             align_field(text, &pos, &event->align_bytes, where) &&
             field(text, &pos, "the attribute", true, &event->attr, &attr_present, where);
        break;
      case 'X':
        ok = field(text, &pos, "the region", &event->region, where) &&
             field(text, &pos, "the size", &event->size_bytes, where) &&
             align_field(text, &pos, &event->align_bytes, where);
        break;
      case 'E':
        ok = field(text, &pos, "the region", true, &event->region, &region_present, where) &&
             field(text, &pos, "the status", &ignored, where) && field(text, &pos, "the address", &ignored, where);
        break;
      default:
        return fail_at(kind_at, "expected an event letter (B, H, A, F, R, X or E), got " + found_at(text, kind_at),
                       where);
    }
    if (!ok) {
      return false;
    }
    event->has_attr = attr_present && (event->kind == 'A' || event->kind == 'R');
    if (event->has_attr && event->attr > 0xFFFF'FFFFu) {
      return fail_at(pos - 1, "the attribute has more than 32 bits", where);
    }
    const std::size_t time_at = skip_spaces(text, pos);
    if (time_at > pos && time_at < text.size() && text[time_at] == 't') {
      pos = time_at + 1;
      if (!read_hex(text, &pos, HexPrefix::none, "the time", &event->time, where)) {
        return false;
      }
      event->has_time = true;
    }
    return read_line_end(text, pos, event->has_time ? "the time" : "the event's fields", where);
  }

  bool any_event_ = false;
  bool gap_noted_ = false;
  bool order_noted_ = false;
  std::uint64_t events_ = 0;
  std::uint64_t last_seq_ = 0;
};

}  // namespace

std::unique_ptr<FormatParser> make_device_parser() { return std::make_unique<DeviceParser>(); }

}  // namespace smh::sim::detail
