// FIRE: reaches the Müller–Brown minima, honours fixed atoms and the per-atom step cap, and
// never reports convergence it did not reach.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>

#include "ionhop/atomistic/analytic_surfaces.hpp"
#include "ionhop/atomistic/fire.hpp"
#include "ionhop/core/error.hpp"

using namespace ionhop;
using namespace ionhop::atomistic;

namespace {

Eigen::Vector2d newton_minimum(Eigen::Vector2d p) {
  for (int it = 0; it < 50; ++it)
    p -= MullerBrownPotential::hessian(p).lu().solve(MullerBrownPotential::gradient(p));
  return p;
}

// FIRE tunables for Müller–Brown: curvatures up to ~10³ per unit² need dt ≲ 0.03.
FireSettings muller_brown_fire(double tolerance, std::size_t max_steps) {
  FireSettings s;
  s.fire.dt_start = 0.002;
  s.fire.dt_max = 0.01;
  s.fire.max_step_angstrom = 0.05;
  s.force_tolerance_ev_per_angstrom = tolerance;
  s.max_steps = max_steps;
  return s;
}

// A small Morse cluster: a 2×2×2 cube (edge 2.7 Å, near r0) plus one extra atom, in a big box.
Structure morse_cluster() {
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * 30;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) s.append("Ar", Vec3(10 + 2.7 * i, 10 + 2.7 * j, 10 + 2.7 * k));
  s.append("Ar", Vec3(11.2, 11.5, 13.1));
  return s;
}

MorsePairPotential cluster_potential() {
  MorseParameters p;
  p.depth_ev = 0.5;
  p.alpha_per_angstrom = 1.5;
  p.equilibrium_distance_angstrom = 2.6;
  p.cutoff_angstrom = 7.0;
  return MorsePairPotential(p);
}

}  // namespace

TEST_CASE("FIRE reaches each Müller–Brown minimum from nearby starts", "[fire]") {
  const MullerBrownPotential mb;
  for (const Eigen::Vector2d& guess :
       {Eigen::Vector2d(-0.558, 1.442), Eigen::Vector2d(0.623, 0.028),
        Eigen::Vector2d(-0.050, 0.467)}) {
    const Eigen::Vector2d minimum = newton_minimum(guess);
    for (const Eigen::Vector2d& offset :
         {Eigen::Vector2d(0.08, 0.0), Eigen::Vector2d(-0.06, 0.05), Eigen::Vector2d(0.0, -0.07),
          Eigen::Vector2d(0.05, 0.06)}) {
      const Eigen::Vector2d start = minimum + offset;
      const RelaxResult r =
          relax(mb, single_atom_structure(start[0], start[1]), muller_brown_fire(1e-4, 5000));
      INFO("minimum " << minimum.transpose() << " from " << start.transpose() << ": " << r.steps
                      << " steps");
      REQUIRE(r.converged);
      CHECK(r.max_force_ev_per_angstrom < 1e-4);
      const Eigen::Vector2d found = r.structure.positions_angstrom.col(0).head<2>();
      CHECK((found - minimum).norm() < 1e-5);
      CHECK(r.structure.positions_angstrom(2, 0) == 0.0);
      CHECK(r.energy_ev == Approx(MullerBrownPotential::energy(minimum)).margin(1e-8));
    }
  }
}

TEST_CASE("FIRE reports non-convergence honestly", "[fire]") {
  const MullerBrownPotential mb;
  const RelaxResult r = relax(mb, single_atom_structure(0.3, 0.4), muller_brown_fire(1e-4, 3));
  CHECK(!r.converged);
  CHECK(r.steps == 3);
  CHECK(r.max_force_ev_per_angstrom > 1e-4);
  // The reported energy and force belong to the returned structure.
  const EnergyForces ef = mb.compute(r.structure);
  CHECK(r.energy_ev == ef.energy_ev);
  CHECK(r.max_force_ev_per_angstrom == Approx(ef.forces_ev_per_angstrom.col(0).norm()));

  // max_steps = 0 evaluates the start only.
  const RelaxResult none = relax(mb, single_atom_structure(0.3, 0.4), muller_brown_fire(1e-4, 0));
  CHECK(!none.converged);
  CHECK(none.steps == 0);
  CHECK(none.structure.positions_angstrom(0, 0) == 0.3);
}

