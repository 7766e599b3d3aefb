// Supercell structures, vacancies, split interstitials, hop endpoints and environment
// counts on cubic CsPbI3 (and I/Br mixtures).
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;
using atomistic::Vec3;

namespace {

const double kA = 6.29;

std::size_t count_of(const atomistic::Structure& s, const std::string& element) {
  return static_cast<std::size_t>(std::count(s.elements.begin(), s.elements.end(), element));
}

bool same_modulo_cell(const atomistic::Structure& s, const Vec3& a, const Vec3& b) {
  const Vec3 f = s.fractional(a - b);
  return (f - f.array().round().matrix()).norm() < 1e-9;
}

// Atoms whose positions differ between the two endpoints.
std::vector<std::size_t> moved_atoms(const atomistic::HopEndpoints& h) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < h.initial.size(); ++k)
    if ((h.initial.positions_angstrom.col(k) - h.final.positions_angstrom.col(k)).norm() > 0)
      out.push_back(k);
  return out;
}

lattice::Crystal cspbi3() {
  return io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
}

}  // namespace

TEST_CASE("perfect 2x2x2 CsPbI3 supercell: atom k on site k", "[atomistic]") {
  const auto c = cspbi3();
  const lattice::SiteGraph g(c, {2, 2, 2});
  const atomistic::SupercellBuilder b(g);
  const auto s = b.perfect();
  REQUIRE(s.size() == 40);
  CHECK(count_of(s, "Pb") == 8);
  CHECK(count_of(s, "Cs") == 8);
  CHECK(count_of(s, "I") == 24);
  CHECK((s.cell_angstrom - Eigen::Matrix3d::Identity() * 2 * kA).norm() < 1e-12);
  for (lattice::SiteIndex k = 0; k < g.site_count(); ++k) {
    CHECK(s.elements[k] == c.basis[g.basis_of(k)].occupant);
    CHECK((s.positions_angstrom.col(k) - g.position_angstrom(k)).norm() == 0.0);
  }
  CHECK(s.charge_e == 0);
  CHECK(s.fixed.empty());
}

TEST_CASE("vacancy and split interstitial structures", "[atomistic]") {
  const auto c = cspbi3();
  const lattice::SiteGraph g(c, {2, 2, 2});
  const atomistic::SupercellBuilder b(g);
  const auto x_sites = g.sites_of_sublattice("X");
  const lattice::SiteIndex v = x_sites[5];

  const auto vac = b.vacancy(v, "X");
  REQUIRE(vac.structure.size() == 39);
  CHECK(count_of(vac.structure, "I") == 23);
  CHECK(count_of(vac.structure, "Pb") == 8);
  CHECK(vac.site_to_atom[v] == -1);
  CHECK(vac.extra_atom == -1);
  for (lattice::SiteIndex s = 0; s < g.site_count(); ++s) {
    if (s == v) continue;
    const auto a = static_cast<std::size_t>(vac.site_to_atom[s]);
    CHECK(vac.structure.elements[a] == b.site_occupants()[s]);
    CHECK((vac.structure.positions_angstrom.col(a) - g.position_angstrom(s)).norm() == 0.0);
  }

  // X1 at (a/2, 0, 0): the Pb–I–Pb axis is x; split along y.
  const lattice::SiteIndex x1 = x_sites[0];
  REQUIRE(c.basis[g.basis_of(x1)].label == "X1");
  const atomistic::SplitInterstitialSpec spec{"X", "I", 0.8, "B"};
  const auto in = b.split_interstitial(x1, spec, Vec3(0, 2, 0));
  REQUIRE(in.structure.size() == 41);
  CHECK(count_of(in.structure, "I") == 25);
  REQUIRE(in.extra_atom == 40);
  const Vec3 r = g.position_angstrom(x1);
  CHECK((in.structure.positions_angstrom.col(40) - (r + Vec3(0, 0.8, 0))).norm() < 1e-12);
  CHECK((in.structure.positions_angstrom.col(x1) - (r - Vec3(0, 0.8, 0))).norm() < 1e-12);
  // Everything else untouched.
  for (lattice::SiteIndex s = 0; s < g.site_count(); ++s)
    if (s != x1)
      CHECK((in.structure.positions_angstrom.col(s) - g.position_angstrom(s)).norm() == 0);
  // A Br interstitial in CsPbI3 is another element on the same footing.
  const auto br = b.split_interstitial(x1, {"X", "Br", 0.5, ""}, Vec3(1, 0, 0));
  CHECK(br.structure.elements.back() == "Br");
}

