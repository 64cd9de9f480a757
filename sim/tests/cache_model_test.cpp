#include "smh/sim/cache_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

namespace smh::sim {
namespace {

constexpr std::uint32_t kLine = 32;

std::vector<unsigned char> pattern(std::uint64_t size, unsigned seed) {
  std::vector<unsigned char> bytes(size);
  for (std::uint64_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(seed * 37 + i * 11 + 1);
  return bytes;
}

Hazard hazard(HazardKind kind, std::uint64_t line, std::uint64_t first, std::uint64_t last) {
  return {kind, line, first, last};
}

// One region: its two views and the model over them. The views start equal
// (zero), as a freshly mapped region's do.
struct Region {
  explicit Region(std::uint64_t size_bytes, CachePolicy policy = CachePolicy::write_back,
                  std::uint32_t line_bytes = kLine, std::uint32_t skew = 0)
      : cpu(size_bytes, 0),
        ram(size_bytes, 0),
        model(cpu.data(), ram.data(), size_bytes, line_bytes, policy, skew) {}

  void write(std::uint64_t offset, std::uint64_t size, unsigned seed) {
    const auto data = pattern(size, seed);
    model.cpu_write(offset, data.data(), size, &hazards);
  }
  std::vector<unsigned char> read(std::uint64_t offset, std::uint64_t size) {
    std::vector<unsigned char> data(size);
    model.cpu_read(offset, data.data(), size, &hazards);
    return data;
  }
  void receive(std::uint64_t offset, std::uint64_t size, unsigned seed) {
    const auto data = pattern(size, seed);
    model.dma_from_device_complete(offset, data.data(), size);
  }
  // What the allocator does: a store into the CPU view the model does not see.
  void allocator_store(std::uint64_t offset, std::uint64_t size, unsigned char value) {
    std::memset(cpu.data() + offset, value, size);
  }
  std::vector<unsigned char> ram_bytes(std::uint64_t offset, std::uint64_t size) const {
    return {ram.begin() + static_cast<std::ptrdiff_t>(offset),
            ram.begin() + static_cast<std::ptrdiff_t>(offset + size)};
  }
  std::vector<unsigned char> cpu_bytes(std::uint64_t offset, std::uint64_t size) const {
    return {cpu.begin() + static_cast<std::ptrdiff_t>(offset),
            cpu.begin() + static_cast<std::ptrdiff_t>(offset + size)};
  }
  std::vector<Hazard> take() { return std::exchange(hazards, {}); }

  std::vector<unsigned char> cpu;
  std::vector<unsigned char> ram;
  CacheModel model;
  std::vector<Hazard> hazards;
};

// The model invariants, for every line. Deliberately without absorbing
// unobserved writes (which would turn any divergence into "the CPU wrote it"):
// callers account for their allocator stores first.
void expect_invariants(const Region& region) {
  const CacheModel& model = region.model;
  for (std::uint64_t line = 0; line < model.line_count(); ++line) {
    const bool dirty = model.dirty(line);
    const std::uint64_t first = model.line_first_offset(line);
    const std::uint64_t n = model.line_end_offset(line) - first;
    const bool equal = std::memcmp(region.cpu.data() + first, region.ram.data() + first, n) == 0;
    if (!model.valid(line)) {
      EXPECT_TRUE(equal) << "invalid line " << line << " does not mirror RAM";
      EXPECT_FALSE(dirty) << "line " << line;
      EXPECT_FALSE(model.ram_newer(line)) << "line " << line;
    } else if (!dirty && !model.ram_newer(line)) {
      EXPECT_TRUE(equal) << "clean line " << line << " differs from RAM";
    }
    if (model.policy() == CachePolicy::write_through) {
      EXPECT_FALSE(dirty) << "line " << line;
    }
  }
}

TEST(CacheModel, HazardNamesAreStable) {
  EXPECT_STREQ(to_string(HazardKind::stale_tx), "STALE_TX");
  EXPECT_STREQ(to_string(HazardKind::stale_rx), "STALE_RX");
  EXPECT_STREQ(to_string(HazardKind::writeback_clobber), "WRITEBACK_CLOBBER");
  EXPECT_STREQ(to_string(HazardKind::cpu_touch_active_dma), "CPU_TOUCH_ACTIVE_DMA");
  EXPECT_STREQ(to_string(HazardKind::discarded_dirty), "COLLATERAL_INVALIDATE");  // one name table
  EXPECT_STREQ(to_string(HazardKind::unaligned_invalidate), "UNALIGNED_INVALIDATE");
  EXPECT_STREQ(to_string(static_cast<HazardKind>(99)), "?");
}

TEST(CacheModel, GeometryFollowsDeviceLines) {
  Region plain(4096);
  EXPECT_EQ(plain.model.line_count(), 128u);
  EXPECT_EQ(plain.model.line_of(0), 0u);
  EXPECT_EQ(plain.model.line_of(95), 2u);
  EXPECT_EQ(plain.model.line_first_offset(2), 64u);
  EXPECT_EQ(plain.model.line_end_offset(2), 96u);
  EXPECT_TRUE(plain.model.line_aligned(4096));
  EXPECT_FALSE(plain.model.line_aligned(100));

  // Base at 16 mod 32 and a size that ends mid-line: partial first and last lines.
  Region skewed(100, CachePolicy::write_back, kLine, 16);
  EXPECT_EQ(skewed.model.line_count(), 4u);
  EXPECT_EQ(skewed.model.line_of(15), 0u);
  EXPECT_EQ(skewed.model.line_of(16), 1u);
  EXPECT_EQ(skewed.model.line_first_offset(0), 0u);
  EXPECT_EQ(skewed.model.line_end_offset(0), 16u);
  EXPECT_EQ(skewed.model.line_first_offset(3), 80u);
  EXPECT_EQ(skewed.model.line_end_offset(3), 100u);
  EXPECT_FALSE(skewed.model.line_aligned(0));
  EXPECT_TRUE(skewed.model.line_aligned(16));
  EXPECT_FALSE(skewed.model.line_aligned(100));

  Region wide(4096, CachePolicy::write_back, 256);
  EXPECT_EQ(wide.model.line_count(), 16u);
}

// ---- STALE_TX -----------------------------------------------------------------------

TEST(CacheModelStaleTx, TransmitWithoutCleanIsStale) {
  Region region(4096);
  region.write(64, 40, 1);  // lines 2 and 3
  region.model.dma_to_device(64, 40, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_tx, 2, 64, 95),
                                                hazard(HazardKind::stale_tx, 3, 96, 103)}));
  EXPECT_NE(region.ram_bytes(64, 40), pattern(40, 1));  // the device would send old bytes
}

