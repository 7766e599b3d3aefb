// A general ionic pair potential: per element-pair short-range terms (Buckingham or
// Lennard-Jones, cut off and smoothly switched) plus Coulomb between fixed per-element point
// charges by Ewald summation. The workhorse energy model of the offline barrier stage.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ionhop/atomistic/ewald.hpp"
#include "ionhop/atomistic/potential.hpp"

namespace ionhop::atomistic {

enum class PairForm { buckingham, lennard_jones };
std::string to_string(PairForm form);  // "buckingham", "lennard_jones"

struct PairTerm {
  std::string element_a, element_b;  // unordered
  PairForm form = PairForm::buckingham;
  // Buckingham: φ(r) = A exp(−r/ρ) − C/r⁶
  double a_ev = 0, rho_angstrom = 0, c_ev_angstrom6 = 0;
  // Lennard-Jones: φ(r) = 4ε[(σ/r)¹² − (σ/r)⁶]
  double epsilon_ev = 0, sigma_angstrom = 0;
};

struct PairPotentialParameters {
  std::string name, description, provenance;
  std::map<std::string, double> charges_e;  // point charge per element (e)
  std::vector<PairTerm> pairs;              // element pairs not listed: Coulomb only
  double cutoff_angstrom = 10.0;            // short-range cutoff r_c
  // The short-range terms are shifted and switched off over [r_c − w, r_c] (see PairPotential).
  double switch_width_angstrom = 1.0;
  // Two atoms closer than this are rejected (a Buckingham −C/r⁶ term diverges to −∞ as r → 0).
  double min_distance_angstrom = 0.5;
  double ewald_accuracy = 1e-8;  // relative, see EwaldSettings
};

// E = Σ_{pairs, r < r_c} φ_s(r) + E_Ewald(q), with the short-range term
//   φ_s(r) = [φ(r) − φ(r_c)] · S(r),   S = 1 for r ≤ r_on = r_c − w,
//   S(x) = 1 − 10x³ + 15x⁴ − 6x⁵ with x = (r − r_on)/w on [r_on, r_c]   (quintic smoothstep).
// The shift makes φ_s(r_c) = 0 the LAMMPS "pair_modify shift yes" way (energies inside r_on
// change by the constant −φ(r_c) per pair, forces not at all); the switch makes forces and
// their first derivative continuous at r_c as well, which FIRE and CI-NEB need (a force jump
// at the cutoff stalls convergence). Only pairs with r in [r_on, r_c] feel the switch.
// Stress is the pair virial (1/V) Σ φ_s'(r) r_a r_b / r plus the Ewald stress.
class PairPotential : public Potential {
 public:
  // Validates the parameters; throws InputError("", "", problem) for inconsistent ones (the
  // file loader reports the same problems with file and JSON path first).
  explicit PairPotential(PairPotentialParameters parameters);

  std::string name() const override { return parameters_.name; }
  // Canonical JSON (sorted keys, pairs with sorted elements in sorted order, shortest
  // round-trip numbers) of every parameter that changes the energy, plus name and provenance.
  std::string parameters_json() const override;
  // Throws InputError for: an element without parameters ("potential <name> has no
  // parameters for element Xx"), a cutoff larger than half the smallest perpendicular cell
  // width, two atoms closer than min_distance_angstrom ("atoms i and j overlap (r = … Å)",
  // 0-based indices).
  EnergyForces compute(const Structure& structure) const override;

  const PairPotentialParameters& parameters() const { return parameters_; }

 private:
  struct Term {
    bool active = false;
    PairForm form = PairForm::buckingham;
    double p0 = 0, p1 = 0, p2 = 0;  // (A, 1/ρ, C) or (4ε, σ⁶, unused)
    double shift_ev = 0;            // φ(r_c)
  };
  // φ and dφ/dr of the unshifted, unswitched term.
  static void evaluate(const Term& t, double r, double& phi, double& dphi_dr);

  PairPotentialParameters parameters_;
  std::vector<std::string> elements_;  // sorted; index = species id
  std::vector<Term> terms_;            // species × species, symmetric
};

}  // namespace ionhop::atomistic
