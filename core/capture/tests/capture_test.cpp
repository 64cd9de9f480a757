// The capture's lines, field by field, through each sink; the ring filling,
// dropping whole lines, draining and wrapping; the lock held once per event.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

#include "smh/capture.h"

namespace {

std::string written;

void write_text(void* context, const char* text, std::size_t length) {
  static_cast<std::string*>(context)->append(text, length);
}

int printf_like(const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  const int length = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  written += buffer;
  return length;
}

struct LockLog {
  int depth = 0;
  int locks = 0;
  bool nested = false;
};
std::uint32_t take(void* context) {
  auto* log = static_cast<LockLog*>(context);
  log->nested = log->nested || log->depth != 0;
  ++log->depth;
  ++log->locks;
  return 0xA5u;
}
void give(void* context, std::uint32_t key) {
  auto* log = static_cast<LockLog*>(context);
  EXPECT_EQ(key, 0xA5u);
  --log->depth;
}

std::uint64_t ticks = 0;
std::uint64_t clock_ticks(void*) { return ticks += 0x10; }

TEST(Capture, EveryEventAsALine) {
  std::string out;
  smh_capture capture;
  smh_capture_init_write(&capture, write_text, &out);
  smh_capture_begin(&capture, 1'000'000);
  smh_capture_heap(&capture, 0, 0x2000'0000, 0x10000, 3);
  smh_capture_alloc(&capture, 1, 0x2000'0010, 64, 0, 3);
  smh_capture_realloc(&capture, 1, 0x2000'0010, 0x2000'0200, 1024, 32, SMH_CAPTURE_NO_ATTR);
  smh_capture_free(&capture, 1, 0x2000'0200, 1024);
  smh_capture_alloc_failed(&capture, 1, 0x100000, 8);
  smh_capture_error(&capture, SMH_CAPTURE_NO_REGION, 9, 0x1234);
  smh_capture_alloc(&capture, UINTPTR_MAX - 1, UINTPTR_MAX, SIZE_MAX, 0, 0);
  EXPECT_EQ(out,
            "@smh1 0 B f4240\n"
            "@smh1 1 H 0 20000000 10000 3\n"
            "@smh1 2 A 1 20000010 40 0 3\n"
            "@smh1 3 R 1 20000010 20000200 400 20 -\n"
            "@smh1 4 F 1 20000200 400\n"
            "@smh1 5 X 1 100000 8\n"
            "@smh1 6 E - 9 1234\n"
            "@smh1 7 A fffffffffffffffe ffffffffffffffff ffffffffffffffff 0 0\n");
}

TEST(Capture, PrintfSinkClockAndLock) {
  written.clear();
  smh_capture capture;
  smh_capture_init_printf(&capture, printf_like);
  LockLog log;
  smh_capture_set_lock(&capture, take, give, &log);
  ticks = 0;
  smh_capture_set_clock(&capture, clock_ticks, nullptr);
  smh_capture_alloc(&capture, 0, 0x100, 16, 0, 1);
  smh_capture_free(&capture, 0, 0x100, 16);
  EXPECT_EQ(written, "@smh1 0 A 0 100 10 0 1 t10\n@smh1 1 F 0 100 10 t20\n");
  EXPECT_EQ(log.locks, 2);
  EXPECT_EQ(log.depth, 0);
  EXPECT_FALSE(log.nested);
}

TEST(Capture, SequenceNumbersWrap) {
  std::string out;
  smh_capture capture;
  smh_capture_init_write(&capture, write_text, &out);
  capture.next_seq = 0xFFFF'FFFFu;
  smh_capture_free(&capture, 0, 8, 0);
  smh_capture_free(&capture, 0, 8, 0);
  EXPECT_EQ(out, "@smh1 ffffffff F 0 8 0\n@smh1 0 F 0 8 0\n");
}

TEST(Capture, LongestLineFits) {
  std::string out;
  smh_capture capture;
  smh_capture_init_write(&capture, write_text, &out);
  capture.next_seq = 0xFFFF'FFFFu;
  smh_capture_set_clock(&capture, [](void*) -> std::uint64_t { return UINT64_MAX; }, nullptr);
  smh_capture_realloc(&capture, UINTPTR_MAX - 1, UINTPTR_MAX, UINTPTR_MAX, SIZE_MAX, SIZE_MAX, 0xFFFF'FFFEu);
  const std::string f16(16, 'f');
  EXPECT_EQ(out, "@smh1 ffffffff R fffffffffffffffe " + f16 + " " + f16 + " " + f16 + " " + f16 + " fffffffe t" + f16 +
                     "\n");
  EXPECT_LT(out.size(), SMH_CAPTURE_LINE_MAX);
}

std::string ring_text(const smh_capture_ring& ring) { return std::string(ring.data, ring.used_bytes); }

TEST(CaptureRing, FillsThenDropsWholeLinesAndTheImporterSeesTheGap) {
  std::vector<char> storage(SMH_CAPTURE_LINE_MAX);
  smh_capture_ring ring;
  smh_capture capture;
  smh_capture_init_ring(&capture, &ring, storage.data(), storage.size());
  EXPECT_EQ(ring.magic, SMH_CAPTURE_RING_MAGIC);
  std::string expected;
  unsigned seq = 0;
  // "@smh1 N F 0 100 10\n" is 19 bytes (N < 10): ten lines fill 190 of 192.
  for (; seq < 10; ++seq) {
    smh_capture_free(&capture, 0, 0x100, 16);
    expected += "@smh1 " + std::to_string(seq) + " F 0 100 10\n";
  }
  smh_capture_free(&capture, 0, 0x100, 16);  // does not fit: dropped whole
  EXPECT_EQ(ring.dropped_events, 1u);
  EXPECT_EQ(ring_text(ring), expected) << "a never-drained ring is data[0, used_bytes)";
  // Drain 40 bytes; the next line (sequence 11) wraps around the end.
  char out[SMH_CAPTURE_LINE_MAX];
  ASSERT_EQ(smh_capture_ring_read(&ring, out, 40), 40u);
  EXPECT_EQ(std::string(out, 40), expected.substr(0, 40));
  smh_capture_free(&capture, 0, 0x100, 16);
  EXPECT_EQ(ring.dropped_events, 1u);
  const std::size_t rest = smh_capture_ring_read(&ring, out, sizeof out);
  EXPECT_EQ(std::string(out, rest), expected.substr(40) + "@smh1 b F 0 100 10\n");
  EXPECT_EQ(ring.used_bytes, 0u);
  EXPECT_EQ(smh_capture_ring_read(&ring, out, sizeof out), 0u);
}

}  // namespace
