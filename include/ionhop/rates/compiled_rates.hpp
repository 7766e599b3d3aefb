// A rate table bound to a site graph at one temperature and field: the rate of every hop
// template of every basis site, per species, ready for the KMC hot loop (no exp() per
// event). A uniform field E biases the hop of a defect of charge q by
// exp(q E·Δr / 2k_BT) (PHYSICS.md), so Γ_ij(E)/Γ_ji(E) = exp(−(ΔE_site − qE·Δr)/k_BT).
#pragma once

#include <string>
#include <vector>

#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::rates {

// Throws InputError (no file; JSON path into the rate table) when a species names a
// sublattice the crystal lacks, a hop names an unknown shell or a shell of another
// sublattice, or a site energy names an unknown basis label.
// A table whose hop rates depend on the moving host ion (HopRate::moving_species).
bool has_moving_species_rates(const RateTable& table);
void check_against_crystal(const RateTable& table, const lattice::Crystal& crystal);

class CompiledRates {
 public:
  // `occupants`: host species that can sit on the target of a vacancy hop, when rates
  // depend on which ion moves (HopRate::moving_species). Empty: one column, in which the
  // moving ion is the target basis site's default occupant.
  CompiledRates(const RateTable& table, const lattice::SiteGraph& graph, double temperature_k,
                const lattice::Vec3& field_v_per_angstrom = lattice::Vec3::Zero(),
                const std::vector<std::string>& occupants = {});

  // Γ (s⁻¹) of hop template k out of a site of basis b for species s, with host ion
  // `occupant` (index into `occupants`) moving; 0 if not allowed.
  double rate_hz(std::size_t species, std::size_t basis, std::size_t k,
                 std::size_t occupant = 0) const {
    return rates_[((species * basis_count_ + basis) * stride_ + k) * occupant_count_ + occupant];
  }
  // Rates of species s out of basis b: entry k·occupant_count() + o.
  const double* rates_of(std::size_t species, std::size_t basis) const {
    return rates_.data() + (species * basis_count_ + basis) * stride_ * occupant_count_;
  }
  double barrier_ev(std::size_t species, std::size_t basis, std::size_t k,
                    std::size_t occupant = 0) const {
    return barriers_[((species * basis_count_ + basis) * stride_ + k) * occupant_count_ + occupant];
  }
  std::size_t occupant_count() const { return occupant_count_; }
  double temperature_k() const { return temperature_k_; }

 private:
  std::size_t basis_count_, stride_, occupant_count_ = 1;
  double temperature_k_;
  std::vector<double> rates_, barriers_;
};

// Σ_k Γ_k |Δr_k|² / 6 of species s, averaged over the basis sites of its sublattice with
// Boltzmann weights of their site energies (Å²/s): the exact D of an isolated defect when
// all its sites are equivalent, and the uncorrelated-hop estimate otherwise.
double uncorrelated_diffusion_angstrom2_s(const RateTable& table, const CompiledRates& rates,
                                          const lattice::SiteGraph& graph, std::size_t species);

}  // namespace ionhop::rates
