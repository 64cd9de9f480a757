// SMH_HOT: how core/src marks a helper on a hot path. Inlined into its callers on
// hosts (fewer calls and spills on every operation); an -Os build (the Cortex-M
// image) keeps one copy of each, as the size budget wants. Private to core/src.
#pragma once

#if defined(__OPTIMIZE_SIZE__)
#define SMH_HOT inline
#else
#define SMH_HOT [[gnu::always_inline]] inline
#endif

// SMH_INLINE: a helper inlined on every target, -Os too: its callers are few
// and the call (argument moves, a returned struct in memory, saved registers)
// takes more bytes than its body (measured on the Cortex-M size probes).
#define SMH_INLINE [[gnu::always_inline]] inline

// SMH_FLATTEN: a hot entry point whose callees (the trie paths too) are all
// inlined into it on hosts; an -Os build calls them, one copy of each.
#if defined(__OPTIMIZE_SIZE__)
#define SMH_FLATTEN
#else
#define SMH_FLATTEN [[gnu::flatten]]
#endif

// SMH_OFF_HOT_PATH: a rare branch of a hot entry point, kept out of line on
// hosts (the hot path then saves fewer registers); -Os lets the compiler merge
// it into its one caller, which takes fewer bytes than a call.
#if defined(__OPTIMIZE_SIZE__)
#define SMH_OFF_HOT_PATH
#else
#define SMH_OFF_HOT_PATH [[gnu::noinline]]
#endif

// SMH_HOST_OUTLINED: a rare branch split out of a hot function for hosts: out of
// line there (its values need not stay live across the common path, which then
// saves fewer registers); an -Os build inlines it back where it was, the same
// code as before the split (an -Os call would take more bytes).
#if defined(__OPTIMIZE_SIZE__)
#define SMH_HOST_OUTLINED [[gnu::always_inline]] inline
#else
#define SMH_HOST_OUTLINED [[gnu::noinline]] inline
#endif

// SMH_POOL_LISTS: the pool's first_fit fast path (per-attribute lists of serving
// regions, PoolEngine::rebuild_listed) on hosts; an -Os image takes the general
// path for every request, which places them identically in fewer bytes.
#if defined(__OPTIMIZE_SIZE__)
#define SMH_POOL_LISTS 0
#else
#define SMH_POOL_LISTS 1
#endif

// Whether a hot path may take more code for fewer instructions: on hosts, not
// in an -Os build (the Cortex-M image, whose size budget CI enforces). For
// `if constexpr`, so both versions compile everywhere.
#if defined(__OPTIMIZE_SIZE__)
inline constexpr bool smh_hot_paths_over_size = false;
#else
inline constexpr bool smh_hot_paths_over_size = true;
#endif
