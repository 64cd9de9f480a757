"""Allocation workloads: the fragmentation ramp, one multi-attribute workload under
each of the six policies, and that workload under swarm fault injection.

Bounds come from measured values (the tables below) plus a stated margin; see
generate_scenarios.py for how to re-measure.
"""

import math

from scenario_kit import SplitMix64, alloc, free, realloc, scenario

POLICIES = ["first_fit", "best_fit", "worst_fit", "smallest_region_first", "round_robin", "size_threshold"]
SIZE_THRESHOLD = 256

# Margin added to a measured ratio before it becomes a bound: small enough that a
# real regression fails, large enough that a harmless change of placement does
# not. Bounds are rounded up to two decimals.
RATIO_MARGIN = 0.02


def bound(measured):
    return math.ceil((measured + RATIO_MARGIN) * 100 - 1e-9) / 100


class Workload:
    """Live blocks by handle, so that frees and reallocs name live handles."""

    def __init__(self, seed):
        self.rng = SplitMix64(seed)
        self.ops = []
        self.live = {}  # handle -> (attr, size)
        self.next_handle = 1

    def allocate(self, attr, size, align=0):
        handle = self.next_handle
        self.next_handle += 1
        self.ops.append(alloc(handle, attr, size, align))
        self.live[handle] = (attr, size)
        return handle

    def release(self, handle):
        self.ops.append(free(handle))
        del self.live[handle]

    def random_live(self, among=None):
        handles = sorted(self.live if among is None else among)
        return handles[self.rng.below(len(handles))]

    def live_bytes(self, attr=None):
        return sum(size for a, size in self.live.values() if attr is None or a == attr)


# ---- Fragmentation ramp --------------------------------------------------------------

# (target live bytes, size range) per phase: up, down, up with larger blocks that
# do not fit the holes, down, up with small blocks, down. About one in seven
# blocks of up to 256 bytes is long-lived and survives every ramp down, pinning
# holes open.
RAMP_PHASES = [
    (22 << 10, (16, 1024)),
    (6 << 10, None),
    (23 << 10, (256, 4096)),
    (7 << 10, None),
    (20 << 10, (16, 256)),
    (5 << 10, None),
]

# Measured by running the scenario (see generate_scenarios.py).
RAMP_MEASURED = {"f_ext": 0.598980, "footprint_overhead": 0.217992, "failed_allocs": 0}


def ramp_ops():
    work = Workload(0xF2A6)
    pinned = set()
    for target, sizes in RAMP_PHASES:
        if sizes is not None:
            while work.live_bytes() < target:
                size = work.rng.log_uniform(*sizes)
                handle = work.allocate("cacheable", size)
                if size <= 256 and work.rng.chance(150):
                    pinned.add(handle)
        else:
            while work.live_bytes() > target and len(work.live) > len(pinned):
                work.release(work.random_live(set(work.live) - pinned))
    return work.ops


def ramp_scenario():
    measured = RAMP_MEASURED
    expect = {"max_failed_allocs": measured["failed_allocs"] or 0}
    text = ("A heap that breathes: live requested bytes in one 32 KiB SRAM region ramp up to 22 KiB with blocks "
            "of 16..1024 bytes, down to 6 KiB, up to 23 KiB with blocks of 256..4096 bytes (too large for most "
            "holes), down to 7 KiB, up to 20 KiB with blocks of 16..256 bytes, and down to 5 KiB; blocks are "
            "freed at random, except that about one in seven blocks of up to 256 bytes lives for the whole run, pinning holes open. The run ends "
            "with the survivors still live, so the final external fragmentation is that of a fragmented heap.")
    if measured["f_ext"] is not None:
        expect["max_f_ext"] = bound(measured["f_ext"])
        expect["max_footprint_overhead"] = bound(measured["footprint_overhead"])
        text += (" Measured: final F_ext {:.4f}, peak footprint overhead {:.4f}, {} failed allocations; the bounds "
                 "are these plus {} (rounded up to 0.01).").format(
                     measured["f_ext"], measured["footprint_overhead"], measured["failed_allocs"], RATIO_MARGIN)
    regions = [{"name": "sram", "base": "0x2000_0000", "size": "32K", "attr": "cacheable", "cache": "write_back"}]
    return scenario("fragmentation_ramp", text, 1, regions, ramp_ops(), expect,
                    pool={"mode": "exact", "policy": "first_fit"})


