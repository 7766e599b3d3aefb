#include "ionhop/rates/rate_table.hpp"

#include <cmath>

#include "ionhop/core/units.hpp"

namespace ionhop::rates {

const char* to_string(Mechanism m) { return m == Mechanism::vacancy ? "vacancy" : "interstitial"; }

std::optional<std::size_t> RateTable::species_index(const std::string& species_name) const {
  for (std::size_t i = 0; i < species.size(); ++i)
    if (species[i].name == species_name) return i;
  return std::nullopt;
}

std::string merge_species_into(RateTable& into, const RateTable& more) {
  for (const auto& sp : more.species)
    if (into.species_index(sp.name))
      return "species '" + sp.name + "' is already defined by an earlier rate table";
  if (!into.charge_model.empty() && !more.charge_model.empty())
    return "two rate tables with a charge_model cannot be combined";
  into.species.insert(into.species.end(), more.species.begin(), more.species.end());
  if (!more.charge_model.empty()) into.charge_model = more.charge_model;
  into.name += " + " + more.name;
  return "";
}

double arrhenius_rate_hz(double attempt_frequency_hz, double barrier_ev, double temperature_k) {
  return attempt_frequency_hz * std::exp(-barrier_ev / units::thermal_energy_ev(temperature_k));
}

double attempt_frequency_from_prefactor_hz(double prefactor_cm2_s, int coordination,
                                           double hop_length_angstrom) {
  const double d2_cm2 = hop_length_angstrom * hop_length_angstrom * units::angstrom2_to_cm2;
  return 6.0 * prefactor_cm2_s / (coordination * d2_cm2);
}

}  // namespace ionhop::rates
