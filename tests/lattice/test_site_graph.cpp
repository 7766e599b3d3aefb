#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/lattice/site_graph.hpp"

using namespace ionhop;

namespace {
// Every site of `sublattice` has z hops of length d; hops are symmetric (i→j has j→i with
// the opposite displacement) and the displacements of one site sum to zero.
void check_shell(const lattice::SiteGraph& g, const std::string& sublattice, std::size_t z,
                 double d) {
  for (lattice::SiteIndex s : g.sites_of_sublattice(sublattice)) {
    const auto targets = g.hop_targets(s);
    REQUIRE(targets.size() == z);
    lattice::Vec3 sum = lattice::Vec3::Zero();
    for (std::size_t k = 0; k < z; ++k) {
      const auto& tpl = g.hop_templates(g.basis_of(s))[k];
      CHECK(tpl.displacement_angstrom.norm() == Approx(d).epsilon(1e-9));
      sum += tpl.displacement_angstrom;
      // The target's position is the source's plus the displacement, modulo the supercell.
      lattice::Vec3 diff =
          g.position_angstrom(targets[k]) - g.position_angstrom(s) - tpl.displacement_angstrom;
      const Eigen::Matrix3d super =
          g.crystal().cell_angstrom.transpose() *
          Eigen::Vector3d(g.supercell()[0], g.supercell()[1], g.supercell()[2]).asDiagonal();
      const lattice::Vec3 frac = super.inverse() * diff;
      CHECK((frac - frac.array().round().matrix()).norm() < 1e-9);
      // Reverse hop exists with the opposite displacement.
      bool reverse = false;
      const auto back = g.hop_targets(targets[k]);
      for (std::size_t m = 0; m < back.size(); ++m)
        if (back[m] == s && (g.hop_templates(g.basis_of(targets[k]))[m].displacement_angstrom +
                             tpl.displacement_angstrom)
                                    .norm() < 1e-9)
          reverse = true;
      CHECK(reverse);
    }
    CHECK(sum.norm() < 1e-9);
  }
}
}  // namespace

TEST_CASE("cubic perovskite X sublattice: 8 neighbours at a/sqrt(2)", "[lattice]") {
  const auto c = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph g(c, {4, 4, 4});
  CHECK(g.site_count() == 5u * 64u);
  CHECK(g.sites_of_sublattice("X").size() == 3u * 64u);
  check_shell(g, "X", 8, 6.29 / std::sqrt(2.0));
  // Boost.Graph view: one edge per hop, none out of Cs or Pb.
  CHECK(boost::num_edges(g.graph()) == 3u * 64u * 8u);
  CHECK(g.hop_targets(0).empty());  // site 0 is Pb
}

TEST_CASE("simple cubic, bcc and fcc nearest-neighbour shells", "[lattice]") {
  const double a = 3.0;
  check_shell(lattice::SiteGraph(io::load_crystal(test::source_path("lattices/simple_cubic.json")),
                                 {4, 4, 4}),
              "A", 6, a);
  check_shell(
      lattice::SiteGraph(io::load_crystal(test::source_path("lattices/bcc.json")), {3, 3, 3}), "A",
      8, a * std::sqrt(3.0) / 2);
  check_shell(
      lattice::SiteGraph(io::load_crystal(test::source_path("lattices/fcc.json")), {3, 3, 3}), "A",
      12, a / std::sqrt(2.0));
}

TEST_CASE("second neighbour shell by distance and by index agree", "[lattice]") {
  auto c = io::load_crystal(test::source_path("lattices/simple_cubic.json"));
  c.hop_shells[0].neighbour_shell = 2;  // face diagonals: 12 at a*sqrt(2)
  check_shell(lattice::SiteGraph(c, {5, 5, 5}), "A", 12, 3.0 * std::sqrt(2.0));
  c.hop_shells[0].distance_angstrom = 3.0 * std::sqrt(3.0);  // body diagonals: 8
  check_shell(lattice::SiteGraph(c, {5, 5, 5}), "A", 8, 3.0 * std::sqrt(3.0));
}

TEST_CASE("a supercell too small for the hop shell is rejected", "[lattice][bad-input]") {
  const auto c = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  // From X1 at (1/2,0,0) the X-X hops reach cells 0 and +1 along x and 0 and -1 along y:
  // one cell aliases them, two cells do not.
  CHECK_THROWS_AS(lattice::SiteGraph(c, {1, 3, 3}), InputError);
  CHECK_NOTHROW(lattice::SiteGraph(c, {2, 2, 2}));
  CHECK_THROWS_WITH(lattice::check_supercell_fits(c, {1, 1, 1}),
                    Catch::Contains("too small for hop shell 'X-X'"));
  CHECK_NOTHROW(lattice::SiteGraph(c, {3, 3, 3}));
  const auto sc = io::load_crystal(test::source_path("lattices/simple_cubic.json"));
  // Simple cubic: hops to −1 and +1 cells alias when there are only 2 cells.
  CHECK_THROWS_AS(lattice::check_supercell_fits(sc, {2, 4, 4}), InputError);
  CHECK_NOTHROW(lattice::check_supercell_fits(sc, {3, 3, 3}));
  CHECK_THROWS_AS(lattice::check_supercell_fits(sc, {0, 4, 4}), InputError);
}
