// CI-NEB: Müller–Brown saddles to 1e-3, the plain band does not climb, endpoint checks, IDPP,
// and an adatom hop across a periodic boundary with a symmetric barrier.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <iomanip>

#include "ionhop/atomistic/analytic_surfaces.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/core/error.hpp"

using namespace ionhop;
using namespace ionhop::atomistic;
using Catch::Matchers::Contains;

namespace {

Eigen::Vector2d newton_stationary(Eigen::Vector2d p) {
  for (int it = 0; it < 50; ++it)
    p -= MullerBrownPotential::hessian(p).lu().solve(MullerBrownPotential::gradient(p));
  return p;
}

FireParameters muller_brown_fire() {
  FireParameters p;
  p.dt_start = 0.002;
  p.dt_max = 0.01;
  p.max_step_angstrom = 0.05;
  return p;
}

NebSettings muller_brown_neb(bool climb) {
  NebSettings s;
  s.images = 9;
  s.spring_constant_ev_per_angstrom2 = 100;
  s.force_tolerance_ev_per_angstrom = 1e-3;
  s.max_steps = 20000;
  s.climb = climb;
  s.climb_force_factor = 1000;  // MB forces are O(10²): climb once the band is roughly on the MEP
  s.interpolation = Interpolation::kLinear;
  s.relax_endpoints = true;
  s.endpoint_relaxation = FireSettings{muller_brown_fire(), 1e-4, 5000, {}, {}, 10};
  s.optimizer = muller_brown_fire();
  return s;
}

Eigen::Vector2d xy(const Structure& s) { return s.positions_angstrom.col(0).head<2>(); }

// Square layer (lattice constant a, 4×4, fixed) with one adatom above it, in a cell 4a × 4a
// wide: the surface of the periodic-boundary hop test.
constexpr double kA = 2.6;
Structure adatom_surface(double adatom_x, double adatom_y) {
  Structure s;
  s.cell_angstrom = Eigen::Vector3d(4 * kA, 4 * kA, 20.0).asDiagonal();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) s.append("Pt", Vec3(i * kA, j * kA, 5.0));
  s.fixed.assign(s.size(), true);
  s.append("Au", Vec3(adatom_x, adatom_y, 7.0));
  return s;
}

MorsePairPotential surface_potential() {
  MorseParameters p;
  p.depth_ev = 0.4;
  p.alpha_per_angstrom = 1.6;
  p.equilibrium_distance_angstrom = 2.7;
  p.cutoff_angstrom = 5.0;
  return MorsePairPotential(p);
}

}  // namespace

TEST_CASE("CI-NEB finds the Müller–Brown saddles", "[neb]") {
  const MullerBrownPotential mb;
  struct Case {
    Eigen::Vector2d a, b, saddle_guess;
  };
  const std::vector<Case> cases = {
      {{-0.558, 1.442}, {-0.050, 0.467}, {-0.822, 0.624}},
      {{-0.050, 0.467}, {0.623, 0.028}, {0.212, 0.293}},
  };
  for (const Case& c : cases) {
    const Eigen::Vector2d saddle = newton_stationary(c.saddle_guess);
    const double e_saddle = MullerBrownPotential::energy(saddle);
    const Eigen::Vector2d a = newton_stationary(c.a), b = newton_stationary(c.b);
    const NebResult r = run_neb(mb, single_atom_structure(c.a[0], c.a[1]),
                                single_atom_structure(c.b[0], c.b[1]), muller_brown_neb(true));
    INFO(std::setprecision(10) << "saddle " << saddle.transpose() << " E " << e_saddle
                               << "; NEB steps " << r.steps << ", max force "
                               << r.max_force_ev_per_angstrom << ", E_max " << r.saddle_energy_ev);
    REQUIRE(r.converged);
    REQUIRE(r.climbing_image.has_value());
    CHECK(*r.climbing_image == r.highest_image);
    CHECK(r.images.size() == 11);
    CHECK(r.energies_ev.size() == 11);
    CHECK(std::abs(r.saddle_energy_ev - e_saddle) < 1e-3);
    const Eigen::Vector2d ci = xy(r.images[*r.climbing_image]);
    CHECK((ci - saddle).norm() < 1e-3);
    CHECK(MullerBrownPotential::gradient(ci).norm() < 1e-3);
    CHECK(xy(r.saddle) == ci);
    // Relaxed endpoints and the barriers measured from them.
    CHECK((xy(r.images.front()) - a).norm() < 1e-5);
    CHECK((xy(r.images.back()) - b).norm() < 1e-5);
    CHECK(r.forward_barrier_ev == Approx(e_saddle - MullerBrownPotential::energy(a)).margin(1e-3));
    CHECK(r.backward_barrier_ev == Approx(e_saddle - MullerBrownPotential::energy(b)).margin(1e-3));
    // The path distance grows along the band.
    for (std::size_t i = 1; i < r.images.size(); ++i)
      CHECK(r.path_distance_angstrom[i] > r.path_distance_angstrom[i - 1]);
  }
}