TEST(CacheModelStaleTx, CleanBeforeTransmitIsClean) {
  Region region(4096);
  region.write(64, 40, 1);
  region.model.clean(64, 40, &region.hazards);
  region.model.dma_to_device(64, 40, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  EXPECT_EQ(region.ram_bytes(64, 40), pattern(40, 1));
  EXPECT_FALSE(region.model.dirty(2));
  EXPECT_TRUE(region.model.valid(2));  // clean keeps the line
}

TEST(CacheModelStaleTx, WriteThroughNeedsNoClean) {
  Region region(4096, CachePolicy::write_through);
  region.write(64, 40, 1);
  region.model.dma_to_device(64, 40, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  EXPECT_EQ(region.ram_bytes(64, 40), pattern(40, 1));
  EXPECT_FALSE(region.model.effectively_dirty(2));
}

TEST(CacheModelStaleTx, NeighbourDirtyBytesInTheLineDoNotMakeTheTransferStale) {
  Region region(4096);
  region.write(64, 16, 1);  // the TX buffer: [64, 80)
  region.model.clean(64, 16, &region.hazards);
  region.write(80, 16, 2);  // a neighbour in the same line
  region.model.dma_to_device(64, 16, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  region.model.dma_to_device(64, 32, &region.hazards);  // a transfer that does cover them
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_tx, 2, 80, 95)}));
}

