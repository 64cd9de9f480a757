// RapidCheck assertions on GoogleTest predicate results: the core's test helpers
// (core/tests/support) return ::testing::AssertionResult with a precise message,
// and a property keeps that message when it fails.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

namespace smh::props {

inline void rc_assert(const ::testing::AssertionResult& result) {
  if (!result) {
    RC_FAIL(result.message());
  }
}

}  // namespace smh::props
