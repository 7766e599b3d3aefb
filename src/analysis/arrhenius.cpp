#include "ionhop/analysis/arrhenius.hpp"

#include <Eigen/Dense>
#include <set>
#include <stdexcept>

#include "ionhop/core/units.hpp"

namespace ionhop::analysis {

ArrheniusFit fit_arrhenius(const std::vector<ArrheniusPoint>& points) {
  std::set<double> temperatures;
  for (const auto& p : points) {
    if (!(p.temperature_k > 0) || !std::isfinite(p.temperature_k))
      throw std::invalid_argument("temperature must be a finite number > 0");
    if (!(p.diffusion > 0) || !std::isfinite(p.diffusion))
      throw std::invalid_argument("diffusion coefficient must be a finite number > 0");
    if (!(p.diffusion_err > 0) || !std::isfinite(p.diffusion_err))
      throw std::invalid_argument("diffusion error must be a finite number > 0");
    temperatures.insert(p.temperature_k);
  }
  if (temperatures.size() < 2)
    throw std::invalid_argument("an Arrhenius fit needs at least two distinct temperatures");

  // Model y = ln D = a − E x with x = 1/(k_B T); weights 1/σ_y², σ_y = σ_D / D.
  Eigen::Matrix2d normal = Eigen::Matrix2d::Zero();
  Eigen::Vector2d rhs = Eigen::Vector2d::Zero();
  for (const auto& p : points) {
    const double x = 1.0 / units::thermal_energy_ev(p.temperature_k);
    const double y = std::log(p.diffusion);
    const double sigma = p.diffusion_err / p.diffusion;
    const double w = 1.0 / (sigma * sigma);
    const Eigen::Vector2d row(1.0, -x);
    normal += w * row * row.transpose();
    rhs += w * y * row;
  }
  const Eigen::Matrix2d cov = normal.inverse();
  const Eigen::Vector2d beta = cov * rhs;

  ArrheniusFit fit;
  fit.ln_prefactor = beta[0];
  fit.activation_energy_ev = beta[1];
  fit.points = points.size();
  fit.degrees_of_freedom = static_cast<int>(points.size()) - 2;
  fit.chi2 = 0;
  for (const auto& p : points) {
    const double x = 1.0 / units::thermal_energy_ev(p.temperature_k);
    const double r =
        (std::log(p.diffusion) - (beta[0] - beta[1] * x)) / (p.diffusion_err / p.diffusion);
    fit.chi2 += r * r;
  }
  double scale = 1.0;
  if (fit.degrees_of_freedom > 0 && fit.chi2 / fit.degrees_of_freedom > 1.0) {
    scale = fit.chi2 / fit.degrees_of_freedom;
    fit.covariance_scaled = true;
  }
  fit.var_ln_prefactor = scale * cov(0, 0);
  fit.cov_ln_prefactor_activation = scale * cov(0, 1);
  fit.var_activation = scale * cov(1, 1);
  return fit;
}

double ArrheniusFit::ln_diffusion_err(double temperature_k) const {
  // y = a − E x  ⇒  var y = var a + x² var E − 2 x cov(a, E).
  const double x = 1.0 / units::thermal_energy_ev(temperature_k);
  return std::sqrt(var_ln_prefactor + x * x * var_activation -
                   2.0 * x * cov_ln_prefactor_activation);
}

Estimate ArrheniusFit::diffusion_at(double temperature_k) const {
  const double x = 1.0 / units::thermal_energy_ev(temperature_k);
  Estimate e;
  e.value = std::exp(ln_prefactor - activation_energy_ev * x);
  e.error = e.value * ln_diffusion_err(temperature_k);
  e.samples = points;
  return e;
}

}  // namespace ionhop::analysis
