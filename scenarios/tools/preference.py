"""A preference chain that falls back: `"prefer"` on alloc ops (pool.alloc_prefer)."""

from scenario_kit import free, ranged, scenario

REGIONS = [
    {"name": "sram", "base": "0x2000_0000", "size": "16K", "attr": "cacheable", "cache": "write_back"},
    {"name": "psram", "base": "0x6000_0000", "size": "64K", "attr": "external", "cache": "write_back"},
]
CHAIN = ["cacheable", "external"]  # fast internal SRAM first, external PSRAM when it is full
FRAME = 3 << 10


def chained(handle, size):
    return {"op": "alloc", "handle": handle, "prefer": CHAIN, "size": size}


def preference_ops():
    ops = []
    # Five 3 KiB frames fill the 16 KiB SRAM; the sixth and seventh fall back to PSRAM.
    for handle in range(1, 8):
        ops += [chained(handle, FRAME), ranged("cpu_write", handle)]
    # Two SRAM frames released: the next request is served by SRAM again.
    ops += [free(2), free(3), chained(8, FRAME), ranged("cpu_write", 8)]
    # More than either region holds: the whole chain fails (null, no finding).
    ops.append(chained(9, 80 << 10))
    for handle in (1, 4, 5, 6, 7, 8):
        ops.append(ranged("cpu_read", handle))
    for handle in (1, 4, 5, 6, 7, 8, 9):
        ops.append(free(handle))
    return ops


def preference_scenarios():
    text = ("An application that wants its 3 KiB frame buffers in fast internal SRAM but can live with external "
            "PSRAM asks for the chain [cacheable, external]. Five frames fill the 16 KiB SRAM, the sixth and "
            "seventh fall back to PSRAM; after two SRAM frames are freed the eighth goes to SRAM again; an 80 KiB "
            "request fits under neither attribute, so the chain fails (the one failed allocation, not a false "
            "out-of-memory). The Executor checks that each block's region satisfies the chain and that no "
            "earlier attribute had room.")
    return [("preference_chain_fallback.json", scenario(
        "preference_chain_fallback", text, 1, REGIONS, preference_ops(), {"max_failed_allocs": 1},
        pool={"mode": "exact", "policy": "first_fit"}))]
