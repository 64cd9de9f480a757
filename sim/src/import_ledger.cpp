// ImportLedger (import_ledger.hpp).
#include "import_ledger.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace smh::sim {

unsigned size_bucket(std::uint64_t size_bytes) { return static_cast<unsigned>(std::bit_width(size_bytes)); }

namespace detail {

ImportLedger::ImportLedger(const ImportOptions& options, ImportStats* stats, std::vector<Op>* out)
    : options_(options), stats_(stats), out_(out) {
  SMH_ASSERT(stats != nullptr && out != nullptr);
  if (options.attr_map != nullptr) {
    stats_->rule_hits.assign(options.attr_map->rules.size(), 0);
  }
}

void ImportLedger::note(const std::string& text) {
  if (std::find(stats_->notes.begin(), stats_->notes.end(), text) == stats_->notes.end()) {
    stats_->notes.push_back(text);
  }
}

// ---------------------------------------------------------------- the queue

void ImportLedger::alloc(const BlockRequest& request) { enqueue(Kind::alloc, 0, &request); }
void ImportLedger::free(std::uint64_t key) { enqueue(Kind::free, key, nullptr); }
void ImportLedger::realloc(std::uint64_t old_key, const BlockRequest& request) {
  enqueue(Kind::realloc, old_key, &request);
}
void ImportLedger::implied_free(std::uint64_t key) { enqueue(Kind::implied_free, key, nullptr); }

void ImportLedger::enqueue(Kind kind, std::uint64_t old_key, const BlockRequest* request) {
  if (failed_) {
    return;  // the import ends at the failure; nothing after it counts
  }
  if (count_ == window) {
    const Event& oldest = queue_[head_];
    head_ = (head_ + 1) % window;
    --count_;
    if (!apply(oldest)) {
      return;
    }
  }
  Event& event = queue_[(head_ + count_) % window];
  ++count_;
  event.kind = kind;
  event.old_key = old_key;
  if (request != nullptr) {
    event.request = *request;
    blocks_.prefetch(request->key);
  }
  if (kind != Kind::alloc) {
    blocks_.prefetch(old_key);
  }
  event.line = line_;
  event.time_known = time_known_;
  event.time_ticks = time_ticks_;
}

bool ImportLedger::flush() {
  while (count_ != 0 && !failed_) {
    const Event& oldest = queue_[head_];
    head_ = (head_ + 1) % window;
    --count_;
    apply(oldest);
  }
  count_ = 0;
  return !failed_;
}

bool ImportLedger::apply(const Event& event) {
  applying_ = &event;
  bool ok = true;
  switch (event.kind) {
    case Kind::alloc: ok = apply_alloc(event.request); break;
    case Kind::free: ok = apply_free(event.old_key); break;
    case Kind::realloc: ok = apply_realloc(event.old_key, event.request); break;
    case Kind::implied_free: {
      TrackedBlock* block = blocks_.find(event.old_key);
      SMH_ASSERT(block != nullptr);  // the format knows it is live at this point of the input
      ++stats_->implied_frees;
      free_block(block);
      break;
    }
  }
  applying_ = nullptr;
  return ok;
}

bool ImportLedger::fail(std::string message) {
  failed_ = true;
  failure_ = LedgerFailure{applying_ != nullptr ? applying_->line : line_, std::move(message)};
  return false;
}

// ---------------------------------------------------------------- applying

void ImportLedger::emit(const Op& op) {
  out_->push_back(op);
  ++stats_->ops;
}

void ImportLedger::count_size(std::uint64_t size_bytes) {
  ++stats_->size_histogram[size_bucket(size_bytes)];
  if (size_bytes > stats_->largest_block_bytes) {
    stats_->largest_block_bytes = size_bytes;
    stats_->largest_block_line = applying_->line;
  }
}

bool ImportLedger::ensure_room() {
  return blocks_.size() < options_.limits.max_live_blocks ||
         fail("more than " + std::to_string(options_.limits.max_live_blocks) +
              " blocks live at once (raise the limit with --max-live-blocks)");
}

bool ImportLedger::new_handle(Handle* out) {
  if (handles_exhausted_) {
    return fail("more than " + std::to_string(max_handle) +
                " allocations: handles are 32-bit (split the input)");
  }
  *out = next_handle_;
  handles_exhausted_ = next_handle_ == max_handle;  // the last one an op may name
  ++next_handle_;
  return true;
}

// The attribute statistics entry for `attr`, created on first use (null past
// the limit, failed). The last one used is tried first: inputs use few
// attributes, mostly in runs.
ImportAttributeStats* ImportLedger::attribute(std::uint32_t attr) {
  std::vector<ImportAttributeStats>& all = stats_->attributes;
  if (last_attribute_ < all.size() && all[last_attribute_].attr == attr) {
    return &all[last_attribute_];
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].attr == attr) {
      last_attribute_ = i;
      return &all[i];
    }
  }
  if (all.size() >= options_.limits.max_attributes) {
    fail("more than " + std::to_string(options_.limits.max_attributes) +
         " distinct attributes (raise the limit with --max-attributes)");
    return nullptr;
  }
  all.push_back(ImportAttributeStats{attr, 0, 0, 0, 0});
  last_attribute_ = all.size() - 1;
  return &all.back();
}

bool ImportLedger::count_attribute(std::uint32_t attr) {
  ImportAttributeStats* entry = attribute(attr);
  if (entry == nullptr) {
    return false;
  }
  ++entry->allocs;
  return true;
}

