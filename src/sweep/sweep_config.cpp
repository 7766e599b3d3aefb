#include "ionhop/sweep/sweep_config.hpp"

#include <cstdio>

#include "ionhop/core/random_stream.hpp"

namespace ionhop::sweep {

std::vector<SweepPoint> expand_grid(const SweepConfig& config) {
  std::vector<SweepPoint> points;
  for (const auto& name : config.species) {
    const std::size_t index = *config.rate_table.species_index(name);
    for (const auto& cell : config.supercells)
      for (std::size_t count : config.defect_counts)
        for (double t : config.temperatures_k) points.push_back({name, index, t, cell, count});
  }
  return points;
}

std::uint64_t stream_id(const SweepPoint& p, std::size_t replica) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "|%.17g|%dx%dx%d|%zu", p.temperature_k, p.supercell[0],
                p.supercell[1], p.supercell[2], p.defects);
  return core::mix64(core::stable_hash64(p.species + buf) ^ core::mix64(replica));
}

}  // namespace ionhop::sweep