TEST_CASE("plain NEB (no climbing image) stays below the saddle", "[neb]") {
  const MullerBrownPotential mb;
  const Eigen::Vector2d saddle = newton_stationary({-0.822, 0.624});
  const double e_saddle = MullerBrownPotential::energy(saddle);
  const NebResult r = run_neb(mb, single_atom_structure(-0.558, 1.442),
                              single_atom_structure(-0.050, 0.467), muller_brown_neb(false));
  INFO("E_max " << r.saddle_energy_ev << " vs saddle " << e_saddle);
  REQUIRE(r.converged);
  CHECK(!r.climbing_image.has_value());
  CHECK(r.saddle_energy_ev < e_saddle - 1e-3);
  // Images still lie on the MEP: the force perpendicular to the band vanishes, so the true
  // force at the highest image is far from zero only along the path.
  CHECK(MullerBrownPotential::gradient(xy(r.saddle)).norm() > 1e-2);
}

TEST_CASE("CI-NEB gives the exact double-well barrier", "[neb]") {
  const DoubleWellPotential dw(0.25, 1.0, 3.0);
  NebSettings s;
  s.images = 4;  // even: no image starts at the saddle, one must climb there
  s.force_tolerance_ev_per_angstrom = 1e-4;
  s.spring_constant_ev_per_angstrom2 = 1.0;
  s.interpolation = Interpolation::kIdpp;  // one atom: falls back to linear
  s.endpoint_relaxation.force_tolerance_ev_per_angstrom = 1e-7;
  const NebResult r =
      run_neb(dw, single_atom_structure(-0.9, 0.1), single_atom_structure(1.1, -0.05), s);
  REQUIRE(r.converged);
  CHECK(r.forward_barrier_ev == Approx(0.25).margin(1e-6));
  CHECK(r.backward_barrier_ev == Approx(0.25).margin(1e-6));
  CHECK(xy(r.saddle).norm() < 1e-3);
  CHECK(r.endpoint_steps_initial > 0);
}

