// Weighted Arrhenius fit ln D = ln D0 − E_a/(k_B T) with the full 2×2 covariance, and
// D at any temperature with the propagated uncertainty (PHYSICS.md, "Arrhenius").
#pragma once

#include <string>
#include <vector>

#include "ionhop/analysis/estimate.hpp"

namespace ionhop::analysis {

struct ArrheniusPoint {
  double temperature_k;
  double diffusion;      // any unit (cm²/s at the boundaries); the prefactor comes out in it
  double diffusion_err;  // one standard error, > 0
};

struct ArrheniusFit {
  double activation_energy_ev = NAN;
  double ln_prefactor = NAN;  // ln D0
  // Covariance of (ln D0, E_a): [0]=var(ln D0), [1]=cov, [2]=var(E_a).
  double var_ln_prefactor = NAN, cov_ln_prefactor_activation = NAN, var_activation = NAN;
  double chi2 = NAN;
  int degrees_of_freedom = 0;
  // The covariance is scaled by χ²/dof when that exceeds 1 (Birge ratio), so scatter
  // beyond the error bars widens the reported uncertainty instead of being ignored.
  bool covariance_scaled = false;
  std::size_t points = 0;

  double activation_energy_err_ev() const { return std::sqrt(var_activation); }
  double prefactor() const { return std::exp(ln_prefactor); }
  // First-order error of D0 from the error of ln D0.
  double prefactor_err() const { return prefactor() * std::sqrt(var_ln_prefactor); }
  double ln_diffusion_err(double temperature_k) const;
  // D(T) and its standard error (first-order propagation through the covariance).
  Estimate diffusion_at(double temperature_k) const;
};

// Needs ≥ 2 points with distinct temperatures, D > 0 and error > 0; throws
// std::invalid_argument otherwise (callers turn it into an input error where relevant).
ArrheniusFit fit_arrhenius(const std::vector<ArrheniusPoint>& points);

}  // namespace ionhop::analysis
