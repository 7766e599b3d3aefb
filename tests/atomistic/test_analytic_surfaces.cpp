// Analytic test surfaces: forces against finite differences, and the Müller–Brown stationary
// points (Newton-refined) against the literature values.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "ionhop/atomistic/analytic_surfaces.hpp"
#include "ionhop/core/error.hpp"

using namespace ionhop;
using namespace ionhop::atomistic;

namespace {

// Largest |F_analytic − F_central-difference| over all atoms and components.
double force_error(const Potential& potential, const Structure& s, double h = 1e-5) {
  const EnergyForces ef = potential.compute(s);
  double worst = 0;
  for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
    for (int a = 0; a < 3; ++a) {
      Structure plus = s, minus = s;
      plus.positions_angstrom(a, k) += h;
      minus.positions_angstrom(a, k) -= h;
      const double fd =
          -(potential.compute(plus).energy_ev - potential.compute(minus).energy_ev) / (2 * h);
      worst = std::max(worst, std::abs(fd - ef.forces_ev_per_angstrom(a, k)));
    }
  return worst;
}

Eigen::Vector2d newton_stationary(Eigen::Vector2d p) {
  for (int it = 0; it < 50; ++it)
    p -= MullerBrownPotential::hessian(p).lu().solve(MullerBrownPotential::gradient(p));
  return p;
}

}  // namespace

TEST_CASE("Müller–Brown forces and Hessian match finite differences", "[analytic]") {
  const MullerBrownPotential mb;
  for (const auto& [x, y] : std::vector<std::pair<double, double>>{
           {-0.558, 1.442}, {0.6, 0.03}, {-0.8, 0.6}, {0.2, 0.3}, {-1.2, 0.1}, {0.9, 1.7}}) {
    const Structure s = single_atom_structure(x, y);
    const EnergyForces ef = mb.compute(s);
    CHECK(ef.forces_ev_per_angstrom.cols() == 1);
    CHECK(ef.forces_ev_per_angstrom(2, 0) == 0.0);
    // Forces of order 10²–10³: relative accuracy ~1e-9 from central differences.
    CHECK(force_error(mb, s) < 1e-5);
    const Eigen::Vector2d p(x, y);
    const double h = 1e-6;
    for (int a = 0; a < 2; ++a) {
      Eigen::Vector2d dp = Eigen::Vector2d::Zero();
      dp[a] = h;
      const Eigen::Vector2d fd_column =
          (MullerBrownPotential::gradient(p + dp) - MullerBrownPotential::gradient(p - dp)) /
          (2 * h);
      CHECK((fd_column - MullerBrownPotential::hessian(p).col(a)).norm() < 1e-3);
    }
  }
  CHECK_THROWS_AS(mb.compute(Structure{}), InputError);
  CHECK(!mb.parameters_json().empty());
}

TEST_CASE("Müller–Brown stationary points match the literature", "[analytic]") {
  struct Point {
    double x, y, e;
    int negative_eigenvalues;
  };
  const std::vector<Point> points = {{-0.558, 1.442, -146.700, 0},
                                     {0.623, 0.028, -108.167, 0},
                                     {-0.050, 0.467, -80.768, 0},
                                     {-0.822, 0.624, -40.665, 1},
                                     {0.212, 0.293, -72.249, 1}};
  for (const Point& pt : points) {
    const Eigen::Vector2d p = newton_stationary({pt.x, pt.y});
    INFO("point " << pt.x << ", " << pt.y << " refined to " << p.transpose());
    CHECK(MullerBrownPotential::gradient(p).norm() < 1e-9);
    CHECK(std::abs(p[0] - pt.x) < 1e-3);
    CHECK(std::abs(p[1] - pt.y) < 1e-3);
    CHECK(std::abs(MullerBrownPotential::energy(p) - pt.e) < 1e-3);
    const Eigen::Vector2d eig =
        Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d>(MullerBrownPotential::hessian(p))
            .eigenvalues();
    CHECK((eig.array() < 0).count() == pt.negative_eigenvalues);
  }
}

