// A rate table bound to a site graph at one temperature and field: the rate of every hop
// template of every basis site, per species, ready for the KMC hot loop (no exp() per
// event). A uniform field E biases the hop of a defect of charge q by
// exp(q E·Δr / 2k_BT) (PHYSICS.md), so Γ_ij(E)/Γ_ji(E) = exp(−(ΔE_site − qE·Δr)/k_BT).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::rates {

// A table whose vacancy hop rates depend on the moving host ion (HopRate::moving_species).
bool has_moving_species_rates(const RateTable& table);
// Throws InputError (no file; JSON path into the rate table) when a species names a
// sublattice the crystal lacks, a hop names an unknown shell or a shell of another
// sublattice, a site energy names an unknown basis label, an interstitial's element is
// the ion of another sublattice (not a host ion of its own), or a kick-out of the
// lattice's own host ion has no species to turn into.
void check_against_crystal(const RateTable& table, const lattice::Crystal& crystal);

// Kick-out hops (HopMechanism::kickout; see rate_table.hpp).
bool has_kickout(const RateTable& table);
// The interstitial species carrying `element` with this charge on this sublattice.
std::optional<std::size_t> interstitial_species_of(const RateTable& table,
                                                   const std::string& element, int charge,
                                                   const std::string& sublattice);
// The kick-out entry that rates the exchange of roles between interstitial species a and b
// (b = the species of the kicked-out ion's element) along `shell`, in either direction:
// a's entry for b's element (or a's generic kick-out entry), else b's for a's. Detailed
// balance needs one E_KRA and ν for a kick-out and its reverse, so both directions read
// the same entry; check_kickout rejects tables where the two species give different ones.
// nullptr: no kick-out between them (also when either species is immobile).
const HopRate* kickout_entry(const RateTable& table, std::size_t a, std::size_t b,
                             const std::string& shell);
// Throws InputError (no file) for: two interstitial species with the same (element,
// charge, sublattice); a kick-out entry naming an ion (moving_species) that no species of
// the same charge and sublattice carries; a kick-out pair whose two entries differ in
// barrier or attempt frequency; a charge transition that changes an interstitial's element.
void check_kickout(const RateTable& table);

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

  // Kick-out (compiled when the table has kick-out entries and `occupants` is given):
  // the rate of one kick-out of a host ion of occupant column o along hop template k out
  // of basis b for species s — the same whether that ion is the target's or the own site's
  // host (the defect ends on the target as the species of the ion's element either way);
  // Γ/2 of the entry (rate_table.hpp) with E_b = E_KRA + (E_to(target) − E_s(b))/2.
  bool has_kickout() const { return !kick_rates_.empty(); }
  const double* kickout_rates_of(std::size_t species, std::size_t basis) const {
    return kick_rates_.data() + (species * basis_count_ + basis) * stride_ * occupant_count_;
  }
  double kickout_rate_hz(std::size_t species, std::size_t basis, std::size_t k,
                         std::size_t occupant) const {
    return kick_rates_[((species * basis_count_ + basis) * stride_ + k) * occupant_count_ +
                       occupant];
  }
  // The species s becomes by kicking out an ion of column o: ≥ 0; kNoKickout: no entry
  // applies; kMissingSpecies: an entry applies but no species carries that element.
  static constexpr int kNoKickout = -1, kMissingSpecies = -2;
  int kickout_species(std::size_t species, std::size_t occupant) const {
    return kick_to_.empty() ? kNoKickout : kick_to_[species * occupant_count_ + occupant];
  }

 private:
  std::size_t basis_count_, stride_, occupant_count_ = 1;
  double temperature_k_;
  std::vector<double> rates_, barriers_;
  std::vector<double> kick_rates_;
  std::vector<int> kick_to_;  // species × occupant
};

// Σ_k Γ_k |Δr_k|² / 6 of species s, averaged over the basis sites of its sublattice with
// Boltzmann weights of their site energies (Å²/s): the exact D of an isolated defect when
// all its sites are equivalent, and the uncorrelated-hop estimate otherwise.
double uncorrelated_diffusion_angstrom2_s(const RateTable& table, const CompiledRates& rates,
                                          const lattice::SiteGraph& graph, std::size_t species);

}  // namespace ionhop::rates
