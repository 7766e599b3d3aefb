#include "ionhop/analysis/estimate.hpp"

namespace ionhop::analysis {

Estimate mean_with_standard_error(const std::vector<double>& samples) {
  Estimate e;
  e.samples = samples.size();
  if (samples.empty()) return e;
  double sum = 0;
  for (double x : samples) sum += x;
  e.value = sum / samples.size();
  if (samples.size() < 2) return e;
  double ss = 0;
  for (double x : samples) ss += (x - e.value) * (x - e.value);
  e.error = std::sqrt(ss / (samples.size() - 1) / samples.size());
  return e;
}

}  // namespace ionhop::analysis