TEST(CacheModelStaleTx, StartedTransferChecksAtStartAndStaysActive) {
  Region region(4096);
  region.write(64, 32, 1);
  region.model.dma_to_device_start(64, 32, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_tx, 2, 64, 95)}));
  EXPECT_TRUE(region.model.tx_active(2));
  region.model.dma_to_device_complete(64, 32);
  EXPECT_FALSE(region.model.tx_active(2));
}

// ---- STALE_RX -----------------------------------------------------------------------

TEST(CacheModelStaleRx, SpeculativeFillDuringReceiveWithoutInvalidateAfterIsStale) {
  Region region(4096);
  region.model.invalidate(64, 64, &region.hazards);  // before: right, but not enough
  region.model.dma_from_device_start(64, 64);
  region.model.speculative_fill(2);  // the CPU prefetches while the device writes
  region.receive(64, 64, 5);
  EXPECT_TRUE(region.model.ram_newer(2));
  EXPECT_FALSE(region.model.ram_newer(3));  // still invalid: it took the new bytes
  const auto got = region.read(64, 64);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_rx, 2, 64, 95)}));
  const auto sent = pattern(64, 5);
  EXPECT_NE(std::vector<unsigned char>(got.begin(), got.begin() + 32),
            std::vector<unsigned char>(sent.begin(), sent.begin() + 32));
  EXPECT_EQ(std::vector<unsigned char>(got.begin() + 32, got.end()),
            std::vector<unsigned char>(sent.begin() + 32, sent.end()));
}

TEST(CacheModelStaleRx, ReceiveIntoCachedLinesWithoutAnyInvalidateIsStale) {
  Region region(4096);
  region.read(64, 40);  // the lines are cached
  region.model.dma_from_device_start(64, 40);
  region.receive(64, 40, 5);
  region.read(64, 40);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_rx, 2, 64, 95),
                                                hazard(HazardKind::stale_rx, 3, 96, 103)}));
  region.read(104, 8);  // bytes the device did not write: not stale
  EXPECT_TRUE(region.take().empty());
}

TEST(CacheModelStaleRx, InvalidateBeforeAndAfterReceiveIsClean) {
  Region region(4096);
  region.write(192, 8, 9);  // a neighbour right after the padded buffer, dirty
  region.model.invalidate(64, 128, &region.hazards);
  region.model.dma_from_device_start(64, 100);
  region.model.speculative_fill(2);
  region.model.speculative_fill(5);
  region.receive(64, 100, 5);
  region.model.invalidate(64, 128, &region.hazards);
  EXPECT_EQ(region.read(64, 100), pattern(100, 5));
  EXPECT_TRUE(region.take().empty());
  EXPECT_TRUE(region.model.dirty(6));  // the neighbour kept its dirty line
  expect_invariants(region);
}

TEST(CacheModelStaleRx, WriteThroughLinesGoStaleToo) {
  Region region(4096, CachePolicy::write_through);
  region.read(64, 32);
  region.model.dma_from_device_start(64, 32);
  region.receive(64, 32, 5);
  region.read(64, 32);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_rx, 2, 64, 95)}));
}

// ---- WRITEBACK_CLOBBER --------------------------------------------------------------

