// Helpers on run settings: where the interfaces of a layered composition lie.
#include "ionhop/kmc/run_settings.hpp"

#include <algorithm>

namespace ionhop::kmc {

std::vector<double> layer_boundaries_z_fraction(
    const std::vector<SublatticeComposition>& composition, int cells_along_a3) {
  std::vector<double> boundaries;
  for (const auto& c : composition) {
    int start = 0;
    for (const auto& layer : c.layers) {
      const double f = static_cast<double>(start) / cells_along_a3;
      if (std::find(boundaries.begin(), boundaries.end(), f) == boundaries.end())
        boundaries.push_back(f);
      start += layer.cells;
    }
  }
  std::sort(boundaries.begin(), boundaries.end());
  return boundaries;
}

}  // namespace ionhop::kmc