TEST_CASE("NEB endpoint mismatches and unconverged endpoints are input errors", "[neb]") {
  const MorsePairPotential morse = surface_potential();
  Structure a;
  a.cell_angstrom = Eigen::Matrix3d::Identity() * 12;
  a.append("Pb", Vec3(1, 1, 1));
  a.append("I", Vec3(4, 1, 1));
  a.append("I", Vec3(1, 4, 1));
  NebSettings s;
  s.relax_endpoints = false;

  Structure more = a;
  more.append("I", Vec3(6, 6, 6));
  CHECK_THROWS_WITH(run_neb(morse, a, more, s), Contains("atom counts"));

  Structure swapped = a;
  std::swap(swapped.elements[0], swapped.elements[1]);
  CHECK_THROWS_AS(run_neb(morse, a, swapped, s), InputError);
  CHECK_THROWS_WITH(run_neb(morse, a, swapped, s), Contains("atom 0: initial Pb, final I"));

  Structure renamed = a;
  renamed.elements[2] = "Br";
  CHECK_THROWS_WITH(interpolate_band(a, renamed, s), Contains("atom 2"));

  Structure other_cell = a;
  other_cell.cell_angstrom(0, 0) = 12.5;
  CHECK_THROWS_WITH(run_neb(morse, a, other_cell, s), Contains("different cells"));

  Structure fixed = a;
  fixed.fixed = {false, true, false};
  CHECK_THROWS_WITH(check_neb_endpoints(a, fixed), Contains("atom 1"));

  NebSettings no_images = s;
  no_images.images = 0;
  CHECK_THROWS_AS(run_neb(morse, a, a, no_images), InputError);

  // An endpoint that FIRE cannot relax within its step limit.
  const MullerBrownPotential mb;
  NebSettings tight = muller_brown_neb(true);
  tight.endpoint_relaxation.max_steps = 2;
  const Eigen::Vector2d minimum = newton_stationary({-0.558, 1.442});  // converges at step 0
  CHECK_THROWS_WITH(
      run_neb(mb, single_atom_structure(-0.3, 1.3), single_atom_structure(-0.050, 0.467), tight),
      Contains("NEB endpoint initial did not converge: max force") && Contains("after 2 steps"));
  CHECK_THROWS_WITH(run_neb(mb, single_atom_structure(minimum[0], minimum[1]),
                            single_atom_structure(0.1, 0.2), tight),
                    Contains("NEB endpoint final did not converge"));
}

TEST_CASE("IDPP interpolation keeps the bond of a rotating dimer", "[neb]") {
  Structure a, b;
  a.cell_angstrom = b.cell_angstrom = Eigen::Matrix3d::Identity() * 20;
  a.append("O", Vec3(9, 10, 10));
  a.append("O", Vec3(11, 10, 10));
  b.append("O", Vec3(10, 9, 10));
  b.append("O", Vec3(10, 11, 10));
  NebSettings s;
  s.images = 3;
  s.interpolation = Interpolation::kLinear;
  const auto linear = interpolate_band(a, b, s);
  REQUIRE(linear.size() == 5);
  const auto bond = [](const Structure& x) { return x.displacement(0, 1).norm(); };
  CHECK(bond(linear[2]) == Approx(std::sqrt(2.0)));
  s.interpolation = Interpolation::kIdpp;
  s.idpp.force_tolerance_ev_per_angstrom = 1e-5;
  s.idpp.max_steps = 5000;
  const auto idpp = interpolate_band(a, b, s);
  for (const Structure& image : idpp) CHECK(bond(image) == Approx(2.0).margin(1e-3));
  CHECK(idpp.front().positions_angstrom == a.positions_angstrom);
  CHECK(idpp.back().positions_angstrom == b.positions_angstrom);
}