TEST(CacheModelWritebackClobber, DirtyLineCleanedAfterDeviceWriteClobbersIt) {
  Region region(4096);
  region.write(64, 8, 1);                      // dirty line 2
  region.model.dma_from_device_start(72, 24);  // a receive into the rest of the line
  region.receive(72, 24, 5);
  EXPECT_TRUE(region.model.ram_newer(2));
  EXPECT_EQ(region.ram_bytes(72, 24), pattern(24, 5));
  region.model.clean(64, 8, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::writeback_clobber, 2, 72, 95)}));
  EXPECT_NE(region.ram_bytes(72, 24), pattern(24, 5));  // the received bytes are gone
  EXPECT_EQ(region.ram_bytes(64, 8), pattern(8, 1));
  EXPECT_FALSE(region.model.ram_newer(2));
  expect_invariants(region);
}

TEST(CacheModelWritebackClobber, EvictingDirtyLineDuringReceiveClobbers) {
  Region region(4096);
  region.write(64, 8, 1);
  region.model.dma_from_device_start(72, 24);
  region.model.evict(2, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::writeback_clobber, 2, 72, 95)}));
  EXPECT_FALSE(region.model.valid(2));
  region.receive(72, 24, 5);  // the line is invalid: the CPU sees the new bytes
  EXPECT_EQ(region.read(72, 24), pattern(24, 5));
  EXPECT_TRUE(region.take().empty());
}

TEST(CacheModelWritebackClobber, CleanInvalidateBeforeReceiveIsClean) {
  Region region(4096);
  region.write(64, 8, 1);
  region.model.clean_invalidate(64, 8, &region.hazards);  // unaligned, but nothing is lost
  region.model.dma_from_device_start(72, 24);
  region.model.evict(2, &region.hazards);
  region.receive(72, 24, 5);
  region.model.clean(64, 32, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  EXPECT_EQ(region.ram_bytes(64, 8), pattern(8, 1));
  EXPECT_EQ(region.ram_bytes(72, 24), pattern(24, 5));
}

TEST(CacheModelWritebackClobber, CpuOverwritingEveryReceivedGranuleLeavesNothingToClobber) {
  Region region(4096);
  region.read(64, 32);
  region.model.dma_from_device_start(64, 32);
  region.receive(64, 32, 5);
  region.write(64, 16, 1);  // newer than the device's bytes, but the rest is stale
  EXPECT_TRUE(region.model.ram_newer(2));
  region.write(80, 16, 2);
  EXPECT_FALSE(region.model.ram_newer(2));
  region.model.clean(64, 32, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  expect_invariants(region);
}

// ---- CPU_TOUCH_ACTIVE_DMA -----------------------------------------------------------

TEST(CacheModelCpuTouchActiveDma, CpuAccessDuringReceive) {
  Region region(4096);
  region.model.dma_from_device_start(64, 64);
  region.write(80, 8, 1);
  region.read(100, 4);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::cpu_touch_active_dma, 2, 80, 87),
                                                hazard(HazardKind::cpu_touch_active_dma, 3, 100, 103)}));
  region.receive(64, 64, 5);
  EXPECT_FALSE(region.model.rx_active(2));
  EXPECT_FALSE(region.model.rx_active(3));
  region.write(80, 8, 1);
  EXPECT_TRUE(region.take().empty());
  region.read(100, 4);  // no longer active, but that read had cached the line
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_rx, 3, 100, 103)}));
}

TEST(CacheModelCpuTouchActiveDma, CpuWriteDuringTransmitButNotRead) {
  Region region(4096);
  region.model.dma_to_device_start(64, 32, &region.hazards);
  region.read(64, 8);
  EXPECT_TRUE(region.take().empty());
  region.write(88, 8, 1);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::cpu_touch_active_dma, 2, 88, 95)}));
  region.model.dma_to_device_complete(64, 32);
  region.write(88, 8, 1);
  EXPECT_TRUE(region.take().empty());
}

// ---- DISCARDED_DIRTY (COLLATERAL_INVALIDATE) and UNALIGNED_INVALIDATE ---------------

