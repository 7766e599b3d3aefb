// Comparison of KMC diffusion coefficients with an MD Arrhenius reference (e.g. Table 1 of
// Tyagi et al.): ratio D_KMC/D_MD and a z-score in ln D, at MD temperatures and at 300 K.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ionhop/analysis/estimate.hpp"

namespace ionhop::analysis {

struct MdArrhenius {
  std::string species;
  std::string mechanism;  // "vacancy" / "interstitial" (optional in the file)
  std::optional<int> charge;
  bool immobile = false;  // no migration seen in MD: no Arrhenius parameters
  double activation_energy_ev = NAN, activation_energy_err_ev = NAN;
  double prefactor_cm2_s = NAN, prefactor_err_cm2_s = NAN;
  std::optional<double> diffusion_300k_cm2_s;  // as printed in the source
};

struct MdReference {
  std::string description;
  std::vector<double> temperatures_k;  // where MD was run
  std::vector<MdArrhenius> species;
  const MdArrhenius* find(const std::string& name) const;
};

// D_MD(T) = D0 exp(−E_a/k_B T). The source gives no covariance of D0 and E_a, so the error
// treats them as independent: σ(ln D)² = (σ_D0/D0)² + (σ_Ea/k_B T)². That overstates the
// MD uncertainty (fitted D0 and E_a are strongly correlated); said so in the README.
Estimate md_diffusion_at(const MdArrhenius& md, double temperature_k);

struct Comparison {
  std::string species;
  double temperature_k = NAN;
  Estimate kmc, md;        // cm²/s
  std::string kmc_source;  // "point" (a sweep point at this T) or "fit" (KMC Arrhenius fit)
  double ratio = NAN;      // D_KMC / D_MD
  double z_score = NAN;    // (ln D_KMC − ln D_MD) / sqrt(σ_ln,KMC² + σ_ln,MD²)
};

Comparison compare_with_md(const std::string& species, double temperature_k, const Estimate& kmc,
                           const std::string& kmc_source, const MdArrhenius& md);

}  // namespace ionhop::analysis
