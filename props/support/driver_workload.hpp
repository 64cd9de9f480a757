// A device driver's memory traffic, as the coherency suite generates it: DMA
// buffers for transmit (TX), receive (RX) and descriptors (DESC: the CPU writes,
// the device reads, the device writes back a status, the CPU reads), each moved
// through its transactions one maintenance step at a time and interleaved with
// the other buffers, with CPU-only heap objects next to them, and with the
// cache's own evictions and speculative fills at any moment.
//
// Correct maintenance, as the generator emits it:
// * buffers in cacheable regions are line-aligned and line-padded
//   (aligned_alloc(line, round_up(n, line))), so no other owner shares their lines;
//   buffers in the non-cacheable region are plain allocations and need no
//   maintenance at all;
// * transmit: the CPU writes, cleans (writes back) the buffer, the device reads it;
// * receive: invalidate (or clean+invalidate) before the device starts writing,
//   and invalidate again after it completes, before the CPU reads (the cache may
//   have speculatively refilled the lines meanwhile). A receive covers the whole
//   buffer or a window of it (issue 14: a short frame, a header slot), whole
//   lines in cacheable memory; its maintenance and the CPU's read cover the same
//   window. A receive may complete short (the device writes the window's first
//   bytes only: a short frame): the invalidate after it and the CPU's read then
//   cover only what the device wrote, as a driver reading the length the device
//   reports does.
// * a transmit may last (dma_to_device_start ... dma_to_device_complete): the
//   CPU touches the buffer again only after the completion.
// * a transfer in flight (a receive, or a lasting transmit) may be aborted
//   instead of completed (dma_abort: a timeout, a link down). The transaction
//   ends there: the CPU does not read an aborted receive (its bytes are
//   undefined); the buffer's next transaction begins with its usual
//   maintenance (invalidate before the next receive, clean before the next
//   transmit), so nothing the device or the cache left behind is relied on.
// Every op carries its role, so the mutation side (maintenance_mutation.hpp) can
// remove exactly one maintenance step and know which oracle must then fire.
#pragma once

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/ops.hpp"