TEST(CacheModelInvalidate, UnalignedBufferInvalidateDiscardsNeighbourDirtyBytes) {
  Region region(4096);
  // A 100-byte receive buffer at [64, 164): its last line [160, 192) also holds the
  // next block's header at [160, 168) (written by the allocator) and payload
  // bytes the CPU wrote at [176, 184).
  region.allocator_store(160, 8, 0xA5);
  region.write(176, 8, 3);
  region.model.invalidate(64, 100, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::unaligned_invalidate, 5, 160, 191),
                                                hazard(HazardKind::discarded_dirty, 5, 160, 167),
                                                hazard(HazardKind::discarded_dirty, 5, 176, 183)}));
  // The neighbour's data is gone: the CPU now sees RAM.
  EXPECT_EQ(region.cpu_bytes(160, 32), std::vector<unsigned char>(32, 0));
  expect_invariants(region);
}

TEST(CacheModelInvalidate, UnalignedStartIsReportedOnTheFirstLine) {
  Region region(4096);
  region.model.invalidate(72, 56, &region.hazards);  // [72, 128): start mid-line
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::unaligned_invalidate, 2, 64, 95)}));
  region.model.invalidate(72, 8, &region.hazards);  // both ends in one line: one hazard
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::unaligned_invalidate, 2, 64, 95)}));
}

TEST(CacheModelInvalidate, LineAlignedPaddedBufferInvalidateIsClean) {
  Region region(4096);
  region.allocator_store(192, 8, 0xA5);  // the next block's header, next line
  region.write(200, 8, 3);
  region.model.invalidate(64, 128, &region.hazards);  // 100 bytes padded to 4 lines
  EXPECT_TRUE(region.take().empty());
  EXPECT_TRUE(region.model.effectively_dirty(6));
  EXPECT_EQ(region.cpu_bytes(192, 8), std::vector<unsigned char>(8, 0xA5));
}

TEST(CacheModelInvalidate, OwnDirtyBytesAreReportedForTheExecutorToJudge) {
  Region region(4096);
  region.write(64, 32, 1);
  region.model.invalidate(64, 32, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::discarded_dirty, 2, 64, 95)}));
  EXPECT_FALSE(region.model.valid(2));
}

TEST(CacheModelInvalidate, SkewedRegionAlignsOnTheDevice) {
  // Base 16 mod 32: offset 16 is the first line boundary.
  Region region(4096, CachePolicy::write_back, kLine, 16);
  region.model.invalidate(16, 64, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  region.model.invalidate(0, 16, &region.hazards);  // line 0 is [0, 16) in the region
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::unaligned_invalidate, 0, 0, 15)}));
}

TEST(CacheModelInvalidate, CleanInvalidateNeverDiscards) {
  Region region(4096);
  region.allocator_store(160, 8, 0xA5);
  region.write(176, 8, 3);
  region.model.clean_invalidate(64, 100, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  EXPECT_FALSE(region.model.valid(5));
  EXPECT_EQ(region.cpu_bytes(160, 8), std::vector<unsigned char>(8, 0xA5));
  EXPECT_EQ(region.ram_bytes(176, 8), pattern(8, 3));
  expect_invariants(region);
}

// ---- Allocator writes (unobserved CPU writes) ---------------------------------------

TEST(CacheModelAllocatorWrites, DirectCpuViewWritesCountAsDirty) {
  Region region(4096);
  region.allocator_store(200, 8, 0x5A);
  EXPECT_FALSE(region.model.dirty(6));  // not yet accounted for
  EXPECT_TRUE(region.model.effectively_dirty(6));
  EXPECT_TRUE(region.model.valid(6));  // write-allocate
  region.model.dma_to_device(192, 32, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_tx, 6, 200, 207)}));
  region.model.invalidate(192, 32, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::discarded_dirty, 6, 200, 207)}));
  EXPECT_EQ(region.cpu_bytes(200, 8), std::vector<unsigned char>(8, 0));
}