TEST_CASE("FIRE relaxes a Morse cluster and never moves fixed atoms", "[fire]") {
  const MorsePairPotential morse = cluster_potential();
  Structure s = morse_cluster();
  s.fixed = {true, false, false, true, false, false, false, false, false};
  FireSettings settings;
  settings.force_tolerance_ev_per_angstrom = 1e-4;
  settings.max_steps = 5000;
  std::size_t calls = 0;
  settings.progress = [&](std::size_t step, double, double) { CHECK(step == calls++); };
  const RelaxResult r = relax(morse, s, settings);
  REQUIRE(r.converged);
  CHECK(calls == r.steps + 1);
  CHECK(r.energy_ev < morse.compute(s).energy_ev);
  CHECK(r.structure.fixed == s.fixed);
  for (std::size_t k : {0u, 3u})
    CHECK(r.structure.positions_angstrom.col(k) == s.positions_angstrom.col(k));
  const EnergyForces ef = morse.compute(r.structure);
  double free_max = 0, fixed_max = 0;
  for (std::size_t k = 0; k < s.size(); ++k) {
    double& worst = s.is_fixed(k) ? fixed_max : free_max;
    worst = std::max(worst, ef.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(k)).norm());
  }
  CHECK(free_max < 1e-4);
  CHECK(r.max_force_ev_per_angstrom == Approx(free_max));
  CHECK(fixed_max > 1e-3);  // the fixed atoms are held against real forces

  // A mask of the wrong length is an input error.
  s.fixed = {true};
  CHECK_THROWS_AS(relax(morse, s, settings), InputError);
}

TEST_CASE("FIRE relaxation: a monitor sees every N-th structure and can stop it there", "[fire]") {
  const MorsePairPotential morse = cluster_potential();
  const Structure s = morse_cluster();
  FireSettings settings;
  settings.force_tolerance_ev_per_angstrom = 1e-4;
  settings.max_steps = 5000;
  const RelaxResult free_run = relax(morse, s, settings);
  REQUIRE(free_run.converged);
  REQUIRE(free_run.steps > 12);
  std::vector<std::size_t> looked_at;
  Structure last_seen;
  settings.monitor_every_steps = 4;
  settings.monitor = [&](std::size_t step, const Structure& now) {
    looked_at.push_back(step);
    last_seen = now;
    return step < 12;  // objects at its fourth look
  };
  const RelaxResult stopped = relax(morse, s, settings);
  CHECK(looked_at == std::vector<std::size_t>{0, 4, 8, 12});
  CHECK(stopped.stopped);
  CHECK_FALSE(stopped.converged);
  CHECK(stopped.steps == 12);
  CHECK(stopped.structure.positions_angstrom == last_seen.positions_angstrom);
  CHECK(stopped.energy_ev == Approx(morse.compute(last_seen).energy_ev).epsilon(1e-14));
  // A monitor that never objects leaves the relaxation bit for bit as it was.
  settings.monitor = [](std::size_t, const Structure&) { return true; };
  const RelaxResult watched = relax(morse, s, settings);
  CHECK_FALSE(watched.stopped);
  CHECK(watched.steps == free_run.steps);
  CHECK(watched.structure.positions_angstrom == free_run.structure.positions_angstrom);
}

TEST_CASE("FIRE caps the largest per-atom step and minimises generic objectives", "[fire]") {
  FireParameters p;
  p.max_step_angstrom = 0.1;
  FireStepper stepper(p, 6);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(6), f(6);
  f << 300, 0, 0, 0, 40, 0;
  stepper.step(x, f);
  CHECK(x.segment<3>(0).norm() == Approx(0.1));
  CHECK(x.segment<3>(3).norm() == Approx(0.1 * 40.0 / 300.0));  // direction kept

  // Anisotropic quadratic in 6 dimensions, minimum at c.
  Eigen::VectorXd c(6), k(6);
  c << 1, -2, 0.5, 3, 0, -1;
  k << 1, 10, 0.5, 4, 2, 8;
  const FireObjective quadratic = [&](const Eigen::VectorXd& y, Eigen::VectorXd& force) {
    force = -k.cwiseProduct(y - c);
    return 0.5 * (y - c).cwiseProduct(k).dot(y - c);
  };
  FireSettings settings;
  settings.force_tolerance_ev_per_angstrom = 1e-8;
  settings.fire.dt_max = 0.3;
  const FireVectorResult r = fire_minimize(quadratic, Eigen::VectorXd::Zero(6), settings);
  REQUIRE(r.converged);
  CHECK((r.x - c).norm() < 1e-7);  // |F| < 1e-8 with stiffness ≥ 0.5
  CHECK(r.value < 1e-15);
  CHECK_THROWS_AS(fire_minimize(quadratic, Eigen::VectorXd::Zero(5), settings), InputError);
}
