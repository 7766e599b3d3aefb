// Charge-state transitions at a Fermi level: capture and emission rates (detailed balance)
// and the equilibrium occupancy of each charge state of a defect (PHYSICS.md, "Rates").
#pragma once

#include <vector>

#include "ionhop/rates/rate_table.hpp"

namespace ionhop::rates {

// ΔG(from → to) = (q_to − q_from)(E_F − ε) in eV.
double transition_free_energy_ev(int charge_from, int charge_to, double fermi_level_ev,
                                 double level_ev);

struct CompiledTransition {
  std::size_t to;  // species index after the transition
  double rate_hz;  // at the given Fermi level and temperature
};

// Transitions out of each species (outer index = species), in both directions of every
// listed capture: capture at capture_rate_hz, emission at capture_rate_hz·exp(ΔG/k_B T).
std::vector<std::vector<CompiledTransition>> compile_transitions(const RateTable& table,
                                                                 double fermi_level_ev,
                                                                 double temperature_k);

// The species reachable from `species` through charge transitions (itself included), in
// index order: the charge states of one defect.
std::vector<std::size_t> charge_state_family(const RateTable& table, std::size_t species);

// Equilibrium occupancy of every species of the family of `species` (same order as
// charge_state_family): p_s ∝ exp(−G_s/k_B T) with G_to − G_from = ΔG(from→to).
std::vector<double> equilibrium_occupancies(const RateTable& table, std::size_t species,
                                            double fermi_level_ev, double temperature_k);

// Throws InputError (no file; JSON path into the rate table) for transitions naming unknown
// species, joining species of different sublattice or mechanism, changing the charge by
// other than ±1, or levels outside [0, band gap].
void check_charge_model(const RateTable& table);

}  // namespace ionhop::rates
