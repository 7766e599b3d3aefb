// A value with its standard error and how many independent samples it came from.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace ionhop::analysis {

struct Estimate {
  double value = NAN;
  double error = NAN;  // one standard error; NaN when it cannot be estimated (n < 2)
  std::size_t samples = 0;
};

// Mean and standard error of the mean, s/√n with the unbiased sample variance s².
Estimate mean_with_standard_error(const std::vector<double>& samples);

}  // namespace ionhop::analysis
