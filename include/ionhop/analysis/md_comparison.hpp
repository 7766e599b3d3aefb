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
  // MD time per temperature (all runs of one temperature together), when the source says:
  // what an "immobile in MD" entry means (no hop seen in that time).
  std::optional<double> observation_time_s;
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

// A species MD saw no hop of, against a rate table in which it is mobile. With hop rate
// Γ(T) per defect (from the KMC) and MD time t per temperature, the expected number of hops
// over all MD temperatures is N = Σ_T Γ(T) t; hops are a Poisson process, so MD sees none
// with probability P = exp(−N). consistent: P ≥ 5 % (N ≤ ln 20 ≈ 3).
struct ImmobilityCheck {
  double expected_hops = NAN;       // N
  double probability_no_hop = NAN;  // exp(−N)
  bool consistent = false;
};
ImmobilityCheck check_md_immobility(const std::vector<double>& hop_rates_per_defect_hz,
                                    double observation_time_s);

}  // namespace ionhop::analysis