TEST(CacheModelAllocatorWrites, CleanWritesThemBack) {
  Region region(4096);
  region.allocator_store(200, 8, 0x5A);
  region.model.clean(200, 8, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  EXPECT_EQ(region.ram_bytes(200, 8), std::vector<unsigned char>(8, 0x5A));
  EXPECT_FALSE(region.model.effectively_dirty(6));
}

TEST(CacheModelAllocatorWrites, WriteThroughPropagatesThemToRam) {
  Region region(4096, CachePolicy::write_through);
  region.allocator_store(200, 8, 0x5A);
  EXPECT_FALSE(region.model.effectively_dirty(6));
  EXPECT_EQ(region.ram_bytes(200, 8), std::vector<unsigned char>(8, 0x5A));
  region.model.invalidate(192, 32, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  EXPECT_EQ(region.cpu_bytes(200, 8), std::vector<unsigned char>(8, 0x5A));
}

TEST(CacheModelAllocatorWrites, DetectedOnAStaleLineToo) {
  // A received line that stayed cached (stale) gets an allocator header: it is
  // now dirty, and evicting it writes the stale bytes over the received ones.
  Region region(4096);
  region.model.speculative_fill(2);
  region.model.dma_from_device_start(64, 24);
  region.receive(64, 24, 5);
  EXPECT_FALSE(region.model.effectively_dirty(2));
  region.allocator_store(88, 8, 0xA5);
  EXPECT_TRUE(region.model.effectively_dirty(2));
  region.model.evict(2, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::writeback_clobber, 2, 64, 87)}));
  EXPECT_EQ(region.ram_bytes(88, 8), std::vector<unsigned char>(8, 0xA5));
}

// A write-through line that went stale (received while cached) gets an
// allocator header over received bytes, some of whose bytes equal the stale ones.
// Comparing bytes cannot see those, so the whole granule counts as written: all
// of it goes through to RAM, and the invalidate keeps the header intact. (Byte by
// byte, the equal bytes took the device's values: a corrupted header the real
// machine never has. Found by the determinism properties.)
TEST(CacheModelAllocatorWrites, AHeaderOverStaleReceivedBytesGoesThroughWhole) {
  Region region(4096, CachePolicy::write_through);
  region.allocator_store(64, 32, 0x11);  // the line's old contents, written through
  region.model.speculative_fill(2);
  region.model.dma_from_device_start(64, 32);
  region.receive(64, 32, 5);  // RAM newer; the cached copy (0x11) is stale
  std::vector<unsigned char> header(8, 0x11);
  header[0] = 0x24;
  header[4] = 0x6C;
  std::memcpy(region.cpu.data() + 80, header.data(), header.size());
  region.model.clean_invalidate(64, 32, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  EXPECT_EQ(region.cpu_bytes(80, 8), header);
  EXPECT_EQ(region.ram_bytes(80, 8), header);
  const auto received = pattern(32, 5);  // the rest of the line: what the device wrote
  EXPECT_EQ(region.cpu_bytes(64, 16), std::vector<unsigned char>(received.begin(), received.begin() + 16));
  EXPECT_EQ(region.cpu_bytes(88, 8), std::vector<unsigned char>(received.begin() + 24, received.end()));
  expect_invariants(region);
}

TEST(CacheModelAllocatorWrites, WrittenBeforeAnInvalidLineIsFilledSurviveTheFill) {
  Region region(4096);
  region.allocator_store(64, 8, 0x11);
  region.write(72, 8, 1);  // the fill must not overwrite the header
  EXPECT_EQ(region.cpu_bytes(64, 8), std::vector<unsigned char>(8, 0x11));
  region.model.speculative_fill(3);
  region.allocator_store(96, 8, 0x22);
  region.read(96, 8);
  EXPECT_EQ(region.cpu_bytes(96, 8), std::vector<unsigned char>(8, 0x22));
  EXPECT_TRUE(region.model.dirty(3));
  expect_invariants(region);
}

// ---- Evict and speculative fill -----------------------------------------------------

TEST(CacheModelEvict, DirtyLineIsWrittenBackThenInvalid) {
  Region region(4096);
  region.write(64, 16, 1);
  region.model.evict(2, &region.hazards);
  EXPECT_TRUE(region.take().empty());
  EXPECT_FALSE(region.model.valid(2));
  EXPECT_FALSE(region.model.dirty(2));
  EXPECT_EQ(region.ram_bytes(64, 16), pattern(16, 1));
  EXPECT_EQ(region.cpu_bytes(64, 16), pattern(16, 1));
}

TEST(CacheModelEvict, StaleCleanLineIsRefreshed) {
  Region region(4096);
  region.read(64, 32);
  region.model.dma_from_device_start(64, 32);
  region.receive(64, 32, 5);
  region.model.evict(2, &region.hazards);  // lucky: the stale copy is dropped
  EXPECT_EQ(region.read(64, 32), pattern(32, 5));
  EXPECT_TRUE(region.take().empty());
  region.model.evict(2, &region.hazards);
  region.model.evict(2, &region.hazards);  // an invalid line: nothing happens
  EXPECT_TRUE(region.take().empty());
}

TEST(CacheModelSpeculativeFill, FillsOnlyInvalidLines) {
  Region region(4096);
  region.write(64, 8, 1);
  region.model.speculative_fill(2);  // valid already: no effect
  EXPECT_TRUE(region.model.dirty(2));
  region.model.speculative_fill(3);
  EXPECT_TRUE(region.model.valid(3));
  EXPECT_FALSE(region.model.dirty(3));
}

// ---- Device writes outside a transfer (DMA overrun) --------------------------------

TEST(CacheModelDeviceWrite, OverrunStalesCachedNeighbourAndUpdatesInvalidOnes) {
  Region region(4096);
  region.read(96, 8);  // line 3 cached
  const auto data = pattern(48, 7);
  region.model.device_write(96, data.data(), 48);  // lines 3 and 4
  EXPECT_TRUE(region.model.ram_newer(3));
  EXPECT_FALSE(region.model.valid(4));
  EXPECT_EQ(region.cpu_bytes(128, 16), std::vector<unsigned char>(data.begin() + 32, data.end()));
  region.read(96, 48);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::stale_rx, 3, 96, 127)}));
}

