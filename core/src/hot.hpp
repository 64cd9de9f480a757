// SMH_HOT: how core/src marks a helper on a hot path. Inlined into its callers on
// hosts (fewer calls and spills on every operation); an -Os build (the Cortex-M
// image) keeps one copy of each, as the size budget wants. Private to core/src.
#pragma once

#if defined(__OPTIMIZE_SIZE__)
#define SMH_HOT inline
#else
#define SMH_HOT [[gnu::always_inline]] inline
#endif

// SMH_FLATTEN: a hot entry point whose callees (never the SMH_COLD ones) are all
// inlined into it on hosts; an -Os build calls them, one copy of each.
#if defined(__OPTIMIZE_SIZE__)
#define SMH_FLATTEN
#else
#define SMH_FLATTEN [[gnu::flatten]]
#endif
