// The Potential interface: energy, forces and stress of a periodic structure. Every energy
// model of the offline stage (pair potentials, analytic test surfaces, the MLFF) implements
// it, so relaxation, CI-NEB and environment sampling work with any of them.
#pragma once

#include <Eigen/Core>
#include <string>

#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

struct EnergyForces {
  double energy_ev = 0;
  Eigen::Matrix3Xd forces_ev_per_angstrom{3, 0};  // F = −∂E/∂r, column per atom
  // Stress σ_ab = (1/V) ∂E/∂ε_ab at zero strain (ASE's sign convention: positive σ_aa
  // means the energy falls if the cell shrinks along a), eV/Å³. Zero when !has_stress.
  Eigen::Matrix3d stress_ev_per_angstrom3 = Eigen::Matrix3d::Zero();
  bool has_stress = false;
};

class Potential {
 public:
  virtual ~Potential() = default;
  // Short identifier, e.g. "buckingham-coulomb" or "muller-brown".
  virtual std::string name() const = 0;
  // Canonical text of every parameter (JSON), hashed into rate-table provenance so a table
  // names exactly the potential that produced it.
  virtual std::string parameters_json() const = 0;
  // Must be thread-safe: CI-NEB evaluates images concurrently on one const Potential.
  // Throws InputError for structures it cannot evaluate (unknown element, cutoff too
  // large for the cell).
  virtual EnergyForces compute(const Structure& structure) const = 0;
};

}  // namespace ionhop::atomistic