// ---- Model-wide properties ----------------------------------------------------------

TEST(CacheModel, NullHazardSinkKeepsDataSemantics) {
  Region region(4096);
  const auto data = pattern(32, 1);
  region.model.cpu_write(64, data.data(), 32, nullptr);
  region.model.dma_to_device(64, 32, nullptr);
  region.model.invalidate(64, 32, nullptr);
  EXPECT_EQ(region.cpu_bytes(64, 32), std::vector<unsigned char>(32, 0));
}

TEST(CacheModel, PartialLastLine) {
  Region region(100);
  EXPECT_EQ(region.model.line_count(), 4u);
  region.write(90, 10, 1);
  region.model.invalidate(96, 4, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::unaligned_invalidate, 3, 96, 99),
                                                hazard(HazardKind::discarded_dirty, 3, 96, 99)}));
}

TEST(CacheModel, LargeLinesTrackEveryGranule) {
  Region region(4096, CachePolicy::write_back, 256);
  region.write(0, 8, 1);
  region.write(248, 8, 2);
  region.model.invalidate(0, 256, &region.hazards);
  EXPECT_EQ(region.take(), (std::vector<Hazard>{hazard(HazardKind::discarded_dirty, 0, 0, 7),
                                                hazard(HazardKind::discarded_dirty, 0, 248, 255)}));
}

// A seeded mix of every operation, allocator stores included: the model
// invariants hold after each op, and the same seed gives the same hazards and
// views.
struct MixResult {
  std::vector<Hazard> hazards;
  std::vector<unsigned char> cpu;
  std::vector<unsigned char> ram;
};

