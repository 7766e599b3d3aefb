// Ewald summation: Madelung constants (NaCl, CsCl, charged simple-cubic lattice), independence
// of α, finite-difference forces and stress (charged and triclinic cells), invariances.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "../test_support.hpp"
#include "ionhop/atomistic/ewald.hpp"
#include "ionhop/core/error.hpp"

using namespace ionhop;
using atomistic::Structure;
using atomistic::Vec3;

namespace {
constexpr double kE = atomistic::kCoulombEvAngstrom;

// Cubic cell with basis (fractional) and charges, repeated reps³ times.
Structure cubic(double a, const std::vector<std::pair<Vec3, double>>& basis, int reps,
                std::vector<double>& charges) {
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * a * reps;
  charges.clear();
  for (int i = 0; i < reps; ++i)
    for (int j = 0; j < reps; ++j)
      for (int k = 0; k < reps; ++k)
        for (const auto& [frac, q] : basis) {
          s.append(q > 0 ? "Na" : "Cl", a * (Vec3(i, j, k) + frac));
          charges.push_back(q);
        }
  return s;
}

Structure rock_salt(double a, int reps, std::vector<double>& q) {
  std::vector<std::pair<Vec3, double>> basis;
  const std::vector<Vec3> fcc{{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  for (const auto& f : fcc) {
    basis.push_back({f, 1.0});
    basis.push_back({f + Vec3(0.5, 0, 0), -1.0});
  }
  return cubic(a, basis, reps, q);
}

// A perturbed, triclinic, optionally charged 3×2×2 rock-salt-like cell.
Structure messy(bool charged, std::vector<double>& q, unsigned seed = 7) {
  Structure s = rock_salt(5.6, 1, q);
  s.cell_angstrom << 5.6, 0.0, 0.0,  //
      0.9, 5.3, 0.0,                 //
      -0.6, 0.7, 6.1;
  // Re-place atoms at their fractional positions in the skewed cell, then jiggle.
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-0.25, 0.25);
  for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k) {
    const Vec3 frac = s.positions_angstrom.col(k) / 5.6;
    s.positions_angstrom.col(k) = s.cartesian(frac) + Vec3(u(rng), u(rng), u(rng));
  }
  if (charged) {
    s.remove(7);  // an anion: net charge +1
    q.erase(q.begin() + 7);
  }
  return s;
}

double energy(const Structure& s, const std::vector<double>& q, double accuracy = 1e-12) {
  return atomistic::ewald_coulomb(s, q, {accuracy, 0}).energy_ev;
}

void check_fd_forces(const Structure& s, const std::vector<double>& q) {
  const auto r = atomistic::ewald_coulomb(s, q, {1e-12, 0});
  const double h = 1e-5;
  for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
    for (int a = 0; a < 3; ++a) {
      Structure p = s, m = s;
      p.positions_angstrom(a, k) += h;
      m.positions_angstrom(a, k) -= h;
      const double fd = -(energy(p, q) - energy(m, q)) / (2 * h);
      CHECK(r.forces_ev_per_angstrom(a, k) == Approx(fd).margin(2e-6));
    }
}

// E of the cell and positions deformed by F = I + h e_a e_bᵀ.
double strained_energy(const Structure& s, const std::vector<double>& q, int a, int b, double h) {
  Eigen::Matrix3d f = Eigen::Matrix3d::Identity();
  f(a, b) += h;
  Structure t = s;
  t.cell_angstrom = s.cell_angstrom * f.transpose();  // rows a_i → F a_i
  t.positions_angstrom = f * s.positions_angstrom;
  return energy(t, q);
}

void check_fd_stress(const Structure& s, const std::vector<double>& q) {
  const auto r = atomistic::ewald_coulomb(s, q, {1e-12, 0});
  REQUIRE(r.has_stress);
  const double h = 1e-5, v = s.volume_angstrom3();
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      const double fd =
          (strained_energy(s, q, a, b, h) - strained_energy(s, q, a, b, -h)) / (2 * h * v);
      CHECK(r.stress_ev_per_angstrom3(a, b) == Approx(fd).margin(1e-7));
    }
}
}  // namespace