bool ImportLedger::resolve_attr(const BlockRequest& request, std::uint32_t* attr) {
  const AttrMap* map = options_.attr_map;
  if (map != nullptr) {
    AllocFacts facts = request.facts;
    facts.size_bytes = request.size_bytes;
    const std::size_t rule = map->first_match(facts);
    if (rule < map->rules.size()) {
      ++stats_->rule_hits[rule];
      *attr = map->rules[rule].attr;
      return count_attribute(*attr);
    }
  }
  if (request.has_attr) {
    *attr = request.attr;
  } else {
    *attr = map != nullptr && map->has_default ? map->default_attr : 0;
    ++stats_->default_attr_hits;
  }
  return count_attribute(*attr);
}

void ImportLedger::add_live(std::uint32_t attr, std::uint64_t size_bytes) {
  const std::uint64_t op_index = stats_->ops - 1;
  stats_->live_bytes += size_bytes;
  if (stats_->live_bytes > stats_->peak_live_bytes) {
    stats_->peak_live_bytes = stats_->live_bytes;
    stats_->peak_op_index = op_index;
    stats_->peak_line = applying_->line;
    stats_->peak_time_known = applying_->time_known;
    stats_->peak_time_ticks = applying_->time_ticks;
  }
  ImportAttributeStats* entry = attribute(attr);
  SMH_ASSERT(entry != nullptr);  // resolve_attr created it
  entry->live_bytes += size_bytes;
  if (entry->live_bytes > entry->peak_live_bytes) {
    entry->peak_live_bytes = entry->live_bytes;
    entry->peak_op_index = op_index;
  }
}

void ImportLedger::remove_live(std::uint32_t attr, std::uint64_t size_bytes) {
  ImportAttributeStats* entry = attribute(attr);
  SMH_ASSERT(entry != nullptr && entry->live_bytes >= size_bytes && stats_->live_bytes >= size_bytes);
  entry->live_bytes -= size_bytes;
  stats_->live_bytes -= size_bytes;
}

// Writes the free of a live block and forgets it.
void ImportLedger::free_block(TrackedBlock* block) {
  Op op;
  op.kind = OpKind::free;
  op.handle = block->handle;
  emit(op);
  ++stats_->frees;
  remove_live(block->attr, block->size_bytes);
  blocks_.erase(block);
}

bool ImportLedger::apply_alloc(const BlockRequest& request) {
  ++stats_->events;
  if (TrackedBlock* previous = blocks_.find(request.key); previous != nullptr) {
    ++stats_->implied_frees;  // the input lost this block's free: the address is in use again
    free_block(previous);
  }
  std::uint32_t attr = 0;
  Handle handle = 0;
  if (!ensure_room() || !resolve_attr(request, &attr) || !new_handle(&handle)) {
    return false;
  }
  Op op;
  op.kind = OpKind::alloc;
  op.handle = handle;
  op.attr = attr;
  op.size_bytes = request.size_bytes;
  op.align_bytes = request.align_bytes;
  emit(op);
  ++stats_->allocs;
  count_size(request.size_bytes);
  blocks_.insert(TrackedBlock{request.key, request.size_bytes, handle, attr});
  add_live(attr, request.size_bytes);
  return true;
}

bool ImportLedger::apply_free(std::uint64_t key) {
  ++stats_->events;
  TrackedBlock* block = blocks_.find(key);
  if (block == nullptr) {
    ++stats_->unmatched_frees;
    return true;
  }
  free_block(block);
  return true;
}

bool ImportLedger::apply_realloc(std::uint64_t old_key, const BlockRequest& request) {
  TrackedBlock* old_block = blocks_.find(old_key);
  if (old_block == nullptr) {
    ++stats_->unmatched_reallocs;
    return apply_alloc(request);  // counts the event
  }
  ++stats_->events;
  if (request.size_bytes == 0) {
    free_block(old_block);  // realloc(p, 0) frees, as the pool does
    return true;
  }
  if (request.key != old_key) {
    if (TrackedBlock* other = blocks_.find(request.key); other != nullptr) {
      ++stats_->implied_frees;
      free_block(other);
      old_block = blocks_.find(old_key);  // erasing may have moved it
      SMH_ASSERT(old_block != nullptr);
    }
  }
  std::uint32_t attr = 0;
  if (!resolve_attr(request, &attr)) {
    return false;
  }
  const TrackedBlock moved{request.key, request.size_bytes, old_block->handle, attr};
  const std::uint32_t old_attr = old_block->attr;
  const std::uint64_t old_size = old_block->size_bytes;
  Op op;
  op.kind = OpKind::realloc;
  op.handle = moved.handle;
  op.attr = attr;
  op.size_bytes = request.size_bytes;
  op.align_bytes = request.align_bytes;
  emit(op);
  ++stats_->reallocs;
  count_size(request.size_bytes);
  blocks_.erase(old_block);
  blocks_.insert(moved);
  remove_live(old_attr, old_size);
  add_live(attr, request.size_bytes);
  return true;
}

void ImportLedger::finish() {
  SMH_ASSERT(count_ == 0 && !failed_);
  stats_->live_blocks = blocks_.size();
  std::sort(stats_->attributes.begin(), stats_->attributes.end(),
            [](const ImportAttributeStats& a, const ImportAttributeStats& b) { return a.attr < b.attr; });
  last_attribute_ = 0;
}

}  // namespace detail

}  // namespace smh::sim
