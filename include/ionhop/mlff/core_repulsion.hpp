// A fixed short-range repulsion under the linear MLFF: the universal screened nuclear
// repulsion of Ziegler, Biersack & Littmark (ZBL), switched off smoothly below the bond
// lengths the training data hold.
//
// Why: the linear model's features are bounded (Chebyshev radial functions, cosine cutoff),
// so nothing in it forbids two atoms from merging; where training data never reached short
// contacts, NEB bands and relaxations of the I_i^- model ran into them (Pb–I at 1.8–2.3 Å,
// iodides on top of each other) with model energies hundreds to thousands of eV *below* the
// endpoints, and each such image cost a DFT label. ZBL diverges as 1/r, so such states are
// uphill. With r_outer below the shortest distance of the training frames it changes no
// training observation, so the fit and the model in the region of the data are unchanged.
//
//   V(r) = (Z_1 Z_2 e²/(4πε₀ r)) φ(r/a),  a = 0.46850 Å / (Z_1^0.23 + Z_2^0.23),
//   φ(x) = 0.18175 e^{−3.19980x} + 0.50986 e^{−0.94229x} + 0.28022 e^{−0.40290x}
//          + 0.02817 e^{−0.20162x}                 (ZBL, The Stopping and Range of Ions in
//                                                   Solids, Pergamon 1985, eq. 2-73)
//   E = Σ_{pairs} V(r) S(r),  S = 1 for r ≤ r_inner, 0 for r ≥ r_outer, and in between
//   S = 1 − 10t³ + 15t⁴ − 6t⁵ with t = (r − r_inner)/(r_outer − r_inner) (C² smooth).
#pragma once

#include <Eigen/Core>

#include "ionhop/atomistic/neighbour_list.hpp"
#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::mlff {

struct CoreRepulsionSettings {
  double inner_angstrom = 0;  // full ZBL below
  double outer_angstrom = 0;  // zero above; 0: no repulsion
  bool enabled() const { return outer_angstrom > 0; }
};

// Throws InputError (no file) unless 0 ≤ inner < outer, both finite (or both 0: disabled).
void check_core_repulsion(const CoreRepulsionSettings& settings);

// ZBL pair energy V(r) S(r) (eV) and its derivative d(VS)/dr (eV/Å) for atomic numbers z1, z2.
struct PairEnergy {
  double energy_ev = 0, derivative_ev_per_angstrom = 0;
};
PairEnergy core_repulsion_pair(const CoreRepulsionSettings& settings, int z1, int z2,
                               double r_angstrom);

// Energy, forces and stress (1/V) Σ_pairs ∂E/∂r_ij ⊗ r_ij of a structure (exact gradients;
// serial, deterministic). Throws InputError (no file) for an element beyond Bi, or when
// r_outer exceeds half the smallest cell width.
atomistic::EnergyForces core_repulsion(const CoreRepulsionSettings& settings,
                                       const atomistic::Structure& structure);
// The same from a neighbour list the caller already has (full or half, e.g. the MLFF
// descriptor's): used when its cutoff reaches r_outer, so a force call builds no second list.
atomistic::EnergyForces core_repulsion(const CoreRepulsionSettings& settings,
                                       const atomistic::Structure& structure,
                                       const atomistic::NeighbourList& list);

// Per-atom split: half of each pair's energy to each atom (they sum to the energy above).
Eigen::VectorXd core_repulsion_atomic_energies(const CoreRepulsionSettings& settings,
                                               const atomistic::Structure& structure);

}  // namespace ionhop::mlff
