"""The network driver's DMA ring, correct and with each classic coherency bug.

One driver, written once: `ring_ops(bug)` emits the same ops for every variant
except where the bug changes what the driver does, so each bug scenario differs
from the correct one only by its bug.

The machine is a Cortex-M7 in the style of an STM32H7, in capability mode:
  dtcm      128 KiB  internal, tcm          not cacheable, not reachable by DMA
  sram_nc    32 KiB  dma, internal          non-cacheable (MPU), DMA: descriptors
  axi_sram  128 KiB  cacheable, dma, internal  write-back, 32-byte lines, DMA
Regions are tried in that order (first fit), as a board that lists its fastest
memory first would: a request for ["internal"] lands in DTCM.
"""

from scenario_kit import SplitMix64, alloc, free, line_op, ranged, round_up, scenario

LINE = 32
RX_BUFFER = 1536  # a 1522-byte maximum frame rounded up to whole lines
MAX_FRAME = 1514
MIN_FRAME = 60
RING = 4          # descriptors (and RX buffers) per ring
ROUNDS = 4

DESCRIPTOR = ["dma"]               # sram_nc (DTCM has no dma bit)
PACKET = ["cacheable", "dma"]      # axi_sram
CPU_DATA = ["cacheable"]           # axi_sram: the stack's own per-packet state
FAST = ["internal"]                # DTCM first: the bug of forgetting "dma"

TX_DESC = 1    # handles 1..4
RX_DESC = 11   # 11..14
RX_BUF = 21    # 21..24
META = 31      # 31..34
TX_BUF = 100   # one per transmitted frame

REGIONS = [
    {"name": "dtcm", "base": "0x2000_0000", "size": "128K", "attr": ["internal", "tcm"],
     "cache": "non_cacheable"},
    {"name": "sram_nc", "base": "0x3004_0000", "size": "32K", "attr": ["dma", "internal"],
     "cache": "non_cacheable", "dma": True},
    {"name": "axi_sram", "base": "0x2400_0000", "size": "128K", "attr": ["cacheable", "dma", "internal"],
     "cache": "write_back", "line_bytes": LINE, "dma": True},
]

DRIVER = (
    "An Ethernet driver on a Cortex-M7 (STM32H7-like): DTCM (not reachable by DMA), SRAM made non-cacheable by "
    "the MPU for the descriptor rings, and write-back cacheable AXI SRAM (32-byte lines) for packet buffers. "
    "4 TX and 4 RX descriptors (32 bytes each, non-cacheable); 4 RX buffers of 1536 bytes, line-aligned and "
    "line-padded, each followed by a small CPU-written metadata block; TX buffers allocated per frame, "
    "line-aligned and padded. 4 rounds of 4 received and 4 transmitted frames (60..1514 bytes). "
    "Receive: invalidate the buffer, hand the descriptor to the DMA, the frame arrives (a speculative line "
    "fill hits the buffer meanwhile), the DMA writes the descriptor back, invalidate the buffer again, read "
    "the frame, update the metadata. Transmit: build the frame, clean it, hand the descriptor over, the DMA "
    "sends it (a background eviction follows), free the buffer."
)