# ---- The multi-attribute workload ------------------------------------------------------

# Three attributes over seven regions, in an insertion order that is neither by
# size nor by address, so that the policies choose differently. Roles are read
# only by size_threshold (small: requests under 256 bytes): cacheable requests
# under 256 bytes go to sram_mid, larger ones to sram_big, both spill into
# sram_tiny (any).
MULTI_REGIONS = [
    {"name": "sram_mid", "base": "0x2002_0000", "size": "32K", "attr": "cacheable", "cache": "write_back",
     "role": "small"},
    {"name": "sram_big", "base": "0x2400_0000", "size": "64K", "attr": "cacheable", "cache": "write_back",
     "role": "large"},
    {"name": "sram_tiny", "base": "0x2000_0000", "size": "16K", "attr": "cacheable", "cache": "write_back",
     "role": "any"},
    {"name": "dma_main", "base": "0x3000_0000", "size": "32K", "attr": "non_cacheable", "cache": "non_cacheable",
     "dma": True, "role": "large"},
    {"name": "dma_small", "base": "0x3001_0000", "size": "8K", "attr": "non_cacheable", "cache": "non_cacheable",
     "dma": True, "role": "small"},
    {"name": "psram_a", "base": "0x6000_0000", "size": "128K", "attr": "external", "cache": "write_back",
     "role": "large"},
    {"name": "psram_b", "base": "0x6010_0000", "size": "64K", "attr": "external", "cache": "write_back",
     "role": "any"},
]

# attr -> (share of requests in per mille, size range, target live bytes)
MULTI_MIX = {
    "cacheable": (500, (16, 4096), 80 << 10),
    "non_cacheable": (250, (32, 2048), 28 << 10),
    "external": (250, (256, 16384), 150 << 10),
}
MULTI_ALLOCS = 220


def multi_attribute_ops(seed=0x3A11, allocs=MULTI_ALLOCS):
    """Allocations that drift each attribute's live bytes around its target:
    below it allocate, above it free a random block of that attribute. Some
    requests are aligned (DMA buffers on 32 bytes), some are reallocated. No CPU
    ops: an allocation may fail (under swarm faults it must be able to), and a
    CPU op on a handle holding null is an invalid op."""
    work = Workload(seed)
    names = list(MULTI_MIX)
    for _ in range(allocs):
        pick = work.rng.below(1000)
        attr = names[-1]
        for name in names:
            share = MULTI_MIX[name][0]
            if pick < share:
                attr = name
                break
            pick -= share
        _, sizes, target = MULTI_MIX[attr]
        of_attr = {h for h, (a, _) in work.live.items() if a == attr}
        while of_attr and work.live_bytes(attr) > target:
            victim = work.random_live(of_attr)
            work.release(victim)
            of_attr.discard(victim)
        if of_attr and work.rng.chance(60):
            handle = work.random_live(of_attr)
            size = work.rng.log_uniform(*sizes)
            work.ops.append(realloc(handle, attr, size))
            work.live[handle] = (attr, size)
            continue
        align = 32 if attr == "non_cacheable" and work.rng.chance(500) else 0
        work.allocate(attr, work.rng.log_uniform(*sizes), align)
        if work.live and work.rng.chance(350):
            work.release(work.random_live())
    return work.ops


# policy -> measured: the largest final F_ext of any region, the peak footprint
# overhead, the failed allocations (None: not measured yet).
MULTI_MEASURED = {
    "first_fit": {"f_ext": 0.684496, "footprint_overhead": 0.133574, "failed_allocs": 3},
    "best_fit": {"f_ext": 0.699208, "footprint_overhead": 0.136454, "failed_allocs": 2},
    "worst_fit": {"f_ext": 0.744003, "footprint_overhead": 0.079667, "failed_allocs": 3},
    "smallest_region_first": {"f_ext": 0.691983, "footprint_overhead": 0.123719, "failed_allocs": 3},
    "round_robin": {"f_ext": 0.758621, "footprint_overhead": 0.103800, "failed_allocs": 3},
    "size_threshold": {"f_ext": 0.565822, "footprint_overhead": 0.110256, "failed_allocs": 7},
}