namespace smh::props {

// The machine: region i has exact-mode attribute i.
enum DriverRegion : unsigned { write_back_sram = 0, write_through_sram = 1, uncached_dma = 2, cpu_only_tcm = 3 };

inline rc::Gen<sim::MachineConfig> gen_driver_machine() {
  return rc::gen::exec([] {
    sim::MachineConfig machine;
    const auto wb_line = *rc::gen::element<std::uint32_t>(16, 32, 64, 128);
    const auto wt_line = *rc::gen::element<std::uint32_t>(16, 32, 64);
    machine.regions = {
        {"sram", 0x2000'0000, 64 << 10, write_back_sram, sim::CachePolicy::write_back, wb_line, true, false},
        {"sram_wt", 0x2400'0000, 32 << 10, write_through_sram, sim::CachePolicy::write_through, wt_line, true, false},
        {"dma_nc", 0x3000'0000, 32 << 10, uncached_dma, sim::CachePolicy::non_cacheable, 32, true, false},
        {"dtcm", 0x4000'0000, 16 << 10, cpu_only_tcm, sim::CachePolicy::write_back, 32, false, false},
    };
    return machine;
  });
}

enum class BufferKind : std::uint8_t { tx, rx, desc };

// What an op does in the driver's protocol.
enum class Role : std::uint8_t {
  other,                 // allocations, frees, CPU-only objects
  tx_write,              // the CPU fills a buffer to transmit
  tx_clean,              // maintenance: write it back
  tx_send,               // the device reads it (a lasting transmit: starts reading it)
  tx_complete,           // a lasting transmit completes: the buffer is the CPU's again
  rx_invalidate_before,  // maintenance: drop the lines before the device writes
  rx_start,
  rx_complete,
  rx_invalidate_after,   // maintenance: drop lines refilled during the transfer
  rx_read,               // the CPU reads what arrived
  abort,                 // the transfer in flight is aborted: the transaction ends
  cache_activity,        // an eviction or speculative fill the program did not ask for
};

struct AnnotatedOp {
  sim::Op op;
  Role role = Role::other;
  sim::Handle buffer = 0;        // the DMA buffer the op concerns (0: none)
  std::uint32_t transaction = 0; // the buffer's transaction number
  // Transaction steps only: which step this is, and what it takes to finish the
  // transaction (closing_ops()).
  unsigned step = 0;
  BufferKind kind = BufferKind::tx;
  bool cacheable = false;
  bool clean_invalidate_before_rx = false;
  // The buffer's receive window (length 0: the whole buffer).
  std::uint64_t rx_offset_bytes = 0;
  std::uint64_t rx_length_bytes = 0;
  std::uint64_t rx_received_bytes = 0;  // a short completion's bytes (0: the whole window)
  bool lasting_tx = false;              // transmits start and complete
};

struct DriverBuffer {
  sim::Handle handle = 0;
  BufferKind kind = BufferKind::tx;
  unsigned region = write_back_sram;
  std::uint64_t payload_bytes = 0;  // what the driver needs
  std::uint64_t size_bytes = 0;     // what it allocates (padded to the line when cached)
  std::uint32_t transaction = 0;    // transactions begun so far
  unsigned step = 0;                // next step of the current transaction (0: idle)
  bool clean_invalidate_before_rx = false;  // the driver's choice of maintenance op
  std::uint64_t rx_offset_bytes = 0;        // the receive's window (length 0: all of it)
  std::uint64_t rx_length_bytes = 0;
  // A short completion: the device writes the window's first rx_received_bytes
  // (fewer than the window; 0: all of it).
  std::uint64_t rx_received_bytes = 0;
  bool lasting_tx = false;  // transmits start and later complete (dma_to_device_start/complete)
};

struct CpuObject {
  sim::Handle handle = 0;
  std::uint64_t size_bytes = 0;
};

struct DriverModel {
  std::shared_ptr<const sim::MachineConfig> machine;
  std::vector<DriverBuffer> buffers;
  std::vector<CpuObject> objects;
  sim::Handle next_handle = 1;

  [[nodiscard]] const DriverBuffer* buffer(sim::Handle handle) const {
    const auto it = std::find_if(buffers.begin(), buffers.end(), [&](const DriverBuffer& b) { return b.handle == handle; });
    return it == buffers.end() ? nullptr : &*it;
  }
  [[nodiscard]] DriverBuffer* buffer(sim::Handle handle) {
    return const_cast<DriverBuffer*>(static_cast<const DriverModel&>(*this).buffer(handle));
  }
  [[nodiscard]] const CpuObject* object(sim::Handle handle) const {
    const auto it = std::find_if(objects.begin(), objects.end(), [&](const CpuObject& o) { return o.handle == handle; });
    return it == objects.end() ? nullptr : &*it;
  }
};

inline bool cacheable_region(const sim::MachineConfig& machine, unsigned region) {
  return sim::is_cacheable(machine.regions.at(region).cache_policy);
}

// The steps of one transaction of `buffer`, in order (non-cacheable buffers skip
// the maintenance).
inline std::vector<Role> transaction_roles(const DriverBuffer& buffer, bool cacheable) {
  std::vector<Role> roles;
  if (buffer.kind != BufferKind::rx) {
    roles.push_back(Role::tx_write);
    if (cacheable) roles.push_back(Role::tx_clean);
    roles.push_back(Role::tx_send);
    if (buffer.lasting_tx) roles.push_back(Role::tx_complete);
  }
  if (buffer.kind != BufferKind::tx) {
    if (cacheable) roles.push_back(Role::rx_invalidate_before);
    roles.push_back(Role::rx_start);
    roles.push_back(Role::rx_complete);
    if (cacheable) roles.push_back(Role::rx_invalidate_after);
    roles.push_back(Role::rx_read);
  }
  return roles;
}

inline sim::Op whole_block_op(sim::OpKind kind, sim::Handle handle) {
  sim::Op op;
  op.kind = kind;
  op.handle = handle;
  return op;
}

// An op over the buffer's receive window.
inline sim::Op window_op(sim::OpKind kind, const DriverBuffer& buffer) {
  sim::Op op = whole_block_op(kind, buffer.handle);
  op.offset_bytes = buffer.rx_offset_bytes;
  op.length_bytes = buffer.rx_length_bytes;
  return op;
}

// An op over what the device wrote: the window, or its first bytes when the
// receive completes short.
inline sim::Op received_op(sim::OpKind kind, const DriverBuffer& buffer) {
  sim::Op op = window_op(kind, buffer);
  if (buffer.rx_received_bytes != 0) op.length_bytes = buffer.rx_received_bytes;
  return op;
}

inline sim::Op op_for_role(Role role, const DriverBuffer& buffer) {
  switch (role) {
    case Role::tx_write: return whole_block_op(sim::OpKind::cpu_write, buffer.handle);
    case Role::tx_clean: return whole_block_op(sim::OpKind::cache_clean, buffer.handle);
    case Role::tx_send:
      return whole_block_op(buffer.lasting_tx ? sim::OpKind::dma_to_device_start : sim::OpKind::dma_to_device,
                            buffer.handle);
    case Role::tx_complete: return whole_block_op(sim::OpKind::dma_to_device_complete, buffer.handle);
    case Role::rx_invalidate_before:
      return window_op(buffer.clean_invalidate_before_rx ? sim::OpKind::cache_clean_invalidate
                                                         : sim::OpKind::cache_invalidate,
                       buffer);
    case Role::rx_start: return window_op(sim::OpKind::dma_from_device_start, buffer);
    case Role::rx_complete:
      return buffer.rx_received_bytes != 0 ? received_op(sim::OpKind::dma_from_device_complete, buffer)
                                           : whole_block_op(sim::OpKind::dma_from_device_complete, buffer.handle);
    case Role::rx_invalidate_after: return received_op(sim::OpKind::cache_invalidate, buffer);
    case Role::rx_read: return received_op(sim::OpKind::cpu_read, buffer);
    case Role::abort: return whole_block_op(sim::OpKind::dma_abort, buffer.handle);
    case Role::other:
    case Role::cache_activity: break;
  }
  return whole_block_op(sim::OpKind::cpu_read, buffer.handle);
}

// ---- Commands ------------------------------------------------------------------

// A system under test consumes the annotated ops a command emits.
class DriverSut {
 public:
  virtual ~DriverSut() = default;
  virtual void apply(const AnnotatedOp& op) = 0;
};

using DriverCommand = rc::state::Command<DriverModel, DriverSut>;
using DriverCommandPtr = std::shared_ptr<const DriverCommand>;

class NewBuffer final : public DriverCommand {
 public:
  NewBuffer(DriverBuffer buffer) : buffer_(buffer) {}
  void checkPreconditions(const DriverModel& model) const override {
    RC_PRE(model.next_handle == buffer_.handle);
  }
  void apply(DriverModel& model) const override {
    model.buffers.push_back(buffer_);
    model.next_handle = buffer_.handle + 1;
  }
  void run(const DriverModel& model, DriverSut& sut) const override {
    sim::Op op;
    op.kind = sim::OpKind::alloc;
    op.handle = buffer_.handle;
    op.attr = buffer_.region;
    op.size_bytes = buffer_.size_bytes;
    op.align_bytes = cacheable_region(*model.machine, buffer_.region) ? model.machine->regions[buffer_.region].line_bytes : 0;
    sut.apply(AnnotatedOp{op, Role::other, buffer_.handle, 0});
  }
  void show(std::ostream& os) const override {
    static const char* const kinds[] = {"tx", "rx", "desc"};
    os << "new " << kinds[static_cast<int>(buffer_.kind)] << " buffer h" << buffer_.handle << " in region "
       << buffer_.region << ", " << buffer_.payload_bytes << " bytes";
  }

 private:
  DriverBuffer buffer_;
};

// The next maintenance or transfer step of a buffer's transaction (starting one
// when the buffer is idle).
class Step final : public DriverCommand {
 public:
  explicit Step(sim::Handle handle) : handle_(handle) {}
  void checkPreconditions(const DriverModel& model) const override { RC_PRE(model.buffer(handle_) != nullptr); }
  void apply(DriverModel& model) const override {
    DriverBuffer& buffer = *model.buffer(handle_);
    const std::size_t steps = transaction_roles(buffer, cacheable_region(*model.machine, buffer.region)).size();
    if (buffer.step == 0) ++buffer.transaction;
    buffer.step = (buffer.step + 1) % static_cast<unsigned>(steps);
  }
  void run(const DriverModel& model, DriverSut& sut) const override {
    const DriverBuffer& buffer = *model.buffer(handle_);
    const Role role = transaction_roles(buffer, cacheable_region(*model.machine, buffer.region))[buffer.step];
    const std::uint32_t transaction = buffer.step == 0 ? buffer.transaction + 1 : buffer.transaction;
    sut.apply(AnnotatedOp{op_for_role(role, buffer), role, handle_, transaction, buffer.step, buffer.kind,
                          cacheable_region(*model.machine, buffer.region), buffer.clean_invalidate_before_rx,
                          buffer.rx_offset_bytes, buffer.rx_length_bytes, buffer.rx_received_bytes,
                          buffer.lasting_tx});
  }
  void show(std::ostream& os) const override { os << "step h" << handle_; }

 private:
  sim::Handle handle_;
};

// A transfer in flight aborted instead of completed: the op a completion would
// be (a receive's, or a lasting transmit's) becomes dma_abort, and the
// transaction ends there.
class Abort final : public DriverCommand {
 public:
  explicit Abort(sim::Handle handle) : handle_(handle) {}
  void checkPreconditions(const DriverModel& model) const override {
    const DriverBuffer* buffer = model.buffer(handle_);
    RC_PRE(buffer != nullptr && buffer->step != 0);
    const Role next = transaction_roles(*buffer, cacheable_region(*model.machine, buffer->region))[buffer->step];
    RC_PRE(next == Role::rx_complete || next == Role::tx_complete);
  }
  void apply(DriverModel& model) const override { model.buffer(handle_)->step = 0; }
  void run(const DriverModel& model, DriverSut& sut) const override {
    const DriverBuffer& buffer = *model.buffer(handle_);
    sut.apply(AnnotatedOp{op_for_role(Role::abort, buffer), Role::abort, handle_, buffer.transaction, buffer.step,
                          buffer.kind, cacheable_region(*model.machine, buffer.region),
                          buffer.clean_invalidate_before_rx, buffer.rx_offset_bytes, buffer.rx_length_bytes,
                          buffer.rx_received_bytes, buffer.lasting_tx});
  }
  void show(std::ostream& os) const override { os << "abort h" << handle_; }

 private:
  sim::Handle handle_;
};

class FreeBuffer final : public DriverCommand {
 public:
  explicit FreeBuffer(sim::Handle handle) : handle_(handle) {}
  void checkPreconditions(const DriverModel& model) const override {
    const DriverBuffer* buffer = model.buffer(handle_);
    RC_PRE(buffer != nullptr && buffer->step == 0);  // never under a transfer
  }
  void apply(DriverModel& model) const override {
    std::erase_if(model.buffers, [&](const DriverBuffer& b) { return b.handle == handle_; });
  }
  void run(const DriverModel& /*model*/, DriverSut& sut) const override {
    sut.apply(AnnotatedOp{whole_block_op(sim::OpKind::free, handle_), Role::other, handle_, 0});
  }
  void show(std::ostream& os) const override { os << "free buffer h" << handle_; }

 private:
  sim::Handle handle_;
};

// The cache evicting or speculatively filling the line at `permille` of a buffer
// or object, behind the program's back.
class CacheActivity final : public DriverCommand {
 public:
  CacheActivity(sim::Handle handle, bool evict, std::uint32_t permille)
      : handle_(handle), evict_(evict), permille_(permille) {}
  void checkPreconditions(const DriverModel& model) const override {
    RC_PRE(model.buffer(handle_) != nullptr || model.object(handle_) != nullptr);
  }
  void run(const DriverModel& model, DriverSut& sut) const override {
    const DriverBuffer* buffer = model.buffer(handle_);
    const std::uint64_t size = buffer != nullptr ? buffer->size_bytes : model.object(handle_)->size_bytes;
    sim::Op op = whole_block_op(evict_ ? sim::OpKind::evict : sim::OpKind::speculative_fill, handle_);
    op.offset_bytes = size * permille_ / 1000;
    sut.apply(AnnotatedOp{op, Role::cache_activity, buffer != nullptr ? handle_ : 0, 0});
  }
  void show(std::ostream& os) const override {
    os << (evict_ ? "evict" : "speculative fill") << " h" << handle_ << " at " << permille_ << " permille";
  }

 private:
  sim::Handle handle_;
  bool evict_;
  std::uint32_t permille_;
};

// CPU-only heap objects in the cached SRAM (beside the buffers) or the TCM: they
// put allocator headers and dirty CPU data next to the DMA buffers' lines.
class ObjectOp final : public DriverCommand {
 public:
  ObjectOp(sim::OpKind kind, sim::Handle handle, unsigned region, std::uint64_t size_bytes)
      : kind_(kind), handle_(handle), region_(region), size_bytes_(size_bytes) {}
  void checkPreconditions(const DriverModel& model) const override {
    if (kind_ == sim::OpKind::alloc) {
      RC_PRE(model.next_handle == handle_);
    } else {
      RC_PRE(model.object(handle_) != nullptr);
    }
  }
  void apply(DriverModel& model) const override {
    if (kind_ == sim::OpKind::alloc) {
      model.objects.push_back(CpuObject{handle_, size_bytes_});
      model.next_handle = handle_ + 1;
    } else if (kind_ == sim::OpKind::free) {
      std::erase_if(model.objects, [&](const CpuObject& o) { return o.handle == handle_; });
    }
  }
  void run(const DriverModel& /*model*/, DriverSut& sut) const override {
    sim::Op op = whole_block_op(kind_, handle_);
    if (kind_ == sim::OpKind::alloc) {
      op.attr = region_;
      op.size_bytes = size_bytes_;
    }
    sut.apply(AnnotatedOp{op, Role::other, 0, 0});
  }
  void show(std::ostream& os) const override { os << "object " << sim::to_string(kind_) << " h" << handle_; }

 private:
  sim::OpKind kind_;
  sim::Handle handle_;
  unsigned region_;
  std::uint64_t size_bytes_;
};

inline rc::Gen<DriverCommandPtr> gen_driver_command(const DriverModel& model) {
  return rc::gen::exec([model]() -> DriverCommandPtr {
    std::vector<sim::Handle> buffers;
    std::vector<sim::Handle> idle;
    std::vector<sim::Handle> in_flight;  // a completion is the next step
    for (const DriverBuffer& buffer : model.buffers) {
      buffers.push_back(buffer.handle);
      if (buffer.step == 0) idle.push_back(buffer.handle);
      if (buffer.step != 0) {
        const Role next = transaction_roles(buffer, cacheable_region(*model.machine, buffer.region))[buffer.step];
        if (next == Role::rx_complete || next == Role::tx_complete) in_flight.push_back(buffer.handle);
      }
    }
    std::vector<sim::Handle> objects;
    for (const CpuObject& object : model.objects) objects.push_back(object.handle);
    enum Pick { new_buffer, step, abort, free_buffer, activity, new_object, touch_object, free_object };
    const Pick pick = *rc::gen::weightedElement<Pick>({
        {buffers.size() < 12 ? 3u : 0u, new_buffer},
        {buffers.empty() ? 0u : 12u, step},
        {in_flight.empty() ? 0u : 1u, abort},
        {idle.empty() ? 0u : 1u, free_buffer},
        {buffers.empty() && objects.empty() ? 0u : 3u, activity},
        {objects.size() < 16 ? 2u : 0u, new_object},
        {objects.empty() ? 0u : 2u, touch_object},
        {objects.empty() ? 0u : 1u, free_object},
    });
    switch (pick) {
      case new_buffer: {
        DriverBuffer buffer;
        buffer.handle = model.next_handle;
        buffer.kind = *rc::gen::element(BufferKind::tx, BufferKind::rx, BufferKind::desc);
        buffer.region = *rc::gen::weightedElement<unsigned>(
            {{4, write_back_sram}, {2, write_through_sram}, {1, uncached_dma}});
        buffer.payload_bytes = buffer.kind == BufferKind::desc ? *rc::gen::inRange<std::uint64_t>(8, 65)
                                                               : *rc::gen::inRange<std::uint64_t>(1, 1537);
        const std::uint64_t line = model.machine->regions[buffer.region].line_bytes;
        buffer.size_bytes = cacheable_region(*model.machine, buffer.region)
                                ? (buffer.payload_bytes + line - 1) / line * line
                                : buffer.payload_bytes;
        buffer.clean_invalidate_before_rx = *rc::gen::arbitrary<bool>();
        // Windows and short completions: whole lines (cacheable), or any bytes (non-cacheable).
        const std::uint64_t unit = cacheable_region(*model.machine, buffer.region) ? line : 1;
        if (buffer.kind != BufferKind::tx && *rc::gen::arbitrary<bool>()) {
          const std::uint64_t units = buffer.size_bytes / unit;
          const std::uint64_t first = *rc::gen::inRange<std::uint64_t>(0, units);
          buffer.rx_offset_bytes = first * unit;
          buffer.rx_length_bytes = *rc::gen::inRange<std::uint64_t>(1, units - first + 1) * unit;
        }
        const std::uint64_t window_units =
            (buffer.rx_length_bytes != 0 ? buffer.rx_length_bytes : buffer.size_bytes - buffer.rx_offset_bytes) / unit;
        if (buffer.kind != BufferKind::tx && window_units >= 2 && *rc::gen::arbitrary<bool>()) {
          // A short completion: fewer than the window's units.
          buffer.rx_received_bytes = *rc::gen::inRange<std::uint64_t>(1, window_units) * unit;
        }
        buffer.lasting_tx = buffer.kind != BufferKind::rx && *rc::gen::arbitrary<bool>();
        return std::make_shared<NewBuffer>(buffer);
      }
      case step:
        return std::make_shared<Step>(*rc::gen::elementOf(buffers));
      case abort:
        return std::make_shared<Abort>(*rc::gen::elementOf(in_flight));
      case free_buffer:
        return std::make_shared<FreeBuffer>(*rc::gen::elementOf(idle));
      case activity: {
        std::vector<sim::Handle> any = buffers;
        any.insert(any.end(), objects.begin(), objects.end());
        return std::make_shared<CacheActivity>(*rc::gen::elementOf(any), *rc::gen::arbitrary<bool>(),
                                               *rc::gen::inRange<std::uint32_t>(0, 1000));
      }
      case new_object:
        return std::make_shared<ObjectOp>(sim::OpKind::alloc, model.next_handle,
                                          *rc::gen::element<unsigned>(write_back_sram, cpu_only_tcm),
                                          *rc::gen::inRange<std::uint64_t>(1, 300));
      case touch_object:
        return std::make_shared<ObjectOp>(*rc::gen::element(sim::OpKind::cpu_write, sim::OpKind::cpu_read),
                                          *rc::gen::elementOf(objects), 0, 0);
      case free_object:
        break;
    }
    return std::make_shared<ObjectOp>(sim::OpKind::free, *rc::gen::elementOf(objects), 0, 0);
  });
}

// Records what a command sequence emits (for the mutation side, which edits it
// before running it).
class DriverRecorder final : public DriverSut {
 public:
  void apply(const AnnotatedOp& op) override { ops.push_back(op); }
  std::vector<AnnotatedOp> ops;
};

inline bool is_transaction_step(Role role) { return role != Role::other && role != Role::cache_activity; }

// The steps that finish every transaction still open at the end of `ops` (except
// `skip`'s): a driver shutting down cleanly. Without them the end-of-run content
// check would read a buffer whose receive completed before the CPU invalidated
// and read it — stale by design, not by a bug.
inline std::vector<AnnotatedOp> closing_ops(const std::vector<AnnotatedOp>& ops, sim::Handle skip = 0) {
  std::map<sim::Handle, AnnotatedOp> last_step;
  for (const AnnotatedOp& op : ops) {
    if (op.buffer != 0 && (op.op.kind == sim::OpKind::free || op.role == Role::abort)) {
      last_step.erase(op.buffer);  // freed, or its transaction aborted: nothing left to close
    } else if (is_transaction_step(op.role)) {
      last_step[op.buffer] = op;
    }
  }
  std::vector<AnnotatedOp> closing;
  for (const auto& [handle, last] : last_step) {
    if (handle == skip) continue;
    DriverBuffer buffer;
    buffer.handle = handle;
    buffer.kind = last.kind;
    buffer.clean_invalidate_before_rx = last.clean_invalidate_before_rx;
    buffer.rx_offset_bytes = last.rx_offset_bytes;
    buffer.rx_length_bytes = last.rx_length_bytes;
    buffer.rx_received_bytes = last.rx_received_bytes;
    buffer.lasting_tx = last.lasting_tx;
    const std::vector<Role> roles = transaction_roles(buffer, last.cacheable);
    for (unsigned step = last.step + 1; step < roles.size(); ++step) {
      closing.push_back(AnnotatedOp{op_for_role(roles[step], buffer), roles[step], handle, last.transaction, step,
                                    last.kind, last.cacheable, last.clean_invalidate_before_rx,
                                    last.rx_offset_bytes, last.rx_length_bytes, last.rx_received_bytes,
                                    last.lasting_tx});
    }
  }
  return closing;
}

inline std::vector<sim::Op> plain_ops(const std::vector<AnnotatedOp>& annotated) {
  std::vector<sim::Op> ops;
  ops.reserve(annotated.size());
  for (const AnnotatedOp& op : annotated) ops.push_back(op.op);
  return ops;
}

}  // namespace smh::props
