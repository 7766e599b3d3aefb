// Minimum check (atomistic/minimum_check): FIRE started exactly on a Müller–Brown saddle
// stops there (zero force); the negative-curvature check finds the unstable direction with
// the analytic Hessian's eigenvalue, and relax_to_minimum steps off and reaches a minimum.
#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include "ionhop/atomistic/analytic_surfaces.hpp"
#include "ionhop/atomistic/minimum_check.hpp"

using namespace ionhop::atomistic;

namespace {
Eigen::Vector2d newton_stationary(Eigen::Vector2d p) {
  for (int it = 0; it < 50; ++it)
    p -= MullerBrownPotential::hessian(p).lu().solve(MullerBrownPotential::gradient(p));
  return p;
}
FireSettings mb_fire() {
  FireSettings f;
  f.fire.dt_start = 0.002;
  f.fire.dt_max = 0.01;
  f.fire.max_step_angstrom = 0.05;
  f.force_tolerance_ev_per_angstrom = 1e-4;
  f.max_steps = 20000;
  return f;
}
}  // namespace

TEST_CASE("A relaxation stuck on a saddle is detected and escaped", "[atomistic][minimum]") {
  const MullerBrownPotential mb;
  const Eigen::Vector2d saddle = newton_stationary({0.212, 0.293});
  const Structure at_saddle = single_atom_structure(saddle[0], saddle[1]);
  // FIRE alone stays: the force vanishes on the saddle.
  const RelaxResult stuck = relax(mb, at_saddle, mb_fire());
  REQUIRE(stuck.converged);
  CHECK((stuck.structure.positions_angstrom - at_saddle.positions_angstrom).norm() < 1e-6);

  const auto unstable = most_unstable_direction(mb, at_saddle, -0.01, 1e-4);
  REQUIRE(unstable);
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> exact(MullerBrownPotential::hessian(saddle));
  CHECK(unstable->curvature_ev_per_angstrom2 == Approx(exact.eigenvalues()(0)).epsilon(1e-4));
  CHECK(unstable->direction.colwise().norm().maxCoeff() == Approx(1.0));
  CHECK(std::abs(unstable->direction.col(0).head<2>().dot(exact.eigenvectors().col(0))) ==
        Approx(1.0).epsilon(1e-4));

  MinimumSettings settings;
  settings.escape_step_angstrom = 0.005;
  settings.hessian_step_angstrom = 1e-4;
  const MinimumResult m = relax_to_minimum(mb, at_saddle, mb_fire(), settings);
  CHECK(m.confirmed);
  CHECK(m.escapes == 1);
  CHECK(m.relaxed.energy_ev < MullerBrownPotential::energy(saddle) - 1.0);
  // At a minimum there is nothing to escape.
  CHECK_FALSE(most_unstable_direction(mb, m.relaxed.structure, -0.01, 1e-4));
}