MixResult run_mix(CachePolicy policy, std::uint32_t seed, bool check) {
  constexpr std::uint64_t kSize = 1024;
  Region region(kSize, policy, kLine, 8);
  std::mt19937 rng(seed);
  auto below = [&](std::uint64_t n) { return static_cast<std::uint64_t>(rng() % n); };
  struct Transfer {
    std::uint64_t offset, size;
    bool rx;
  };
  std::vector<Transfer> active;
  // Transfers keep to their own 128-byte slots, as blocks do.
  std::vector<bool> slot_busy(kSize / 128, false);
  for (int op = 0; op < 4000; ++op) {
    const std::uint64_t offset = below(kSize);
    const std::uint64_t size = 1 + below(std::min<std::uint64_t>(96, kSize - offset));
    switch (below(11)) {
      case 0: region.write(offset, size, static_cast<unsigned>(op)); break;
      case 1: region.read(offset, size); break;
      case 2: region.model.clean(offset, size, &region.hazards); break;
      case 3: region.model.invalidate(offset, size, &region.hazards); break;
      case 4: region.model.clean_invalidate(offset, size, &region.hazards); break;
      case 5: region.model.dma_to_device(offset, size, &region.hazards); break;
      case 6: region.model.evict(below(region.model.line_count()), &region.hazards); break;
      case 7: region.model.speculative_fill(below(region.model.line_count())); break;
      case 8: {
        const std::uint64_t header = std::min(offset & ~std::uint64_t{7}, kSize - 8);
        region.allocator_store(header, 8, static_cast<unsigned char>(op));
        // Accounted for right away, so the invariants below can be checked
        // without absorbing (which would hide a model that corrupts a view).
        region.model.effectively_dirty(region.model.line_of(header));
        region.model.effectively_dirty(region.model.line_of(header + 7));
        break;
      }
      case 9: {
        const std::uint64_t slot = below(slot_busy.size());
        if (slot_busy[slot]) break;
        slot_busy[slot] = true;
        const Transfer transfer{slot * 128 + 8 * below(4), 1 + below(96), below(2) == 0};
        if (transfer.rx) {
          region.model.dma_from_device_start(transfer.offset, transfer.size);
        } else {
          region.model.dma_to_device_start(transfer.offset, transfer.size, &region.hazards);
        }
        active.push_back(transfer);
        break;
      }
      default: {
        if (active.empty()) break;
        const std::size_t which = below(active.size());
        const Transfer transfer = active[which];
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(which));
        slot_busy[transfer.offset / 128] = false;
        if (transfer.rx) {
          region.receive(transfer.offset, transfer.size, static_cast<unsigned>(op));
        } else {
          region.model.dma_to_device_complete(transfer.offset, transfer.size);
        }
        break;
      }
    }
    if (check) {
      region.model.verify();  // the self-check the Executor runs (aborts on a failure)
      expect_invariants(region);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "after op " << op;
        break;
      }
    }
  }
  return {region.hazards, region.cpu, region.ram};
}

TEST(CacheModel, SeededMixKeepsInvariantsWriteBack) { run_mix(CachePolicy::write_back, 1, true); }
TEST(CacheModel, SeededMixKeepsInvariantsWriteThrough) { run_mix(CachePolicy::write_through, 2, true); }

TEST(CacheModel, SeededMixIsDeterministic) {
  const MixResult a = run_mix(CachePolicy::write_back, 7, false);
  const MixResult b = run_mix(CachePolicy::write_back, 7, false);
  EXPECT_FALSE(a.hazards.empty());
  EXPECT_EQ(a.hazards, b.hazards);
  EXPECT_EQ(a.cpu, b.cpu);
  EXPECT_EQ(a.ram, b.ram);
  const MixResult c = run_mix(CachePolicy::write_back, 8, false);
  EXPECT_NE(a.hazards, c.hazards);
}

}  // namespace
}  // namespace smh::sim