TEST_CASE("double well: forces, minima and barrier", "[analytic]") {
  const DoubleWellPotential dw(0.3, 1.2, 2.0);
  for (const double x : {-1.5, -0.7, 0.1, 0.9, 1.3})
    CHECK(force_error(dw, single_atom_structure(x, 0.2 * x + 0.05)) < 1e-8);
  CHECK(dw.compute(single_atom_structure(1.2, 0)).energy_ev == Approx(0).margin(1e-15));
  CHECK(dw.compute(single_atom_structure(-1.2, 0)).energy_ev == Approx(0).margin(1e-15));
  CHECK(dw.compute(single_atom_structure(0, 0)).energy_ev == Approx(0.3));
  CHECK_THROWS_AS(DoubleWellPotential(0.3, 0.0, 1.0), InputError);
}

TEST_CASE("Morse pair potential: forces, periodic images and cutoff continuity", "[analytic]") {
  MorseParameters p;
  p.depth_ev = 0.8;
  p.alpha_per_angstrom = 1.4;
  p.equilibrium_distance_angstrom = 2.6;
  p.cutoff_angstrom = 5.0;
  const MorsePairPotential morse(p);

  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  SECTION("orthogonal cell, atoms straddling the boundary") {
    Structure s;
    s.cell_angstrom = Eigen::Vector3d(10.5, 11.0, 12.0).asDiagonal();
    for (int k = 0; k < 8; ++k) s.append("Ar", Vec3(10.5 * u(gen), 11.0 * u(gen), 12.0 * u(gen)));
    s.append("Ar", Vec3(0.2, 5, 5));
    s.append("Ar", Vec3(10.3, 5.4, 5.3));  // 0.7 Å from the previous atom through the boundary
    CHECK(force_error(morse, s) < 1e-6);
    // Translating the whole structure by a lattice vector changes nothing.
    Structure shifted = s;
    shifted.positions_angstrom.colwise() += Vec3(10.5, 0, -12.0);
    CHECK(morse.compute(shifted).energy_ev == Approx(morse.compute(s).energy_ev).epsilon(1e-12));
    // Newton's third law: the forces sum to zero.
    CHECK(morse.compute(s).forces_ev_per_angstrom.rowwise().sum().norm() < 1e-10);
  }
  SECTION("skewed cell") {
    Structure s;
    s.cell_angstrom << 11, 0, 0, 3, 11, 0, 2, -2, 11.5;
    for (int k = 0; k < 8; ++k) s.append("Ar", s.cartesian(Vec3(u(gen), u(gen), u(gen))));
    REQUIRE(s.min_perpendicular_width_angstrom() >= 10.0);
    CHECK(force_error(morse, s) < 1e-6);
  }
  SECTION("pair energy: minimum at r0, zero with continuous slope at the cutoff") {
    Structure s;
    s.cell_angstrom = Eigen::Matrix3d::Identity() * 20;
    s.append("Ar", Vec3(0, 0, 0));
    s.append("Ar", Vec3(2.6, 0, 0));
    // At r0 only the shifted-force term φ'(rc) = 2Dα e(1−e), e = exp(−α(rc − r0)), remains.
    const double e = std::exp(-1.4 * (5.0 - 2.6));
    CHECK(morse.compute(s).forces_ev_per_angstrom(0, 1) == Approx(2 * 0.8 * 1.4 * e * (1 - e)));
    s.positions_angstrom(0, 1) = 5.0 - 1e-9;
    CHECK(std::abs(morse.compute(s).energy_ev) < 1e-9);
    CHECK(morse.compute(s).forces_ev_per_angstrom.norm() < 1e-8);
  }
  SECTION("a cutoff beyond half the cell is refused") {
    Structure s;
    s.cell_angstrom = Eigen::Matrix3d::Identity() * 9.0;
    s.append("Ar", Vec3(0, 0, 0));
    CHECK_THROWS_AS(morse.compute(s), InputError);
  }
}
