// Analytic test potentials with known stationary points (Müller–Brown, a 2D double well) and
// a many-atom Morse pair potential: the ground truth for testing FIRE and CI-NEB.
#pragma once

#include <Eigen/Core>
#include <string>

#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

// A one-atom structure at (x, y, 0) in a cubic cell of edge cell_angstrom (large by default, so
// periodicity is irrelevant for the 2D surfaces below).
Structure single_atom_structure(double x_angstrom, double y_angstrom, double cell_angstrom = 100.0,
                                const std::string& element = "X");

// Müller–Brown surface (K. Müller and L. D. Brown, Theor. Chim. Acta 53, 75 (1979)) with the
// standard parameters: V(x, y) = Σ_k A_k exp[a_k (x−x0_k)² + b_k (x−x0_k)(y−y0_k) +
// c_k (y−y0_k)²]. Coordinates are read as Å and V as eV. Applies to structures of exactly one
// atom; the energy depends on the atom's (x, y) only, so the z force is 0. Three minima and
// two saddles; the classic test of saddle searches because the MEP is strongly curved.
class MullerBrownPotential : public Potential {
 public:
  std::string name() const override { return "muller-brown"; }
  std::string parameters_json() const override;
  EnergyForces compute(const Structure& structure) const override;

  // Direct access to the surface (used by the tests' Newton refinement of stationary points).
  static double energy(const Eigen::Vector2d& xy);
  static Eigen::Vector2d gradient(const Eigen::Vector2d& xy);
  static Eigen::Matrix2d hessian(const Eigen::Vector2d& xy);
};

// Symmetric 2D double well on one atom: V = h (x²/w² − 1)² + ½ k_y y². Minima at (±w, 0) with
// V = 0, saddle at (0, 0) with V = h: the barrier is known exactly.
class DoubleWellPotential : public Potential {
 public:
  DoubleWellPotential(double barrier_ev, double half_width_angstrom,
                      double transverse_stiffness_ev_per_angstrom2);
  std::string name() const override { return "double-well"; }
  std::string parameters_json() const override;
  EnergyForces compute(const Structure& structure) const override;

 private:
  double barrier_ev_, half_width_angstrom_, stiffness_ev_per_angstrom2_;
};

// Morse pair potential, identical for every element pair, summed over minimum-image pairs:
// φ(r) = D [(1 − e^{−α(r − r0)})² − 1], shifted-force truncated at the cutoff
// (φ_sf(r) = φ(r) − φ(rc) − (r − rc) φ'(rc)) so energy and force are continuous there.
// Minimum image counts each pair once, so the cutoff must not exceed half the cell's smallest
// perpendicular width (InputError otherwise).
struct MorseParameters {
  double depth_ev = 1.0;
  double alpha_per_angstrom = 1.5;
  double equilibrium_distance_angstrom = 2.5;
  double cutoff_angstrom = 6.0;
};

class MorsePairPotential : public Potential {
 public:
  explicit MorsePairPotential(const MorseParameters& parameters);
  std::string name() const override { return "morse-pair"; }
  std::string parameters_json() const override;
  EnergyForces compute(const Structure& structure) const override;

 private:
  // Unshifted φ(r) and φ'(r).
  double phi(double r) const;
  double dphi(double r) const;

  MorseParameters p_;
  double phi_cut_, dphi_cut_;
};

}  // namespace ionhop::atomistic