def ring_ops(bug=None):
    rng = SplitMix64(0x5EED_E7E7)
    ops = []
    for i in range(RING):
        ops.append(alloc(TX_DESC + i, DESCRIPTOR, 32))
        ops.append(alloc(RX_DESC + i, DESCRIPTOR, 32))
    for i in range(RING):
        if bug == "rx_buffer_in_dtcm":
            ops.append(alloc(RX_BUF + i, FAST, RX_BUFFER, LINE))
        elif bug == "unaligned_rx_buffer":
            ops.append(alloc(RX_BUF + i, PACKET, 1522))  # neither line-aligned nor padded
        else:
            ops.append(alloc(RX_BUF + i, PACKET, RX_BUFFER, LINE))
        ops.append(alloc(META + i, CPU_DATA, 48))
        ops.append(ranged("cpu_write", META + i))
    frame_count = 0
    for _ in range(ROUNDS):
        for i in range(RING):
            buffer, descriptor = RX_BUF + i, RX_DESC + i
            frame = rng.between(MIN_FRAME, MAX_FRAME)
            ops.append(ranged("cache_invalidate", buffer))  # before: no dirty line may land on the frame
            ops.append(ranged("cpu_write", descriptor))      # OWN = DMA
            ops.append(ranged("dma_to_device", descriptor))  # the DMA fetches the descriptor
            ops.append(ranged("dma_from_device_start", buffer))
            if bug == "cpu_touch_during_rx":
                ops.append(ranged("cpu_read", buffer, 0, 8))  # polls the buffer instead of the descriptor
            ops.append(line_op("speculative_fill", buffer, rng.below(frame) // LINE * LINE))
            ops.append(ranged("dma_from_device_complete", buffer))
            ops.append(ranged("dma_from_device_start", descriptor))  # status write-back, OWN = CPU
            ops.append(ranged("dma_from_device_complete", descriptor))
            ops.append(ranged("cpu_read", descriptor))
            if bug == "unaligned_invalidate":
                ops.append(ranged("cache_invalidate", buffer, 0, frame))  # only the frame's length
            elif bug != "missing_invalidate_after_rx":
                ops.append(ranged("cache_invalidate", buffer))  # after: drop lines filled during the transfer
            ops.append(ranged("cpu_read", buffer, 0, frame))
            ops.append(ranged("cpu_write", META + i))
        for t in range(RING):
            buffer, descriptor = TX_BUF + frame_count, TX_DESC + t
            frame_count += 1
            frame = rng.between(MIN_FRAME, MAX_FRAME)
            ops.append(alloc(buffer, PACKET, round_up(frame, LINE), LINE))
            ops.append(ranged("cpu_write", buffer))  # the stack builds the frame
            if bug != "missing_clean":
                ops.append(ranged("cache_clean", buffer))
            ops.append(ranged("cpu_write", descriptor))
            ops.append(ranged("dma_to_device", descriptor))
            # The whole padded buffer: the oracle reports a transfer that ends
            # inside a line even when the rest of the line is the buffer's own.
            ops.append(ranged("dma_to_device", buffer))
            ops.append(line_op("evict", buffer, rng.below(frame) // LINE * LINE))
            ops.append(ranged("dma_from_device_start", descriptor))
            ops.append(ranged("dma_from_device_complete", descriptor))
            ops.append(ranged("cpu_read", descriptor))
            ops.append(free(buffer))
    for i in range(RING):
        ops += [free(TX_DESC + i), free(RX_DESC + i), free(RX_BUF + i), free(META + i)]
    return ops


# bug -> (what the driver gets wrong, the findings it produces: each one is
# required, and any other finding fails the scenario)
BUGS = {
    "missing_clean": (
        "BUG: the transmit path never cleans the frame before handing it to the DMA, so the DMA sends RAM that "
        "still holds older bytes than the CPU's cache.",
        ["STALE_TX"]),
    "missing_invalidate_after_rx": (
        "BUG: the receive path invalidates only before the transfer. A line the CPU speculatively filled while "
        "the frame arrived stays in the cache, and the stack reads those stale bytes instead of the frame "
        "(STALE_RX: at every such read, as a possible outcome, whatever the background activity); the last frame of each buffer is still wrong in the CPU's view when the buffers are freed "
        "(CONTENT).",
        ["STALE_RX", "CONTENT"]),
    "unaligned_rx_buffer": (
        "BUG: RX buffers are allocated as plain 1522-byte blocks, neither line-aligned nor line-padded. The "
        "lines at a buffer's ends hold allocator headers (its own, the next block's) and, where the allocator "
        "placed them so, the end of the metadata block before it. Every receive runs on shared lines "
        "(DMA_LINE_SHARED); the "
        "invalidate before it cannot start and end on line boundaries (UNALIGNED_INVALIDATE) and discards the "
        "neighbours' dirty bytes (COLLATERAL_INVALIDATE): the metadata the CPU wrote (CONTENT when it is freed) "
        "and the allocator's own headers. On hardware the heap is now corrupt (the corruption seen when the "
        "D-cache is enabled under a driver that mallocs its buffers); the simulator reports the discard, naming "
        "the headers, and then puts the allocator's bytes back, as it repairs injected faults, so the run goes "
        "on and later ops report their own bugs rather than a cascade or an abort inside the allocator. And a "
        "receive that starts while those header lines are dirty may see them evicted over the frame "
        "(WRITEBACK_CLOBBER, at the receive's start, as a possible outcome).",
        ["DMA_LINE_SHARED", "UNALIGNED_INVALIDATE", "COLLATERAL_INVALIDATE", "CONTENT", "WRITEBACK_CLOBBER"]),
    "unaligned_invalidate": (
        "BUG: after a receive the driver invalidates only the frame's length from the descriptor, not the whole "
        "buffer; the range does not end on a line boundary. The hardware widens it to whole lines, harmless here "
        "only because the buffer is padded: the oracle reports every such invalidate.",
        ["UNALIGNED_INVALIDATE"]),
    "cpu_touch_during_rx": (
        "BUG: the driver polls the first bytes of the RX buffer for the frame, instead of the descriptor's OWN "
        "bit, while the DMA is still writing the buffer.",
        ["CPU_TOUCH_ACTIVE_DMA"]),
    "rx_buffer_in_dtcm": (
        "BUG: RX buffers are requested as [\"internal\"] (the \"dma\" capability forgotten) and land in DTCM, "
        "which the Ethernet DMA cannot reach.",
        ["ATTR_MISMATCH"]),
}

def ring_scenarios():
    result = [("network_dma_ring.json", scenario(
        "network_dma_ring",
        DRIVER + " Correct maintenance throughout, under background cache activity (cache_noise_ppm: a tenth "
        "of the ops see an eviction or a speculative fill somewhere): no findings.",
        1, REGIONS, ring_ops(), {"max_failed_allocs": 0}, pool={"mode": "capability", "policy": "first_fit"},
        cache_noise_ppm=100000))]
    for bug, (what, findings) in BUGS.items():
        name = "network_dma_ring_bug_" + bug
        result.append(("coherency_bugs/" + name + ".json", scenario(
            name, "The network_dma_ring driver with one bug. " + what,
            1, REGIONS, ring_ops(bug), {"findings_required": findings, "max_failed_allocs": 0},
            pool={"mode": "capability", "policy": "first_fit"})))
    return result
