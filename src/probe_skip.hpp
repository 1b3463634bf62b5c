// A resumed scan's finished probes, left out as the loops draw from the order: a binary search in
// the plan's sorted skip list, no allocation per probe, nothing at all when the list is empty.
#pragma once

#include <algorithm>
#include <cstdint>

#include "nbconnect/engine.hpp"

namespace nbc::detail {

inline bool skipped(const ScanPlan& plan, std::uint64_t index) {
  return plan.skip && std::binary_search(plan.skip->begin(), plan.skip->end(), index);
}

}  // namespace nbc::detail
