#include "threshold_candidates.hpp"

#include <algorithm>
#include <cstdlib>

#include "smh/assert.hpp"
#include "smh/sim/trace.hpp"

namespace smh::cli {

namespace {

// The shares of requests (in percent) below a candidate threshold.
constexpr unsigned candidate_percentiles[] = {50, 75, 90, 99};

}  // namespace

bool add_request_sizes(const std::string& path, MatchMode mode, RequestSizes* sizes, std::string* error) {
  sim::TraceError trace_error;
  const std::unique_ptr<sim::TraceReader> reader = sim::TraceReader::open(path, mode, &trace_error);
  if (reader == nullptr) {
    *error = trace_error.to_string();
    return false;
  }
  sim::Op op;
  while (reader->next(&op, &trace_error)) {
    if (op.kind == sim::OpKind::alloc || op.kind == sim::OpKind::realloc) {
      ++sizes->buckets[sim::size_bucket(op.size_bytes)];
      ++sizes->requests;
    }
  }
  if (!trace_error.message.empty()) {
    *error = trace_error.to_string();
    return false;
  }
  return true;
}

std::vector<std::uint64_t> threshold_candidates(const RequestSizes& sizes, std::uint64_t machine_threshold_bytes) {
  std::vector<std::uint64_t> out;
  if (machine_threshold_bytes != 0) {
    out.push_back(machine_threshold_bytes);
  }
  for (const unsigned percent : candidate_percentiles) {
    // Requests below 2^k: buckets 0 .. k (bucket k holds [2^(k-1), 2^k)).
    std::uint64_t below = sizes.buckets[0];
    for (unsigned k = 1; k < sim::size_histogram_buckets - 1; ++k) {
      below += sizes.buckets[k];
      if (below * 100 >= sizes.requests * std::uint64_t{percent}) {
        if (below != 0 && below != sizes.requests) {
          out.push_back(std::uint64_t{1} << k);
        }
        break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool parse_thresholds(const std::string& text, std::vector<std::uint64_t>* out, std::string* error) {
  out->clear();
  if (text == "auto") {
    return true;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const bool digits = !item.empty() && item.size() <= 19 &&
                        std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; });
    const std::uint64_t bytes = digits ? std::strtoull(item.c_str(), nullptr, 10) : 0;
    if (!digits || bytes == 0 || bytes > (std::uint64_t{1} << 63)) {
      *error = "--thresholds: '" + item + "' is not a byte count from 1 to 2^63 (auto, or byte counts joined by ',')";
      return false;
    }
    out->push_back(bytes);
    start = comma + 1;
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  SMH_ASSERT(!out->empty());
  return true;
}

}  // namespace smh::cli
