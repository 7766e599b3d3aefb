// A rate table bound to a site graph at one temperature and field: the rate of every hop
// template of every basis site, per species, ready for the KMC hot loop (no exp() per
// event). A uniform field E biases the hop of a defect of charge q by
// exp(q E·Δr / 2k_BT) (PHYSICS.md), so Γ_ij(E)/Γ_ji(E) = exp(−(ΔE_site − qE·Δr)/k_BT).
#pragma once

#include <vector>

#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::rates {

// Throws InputError (no file; JSON path into the rate table) when a species names a
// sublattice the crystal lacks, a hop names an unknown shell or a shell of another
// sublattice, or a site energy names an unknown basis label.
void check_against_crystal(const RateTable& table, const lattice::Crystal& crystal);

class CompiledRates {
 public:
  CompiledRates(const RateTable& table, const lattice::SiteGraph& graph, double temperature_k,
                const lattice::Vec3& field_v_per_angstrom = lattice::Vec3::Zero());

  // Γ (s⁻¹) of hop template k out of a site of basis b for species s (0 if not allowed).
  double rate_hz(std::size_t species, std::size_t basis, std::size_t k) const {
    return rates_[(species * basis_count_ + basis) * stride_ + k];
  }
  const double* rates_of(std::size_t species, std::size_t basis) const {
    return rates_.data() + (species * basis_count_ + basis) * stride_;
  }
  double barrier_ev(std::size_t species, std::size_t basis, std::size_t k) const {
    return barriers_[(species * basis_count_ + basis) * stride_ + k];
  }
  double temperature_k() const { return temperature_k_; }

 private:
  std::size_t basis_count_, stride_;
  double temperature_k_;
  std::vector<double> rates_, barriers_;
};

// Σ_k Γ_k |Δr_k|² / 6 of species s, averaged over the basis sites of its sublattice with
// Boltzmann weights of their site energies (Å²/s): the exact D of an isolated defect when
// all its sites are equivalent, and the uncorrelated-hop estimate otherwise.
double uncorrelated_diffusion_angstrom2_s(const RateTable& table, const CompiledRates& rates,
                                          const lattice::SiteGraph& graph, std::size_t species);

}  // namespace ionhop::rates
