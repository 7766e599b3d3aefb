#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "ionhop/analysis/arrhenius.hpp"
#include "ionhop/analysis/md_comparison.hpp"
#include "ionhop/core/units.hpp"

using namespace ionhop;
using analysis::ArrheniusPoint;

namespace {
double arrhenius(double d0, double ea, double t) {
  return d0 * std::exp(-ea / (units::boltzmann_ev_per_k * t));
}
}  // namespace

TEST_CASE("noise-free Arrhenius data are fitted exactly", "[analysis][arrhenius]") {
  std::vector<ArrheniusPoint> pts;
  for (double t : {250.0, 300.0, 400.0, 500.0, 600.0})
    pts.push_back({t, arrhenius(2.4e-4, 0.16, t), 0.02 * arrhenius(2.4e-4, 0.16, t)});
  const auto fit = analysis::fit_arrhenius(pts);
  CHECK(fit.activation_energy_ev == Approx(0.16).epsilon(1e-10));
  CHECK(fit.prefactor() == Approx(2.4e-4).epsilon(1e-10));
  CHECK(fit.chi2 == Approx(0.0).margin(1e-12));
  CHECK(fit.degrees_of_freedom == 3);
  CHECK(!fit.covariance_scaled);
  CHECK(fit.diffusion_at(300).value == Approx(arrhenius(2.4e-4, 0.16, 300)).epsilon(1e-10));
}

TEST_CASE("Arrhenius covariance is honest: pulls of noisy fits are standard normal",
          "[analysis][arrhenius]") {
  // 2000 synthetic data sets with Gaussian noise of known σ in ln D; the reported
  // uncertainties must match the scatter of the fitted values (pull mean 0, sd 1).
  std::mt19937_64 gen(12345);
  std::normal_distribution<double> noise(0.0, 1.0);
  const double ea = 0.21, d0 = 1.08e-3, sigma_ln = 0.05;
  const int sets = 2000;
  double sum_e = 0, sum_e2 = 0, sum_d = 0, sum_d2 = 0;
  for (int s = 0; s < sets; ++s) {
    std::vector<ArrheniusPoint> pts;
    for (double t : {300.0, 350.0, 400.0, 450.0, 500.0, 550.0, 600.0}) {
      const double d = arrhenius(d0, ea, t) * std::exp(sigma_ln * noise(gen));
      pts.push_back({t, d, sigma_ln * d});
    }
    auto fit = analysis::fit_arrhenius(pts);
    // Pulls use the unscaled covariance: undo the Birge scaling when it was applied.
    const double scale = fit.covariance_scaled ? fit.chi2 / fit.degrees_of_freedom : 1.0;
    const double pe = (fit.activation_energy_ev - ea) / std::sqrt(fit.var_activation / scale);
    const double d300 = fit.diffusion_at(300.0).value;
    const double pd = (std::log(d300) - std::log(arrhenius(d0, ea, 300))) /
                      (fit.ln_diffusion_err(300.0) / std::sqrt(scale));
    sum_e += pe;
    sum_e2 += pe * pe;
    sum_d += pd;
    sum_d2 += pd * pd;
  }
  const double me = sum_e / sets, sde = std::sqrt(sum_e2 / sets - me * me);
  const double md = sum_d / sets, sdd = std::sqrt(sum_d2 / sets - md * md);
  // Mean of N(0,1) over 2000 sets: SE 0.022; sd: SE ≈ 0.016.
  CHECK(std::abs(me) < 0.1);
  CHECK(std::abs(sde - 1.0) < 0.07);
  CHECK(std::abs(md) < 0.1);
  CHECK(std::abs(sdd - 1.0) < 0.07);
}

TEST_CASE("Arrhenius fit rejects unusable data", "[analysis][arrhenius][bad-input]") {
  CHECK_THROWS_AS(analysis::fit_arrhenius({{300, 1e-6, 1e-8}}), std::invalid_argument);
  CHECK_THROWS_AS(analysis::fit_arrhenius({{300, 1e-6, 1e-8}, {300, 2e-6, 1e-8}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(analysis::fit_arrhenius({{300, -1e-6, 1e-8}, {400, 2e-6, 1e-8}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(analysis::fit_arrhenius({{300, 1e-6, 0}, {400, 2e-6, 1e-8}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(analysis::fit_arrhenius({{-300, 1e-6, 1e-8}, {400, 2e-6, 1e-8}}),
                  std::invalid_argument);
}

TEST_CASE("MD reference propagation and comparison", "[analysis][comparison]") {
  analysis::MdArrhenius md;
  md.species = "V_I^+";
  md.activation_energy_ev = 0.16;
  md.activation_energy_err_ev = 0.03;
  md.prefactor_cm2_s = 0.24e-3;
  md.prefactor_err_cm2_s = 0.19e-3;
  const auto d = analysis::md_diffusion_at(md, 300);
  // Table 1 of Tyagi et al. prints D(300 K) = 4.92e-7 cm²/s for V_I^+.
  CHECK(d.value == Approx(4.92e-7).epsilon(0.005));
  const double kt = units::boltzmann_ev_per_k * 300;
  CHECK(d.error / d.value == Approx(std::hypot(0.19 / 0.24, 0.03 / kt)).epsilon(1e-12));
  const auto c =
      analysis::compare_with_md("V_I^+", 300, {2 * d.value, 0.1 * d.value, 8}, "point", md);
  CHECK(c.ratio == Approx(2.0));
  CHECK(c.z_score == Approx(std::log(2.0) / std::hypot(0.05, d.error / d.value)));
}