def multi_attribute_scenario(policy, ops):
    measured = MULTI_MEASURED[policy]
    pool = {"mode": "exact", "policy": policy}
    if policy == "size_threshold":
        pool["size_threshold"] = SIZE_THRESHOLD
    text = ("One mixed workload over three attributes, run under the {} policy (the six "
            "multi_attribute_<policy> scenarios differ only in the policy). Cacheable SRAM in three regions "
            "(32, 64 and 16 KiB, in that order), non-cacheable DMA memory in two (32 and 8 KiB) and external PSRAM "
            "in two (128 and 64 KiB). Under size_threshold the regions' roles split requests at 256 bytes: small "
            "ones to the 32 KiB SRAM and the 8 KiB DMA region, others to the 64 KiB SRAM, the 32 KiB DMA region "
            "and the 128 KiB PSRAM, and both kinds spill into the 16 KiB SRAM and the 64 KiB PSRAM (role any). Half "
            "the requests are cacheable (16..4096 bytes), a quarter non-cacheable (32..2048, half of them "
            "32-byte aligned), a quarter external (256..16384); each attribute's live bytes drift around a target "
            "(80, 28 and 150 KiB), with random frees and reallocs. The run ends with its blocks "
            "live.").format(policy)
    expect = {"max_failed_allocs": 0}
    if measured is not None:
        expect = {"max_failed_allocs": measured["failed_allocs"], "max_f_ext": bound(measured["f_ext"]),
                  "max_footprint_overhead": bound(measured["footprint_overhead"])}
        text += (" Measured: {} failed allocations, final F_ext at most {:.4f} in any region, peak footprint "
                 "overhead {:.4f}; the ratio bounds are these plus {} (rounded up to 0.01).").format(
                     measured["failed_allocs"], measured["f_ext"], measured["footprint_overhead"], RATIO_MARGIN)
    return scenario("multi_attribute_" + policy, text, 1, MULTI_REGIONS, ops, expect, pool=pool)


# ---- Swarm faults ---------------------------------------------------------------------

# FaultPlan::swarm(8) turns on five kinds, all but alloc_failure, at rates of
# 969..19890 ppm: of the seeds 1..200 whose plans enable five or six kinds, the
# one whose run injects the most kinds (measured; a plan with six kinds at low
# rates injected fewer).
SWARM_SEED = 8
SWARM_MEASURED = {
    "failed_allocs": 8,
    "injections": ("41 injections, all detected: 15 DMA overruns, 9 header bit flips, 8 double frees, 7 foreign "
                   "frees, 2 regions taken offline; 8 allocations failed (5 without faults)"),
}


def fault_swarm_scenario():
    text = ("The multi_attribute workload (first fit, a longer run) under swarm fault injection: the seed draws "
            "which fault kinds strike and how often. Every injection must be detected and attributed (an "
            "undetected one is a FAULT_UNDETECTED finding) and repaired, so the run itself stays clean.")
    expect = {"max_failed_allocs": 0}
    if SWARM_MEASURED is not None:
        expect["max_failed_allocs"] = SWARM_MEASURED["failed_allocs"]
        text += " Measured: " + SWARM_MEASURED["injections"] + "."
    return scenario("fault_swarm", text, SWARM_SEED, MULTI_REGIONS, multi_attribute_ops(0x5A4F, 330), expect,
                    pool={"mode": "exact", "policy": "first_fit"}, faults="swarm")


def workload_scenarios():
    result = [("fragmentation_ramp.json", ramp_scenario())]
    ops = multi_attribute_ops()
    for policy in POLICIES:
        result.append(("policies/multi_attribute_{}.json".format(policy), multi_attribute_scenario(policy, ops)))
    result.append(("fault_swarm.json", fault_swarm_scenario()))
    return result
