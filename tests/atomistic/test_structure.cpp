// Structure geometry: fractional coordinates, minimum image on a skewed cell, wrapping,
// append and remove.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "ionhop/atomistic/structure.hpp"

using namespace ionhop;
using atomistic::Vec3;

namespace {
atomistic::Structure skewed() {
  atomistic::Structure s;
  s.cell_angstrom << 8.0, 0.0, 0.0, 6.5, 7.0, 0.0, -3.0, 2.5, 9.0;
  return s;
}

bool is_lattice_vector(const atomistic::Structure& s, const Vec3& v) {
  const Vec3 f = s.fractional(v);
  return (f - f.array().round().matrix()).norm() < 1e-9;
}
}  // namespace

TEST_CASE("fractional and Cartesian coordinates invert each other", "[atomistic]") {
  const auto s = skewed();
  const Vec3 f(0.25, -1.5, 0.75);
  CHECK((s.fractional(s.cartesian(f)) - f).norm() < 1e-12);
  // Rows are lattice vectors: fractional (1, 0, 0) is a1.
  CHECK((s.cartesian(Vec3(1, 0, 0)) - s.cell_angstrom.row(0).transpose()).norm() < 1e-12);
  CHECK(s.volume_angstrom3() == Approx(8.0 * 7.0 * 9.0));
  // Width across the faces of a_k = 1 / |b_k|, b_k the reciprocal vectors (columns of H⁻¹).
  const Eigen::Matrix3d reciprocal = s.cell_angstrom.inverse();
  double w = INFINITY;
  for (int k = 0; k < 3; ++k) w = std::min(w, 1.0 / reciprocal.col(k).norm());
  CHECK(s.min_perpendicular_width_angstrom() == Approx(w));
  CHECK(w <= 7.0);  // at most the a2 face spacing in the xy plane
}

TEST_CASE("minimum image on a skewed cell is the shortest periodic image", "[atomistic]") {
  const auto s = skewed();
  const double half_width = 0.5 * s.min_perpendicular_width_angstrom();
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-2.5, 2.5);
  int checked = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const Vec3 d = s.cartesian(Vec3(u(rng), u(rng), u(rng)));
    double best = INFINITY;
    for (int a = -6; a <= 6; ++a)
      for (int b = -6; b <= 6; ++b)
        for (int c = -6; c <= 6; ++c)
          best = std::min(best, (d + s.cartesian(Vec3(a, b, c))).norm());
    const Vec3 m = s.minimum_image(d);
    CHECK(is_lattice_vector(s, m - d));
    // Exact where the header promises it: the shortest image within half the width.
    if (best <= half_width) {
      CHECK(m.norm() == Approx(best).epsilon(1e-12));
      ++checked;
    }
  }
  CHECK(checked > 100);
}

TEST_CASE("displacement is the minimum image between two atoms", "[atomistic]") {
  auto s = skewed();
  s.append("I", s.cartesian(Vec3(0.05, 0.05, 0.05)));
  s.append("I", s.cartesian(Vec3(0.95, 0.95, 0.95)));
  const Vec3 d = s.displacement(0, 1);
  CHECK(d.norm() == Approx(s.cartesian(Vec3(-0.1, -0.1, -0.1)).norm()));
  CHECK((s.displacement(1, 0) + d).norm() < 1e-12);
}

TEST_CASE("largest_displacement_angstrom: the largest minimum-image move of any atom",
          "[atomistic]") {
  auto a = skewed();
  a.append("I", a.cartesian(Vec3(0.05, 0.5, 0.5)));
  a.append("Pb", a.cartesian(Vec3(0.5, 0.5, 0.5)));
  auto b = a;
  CHECK(a.largest_displacement_angstrom(b) == 0);
  // Atom 0 crosses the face x = 0 (0.05 → 0.97: a move of −0.08 in x, not +0.92); atom 1
  // moves by a smaller vector.
  b.positions_angstrom.col(0) = a.cartesian(Vec3(0.97, 0.5, 0.5));
  b.positions_angstrom.col(1) += Vec3(0.1, 0.0, 0.0);
  const double moved = a.cartesian(Vec3(-0.08, 0, 0)).norm();
  CHECK(a.largest_displacement_angstrom(b) == Approx(moved).epsilon(1e-12));
  CHECK(b.largest_displacement_angstrom(a) == Approx(moved).epsilon(1e-12));
  // A whole lattice vector is no displacement at all.
  auto c = a;
  c.positions_angstrom.col(1) += a.cartesian(Vec3(1, -1, 0));
  CHECK(a.largest_displacement_angstrom(c) < 1e-12);
  c.append("I", Vec3(0, 0, 0));
  CHECK_THROWS_AS(a.largest_displacement_angstrom(c), std::invalid_argument);
}

TEST_CASE("wrap_positions moves atoms into the cell by lattice vectors", "[atomistic]") {
  auto s = skewed();
  const Vec3 f[] = {{-0.3, 1.2, 2.7}, {0.5, 0.5, 0.5}, {-1e-17, 3.0, -2.0}, {1.0, 0.0, 0.999}};
  for (const auto& x : f) s.append("Br", s.cartesian(x));
  const Eigen::Matrix3Xd before = s.positions_angstrom;
  s.wrap_positions();
  for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k) {
    const Vec3 g = s.fractional(s.positions_angstrom.col(k));
    for (int a = 0; a < 3; ++a) {
      CHECK(g[a] >= -1e-12);
      CHECK(g[a] < 1.0 + 1e-12);
    }
    CHECK(is_lattice_vector(s, s.positions_angstrom.col(k) - before.col(k)));
  }
  CHECK((s.positions_angstrom.col(1) - before.col(1)).norm() < 1e-12);  // already inside
}

TEST_CASE("append and remove keep elements, positions and fixed flags aligned", "[atomistic]") {
  atomistic::Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * 10.0;
  s.append("Cs", Vec3(1, 1, 1));
  s.append("Pb", Vec3(2, 2, 2));
  CHECK(s.fixed.empty());
  CHECK_FALSE(s.is_fixed(1));
  s.fixed = {true, false};
  s.append("I", Vec3(3, 3, 3));
  REQUIRE(s.size() == 3);
  REQUIRE(s.fixed.size() == 3);
  CHECK(s.is_fixed(0));
  CHECK_FALSE(s.is_fixed(2));
  s.remove(0);
  REQUIRE(s.size() == 2);
  CHECK(s.elements == std::vector<std::string>{"Pb", "I"});
  CHECK(s.positions_angstrom.cols() == 2);
  CHECK((s.positions_angstrom.col(0) - Vec3(2, 2, 2)).norm() == 0.0);
  CHECK((s.positions_angstrom.col(1) - Vec3(3, 3, 3)).norm() == 0.0);
  CHECK(s.fixed == std::vector<bool>{false, false});
  s.remove(1);
  CHECK(s.elements == std::vector<std::string>{"Pb"});
  CHECK((s.positions_angstrom.col(0) - Vec3(2, 2, 2)).norm() == 0.0);
}
