/*
 * Start-up code for the on-target test programs on QEMU's mps2-an386 board
 * (Cortex-M4): the vector table, a reset handler that zeroes .bss, opens the
 * semihosting stdio handles (newlib's librdimon) and runs main(), and the exit
 * paths. Output and the exit status both travel over semihosting, so the test
 * on the host sees the program's stdout and its exit code as those of the
 * qemu-system-arm process.
 *
 * Exit codes besides main's own: 97 a fault (HardFault, MemManage, BusFault,
 * UsageFault, NMI), 98 a failed SMH_ASSERT; both print what happened first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern int main(void);
extern void initialise_monitor_handles(void);

/* From mps2_an386.ld. */
extern uint32_t __bss_start__;
extern uint32_t __bss_end__;
extern uint32_t __stack_top__;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

/* newlib's exit() runs __libc_fini_array, which calls _fini; nothing to do here
 * (there is no crti.o: the programs link with -nostartfiles). */
void _init(void) {}
void _fini(void) {}

void reset_handler(void) {
  for (uint32_t *word = &__bss_start__; word < &__bss_end__; ++word) {
    *word = 0;
  }
  initialise_monitor_handles();
  for (void (**constructor)(void) = __init_array_start; constructor < __init_array_end; ++constructor) {
    (*constructor)();
  }
  exit(main());
}

static void fault_handler(void) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  printf("on-target: fault, exception %lu\n", (unsigned long)(ipsr & 0x1FFu));
  fflush(stdout);
  exit(97);
}

/* The core's SMH_ASSERT ends here (the core's own default only traps). */
_Noreturn void smh_assert_failed(const char *expression, const char *file, int line) {
  printf("on-target: SMH_ASSERT(%s) failed at %s:%d\n", expression, file, line);
  fflush(stdout);
  exit(98);
}

/* Initial stack pointer, then reset and the fault exceptions; the rest unused. */
__attribute__((section(".vectors"), used)) static void (*const vector_table[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top__,
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
};