TEST_CASE("Ewald reproduces the rock-salt Madelung constant", "[ewald]") {
  const double a = 5.64, r0 = a / 2, madelung = 1.747565;
  for (int reps : {1, 2}) {
    std::vector<double> q;
    const Structure s = rock_salt(a, reps, q);
    const double units = static_cast<double>(s.size()) / 2;  // NaCl formula units
    const auto r = atomistic::ewald_coulomb(s, q);
    // E_total = −N_units · M · k_e q² / r0
    CHECK(-r.energy_ev * r0 / (units * kE) == Approx(madelung).epsilon(1e-6));
    CHECK(r.forces_ev_per_angstrom.cwiseAbs().maxCoeff() < 1e-8);
    // Isotropic stress of a point-charge crystal: E ∝ 1/L, so σ = −E/(3V) δ.
    const double v = s.volume_angstrom3();
    CHECK(r.stress_ev_per_angstrom3(0, 0) == Approx(-r.energy_ev / (3 * v)).epsilon(1e-6));
    CHECK(std::abs(r.stress_ev_per_angstrom3(0, 1)) < 1e-10);
  }
}

TEST_CASE("Ewald reproduces the CsCl Madelung constant", "[ewald]") {
  const double a = 4.12, r0 = a * std::sqrt(3.0) / 2, madelung = 1.762675;
  std::vector<double> q;
  const Structure s = cubic(a, {{Vec3(0, 0, 0), 1.0}, {Vec3(0.5, 0.5, 0.5), -1.0}}, 1, q);
  const auto r = atomistic::ewald_coulomb(s, q);
  CHECK(-r.energy_ev * r0 / kE == Approx(madelung).epsilon(1e-6));
}

TEST_CASE("Ewald: charged simple-cubic lattice with neutralising background", "[ewald]") {
  // One charge q per cubic cell of side L in a uniform background: E = −ξ k_e q² / (2L) with
  // ξ = 2.837297 (the Makov–Payne / Wigner constant of the simple-cubic lattice).
  const double length = 7.0, xi = 2.837297;
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * length;
  s.append("I", Vec3(1, 2, 3));
  for (double q : {1.0, -2.0}) {
    const auto r = atomistic::ewald_coulomb(s, {q});
    CHECK(r.energy_ev == Approx(-xi * kE * q * q / (2 * length)).epsilon(1e-6));
    // E ∝ 1/L, so the stress is isotropic −E/(3V), background term included.
    CHECK(r.stress_ev_per_angstrom3(1, 1) ==
          Approx(-r.energy_ev / (3 * s.volume_angstrom3())).epsilon(1e-6));
  }
}

TEST_CASE("Ewald energy does not depend on the splitting parameter", "[ewald]") {
  for (bool charged : {false, true}) {
    std::vector<double> q;
    const Structure s = messy(charged, q);
    const double e1 = atomistic::ewald_coulomb(s, q, {1e-12, 0.25}).energy_ev;
    const double e2 = atomistic::ewald_coulomb(s, q, {1e-12, 0.55}).energy_ev;
    const double e3 = atomistic::ewald_coulomb(s, q, {1e-12, 0}).energy_ev;
    CHECK(e1 == Approx(e2).epsilon(1e-8));
    CHECK(e1 == Approx(e3).epsilon(1e-8));
    // The default accuracy (1e-8) is met too.
    CHECK(atomistic::ewald_coulomb(s, q).energy_ev == Approx(e1).epsilon(1e-7));
  }
}

TEST_CASE("Ewald forces match finite differences", "[ewald]") {
  for (bool charged : {false, true}) {
    INFO("charged cell: " << charged);
    std::vector<double> q;
    const Structure s = messy(charged, q);
    check_fd_forces(s, q);
  }
}

TEST_CASE("Ewald stress matches finite differences of strain", "[ewald]") {
  for (bool charged : {false, true}) {
    INFO("charged cell: " << charged);
    std::vector<double> q;
    const Structure s = messy(charged, q);
    check_fd_stress(s, q);
  }
}

