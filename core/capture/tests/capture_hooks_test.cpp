// The capture on the core's own hooks: a Heap's events as device-log lines at
// device addresses (the region's device base plus the heap's offset), and a
// BasicPool watched whole by attach().
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "smh/capture_hooks.hpp"
#include "smh/heap.hpp"
#include "smh/pool.hpp"

namespace {

void write_text(void* context, const char* text, std::size_t length) {
  static_cast<std::string*>(context)->append(text, length);
}

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
  return text;
}

struct alignas(64) Arena {
  unsigned char bytes[64 << 10];
};

constexpr std::uintptr_t device_base = 0x3000'0000;

class CaptureHooks : public ::testing::Test {
 protected:
  void SetUp() override {
    smh_capture_init_write(&capture_, write_text, &out_);
    region_ = smh_capture_region{&capture_, 2, device_base, 5};
    ASSERT_EQ(heap_.init(arena_.bytes, sizeof arena_.bytes), smh::Status::ok);
    heap_.set_hooks(smh::capture::heap_hooks(&region_));
  }
  // The device address of a pointer into the arena.
  std::string device(const void* ptr) const {
    return hex(device_base + static_cast<std::uintptr_t>(static_cast<const unsigned char*>(ptr) - arena_.bytes));
  }

  std::string out_;
  smh_capture capture_{};
  smh_capture_region region_{};
  Arena arena_{};
  smh::Heap heap_;
};

TEST_F(CaptureHooks, HeapEventsAtDeviceAddresses) {
  void* a = heap_.aligned_alloc(64, 40);
  void* b = heap_.alloc(100);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::string expected = "@smh1 0 A 2 " + device(a) + " 28 40 5\n" + "@smh1 1 A 2 " + device(b) + " 64 0 5\n";
  EXPECT_EQ(out_, expected);

  out_.clear();
  void* shrunk = heap_.realloc(b, 24);  // shrinking stays in place
  ASSERT_EQ(shrunk, b);
  void* grown = heap_.realloc(a, 4000);  // b is in the way: moves
  ASSERT_NE(grown, nullptr);
  ASSERT_NE(grown, a);
  EXPECT_EQ(out_, "@smh1 2 R 2 " + device(b) + " " + device(b) + " 18 0 5\n" + "@smh1 3 R 2 " + device(a) + " " +
                      device(grown) + " fa0 0 5\n");

  out_.clear();
  EXPECT_EQ(heap_.free(grown), smh::Status::ok);
  EXPECT_EQ(heap_.free(grown), smh::Status::double_free);
  EXPECT_EQ(heap_.alloc(1 << 20), nullptr);
  EXPECT_EQ(out_, "@smh1 4 F 2 " + device(grown) + " fa0\n" + "@smh1 5 E 2 " +
                      hex(static_cast<unsigned>(smh::Status::double_free)) + " " + device(grown) + "\n" +
                      "@smh1 6 X 2 100000 0\n");
}

TEST(CapturePool, AttachWatchesEveryRegion) {
  static Arena sram;
  static Arena dma;
  smh::BasicPool<4> pool;
  ASSERT_EQ(pool.init(), smh::Status::ok);
  ASSERT_EQ(pool.add({reinterpret_cast<std::uintptr_t>(sram.bytes), sizeof sram.bytes, smh::attr::cacheable}),
            smh::Status::ok);
  ASSERT_EQ(pool.add({reinterpret_cast<std::uintptr_t>(dma.bytes), sizeof dma.bytes, smh::attr::non_cacheable}),
            smh::Status::ok);
  std::string out;
  smh_capture capture;
  smh_capture_init_write(&capture, write_text, &out);
  smh_capture_region too_few[1];
  EXPECT_EQ(smh::capture::attach(pool, &capture, too_few, 1), smh::Status::capacity_exceeded);
  out.clear();
  capture.next_seq = 0;

  smh_capture_region regions[4];
  const std::uintptr_t bases[2] = {0x2000'0000, 0x3000'0000};
  ASSERT_EQ(smh::capture::attach(pool, &capture, regions, 4, bases), smh::Status::ok);
  void* dma_block = pool.alloc(smh::attr::non_cacheable, 32);
  ASSERT_NE(dma_block, nullptr);
  int foreign = 0;
  EXPECT_EQ(pool.free(&foreign), smh::Status::pointer_outside_region);
  const auto offset = static_cast<std::uintptr_t>(static_cast<unsigned char*>(dma_block) - dma.bytes);
  EXPECT_EQ(out, "@smh1 0 H 0 20000000 10000 0\n"
                 "@smh1 1 H 1 30000000 10000 1\n"
                 "@smh1 2 A 1 " + hex(0x3000'0000 + offset) + " 20 0 1\n" +
                 "@smh1 3 E - " + hex(static_cast<unsigned>(smh::Status::pointer_outside_region)) + " " +
                 hex(reinterpret_cast<std::uintptr_t>(&foreign)) + "\n");
  EXPECT_EQ(regions[1].base, 0x3000'0000u);
  EXPECT_EQ(regions[1].attr, smh::attr::non_cacheable);
}

}  // namespace