TEST_CASE("vacancy hop endpoints differ only by the moving ion's hop", "[atomistic]") {
  const auto c = cspbi3();
  const lattice::SiteGraph g(c, {2, 2, 2});
  const atomistic::SupercellBuilder b(g);
  std::size_t hops = 0;
  for (lattice::SiteIndex i : g.sites_of_sublattice("X")) {
    const auto targets = g.hop_targets(i);
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const lattice::SiteIndex j = targets[k];
      const auto h = b.vacancy_hop(i, j, "X-X");
      REQUIRE(h.initial.size() == 39);
      REQUIRE(h.final.size() == 39);
      CHECK(h.initial.elements == h.final.elements);
      CHECK(h.initial.cell_angstrom == h.final.cell_angstrom);
      CHECK(h.moving_element == "I");
      CHECK(h.hop_vector_angstrom.norm() == Approx(kA / std::sqrt(2.0)));
      CHECK(h.hop_vector_angstrom == g.hop_templates(g.basis_of(i))[k].displacement_angstrom);
      REQUIRE(moved_atoms(h) == std::vector<std::size_t>{h.moving_atom});
      const Vec3 before = h.initial.positions_angstrom.col(h.moving_atom);
      const Vec3 after = h.final.positions_angstrom.col(h.moving_atom);
      CHECK((after - before + h.hop_vector_angstrom).norm() < 1e-12);
      CHECK((after - before - h.moving_displacement_angstrom).norm() < 1e-12);
      // Modulo the cell, the ion starts on j and ends on i.
      CHECK(same_modulo_cell(h.initial, before, g.position_angstrom(j)));
      CHECK(same_modulo_cell(h.initial, after, g.position_angstrom(i)));
      CHECK(h.initial_site_to_atom[i] == -1);
      CHECK(h.final_site_to_atom[j] == -1);
      CHECK(h.final_site_to_atom[i] == static_cast<std::int64_t>(h.moving_atom));
      CHECK(h.initial_site_to_atom[j] == static_cast<std::int64_t>(h.moving_atom));
      ++hops;
    }
  }
  CHECK(hops == 24u * 8u);
}