TEST_CASE("CI-NEB: adatom hop across the periodic boundary is symmetric", "[neb]") {
  const MorsePairPotential morse = surface_potential();
  // Hollow sites at x = 3.5a and x = 0.5a: neighbours through the boundary at x = 4a ≡ 0.
  const Structure a = adatom_surface(3.5 * kA, 0.5 * kA);
  const Structure b = adatom_surface(0.5 * kA, 0.5 * kA);
  const std::size_t adatom = 16;

  NebSettings s;
  s.images = 5;
  s.force_tolerance_ev_per_angstrom = 1e-3;
  s.spring_constant_ev_per_angstrom2 = 2.0;
  s.endpoint_relaxation.force_tolerance_ev_per_angstrom = 1e-4;
  s.interpolation = Interpolation::kLinear;
  const auto band = interpolate_band(a, b, s);
  // The straight line goes through the boundary (+a), not back across the cell (−3a).
  CHECK(band[3].positions_angstrom(0, adatom) == Approx(4 * kA));
  CHECK(band.back().positions_angstrom(0, adatom) == Approx(4.5 * kA));

  for (const Interpolation interpolation : {Interpolation::kLinear, Interpolation::kIdpp}) {
    s.interpolation = interpolation;
    const NebResult r = run_neb(morse, a, b, s);
    INFO("interpolation " << static_cast<int>(interpolation) << ": steps " << r.steps
                          << ", barrier " << r.forward_barrier_ev << " / "
                          << r.backward_barrier_ev);
    REQUIRE(r.converged);
    CHECK(r.forward_barrier_ev > 0.01);
    CHECK(r.forward_barrier_ev == Approx(r.backward_barrier_ev).margin(1e-6));
    // The saddle is the bridge site on the boundary, (0, a/2) ≡ (4a, a/2).
    const Vec3 saddle = r.saddle.positions_angstrom.col(adatom);
    CHECK(std::abs(std::remainder(saddle[0], 4 * kA)) < 1e-3);
    CHECK(saddle[1] == Approx(0.5 * kA).margin(1e-3));
    // The saddle energy is the bridge site's energy minimised over the height alone.
    double lo = 5.5, hi = 9.0;
    const auto bridge_energy = [&](double z) {
      Structure t = a;
      t.positions_angstrom.col(adatom) = Vec3(0, 0.5 * kA, z);
      return morse.compute(t).energy_ev;
    };
    for (int it = 0; it < 100; ++it) {  // golden-section search in z
      const double m1 = hi - 0.618034 * (hi - lo), m2 = lo + 0.618034 * (hi - lo);
      if (bridge_energy(m1) < bridge_energy(m2))
        hi = m2;
      else
        lo = m1;
    }
    CHECK(r.saddle_energy_ev == Approx(bridge_energy(0.5 * (lo + hi))).margin(1e-6));
    // Fixed atoms never move, in any image.
    for (const Structure& image : r.images)
      CHECK(image.positions_angstrom.leftCols(16) == a.positions_angstrom.leftCols(16));
  }
}

TEST_CASE("A monitored band stops when told and restarts from where it stopped", "[neb]") {
  const MullerBrownPotential mb;
  const Eigen::Vector2d saddle = newton_stationary({0.212, 0.293});
  const Structure a = single_atom_structure(-0.050, 0.467), b = single_atom_structure(0.623, 0.028);
  const NebResult uninterrupted = run_neb(mb, a, b, muller_brown_neb(true));
  REQUIRE(uninterrupted.converged);

  // The monitor sees the band every 7 updates (endpoints included) and stops it at step 21.
  NebSettings s = muller_brown_neb(true);
  std::vector<std::size_t> seen;
  std::vector<Structure> at_stop;
  s.monitor_every_steps = 7;
  s.monitor = [&](std::size_t step, const std::vector<Structure>& band) {
    seen.push_back(step);
    CHECK(band.size() == s.images + 2);
    if (step < 21) return true;
    at_stop = band;
    return false;
  };
  const NebResult stopped = run_neb(mb, a, b, s);
  CHECK(seen == std::vector<std::size_t>{0, 7, 14, 21});
  CHECK(stopped.stopped);
  CHECK_FALSE(stopped.converged);
  CHECK(stopped.steps == 21);
  REQUIRE(stopped.images.size() == at_stop.size());
  for (std::size_t i = 0; i < at_stop.size(); ++i)
    CHECK(stopped.images[i].positions_angstrom == at_stop[i].positions_angstrom);

  // Restarted from the stopped band (endpoints held), it reaches the same saddle.
  NebSettings plain = muller_brown_neb(true);
  const NebResult resumed = run_neb_band(mb, stopped.images, plain);
  REQUIRE(resumed.converged);
  CHECK_FALSE(resumed.stopped);
  CHECK((xy(resumed.saddle) - saddle).norm() < 1e-3);
  CHECK(resumed.forward_barrier_ev == Approx(uninterrupted.forward_barrier_ev).margin(1e-3));
  CHECK(xy(resumed.images.front()) == xy(stopped.images.front()));
  CHECK(xy(resumed.images.back()) == xy(stopped.images.back()));
  // A converged band restarted is already converged.
  const NebResult again = run_neb_band(mb, uninterrupted.images, plain);
  CHECK(again.converged);
  CHECK(again.saddle_energy_ev == Approx(uninterrupted.saddle_energy_ev).margin(1e-6));
  CHECK_THROWS_AS(run_neb_band(mb, {a, b}, plain), InputError);  // no interior image
}

