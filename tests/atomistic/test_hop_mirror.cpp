// Mirror-symmetric NEB endpoints (atomistic/hop_mirror): the mirror of an X–X vacancy hop in
// cubic CsPbI3 maps the initial endpoint exactly onto the final one, is an involution, and
// preserves the energy and (rotated) forces of any configuration; hops and cells it is not a
// symmetry of are refused. A symmetrised state is its own image and relaxes on the plane.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "../test_support.hpp"
#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/hop_mirror.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;
using atomistic::Structure;
using atomistic::Vec3;

namespace {
const lattice::Crystal& crystal() {
  static const lattice::Crystal c =
      io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  return c;
}

// Largest minimum-image distance between atom k of a and atom k of b.
double max_mismatch(const Structure& a, const Structure& b) {
  double worst = 0;
  for (Eigen::Index k = 0; k < a.positions_angstrom.cols(); ++k)
    worst = std::max(
        worst, a.minimum_image(a.positions_angstrom.col(k) - b.positions_angstrom.col(k)).norm());
  return worst;
}

Structure rattled(Structure s, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0.0, 0.1);
  for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
    s.positions_angstrom.col(k) += Vec3(n(rng), n(rng), n(rng));
  return s;
}
}  // namespace

TEST_CASE("The mirror of an X-X vacancy hop maps its initial endpoint onto the final one",
          "[atomistic][hop-mirror]") {
  const lattice::SiteGraph graph(crystal(), {2, 2, 2});
  const atomistic::SupercellBuilder builder(graph);
  const auto x_sites = graph.sites_of_sublattice("X");
  const auto from = x_sites.front();
  const auto targets = graph.hop_targets(from);
  REQUIRE(targets.size() == 8);
  for (const auto to : targets) {
    const auto ends = builder.vacancy_hop(from, to, "X-X");
    const atomistic::HopMirror m = atomistic::find_hop_mirror(ends.initial, ends.final);
    CHECK(m.moving_atom == ends.moving_atom);
    // A reflection: orthogonal, determinant −1, and the hop vector reversed.
    CHECK((m.reflection * m.reflection.transpose() - Eigen::Matrix3d::Identity()).norm() < 1e-12);
    CHECK(m.reflection.determinant() == Approx(-1.0).margin(1e-12));
    CHECK((m.reflection * ends.moving_displacement_angstrom + ends.moving_displacement_angstrom)
              .norm() < 1e-12);
    CHECK(max_mismatch(m.apply(ends.initial), ends.final) < 1e-9);
    // An involution: mirroring twice restores every atom exactly (no renumbering left).
    const Structure twice = m.apply(m.apply(ends.initial));
    CHECK(max_mismatch(twice, ends.initial) < 1e-9);
  }
}

TEST_CASE("A mirrored configuration has the same energy and mirrored forces",
          "[atomistic][hop-mirror]") {
  const auto potential = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  const lattice::SiteGraph graph(crystal(), {2, 2, 2});
  const atomistic::SupercellBuilder builder(graph);
  const auto from = graph.sites_of_sublattice("X").front();
  const auto ends = builder.vacancy_hop(from, graph.hop_targets(from)[3], "X-X");
  const auto m = atomistic::find_hop_mirror(ends.initial, ends.final);
  const Structure s = rattled(ends.initial, 5);
  const Structure image = m.apply(s);
  const auto e = potential.compute(s), e_image = potential.compute(image);
  CHECK(e_image.energy_ev == Approx(e.energy_ev).epsilon(1e-12).margin(1e-9));
  double worst = 0;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const Vec3 expected =
        m.reflection * e.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(m.source_atom[k]));
    worst = std::max(
        worst,
        (e_image.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(k)) - expected).norm());
  }
  CHECK(worst < 1e-8);
}

TEST_CASE("Hops without a mirror symmetry are refused", "[atomistic][hop-mirror][bad-input]") {
  const lattice::SiteGraph graph(crystal(), {2, 2, 2});
  const auto x_sites = graph.sites_of_sublattice("X");
  const auto from = x_sites.front();
  const auto to = graph.hop_targets(from).front();
  {
    // A bromide on an X site off the mirror plane: the environment is not symmetric.
    std::vector<std::string> occupants(graph.site_count());
    for (lattice::SiteIndex s = 0; s < graph.site_count(); ++s)
      occupants[s] = crystal().basis[graph.basis_of(s)].occupant;
    const atomistic::SupercellBuilder pure(graph, occupants);
    const auto ends = pure.vacancy_hop(from, to, "X-X");
    const auto m = atomistic::find_hop_mirror(ends.initial, ends.final);
    bool refused = false;
    for (const auto x : x_sites) {
      if (x == from || x == to) continue;
      auto mixed = occupants;
      mixed[x] = "Br";
      const atomistic::SupercellBuilder b(graph, mixed);
      const auto e = b.vacancy_hop(from, to, "X-X");
      // Sites on the plane map onto themselves: only those may hold the bromide.
      const Vec3 r =
          e.initial.positions_angstrom.col(static_cast<Eigen::Index>(e.initial_site_to_atom[x]));
      const Vec3 mirrored = m.reflection * (r - m.origin_angstrom) + m.origin_angstrom;
      if (e.initial.minimum_image(mirrored - r).norm() < 1e-6) continue;
      CHECK_THROWS_WITH(atomistic::find_hop_mirror(e.initial, e.final),
                        Catch::Contains("not a symmetry of this structure"));
      refused = true;
      break;
    }
    CHECK(refused);
  }
  {
    // A cell strained along the hop's normal only: the plane is no longer a cell mirror.
    const atomistic::SupercellBuilder b(graph);
    auto ends = b.vacancy_hop(from, to, "X-X");
    const Vec3 d = ends.moving_displacement_angstrom;
    int axis = 0;
    for (int a = 1; a < 3; ++a)
      if (std::abs(d[a]) > std::abs(d[axis])) axis = a;
    Eigen::Matrix3d strain = Eigen::Matrix3d::Identity();
    strain(axis, axis) = 1.03;
    for (Structure* s : {&ends.initial, &ends.final}) {
      s->cell_angstrom = s->cell_angstrom * strain;
      s->positions_angstrom = strain * s->positions_angstrom;
    }
    CHECK_THROWS_AS(atomistic::find_hop_mirror(ends.initial, ends.final), InputError);
  }
  {
    // Endpoints that differ by a second atom the mirror does not account for.
    const atomistic::SupercellBuilder b(graph);
    auto ends = b.vacancy_hop(from, to, "X-X");
    ends.final.positions_angstrom.col(0) += Vec3(0.5, 0, 0);
    CHECK_THROWS_WITH(atomistic::find_hop_mirror(ends.initial, ends.final),
                      Catch::Contains("not a symmetry of this structure"));
    CHECK_THROWS_WITH(atomistic::find_hop_mirror(ends.initial, ends.initial),
                      Catch::Contains("the same structure"));
  }
}

