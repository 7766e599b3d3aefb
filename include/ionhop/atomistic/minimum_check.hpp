// Is a relaxed structure a minimum? In a lattice with soft, unstable modes (the octahedral
// tilts of cubic CsPbI3) FIRE can stop within its force tolerance on a ridge or saddle of
// the tilt landscape: the forces are small, but a direction of negative curvature remains.
// A NEB barrier measured from such an endpoint is meaningless (the band then runs downhill).
// These functions find the most negative curvature of the finite-difference Hessian and,
// while there is one, displace the structure along it and relax again.
#pragma once

#include <cstddef>
#include <optional>

#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

struct UnstableDirection {
  double curvature_ev_per_angstrom2 = 0;  // the lowest eigenvalue of the Cartesian Hessian
  Eigen::Matrix3Xd direction;             // its eigenvector, scaled to a largest atom norm of 1
};

// The lowest eigenvalue of the free atoms' Cartesian Hessian (finite_difference_hessian,
// step `hessian_step_angstrom`, 6 N_free force calls) when it is below
// curvature_threshold_ev_per_angstrom2 (< 0); nullopt otherwise. Rigid translations have
// zero curvature and are never returned.
std::optional<UnstableDirection> most_unstable_direction(
    const Potential& potential, const Structure& structure,
    double curvature_threshold_ev_per_angstrom2 = -0.003, double hessian_step_angstrom = 0.005);

// −0.003 eV/Å²: an iodide mode of |ν| ≈ 0.08 THz, above the ~0.05 THz noise of
// finite-difference Hessians (harmonic_tst.hpp) and below the −0.11 THz tilt saddle FIRE
// stopped on in a V_I^+ cell.
struct MinimumSettings {
  double curvature_threshold_ev_per_angstrom2 = -0.003;
  // The escape walks down the unstable mode in steps of this (largest atom displacement)
  // while the energy falls, at most max_escape_steps steps, then relaxes again.
  double escape_step_angstrom = 0.05;
  std::size_t max_escape_steps = 40;
  std::size_t max_escapes = 5;
  double hessian_step_angstrom = 0.005;
};

struct MinimumResult {
  RelaxResult relaxed;  // the last relaxation
  std::size_t escapes = 0;
  bool confirmed = false;  // converged and no negative curvature below the threshold
};

// Walks from `structure` down `unstable` (steps of escape_step_angstrom while the energy
// falls; at least one step).
Structure escape_along(const Potential& potential, const Structure& structure,
                       const UnstableDirection& unstable, const MinimumSettings& settings);

// relax(), then while the result has a negative-curvature direction and escapes are left:
// escape_along it and relax again.
MinimumResult relax_to_minimum(const Potential& potential, const Structure& start,
                               const FireSettings& fire, const MinimumSettings& settings = {});

}  // namespace ionhop::atomistic