TEST_CASE("Endpoint refinement finds band images below an endpoint on its side of the saddle",
          "[neb]") {
  NebResult r;
  r.energies_ev = {0.0, -0.05, 0.02, 0.30, 0.10, -0.02, 0.05};
  r.highest_image = 3;
  auto refine = endpoints_to_refine(r, 0.01);
  REQUIRE(refine.initial_from);
  CHECK(*refine.initial_from == 1);
  REQUIRE(refine.final_from);
  CHECK(*refine.final_from == 5);  // −0.02 < 0.05 − 0.01
  CHECK(refine.needed());
  // Within the tolerance: nothing to refine; the saddle's own side only.
  r.energies_ev = {0.0, -0.005, 0.1, 0.3, 0.2, 0.1, 0.0};
  refine = endpoints_to_refine(r, 0.01);
  CHECK_FALSE(refine.needed());
  r.energies_ev = {0.0, 0.1, 0.3, 0.2, -0.5, 0.1, 0.2};  // deep image after the saddle: final side
  r.highest_image = 2;
  refine = endpoints_to_refine(r, 0.01);
  CHECK_FALSE(refine.initial_from);
  REQUIRE(refine.final_from);
  CHECK(*refine.final_from == 4);
}

TEST_CASE("A rattled band leaves the endpoints and fixed atoms alone and finds the same saddle",
          "[neb]") {
  const MullerBrownPotential mb;
  const Eigen::Vector2d saddle = newton_stationary({0.212, 0.293});
  const Structure a = single_atom_structure(-0.050, 0.467), b = single_atom_structure(0.623, 0.028);
  NebSettings s = muller_brown_neb(true);
  s.relax_endpoints = false;
  const auto plain = interpolate_band(a, b, s);
  s.band_rattle_angstrom = 0.02;
  s.band_rattle_seed = 3;
  const auto rattled = interpolate_band(a, b, s);
  REQUIRE(rattled.size() == plain.size());
  CHECK(rattled.front().positions_angstrom == plain.front().positions_angstrom);
  CHECK(rattled.back().positions_angstrom == plain.back().positions_angstrom);
  double moved = 0;
  for (std::size_t i = 1; i + 1 < rattled.size(); ++i)
    moved = std::max(moved, (rattled[i].positions_angstrom - plain[i].positions_angstrom).norm());
  CHECK(moved > 0);
  CHECK(moved < 0.02 * 6);  // a few σ
  // Deterministic per seed.
  CHECK(interpolate_band(a, b, s)[1].positions_angstrom == rattled[1].positions_angstrom);
  // The band still converges to the Müller–Brown saddle.
  s.relax_endpoints = true;
  const NebResult r = run_neb(mb, a, b, s);
  REQUIRE(r.converged);
  CHECK((xy(r.saddle) - saddle).norm() < 1e-3);
  // Fixed atoms are not rattled.
  Structure fa = adatom_surface(kA / 2, kA / 2), fb = adatom_surface(kA / 2 + kA, kA / 2);
  NebSettings f;
  f.images = 3;
  f.band_rattle_angstrom = 0.05;
  f.interpolation = Interpolation::kLinear;
  const auto band = interpolate_band(fa, fb, f);
  for (std::size_t i = 1; i + 1 < band.size(); ++i)
    for (std::size_t k = 0; k < fa.size(); ++k)
      if (fa.is_fixed(k))
        CHECK(band[i].positions_angstrom.col(static_cast<Eigen::Index>(k)) ==
              fa.positions_angstrom.col(static_cast<Eigen::Index>(k)));
}