TEST_CASE("The mirror of a split-interstitial hop swaps the two hosts", "[atomistic][hop-mirror]") {
  const lattice::SiteGraph graph(crystal(), {2, 2, 2});
  const atomistic::SupercellBuilder builder(graph);
  const auto from = graph.sites_of_sublattice("X").front();
  for (const auto to : graph.hop_targets(from)) {
    const auto ends = builder.interstitial_hop(from, to, "X-X", {"X", "I", 1.4, "B"});
    const atomistic::HopMirror m = atomistic::find_hop_mirror(ends.initial, ends.final);
    INFO("hop " << from << " -> " << to);
    // The extra atom hops; the hosts of the two sites shift by δ = 1.4 Å and are each
    // other's images.
    CHECK(m.moving_atom == ends.moving_atom);
    CHECK(m.moved_atoms == 3);
    CHECK(m.source_atom[from] == to);
    CHECK(m.source_atom[to] == from);
    CHECK(max_mismatch(m.apply(ends.initial), ends.final) < 1e-9);
    CHECK(max_mismatch(m.apply(m.apply(ends.initial)), ends.initial) < 1e-9);
    // Reflecting only the extra atom would leave the hosts where they were: refused.
    CHECK_THROWS_WITH(m.reflect_moving_atom(ends.initial), Catch::Contains("one-atom"));
  }
}

TEST_CASE("A symmetrised displacement field is mapped onto itself by the mirror",
          "[atomistic][hop-mirror]") {
  const lattice::SiteGraph graph(crystal(), {2, 2, 2});
  const atomistic::SupercellBuilder builder(graph);
  const auto from = graph.sites_of_sublattice("X").front();
  const auto ends = builder.vacancy_hop(from, graph.hop_targets(from)[5], "X-X");
  const auto m = atomistic::find_hop_mirror(ends.initial, ends.final);
  const Structure sym = m.symmetrize_displacements(rattled(ends.initial, 9), ends.initial);
  // Host atoms (all but the moving one) sit at the same ideal sites in both endpoints, so
  // a mirror-invariant field means: the mirror image of `sym` equals `sym` displaced by the
  // hop of the moving atom only.
  const Structure image = m.apply(sym);
  for (std::size_t k = 0; k < sym.size(); ++k) {
    if (k == m.moving_atom) continue;
    const auto i = static_cast<Eigen::Index>(k);
    CHECK(
        sym.minimum_image(image.positions_angstrom.col(i) - sym.positions_angstrom.col(i)).norm() <
        1e-9);
  }
  // Symmetrising twice changes nothing; the rattle itself was not symmetric.
  CHECK(max_mismatch(m.symmetrize_displacements(sym, ends.initial), sym) < 1e-12);
  CHECK(max_mismatch(rattled(ends.initial, 9), sym) > 0.01);
}

TEST_CASE("Symmetrising a state puts it on the mirror plane", "[atomistic][hop-mirror]") {
  const auto potential = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  const lattice::SiteGraph graph(crystal(), {2, 2, 2});
  const atomistic::SupercellBuilder builder(graph);
  const auto from = graph.sites_of_sublattice("X").front();
  const auto ends =
      builder.interstitial_hop(from, graph.hop_targets(from)[0], "X-X", {"X", "I", 1.4, "B"});
  const auto m = atomistic::find_hop_mirror(ends.initial, ends.final);
  const Structure s = rattled(ends.initial, 11);
  // The initial endpoint is a hop away from its image; the symmetrised state is its own image,
  // and symmetrising it again changes nothing.
  CHECK(m.asymmetry_angstrom(s) > 2.0);
  const Structure sym = m.symmetrize(s);
  CHECK(m.asymmetry_angstrom(sym) < 1e-9);
  CHECK(max_mismatch(m.symmetrize(sym), sym) < 1e-12);
  // A self-mirror state has mirror-symmetric forces, F_k = R F_source(k) (the potential has
  // the symmetry), so a relaxation from it stays on the plane up to rounding.
  const auto f = potential.compute(sym).forces_ev_per_angstrom;
  double worst = 0;
  for (std::size_t k = 0; k < sym.size(); ++k)
    worst = std::max(worst, (f.col(static_cast<Eigen::Index>(k)) -
                             m.reflection * f.col(static_cast<Eigen::Index>(m.source_atom[k])))
                                .norm());
  CHECK(worst < 1e-8);
  atomistic::FireSettings fire;
  fire.max_steps = 200;
  CHECK(m.asymmetry_angstrom(atomistic::relax(potential, sym, fire).structure) < 1e-6);
}
