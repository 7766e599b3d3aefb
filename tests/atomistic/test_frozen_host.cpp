// Frozen host (atomistic/frozen_host): atoms beyond the radius from the hop midpoint are
// fixed in both endpoints, the hopping atom and its neighbourhood stay free, and a relaxation
// leaves the fixed atoms exactly where they were.
#include <catch2/catch.hpp>

#include "../test_support.hpp"
#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/frozen_host.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;
using atomistic::Structure;
using atomistic::Vec3;

namespace {
// The first X-X vacancy hop of a 2×2×2 cubic CsPbI3 cell, unrelaxed.
atomistic::HopEndpoints vacancy_hop_2x2x2() {
  const lattice::Crystal crystal =
      io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {2, 2, 2});
  const atomistic::SupercellBuilder builder(graph);
  const auto from = graph.sites_of_sublattice("X").front();
  return builder.vacancy_hop(from, graph.hop_targets(from).front(), "X-X");
}
}  // namespace

TEST_CASE("Atoms beyond the radius from the hop are fixed in both endpoints",
          "[atomistic][frozen-host]") {
  auto ends = vacancy_hop_2x2x2();
  const double radius = 4.5;
  const std::size_t fixed = atomistic::fix_atoms_beyond(ends.initial, ends.final, radius);
  const Vec3 a = ends.initial.positions_angstrom.col(static_cast<Eigen::Index>(ends.moving_atom));
  const Vec3 centre = a + 0.5 * ends.moving_displacement_angstrom;
  std::size_t counted = 0;
  for (std::size_t k = 0; k < ends.initial.size(); ++k) {
    const double d =
        ends.initial
            .minimum_image(Vec3(ends.initial.positions_angstrom.col(static_cast<Eigen::Index>(k))) -
                           centre)
            .norm();
    CHECK(ends.initial.is_fixed(k) == ends.final.is_fixed(k));
    if (k == ends.moving_atom) {
      CHECK_FALSE(ends.initial.is_fixed(k));
      continue;
    }
    CHECK(ends.initial.is_fixed(k) == (d > radius));
    counted += ends.initial.is_fixed(k);
  }
  CHECK(counted == fixed);
  CHECK(fixed > 0);
  CHECK(fixed < ends.initial.size() - 1);

  // A relaxation moves the free atoms only.
  const auto potential = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  Structure start = ends.initial;
  for (Eigen::Index k = 0; k < start.positions_angstrom.cols(); ++k)
    start.positions_angstrom.col(k) += Vec3(0.03 * std::sin(1.0 + k), 0.02, -0.01);
  atomistic::FireSettings fire;
  fire.max_steps = 200;
  const auto relaxed = atomistic::relax(potential, start, fire);
  for (std::size_t k = 0; k < start.size(); ++k)
    if (start.is_fixed(k))
      CHECK(relaxed.structure.positions_angstrom.col(static_cast<Eigen::Index>(k)) ==
            start.positions_angstrom.col(static_cast<Eigen::Index>(k)));

  CHECK_THROWS_AS(atomistic::fix_atoms_beyond(ends.initial, ends.final, 0.0), InputError);
}

TEST_CASE("fix_elements fixes every atom of the named elements, and only those",
          "[atomistic][frozen-host]") {
  auto ends = vacancy_hop_2x2x2();
  // Atoms fixed before (a frozen host) stay fixed and are not counted again.
  const std::size_t beyond = atomistic::fix_atoms_beyond(ends.initial, ends.final, 4.5);
  std::size_t cations = 0, cations_already = 0;
  for (std::size_t k = 0; k < ends.initial.size(); ++k)
    if (ends.initial.elements[k] != "I") {
      ++cations;
      cations_already += ends.initial.is_fixed(k);
    }
  const std::size_t fixed = atomistic::fix_elements(ends.initial, ends.final, {"Pb", "Cs"});
  CHECK(fixed == cations - cations_already);
  for (std::size_t k = 0; k < ends.initial.size(); ++k) {
    CHECK(ends.initial.is_fixed(k) == ends.final.is_fixed(k));
    if (ends.initial.elements[k] != "I") CHECK(ends.initial.is_fixed(k));
  }
  CHECK_FALSE(ends.initial.is_fixed(ends.moving_atom));
  std::size_t total = 0;
  for (std::size_t k = 0; k < ends.initial.size(); ++k) total += ends.initial.is_fixed(k);
  CHECK(total == beyond + fixed);

  // An element that is absent, or the hopping one, cannot be fixed.
  CHECK_THROWS_WITH(atomistic::fix_elements(ends.initial, ends.final, {"Br"}),
                    Catch::Contains("no atom of element 'Br'"));
  CHECK_THROWS_WITH(atomistic::fix_elements(ends.initial, ends.final, {"I"}),
                    Catch::Contains("'I' takes part in the hop"));
}
