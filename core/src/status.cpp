// Stable names for Status and ValidationCheck: reports, messages and tests use them.
#include "smh/heap_types.hpp"
#include "smh/status.hpp"

namespace smh {

const char* to_string(Status status) {
  switch (status) {
    case Status::ok: return "ok";
    case Status::invalid_argument: return "invalid_argument";
    case Status::not_initialized: return "not_initialized";
    case Status::already_initialized: return "already_initialized";
    case Status::region_misaligned: return "region_misaligned";
    case Status::region_too_small: return "region_too_small";
    case Status::region_too_large: return "region_too_large";
    case Status::out_of_memory: return "out_of_memory";
    case Status::pointer_outside_region: return "pointer_outside_region";
    case Status::pointer_not_block: return "pointer_not_block";
    case Status::double_free: return "double_free";
    case Status::metadata_corrupted: return "metadata_corrupted";
    case Status::unknown_attribute: return "unknown_attribute";
    case Status::region_null: return "region_null";
    case Status::region_overlap: return "region_overlap";
    case Status::capacity_exceeded: return "capacity_exceeded";
    case Status::region_out_of_range: return "region_out_of_range";
  }
  return "unknown_status";
}

const char* to_string(ValidationCheck check) {
  switch (check) {
    case ValidationCheck::ok: return "ok";
    case ValidationCheck::not_initialized: return "not_initialized";
    case ValidationCheck::block_out_of_bounds: return "block_out_of_bounds";
    case ValidationCheck::block_too_small: return "block_too_small";
    case ValidationCheck::left_free_mismatch: return "left_free_mismatch";
    case ValidationCheck::prev_size_mismatch: return "prev_size_mismatch";
    case ValidationCheck::block_start_bit_missing: return "block_start_bit_missing";
    case ValidationCheck::stray_block_start_bit: return "stray_block_start_bit";
    case ValidationCheck::adjacent_free_blocks: return "adjacent_free_blocks";
    case ValidationCheck::slack_on_free_block: return "slack_on_free_block";
    case ValidationCheck::free_list_link_broken: return "free_list_link_broken";
    case ValidationCheck::free_list_cycle: return "free_list_cycle";
    case ValidationCheck::free_list_entry_not_free: return "free_list_entry_not_free";
    case ValidationCheck::free_list_wrong_class: return "free_list_wrong_class";
    case ValidationCheck::class_bitmap_mismatch: return "class_bitmap_mismatch";
    case ValidationCheck::free_block_not_listed: return "free_block_not_listed";
    case ValidationCheck::accounting_mismatch: return "accounting_mismatch";
  }
  return "unknown_check";
}

}  // namespace smh