TEST_CASE("interstitial hop endpoints: dumbbell at i to dumbbell at j", "[atomistic]") {
  const auto c = cspbi3();
  const lattice::SiteGraph g(c, {2, 2, 2});
  const atomistic::SupercellBuilder b(g);
  const atomistic::SplitInterstitialSpec spec{"X", "I", 0.9, "B"};
  // Nearest-B axis of each X basis site: X1 → x, X2 → y, X3 → z.
  auto axis = [&](lattice::SiteIndex s) {
    Vec3 a = Vec3::Zero();
    a[static_cast<int>(g.basis_of(s)) - 2] = 1;
    return a;
  };
  for (lattice::SiteIndex i : g.sites_of_sublattice("X")) {
    for (lattice::SiteIndex j : g.hop_targets(i)) {
      const auto h = b.interstitial_hop(i, j, "X-X", spec);
      REQUIRE(h.initial.size() == 41);
      CHECK(h.initial.elements == h.final.elements);
      CHECK(h.moving_atom == 40);
      CHECK(h.moving_element == "I");
      // Only host i, host j and the extra atom move.
      auto moved = moved_atoms(h);
      std::vector<std::size_t> expected{i, j, 40};
      std::sort(expected.begin(), expected.end());
      CHECK(moved == expected);
      const auto& p0 = h.initial.positions_angstrom;
      const auto& p1 = h.final.positions_angstrom;
      const Vec3 ri = g.position_angstrom(i), rj = g.position_angstrom(j);
      // Initial dumbbell centred on i, ⟂ to its axis, extra on the side facing j.
      const Vec3 ui = (p0.col(40) - p0.col(i)) / 1.8;
      CHECK(ui.norm() == Approx(1.0));
      CHECK(std::abs(ui.dot(axis(i))) < 1e-12);
      CHECK(((p0.col(40) + p0.col(i)) / 2 - ri).norm() < 1e-12);
      CHECK(ui.dot(h.hop_vector_angstrom) > 0);
      // Final: host i back on i; dumbbell (extra, host j) centred on j, ⟂ to j's axis.
      CHECK((p1.col(i) - ri).norm() < 1e-12);
      const Vec3 uj = h.final.minimum_image(p1.col(40) - p1.col(j)) / 1.8;
      CHECK(uj.norm() == Approx(1.0));
      CHECK(std::abs(uj.dot(axis(j))) < 1e-12);
      CHECK(same_modulo_cell(h.final, p1.col(j) + 0.9 * uj, rj));
      CHECK(uj.dot(h.hop_vector_angstrom) < 0);  // facing i
      // The extra atom's move is the hop plus the change of dumbbell offset, unwrapped.
      CHECK((p1.col(40) - p0.col(40) - h.moving_displacement_angstrom).norm() < 1e-12);
      CHECK((h.moving_displacement_angstrom - h.hop_vector_angstrom - 0.9 * (uj - ui)).norm() <
            1e-12);
      // Mirror symmetry: the mover's path is shorter than the site-to-site hop.
      CHECK(h.moving_displacement_angstrom.norm() < h.hop_vector_angstrom.norm());
    }
  }
}

TEST_CASE("environment counts: neighbours' occupants in a hop shell", "[atomistic]") {
  const auto c = cspbi3();
  const lattice::SiteGraph g(c, {4, 4, 4});
  {
    const atomistic::SupercellBuilder b(g);
    const auto counts = b.environment_counts(g.sites_of_sublattice("X")[7], "X-X");
    CHECK(counts == std::map<std::string, std::size_t>{{"I", 8}});
  }
  // Random I/Br alloy: exact counts; every site's counts equal a geometric count of the
  // X neighbours at a/√2 in the built structure.
  core::RandomStream rng(42, 0);
  const std::vector<kmc::SublatticeComposition> alloy{{"X", {{"I", 0.5}, {"Br", 0.5}}, {}, {}}};
  const auto occupants = atomistic::occupants_from_composition(g, alloy, rng);
  const atomistic::SupercellBuilder b(g, occupants);
  const auto s = b.perfect();
  CHECK(count_of(s, "Br") == 96);
  CHECK(count_of(s, "I") == 96);
  CHECK(count_of(s, "Pb") == 64);
  for (lattice::SiteIndex x : g.sites_of_sublattice("X")) {
    std::map<std::string, std::size_t> geometric;
    for (lattice::SiteIndex y : g.sites_of_sublattice("X"))
      if (std::abs(s.displacement(x, y).norm() - kA / std::sqrt(2.0)) < 1e-6)
        ++geometric[s.elements[y]];
    CHECK(b.environment_counts(x, "X-X") == geometric);
  }
  // With a vacancy (empty occupant) the vacant neighbour is not counted.
  auto with_vacancy = occupants;
  const lattice::SiteIndex x0 = g.sites_of_sublattice("X")[0];
  const lattice::SiteIndex y0 = g.hop_targets(x0)[0];
  const std::string gone = with_vacancy[y0];
  with_vacancy[y0] = "";
  auto before = b.environment_counts(x0, "X-X");
  auto after = atomistic::environment_counts(g, with_vacancy, x0, "X-X");
  --before[gone];
  if (before[gone] == 0) before.erase(gone);
  CHECK(after == before);
}

