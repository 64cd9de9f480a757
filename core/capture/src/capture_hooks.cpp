// The core's hook signatures (C++ references) bridged to the capture's C
// functions (capture_hooks.hpp). Event offsets are from the region base; the
// log carries device addresses, the region's base plus the offset.
#include "smh/capture_hooks.hpp"

namespace smh::capture {

namespace {

smh_capture_region& region_of(void* context) { return *static_cast<smh_capture_region*>(context); }

std::uintptr_t address(const smh_capture_region& region, std::size_t offset_bytes) {
  return region.base + offset_bytes;
}

void on_alloc(void* context, const AllocEvent& event) {
  smh_capture_region& region = region_of(context);
  smh_capture_alloc(region.capture, region.id, address(region, event.offset_bytes), event.requested_bytes,
                    event.align_bytes, region.attr);
}

void on_free(void* context, const FreeEvent& event) {
  smh_capture_region& region = region_of(context);
  smh_capture_free(region.capture, region.id, address(region, event.offset_bytes), event.requested_bytes);
}

void on_realloc(void* context, const ReallocEvent& event) {
  smh_capture_region& region = region_of(context);
  smh_capture_realloc(region.capture, region.id, address(region, event.old_offset_bytes),
                      address(region, event.new_offset_bytes), event.new_requested_bytes, event.align_bytes,
                      region.attr);
}

void on_alloc_failed(void* context, const AllocFailedEvent& event) {
  smh_capture_region& region = region_of(context);
  smh_capture_alloc_failed(region.capture, region.id, event.requested_bytes, event.align_bytes);
}

void on_heap_error(void* context, const ErrorEvent& event) {
  smh_capture_region& region = region_of(context);
  smh_capture_error(region.capture, region.id, static_cast<unsigned>(event.status),
                    address(region, event.offset_bytes));
}

void on_pool_error(void* context, const PoolErrorEvent& event) {
  smh_capture_error(static_cast<smh_capture*>(context), SMH_CAPTURE_NO_REGION, static_cast<unsigned>(event.status),
                    event.address);
}

}  // namespace

HeapHooks heap_hooks(smh_capture_region* region) {
  HeapHooks hooks;
  hooks.context = region;
  hooks.on_alloc = on_alloc;
  hooks.on_free = on_free;
  hooks.on_realloc = on_realloc;
  hooks.on_alloc_failed = on_alloc_failed;
  hooks.on_error = on_heap_error;
  return hooks;
}

PoolHooks pool_hooks(smh_capture* capture) {
  PoolHooks hooks;
  hooks.context = capture;
  hooks.on_error = on_pool_error;
  return hooks;
}

}  // namespace smh::capture
