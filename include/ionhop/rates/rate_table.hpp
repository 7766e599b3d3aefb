// Rate tables: the contract between barrier sources (MD fits, NEB, literature) and the KMC.
// Per defect species: mechanism, charge, host sublattice, hop types (shell, barrier,
// attempt frequency) and optional site energies, each number with its provenance.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ionhop::rates {

enum class Mechanism { vacancy, interstitial };

const char* to_string(Mechanism m);

// How an interstitial hop moves atoms (vacancy hops: always the exchange with the host ion).
// direct: the interstitial's own atom moves to the neighbouring site; species unchanged.
// kickout: the interstitial atom drops into a lattice site and the host ion it displaces
// becomes the interstitial, on the target site (species = the one of that ion's element).
// Two atoms can be displaced — the target's host ion (the interstitial atom takes the
// target's lattice site) or the own site's host ion (pushed on to the target; the
// interstitial atom takes its place) — each at half the entry's rate Γ/2: the two are each
// other's reverse, which detailed balance needs, and in a pure host the defect then moves
// to each neighbour at Γ like a direct hop. (A lone "kick out the target's host" has no
// reverse among these moves.)
enum class HopMechanism { direct, kickout };

inline const char* to_string(HopMechanism m) {
  return m == HopMechanism::direct ? "direct" : "kickout";
}

struct HopRate {
  std::string shell;                // name of a hop shell of the lattice
  double barrier_ev = 0;            // E_KRA: barrier between equal-energy sites
  double attempt_frequency_hz = 0;  // ν in Γ = ν exp(−E_b / k_B T)
  std::string provenance;
  // Vacancy mechanism: the host ion that jumps into the vacancy ("I", "Br"); empty: any
  // ion not covered by a more specific entry of the same shell. Kick-out hops: the host
  // ion that is kicked out (and becomes the interstitial). Not used by direct hops.
  std::string moving_species;
  HopMechanism mechanism = HopMechanism::direct;  // interstitials only
};

struct DefectSpecies {
  std::string name;  // e.g. "V_I^+"
  Mechanism mechanism = Mechanism::vacancy;
  int charge = 0;          // in units of e
  std::string sublattice;  // the sublattice whose sites the defect occupies
  // Interstitials: the element of the extra atom it carries ("I" for I_i on an X site,
  // whose host ion stays tracked); empty: not tracked (vacancies, element-blind tables).
  // A kick-out turns the defect into the species of the kicked-out ion's element with the
  // same charge and sublattice; at most one interstitial species per (element, charge,
  // sublattice).
  std::string element;
  bool mobile = true;  // false: no hops at all (e.g. V_I^- in the MD of Tyagi et al.)
  std::vector<HopRate> hops;
  // Site energy (eV) per basis-site label; missing labels are 0. Enters the barrier as
  // E_b,ij = E_KRA + (E_j − E_i)/2 so that Γ_ij/Γ_ji = exp(−(E_j − E_i)/k_B T).
  std::map<std::string, double> site_energies_ev;
  // Local-environment model (vacancies): counts n_s of host ions of species s on the
  // neighbours (hop shell `environment_shell`) of a site. Site energy of the vacancy
  // E_i = Σ_s e_s n_s(i); barrier E_b = E_KRA + Σ_s k_s (n_s(i) + n_s(j'))/2 + (E_j' − E_i)/2,
  // with j' the final state (after the ion has moved), so detailed balance holds for the
  // whole configuration. Empty maps: no environment dependence.
  std::string environment_shell;
  std::map<std::string, double> environment_site_energy_ev;  // e_s per neighbour of species s
  std::map<std::string, double> environment_kra_ev;          // k_s per neighbour of species s
  // Saddle term q_s: E_b gains Σ_s q_s n_s(saddle), n_s(saddle) the host ions of species s
  // on the common environment neighbours of i and j (neither i nor j counted). Only the
  // two hop ends change in a hop, so the saddle set reads the same forward and backward:
  // the term adds equally to E_b,ij and E_b,ji and leaves Γ_ij/Γ_ji (detailed balance) as
  // it was.
  std::map<std::string, double> environment_saddle_kra_ev;
  std::string provenance;

  bool has_environment() const {
    return !environment_site_energy_ev.empty() || !environment_kra_ev.empty() ||
           !environment_saddle_kra_ev.empty();
  }
};

// Capture of one carrier turns defect species `from` (charge q) into `to` (charge q' = q ± 1)
// in place. ε(q/q') = level_ev above the valence-band maximum. At Fermi level E_F,
// ΔG(from→to) = (q' − q)(E_F − ε); the capture rate is an input and the reverse (emission)
// rate follows from detailed balance, k(to→from) = k(from→to)·exp(ΔG/k_B T) (PHYSICS.md).
struct ChargeTransition {
  std::string from, to;
  double level_ev = 0;
  double capture_rate_hz = 0;
  std::string provenance;
};

struct ChargeModel {
  double band_gap_ev = 0;  // 0: no charge model
  std::vector<ChargeTransition> transitions;
  bool empty() const { return transitions.empty(); }
};

struct RateTable {
  std::string schema = "ionhop.rates/1";
  std::string name;
  std::string description;
  std::string provenance;  // JSON text of the table's provenance object
  std::vector<DefectSpecies> species;
  ChargeModel charge_model;

  std::optional<std::size_t> species_index(const std::string& species_name) const;
};

// Adds the species of `more` (and its charge model) to `into`, so that one sweep can cover
// defects whose rates come from different tables (fit-barriers writes one table per
// campaign, e.g. one per charge state). Returns the problem, "" when merged: a species name
// in both tables, or a charge model in both (a charge model couples the species of its own
// table; two are not combined). `into` is unchanged when a problem is returned.
std::string merge_species_into(RateTable& into, const RateTable& more);

// Arrhenius rate Γ = ν exp(−E_b / k_B T) (s⁻¹).
double arrhenius_rate_hz(double attempt_frequency_hz, double barrier_ev, double temperature_k);

// Attempt frequency that makes an uncorrelated walk with z hops of length d reproduce the
// prefactor D0 of D = D0 exp(−E_a/k_B T): from D = zΓd²/6, ν0 = 6 D0 / (z d²).
// (Tyagi et al. write D0 = d²ν0/z, their Eq. 2; we do not use that convention.)
double attempt_frequency_from_prefactor_hz(double prefactor_cm2_s, int coordination,
                                           double hop_length_angstrom);

}  // namespace ionhop::rates
