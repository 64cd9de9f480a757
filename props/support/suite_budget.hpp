// How many cases a property suite runs, and with which seed. RC_PARAMS (RapidCheck's
// own environment variable, e.g. "max_success=300 max_size=200 seed=42") wins for
// every key it sets; a key it leaves out takes the suite's default. The default
// seed is fixed, so a run without RC_PARAMS is as reproducible as a CI run (left
// to itself, RapidCheck would draw a seed from std::random_device).
//
// max_size caps the length of a generated command sequence (RapidCheck draws
// between 1 and max_size + 1 commands, shorter in the first cases).
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>

namespace smh::props {

struct SuiteBudget {
  int cases = 300;
  int max_commands = 200;
  std::uint64_t default_seed = 1;
};

// The parameters a suite runs with: its defaults, overridden key by key by RC_PARAMS.
inline rc::detail::TestParams budget_params(const SuiteBudget& budget) {
  rc::detail::Configuration defaults;
  defaults.testParams.maxSuccess = budget.cases;
  defaults.testParams.maxSize = budget.max_commands;
  defaults.testParams.seed = budget.default_seed;
  const char* text = std::getenv("RC_PARAMS");
  return rc::detail::configFromString(text == nullptr ? "" : text, defaults).testParams;
}

// RC_GTEST_PROP's body, with the suite's budget: runs the property and fails the
// current GoogleTest test with RapidCheck's report (the shrunk case, its log and the
// reproduce string) if it does not hold.
template <class Property>
void check_within_budget(Property&& property, const SuiteBudget& budget) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(test->test_suite_name()) + "/" + test->name();
  metadata.description = test->name();
  const rc::detail::TestParams params = budget_params(budget);
  const rc::detail::TestResult result =
      rc::detail::checkTestable(std::forward<Property>(property), metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) {
    const auto& success = result.template get<rc::detail::SuccessResult>();
    std::cout << metadata.id << ": " << success.numSuccess << " cases, seed " << params.seed
              << ", sequences up to " << params.maxSize + 1 << " commands\n";
    if (!success.distribution.empty()) {
      rc::detail::printResultMessage(result, std::cout);
      std::cout << '\n';
    }
    return;
  }
  std::ostringstream report;
  rc::detail::printResultMessage(result, report);
  FAIL() << "seed " << params.seed << "\n" << report.str();
}

}  // namespace smh::props
