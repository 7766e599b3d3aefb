// Metastable starts: the lowest relaxed initial state per (defect, occupation) and the samples
// above it.
#include "ionhop/barriers/metastable_starts.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "ionhop/core/error.hpp"

namespace ionhop::barriers {

namespace {

bool comparable(const BarrierSample& s) {
  return s.converged && s.initial_energy_ev && !s.occupation_key.empty();
}

}  // namespace

StartSelection drop_metastable_starts(const std::vector<BarrierSample>& samples,
                                      double tolerance_ev) {
  if (!(tolerance_ev >= 0) || !std::isfinite(tolerance_ev))
    throw InputError("", "", "ground-state tolerance must be a finite number >= 0 eV");
  // Lowest initial energy (and its sample) per defect and occupation.
  std::map<std::pair<std::string, std::string>, const BarrierSample*> lowest;
  for (const auto& s : samples) {
    if (!comparable(s)) continue;
    const BarrierSample*& best = lowest[{s.defect, s.occupation_key}];
    if (!best || *s.initial_energy_ev < *best->initial_energy_ev) best = &s;
  }
  StartSelection out;
  for (const auto& s : samples) {
    if (comparable(s)) {
      const BarrierSample& best = *lowest.at({s.defect, s.occupation_key});
      const double above = *s.initial_energy_ev - *best.initial_energy_ev;
      if (above > tolerance_ev) {
        char line[256];
        std::snprintf(line, sizeof line, "%s: initial state %.4f eV above the lowest (%s)",
                      s.id.c_str(), above, best.id.c_str());
        out.removed.push_back(line);
        continue;
      }
    }
    out.kept.push_back(s);
  }
  return out;
}

}  // namespace ionhop::barriers
