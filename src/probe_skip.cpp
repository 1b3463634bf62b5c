// The probes a plan leaves out (probe_skip.hpp, ScanPlan::skip).
#include "probe_skip.hpp"

namespace nbc {

std::uint64_t ScanPlan::skipped() const {
  if (!skip) return 0;
  if (shard_count <= 1) return skip->size();
  return static_cast<std::uint64_t>(std::count_if(skip->begin(), skip->end(), [this](auto index) {
    return index % shard_count == shard_index;
  }));
}

}  // namespace nbc
