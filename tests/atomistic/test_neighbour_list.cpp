// Cell-list neighbour list against brute force on triclinic cells; half/full lists; the
// cutoff limit.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <tuple>

#include "../test_support.hpp"
#include "ionhop/atomistic/neighbour_list.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;
using atomistic::Vec3;

namespace {

using Entry = std::tuple<std::size_t, int, int, int>;  // j and its shift

atomistic::Structure random_structure(const Eigen::Matrix3d& cell, std::size_t n,
                                      std::uint32_t seed) {
  std::mt19937 rng(seed);
  // Fractional coordinates outside [0, 1) too: the list must not assume wrapped atoms.
  std::uniform_real_distribution<double> u(-0.6, 1.6);
  atomistic::Structure s;
  s.cell_angstrom = cell;
  for (std::size_t i = 0; i < n; ++i) s.append("Ar", s.cartesian(Vec3(u(rng), u(rng), u(rng))));
  return s;
}

// O(N²·images) reference: every j and lattice shift within the cutoff.
std::vector<std::vector<Entry>> brute_force(const atomistic::Structure& s, double cutoff) {
  std::vector<std::vector<Entry>> out(s.size());
  const int reach = 3;  // fractional spreads of 2.2 plus the cutoff (< half a cell)
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j)
      for (int a = -reach; a <= reach; ++a)
        for (int b = -reach; b <= reach; ++b)
          for (int c = -reach; c <= reach; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            const Vec3 v = s.positions_angstrom.col(j) - s.positions_angstrom.col(i) +
                           s.cell_angstrom.transpose() * Vec3(a, b, c);
            if (v.norm() < cutoff) out[i].emplace_back(j, a, b, c);
          }
  for (auto& l : out) std::sort(l.begin(), l.end());
  return out;
}

void check_against_brute_force(const atomistic::Structure& s, double cutoff) {
  const auto full = atomistic::build_neighbour_list(s, cutoff);
  const auto half = atomistic::build_neighbour_list(s, cutoff, atomistic::NeighbourListKind::half);
  const auto ref = brute_force(s, cutoff);
  REQUIRE(full.atom_count() == s.size());
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::vector<Entry> got;
    for (const auto& nb : full.of(i)) {
      got.emplace_back(nb.atom, nb.shift[0], nb.shift[1], nb.shift[2]);
      const Vec3 expected = s.positions_angstrom.col(nb.atom) - s.positions_angstrom.col(i) +
                            s.cell_angstrom.transpose() * nb.shift.cast<double>();
      CHECK((nb.vector_angstrom - expected).norm() < 1e-9);
      CHECK(nb.distance_angstrom == Approx(expected.norm()));
    }
    CHECK(got == ref[i]);  // the list is sorted by (atom, shift) like the reference
    pairs += ref[i].size();
    // Half list: exactly the entries with j > i.
    std::vector<Entry> want_half, got_half;
    for (const auto& e : ref[i])
      if (std::get<0>(e) > i) want_half.push_back(e);
    for (const auto& nb : half.of(i))
      got_half.emplace_back(nb.atom, nb.shift[0], nb.shift[1], nb.shift[2]);
    CHECK(got_half == want_half);
  }
  CHECK(full.entry_count() == pairs);
  CHECK(half.entry_count() * 2 == pairs);
}

}  // namespace

TEST_CASE("neighbour list matches brute force on a triclinic cell", "[atomistic]") {
  Eigen::Matrix3d cell;
  cell << 10.0, 0.0, 0.0, 3.0, 9.0, 0.0, -2.0, 4.0, 11.0;
  const auto s = random_structure(cell, 160, 7);
  const double w = s.min_perpendicular_width_angstrom();
  // Short cutoffs give many bins; the largest allowed gives two or one per axis.
  for (double cutoff : {1.3, 2.7, 0.5 * w}) {
    INFO("cutoff " << cutoff);
    check_against_brute_force(s, cutoff);
  }
}

TEST_CASE("neighbour list of a strongly skewed, small cell", "[atomistic]") {
  Eigen::Matrix3d cell;
  cell << 6.0, 0.0, 0.0, 4.5, 5.5, 0.0, 1.0, -2.0, 7.0;
  const auto s = random_structure(cell, 40, 11);
  check_against_brute_force(s, 0.49 * s.min_perpendicular_width_angstrom());
  check_against_brute_force(s, 0.8);
}

TEST_CASE("neighbour list of a large perovskite supercell", "[atomistic]") {
  // 10×10×10 CsPbI3: 5000 atoms, many bins. Each Pb has 6 I at a/2; each I has 2 Pb.
  const auto c = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph g(c, {10, 10, 10});
  const auto s = atomistic::SupercellBuilder(g).perfect();
  const double a = 6.29;
  const auto list = atomistic::build_neighbour_list(s, 0.5 * a + 0.1);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::size_t expected = s.elements[i] == "Pb" ? 6 : s.elements[i] == "I" ? 2 : 0;
    REQUIRE(list.of(i).size() == expected);
    for (const auto& nb : list.of(i)) CHECK(nb.distance_angstrom == Approx(0.5 * a));
  }
}

TEST_CASE("neighbour list rejects a cutoff beyond half the cell", "[atomistic]") {
  atomistic::Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * 5.0;
  s.append("Ar", Vec3(0, 0, 0));
  const std::string m = test::input_error_of([&] { atomistic::build_neighbour_list(s, 2.6); });
  CHECK(m == "cutoff 2.6 Å is larger than half the cell's smallest perpendicular width 5 Å");
  CHECK(test::input_error_of([&] { atomistic::build_neighbour_list(s, 0.0); }) != "(no error)");
  CHECK(atomistic::build_neighbour_list(s, 2.5).of(0).empty());  // no self-images
}
