#include "ionhop/analysis/md_comparison.hpp"

#include <cmath>

#include "ionhop/core/units.hpp"

namespace ionhop::analysis {

const MdArrhenius* MdReference::find(const std::string& name) const {
  for (const auto& s : species)
    if (s.species == name) return &s;
  return nullptr;
}

Estimate md_diffusion_at(const MdArrhenius& md, double temperature_k) {
  Estimate e;
  if (md.immobile) return e;
  const double kt = units::thermal_energy_ev(temperature_k);
  e.value = md.prefactor_cm2_s * std::exp(-md.activation_energy_ev / kt);
  const double rel_d0 = md.prefactor_err_cm2_s / md.prefactor_cm2_s;
  const double rel_ea = md.activation_energy_err_ev / kt;
  e.error = e.value * std::sqrt(rel_d0 * rel_d0 + rel_ea * rel_ea);
  e.samples = 1;
  return e;
}

Comparison compare_with_md(const std::string& species, double temperature_k, const Estimate& kmc,
                           const std::string& kmc_source, const MdArrhenius& md) {
  Comparison c;
  c.species = species;
  c.temperature_k = temperature_k;
  c.kmc = kmc;
  c.kmc_source = kmc_source;
  c.md = md_diffusion_at(md, temperature_k);
  if (kmc.value > 0 && c.md.value > 0) {
    c.ratio = kmc.value / c.md.value;
    const double s_kmc = kmc.error / kmc.value;
    const double s_md = c.md.error / c.md.value;
    c.z_score = std::log(c.ratio) / std::sqrt(s_kmc * s_kmc + s_md * s_md);
  }
  return c;
}

ImmobilityCheck check_md_immobility(const std::vector<double>& hop_rates_per_defect_hz,
                                    double observation_time_s) {
  ImmobilityCheck c;
  c.expected_hops = 0;
  for (double rate : hop_rates_per_defect_hz) c.expected_hops += rate * observation_time_s;
  c.probability_no_hop = std::exp(-c.expected_hops);
  c.consistent = c.probability_no_hop >= 0.05;
  return c;
}

}  // namespace ionhop::analysis
