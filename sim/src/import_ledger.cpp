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

void ImportLedger::emit(const Op& op) {
  out_->push_back(op);
  ++stats_->ops;
}

void ImportLedger::count_size(std::uint64_t size_bytes) {
  ++stats_->size_histogram[size_bucket(size_bytes)];
  if (size_bytes > stats_->largest_block_bytes) {
    stats_->largest_block_bytes = size_bytes;
    stats_->largest_block_line = line_;
  }
}

bool ImportLedger::ensure_room(std::string* message) const {
  if (blocks_.size() < options_.limits.max_live_blocks) {
    return true;
  }
  *message = "more than " + std::to_string(options_.limits.max_live_blocks) +
             " blocks live at once (raise the limit with --max-live-blocks)";
  return false;
}

bool ImportLedger::new_handle(Handle* out, std::string* message) {
  if (handles_exhausted_) {
    *message = "more than " + std::to_string(std::numeric_limits<Handle>::max()) +
               " allocations: handles are 32-bit (split the input)";
    return false;
  }
  *out = next_handle_;
  handles_exhausted_ = next_handle_ == std::numeric_limits<Handle>::max();
  ++next_handle_;
  return true;
}

// The attribute statistics entry for `attr`, created on first use. The last
// one used is tried first: inputs use few attributes, mostly in runs.
ImportAttributeStats* ImportLedger::attribute(std::uint32_t attr, std::string* message) {
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
    *message = "more than " + std::to_string(options_.limits.max_attributes) +
               " distinct attributes (raise the limit with --max-attributes)";
    return nullptr;
  }
  all.push_back(ImportAttributeStats{attr, 0, 0, 0, 0});
  last_attribute_ = all.size() - 1;
  return &all.back();
}

bool ImportLedger::resolve_attr(const BlockRequest& request, std::uint32_t* attr, std::string* message) {
  const AttrMap* map = options_.attr_map;
  if (map != nullptr) {
    AllocFacts facts = request.facts;
    facts.size_bytes = request.size_bytes;
    const std::size_t rule = map->first_match(facts);
    if (rule < map->rules.size()) {
      ++stats_->rule_hits[rule];
      *attr = map->rules[rule].attr;
      return count_attribute(*attr, message);
    }
  }
  if (request.has_attr) {
    *attr = request.attr;
  } else {
    *attr = map != nullptr && map->has_default ? map->default_attr : 0;
    ++stats_->default_attr_hits;
  }
  return count_attribute(*attr, message);
}

bool ImportLedger::count_attribute(std::uint32_t attr, std::string* message) {
  ImportAttributeStats* entry = attribute(attr, message);
  if (entry == nullptr) {
    return false;
  }
  ++entry->allocs;
  return true;
}

void ImportLedger::add_live(std::uint32_t attr, std::uint64_t size_bytes) {
  const std::uint64_t op_index = stats_->ops - 1;
  stats_->live_bytes += size_bytes;
  if (stats_->live_bytes > stats_->peak_live_bytes) {
    stats_->peak_live_bytes = stats_->live_bytes;
    stats_->peak_op_index = op_index;
    stats_->peak_line = line_;
    stats_->peak_time_known = time_known_;
    stats_->peak_time_ticks = time_ticks_;
  }
  std::string unused;
  ImportAttributeStats* entry = attribute(attr, &unused);
  SMH_ASSERT(entry != nullptr);  // resolve_attr created it
  entry->live_bytes += size_bytes;
  if (entry->live_bytes > entry->peak_live_bytes) {
    entry->peak_live_bytes = entry->live_bytes;
    entry->peak_op_index = op_index;
  }
}

void ImportLedger::remove_live(std::uint32_t attr, std::uint64_t size_bytes) {
  std::string unused;
  ImportAttributeStats* entry = attribute(attr, &unused);
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

bool ImportLedger::alloc(const BlockRequest& request, std::string* message) {
  ++stats_->events;
  if (blocks_.find(request.key) != nullptr) {
    implied_free(request.key);  // the input lost this block's free: the address is in use again
  }
  std::uint32_t attr = 0;
  Handle handle = 0;
  if (!ensure_room(message) || !resolve_attr(request, &attr, message) || !new_handle(&handle, message)) {
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

bool ImportLedger::free(std::uint64_t key, std::string* /*message*/) {
  ++stats_->events;
  TrackedBlock* block = blocks_.find(key);
  if (block == nullptr) {
    ++stats_->unmatched_frees;
    return true;
  }
  free_block(block);
  return true;
}

void ImportLedger::implied_free(std::uint64_t key) {
  TrackedBlock* block = blocks_.find(key);
  SMH_ASSERT(block != nullptr);  // callers know it is live
  ++stats_->implied_frees;
  free_block(block);
}

bool ImportLedger::realloc(std::uint64_t old_key, const BlockRequest& request, std::string* message) {
  TrackedBlock* old_block = blocks_.find(old_key);
  if (old_block == nullptr) {
    ++stats_->unmatched_reallocs;
    return alloc(request, message);  // counts the event
  }
  ++stats_->events;
  if (request.size_bytes == 0) {
    free_block(old_block);  // realloc(p, 0) frees, as the pool does
    return true;
  }
  if (request.key != old_key) {
    if (blocks_.find(request.key) != nullptr) {
      implied_free(request.key);
      old_block = blocks_.find(old_key);  // erasing may have moved it
      SMH_ASSERT(old_block != nullptr);
    }
  }
  std::uint32_t attr = 0;
  if (!resolve_attr(request, &attr, message)) {
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
  stats_->live_blocks = blocks_.size();
  std::sort(stats_->attributes.begin(), stats_->attributes.end(),
            [](const ImportAttributeStats& a, const ImportAttributeStats& b) { return a.attr < b.attr; });
  last_attribute_ = 0;
}

}  // namespace detail

}  // namespace smh::sim