TEST_CASE("layered I/Br heterojunction occupants along a3", "[atomistic]") {
  const auto c = cspbi3();
  const lattice::SiteGraph g(c, {2, 2, 4});
  core::RandomStream rng(1, 0);
  kmc::SublatticeComposition stack{"X", {}, {{2, "I"}, {2, "Br"}}, {}};
  const auto plain = atomistic::occupants_from_composition(g, {stack}, rng);
  stack.interface_occupants = {"Cl", "F"};  // mark the boundary planes
  const auto marked = atomistic::occupants_from_composition(g, {stack}, rng);
  const atomistic::SupercellBuilder b(g, marked);
  const auto s = b.perfect();
  for (lattice::SiteIndex x : g.sites_of_sublattice("X")) {
    const double z = g.position_angstrom(x)[2] / kA;  // in cells
    CHECK(plain[x] == (z < 2 ? "I" : "Br"));
    const std::string expect = z == 0 ? "Cl" : z == 2 ? "F" : z < 2 ? "I" : "Br";
    CHECK(marked[x] == expect);
  }
  CHECK(count_of(s, "Pb") == 16);
  CHECK(count_of(s, "Cl") == 8);  // X1, X2 in the z = 0 plane of 4 cells
  CHECK(test::input_error_of([&] {
          kmc::SublatticeComposition bad{"X", {}, {{1, "I"}, {2, "Br"}}, {}};
          atomistic::occupants_from_composition(g, {bad}, rng);
        }).find("add up to 3 cells") != std::string::npos);
}

TEST_CASE("supercell builder rejects bad input", "[atomistic]") {
  const auto c = cspbi3();
  const lattice::SiteGraph g(c, {2, 2, 2});
  const atomistic::SupercellBuilder b(g);
  const auto x = g.sites_of_sublattice("X");
  const atomistic::SplitInterstitialSpec spec{"X", "I", 0.8, "B"};
  auto error = [](auto f) { return test::input_error_of(f); };
  CHECK(error([&] { b.vacancy(40, "X"); }) ==
        "site 40 is out of range (the supercell has 40 sites)");
  CHECK(error([&] { b.vacancy(0, "X"); }) ==
        "vacancy: site 0 is on sublattice 'B' (basis site 'Pb'), not 'X'");
  CHECK(error([&] { b.split_interstitial(0, spec, Vec3(0, 1, 0)); }).find("not 'X'") !=
        std::string::npos);
  // X1 and an X1 one cell away along a1 are a apart: not in the X-X shell.
  lattice::SiteIndex far = 0;
  for (lattice::SiteIndex y : x)
    if ((g.position_angstrom(y) - g.position_angstrom(x[0]) - Vec3(kA, 0, 0)).norm() < 1e-9)
      far = y;
  REQUIRE(far != 0);
  CHECK(error([&] { b.vacancy_hop(x[0], far, "X-X"); }) ==
        "sites " + std::to_string(x[0]) + " and " + std::to_string(far) +
            " are not neighbours in hop shell 'X-X'");
  CHECK(error([&] { b.vacancy_hop(0, 5, "X-X"); }).find("joins 'X' sites") != std::string::npos);
  CHECK(error([&] { b.vacancy_hop(x[0], x[1], "Y-Y"); }) == "unknown hop shell 'Y-Y'");
  CHECK(error([&] { atomistic::SupercellBuilder(g, std::vector<std::string>(39, "I")); }) ==
        "occupant vector has 39 entries, the supercell has 40 sites");
  CHECK(error([&] { b.environment_counts(999, "X-X"); }).find("out of range") != std::string::npos);
  CHECK(error([&] {
          b.split_interstitial(x[0], {"X", "I", 0.0, "B"}, Vec3(0, 1, 0));
        }) == "split interstitial: delta 0 Å must be positive");
  CHECK(error([&] {
          b.split_interstitial(x[0], {"X", "I", -1.0, "B"}, Vec3(0, 1, 0));
        }) == "split interstitial: delta -1 Å must be positive");
  // Along the Pb–I–Pb axis of X1 (x) is not a split direction.
  CHECK(error([&] { b.split_interstitial(x[0], spec, Vec3(1, 0, 0)); }).find("not perpendicular") !=
        std::string::npos);
  CHECK(error([&] {
          b.interstitial_hop(x[0], g.hop_targets(x[0])[0], "X-X", {"X", "I", 0.0, "B"});
        }).find("must be positive") != std::string::npos);
}