TEST_CASE("Ewald is invariant under translation and permutation", "[ewald]") {
  std::vector<double> q;
  const Structure s = messy(true, q);
  const auto ref = atomistic::ewald_coulomb(s, q, {1e-12, 0});
  Structure t = s;
  for (Eigen::Index k = 0; k < t.positions_angstrom.cols(); ++k)
    t.positions_angstrom.col(k) += Vec3(3.7, -11.2, 0.4);
  const auto moved = atomistic::ewald_coulomb(t, q, {1e-12, 0});
  CHECK(moved.energy_ev == Approx(ref.energy_ev).epsilon(1e-10));
  CHECK((moved.forces_ev_per_angstrom - ref.forces_ev_per_angstrom).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((moved.stress_ev_per_angstrom3 - ref.stress_ev_per_angstrom3).cwiseAbs().maxCoeff() <
        1e-10);

  // Reverse the atom order.
  Structure p;
  p.cell_angstrom = s.cell_angstrom;
  std::vector<double> qp;
  for (std::size_t k = s.size(); k-- > 0;) {
    p.append(s.elements[k], s.positions_angstrom.col(static_cast<Eigen::Index>(k)));
    qp.push_back(q[k]);
  }
  const auto permuted = atomistic::ewald_coulomb(p, qp, {1e-12, 0});
  CHECK(permuted.energy_ev == Approx(ref.energy_ev).epsilon(1e-10));
  const auto n = static_cast<Eigen::Index>(s.size());
  for (Eigen::Index k = 0; k < n; ++k)
    CHECK((permuted.forces_ev_per_angstrom.col(n - 1 - k) - ref.forces_ev_per_angstrom.col(k))
              .cwiseAbs()
              .maxCoeff() < 1e-8);
  // Newton's third law: the forces sum to zero.
  CHECK(ref.forces_ev_per_angstrom.rowwise().sum().cwiseAbs().maxCoeff() < 1e-8);
}

TEST_CASE("Ewald rejects coinciding charges and wrong charge counts", "[ewald][bad-input]") {
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * 5;
  s.append("Na", Vec3(1, 1, 1));
  s.append("Cl", Vec3(1, 1, 1));
  CHECK(test::input_error_of([&] {
          atomistic::ewald_coulomb(s, {1, -1});
        }) == "Ewald: charged atoms 0 and 1 coincide");
  CHECK(test::input_error_of([&] { atomistic::ewald_coulomb(s, {1}); }) ==
        "Ewald: 1 charges for 2 atoms");
}

TEST_CASE("PeriodicPairFinder finds every image pair, also for cutoffs beyond the cell",
          "[ewald]") {
  // Compare with a brute-force image loop on a skewed cell, cutoff 2.5× the cell width.
  std::vector<double> q;
  const Structure s = messy(false, q);
  for (double cutoff : {3.0, 7.5, 14.0}) {
    double sum_finder = 0;
    std::size_t count_finder = 0;
    atomistic::PeriodicPairFinder finder(s.cell_angstrom, s.positions_angstrom, cutoff);
    finder.for_each_pair([&](std::size_t, std::size_t, const Vec3&, double r2) {
      ++count_finder;
      sum_finder += std::sqrt(r2);
    });
    double sum_brute = 0;
    std::size_t count_brute = 0;
    const int reach = 6;
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t j = i; j < s.size(); ++j)
        for (int a = -reach; a <= reach; ++a)
          for (int b = -reach; b <= reach; ++b)
            for (int c = -reach; c <= reach; ++c) {
              if (i == j && !(a > 0 || (a == 0 && (b > 0 || (b == 0 && c > 0))))) continue;
              const Vec3 d = s.positions_angstrom.col(static_cast<Eigen::Index>(j)) +
                             s.cartesian(Vec3(a, b, c)) -
                             s.positions_angstrom.col(static_cast<Eigen::Index>(i));
              if (d.norm() < cutoff) ++count_brute, sum_brute += d.norm();
            }
    CHECK(count_finder == count_brute);
    CHECK(sum_finder == Approx(sum_brute).epsilon(1e-12));
  }
}

TEST_CASE("Ewald does not depend on the choice of lattice vectors (strongly skewed basis)",
          "[ewald]") {
  // The same periodic crystal described by a unimodular change of basis: a2' = a2 + 2a1,
  // a3' = a3 − a2 + a1 (angles far from 90°). Energy, forces and stress must not change.
  for (bool charged : {false, true}) {
    std::vector<double> q;
    const Structure s = messy(charged, q);
    Structure t = s;
    Eigen::Matrix3d u;
    u << 1, 0, 0,  //
        2, 1, 0,   //
        1, -1, 1;
    t.cell_angstrom = u * s.cell_angstrom;
    const auto a = atomistic::ewald_coulomb(s, q, {1e-12, 0});
    const auto b = atomistic::ewald_coulomb(t, q, {1e-12, 0});
    CHECK(b.energy_ev == Approx(a.energy_ev).epsilon(1e-10));
    CHECK((b.forces_ev_per_angstrom - a.forces_ev_per_angstrom).cwiseAbs().maxCoeff() < 1e-8);
    CHECK((b.stress_ev_per_angstrom3 - a.stress_ev_per_angstrom3).cwiseAbs().maxCoeff() < 1e-10);
  }
}
