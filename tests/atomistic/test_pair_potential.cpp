// PairPotential (Buckingham / Lennard-Jones + Ewald): cubic CsPbI3 with the shipped parameter
// file, finite-difference forces and stress (perturbed, charged, triclinic cells), the
// shifted-and-switched cutoff, invariances, canonical parameters_json, thread safety, bad inputs.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "../test_support.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;
using atomistic::PairForm;
using atomistic::PairPotential;
using atomistic::PairPotentialParameters;
using atomistic::Structure;
using atomistic::Vec3;

namespace {
const char* kExample = "examples/potentials/cspbi3_buckingham_coulomb.json";

Structure perovskite(double a, int n) {
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * a * n;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k) {
        const Vec3 o(i, j, k);
        s.append("Pb", a * o);
        s.append("Cs", a * (o + Vec3(0.5, 0.5, 0.5)));
        s.append("I", a * (o + Vec3(0.5, 0, 0)));
        s.append("I", a * (o + Vec3(0, 0.5, 0)));
        s.append("I", a * (o + Vec3(0, 0, 0.5)));
      }
  return s;
}

void jiggle(Structure& s, double amplitude, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-amplitude, amplitude);
  for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
    s.positions_angstrom.col(k) += Vec3(u(rng), u(rng), u(rng));
}

// A mixed Buckingham + Lennard-Jones model with a short cutoff, so that many pairs of the
// 2×2×2 cell fall into the switching region [3.2, 4.6] Å.
PairPotentialParameters mixed_parameters() {
  PairPotentialParameters p;
  p.name = "test-mixed";
  p.provenance = "synthetic (test)";
  p.charges_e = {{"Cs", 0.86}, {"Pb", 1.03}, {"I", -0.63}};
  p.pairs.push_back({"Pb", "I", PairForm::buckingham, 1816.5, 0.33, 0.0, 0, 0});
  p.pairs.push_back({"I", "I", PairForm::buckingham, 1000.0, 0.40, 50.0, 0, 0});
  p.pairs.push_back({"Cs", "I", PairForm::lennard_jones, 0, 0, 0, 0.02, 3.9});
  p.pairs.push_back({"Cs", "Pb", PairForm::lennard_jones, 0, 0, 0, 0.01, 4.0});
  p.cutoff_angstrom = 4.6;
  p.switch_width_angstrom = 1.4;
  p.ewald_accuracy = 1e-12;
  return p;
}

// The test cells: perturbed cubic 2×2×2, the same with one iodide removed (net charge +0.63 e),
// and a sheared (triclinic) version of the latter.
std::vector<std::pair<std::string, Structure>> test_cells() {
  std::vector<std::pair<std::string, Structure>> out;
  Structure s = perovskite(6.29, 2);
  jiggle(s, 0.15, 11);
  out.emplace_back("perturbed", s);
  s.remove(7);
  out.emplace_back("charged", s);
  Eigen::Matrix3d shear = Eigen::Matrix3d::Identity();
  shear(0, 1) = 0.08;
  shear(2, 0) = -0.05;
  shear(1, 2) = 0.04;
  s.cell_angstrom = s.cell_angstrom * shear.transpose();
  s.positions_angstrom = shear * s.positions_angstrom;
  out.emplace_back("charged triclinic", s);
  return out;
}

void check_fd_forces(const PairPotential& pot, const Structure& s) {
  const auto r = pot.compute(s);
  const double h = 1e-5;
  for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
    for (int a = 0; a < 3; ++a) {
      Structure p = s, m = s;
      p.positions_angstrom(a, k) += h;
      m.positions_angstrom(a, k) -= h;
      const double fd = -(pot.compute(p).energy_ev - pot.compute(m).energy_ev) / (2 * h);
      INFO("atom " << k << " axis " << a);
      CHECK(r.forces_ev_per_angstrom(a, k) == Approx(fd).margin(2e-5));
    }
}

double strained_energy(const PairPotential& pot, const Structure& s, int a, int b, double h) {
  Eigen::Matrix3d f = Eigen::Matrix3d::Identity();
  f(a, b) += h;
  Structure t = s;
  t.cell_angstrom = s.cell_angstrom * f.transpose();
  t.positions_angstrom = f * s.positions_angstrom;
  return pot.compute(t).energy_ev;
}

void check_fd_stress(const PairPotential& pot, const Structure& s) {
  const auto r = pot.compute(s);
  REQUIRE(r.has_stress);
  const double h = 1e-5, v = s.volume_angstrom3();
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      const double fd =
          (strained_energy(pot, s, a, b, h) - strained_energy(pot, s, a, b, -h)) / (2 * h * v);
      INFO("component " << a << b);
      CHECK(r.stress_ev_per_angstrom3(a, b) == Approx(fd).margin(2e-7));
    }
}
}  // namespace

TEST_CASE("Cubic CsPbI3 with the shipped parameters: finite energy, zero forces and stress",
          "[pair_potential]") {
  const PairPotential pot = io::load_pair_potential(test::source_path(kExample));
  const auto r2 = pot.compute(perovskite(6.29, 2));  // 40 atoms
  const auto r3 = pot.compute(perovskite(6.29, 3));  // 135 atoms
  CHECK(std::isfinite(r2.energy_ev));
  CHECK(r2.energy_ev / 8 == Approx(-9.3306).margin(1e-3));  // eV per CsPbI3 unit
  CHECK(r2.energy_ev / 8 == Approx(r3.energy_ev / 27).epsilon(1e-8));
  CHECK(r2.forces_ev_per_angstrom.cwiseAbs().maxCoeff() < 1e-8);  // zero by symmetry
  // The file's A(Pb–I) was solved for zero stress at a = 6.29 Å.
  CHECK(r2.stress_ev_per_angstrom3.cwiseAbs().maxCoeff() < 1e-6);
  // Compressed by 2 %: the crystal pushes outwards (σ < 0 in the convention σ = ∂E/∂ε / V).
  CHECK(pot.compute(perovskite(6.29 * 0.98, 2)).stress_ev_per_angstrom3(0, 0) < -1e-4);
}

TEST_CASE("Pair potential forces match finite differences", "[pair_potential]") {
  const PairPotential mixed(mixed_parameters());
  auto file_parameters = io::load_pair_potential_parameters(test::source_path(kExample));
  file_parameters.ewald_accuracy = 1e-12;
  const PairPotential file(file_parameters);
  for (const auto& [label, s] : test_cells()) {
    INFO(label);
    check_fd_forces(mixed, s);
    if (label != "charged triclinic") check_fd_forces(file, s);  // cutoff 6 Å needs the cube
  }
}

TEST_CASE("Pair potential stress matches finite differences of strain", "[pair_potential]") {
  const PairPotential mixed(mixed_parameters());
  for (const auto& [label, s] : test_cells()) {
    INFO(label);
    check_fd_stress(mixed, s);
  }
}

TEST_CASE("Short-range terms are shifted to zero and switched off smoothly at the cutoff",
          "[pair_potential]") {
  PairPotentialParameters p;
  p.name = "lj-only";
  p.provenance = "synthetic (test)";
  p.charges_e = {{"Ar", 0.0}};
  p.pairs.push_back({"Ar", "Ar", PairForm::lennard_jones, 0, 0, 0, 0.0104, 3.4});
  p.cutoff_angstrom = 8.5;
  p.switch_width_angstrom = 1.5;
  const PairPotential pot(p);
  auto dimer = [&](double r) {
    Structure s;
    s.cell_angstrom = Eigen::Matrix3d::Identity() * 30;
    s.append("Ar", Vec3(5, 5, 5));
    s.append("Ar", Vec3(5 + r, 5, 5));
    return pot.compute(s);
  };
  auto lj = [](double r) { return 4 * 0.0104 * (std::pow(3.4 / r, 12) - std::pow(3.4 / r, 6)); };
  // Inside r_on = 7 Å: exactly φ(r) − φ(r_c); the force is the plain LJ force.
  CHECK(dimer(3.8).energy_ev == Approx(lj(3.8) - lj(8.5)).epsilon(1e-12));
  // Energy and force go to zero continuously at r_c.
  const auto near = dimer(8.5 - 1e-6);
  CHECK(std::abs(near.energy_ev) < 1e-15);
  CHECK(near.forces_ev_per_angstrom.cwiseAbs().maxCoeff() < 1e-12);
  CHECK(dimer(8.5 + 1e-6).energy_ev == 0.0);
  // Continuous at r_on too.
  CHECK(dimer(7 - 1e-7).energy_ev == Approx(dimer(7 + 1e-7).energy_ev).margin(1e-12));
  CHECK(dimer(7 - 1e-7).forces_ev_per_angstrom(0, 0) ==
        Approx(dimer(7 + 1e-7).forces_ev_per_angstrom(0, 0)).margin(1e-10));
}

TEST_CASE("Pair potential is invariant under translation and permutation", "[pair_potential]") {
  const PairPotential pot(mixed_parameters());
  const Structure s = test_cells()[2].second;
  const auto ref = pot.compute(s);
  Structure t = s;
  for (Eigen::Index k = 0; k < t.positions_angstrom.cols(); ++k)
    t.positions_angstrom.col(k) += Vec3(-4.1, 9.3, 17.0);
  const auto moved = pot.compute(t);
  CHECK(moved.energy_ev == Approx(ref.energy_ev).epsilon(1e-10));
  CHECK((moved.forces_ev_per_angstrom - ref.forces_ev_per_angstrom).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((moved.stress_ev_per_angstrom3 - ref.stress_ev_per_angstrom3).cwiseAbs().maxCoeff() <
        1e-10);

  Structure p;
  p.cell_angstrom = s.cell_angstrom;
  for (std::size_t k = s.size(); k-- > 0;)
    p.append(s.elements[k], s.positions_angstrom.col(static_cast<Eigen::Index>(k)));
  const auto permuted = pot.compute(p);
  CHECK(permuted.energy_ev == Approx(ref.energy_ev).epsilon(1e-10));
  const auto n = static_cast<Eigen::Index>(s.size());
  for (Eigen::Index k = 0; k < n; ++k)
    CHECK((permuted.forces_ev_per_angstrom.col(n - 1 - k) - ref.forces_ev_per_angstrom.col(k))
              .cwiseAbs()
              .maxCoeff() < 1e-8);
}

TEST_CASE("Pair potential compute() is thread-safe", "[pair_potential]") {
  const PairPotential pot(mixed_parameters());
  const auto cells = test_cells();
  std::vector<double> serial;
  for (const auto& [_, s] : cells) serial.push_back(pot.compute(s).energy_ev);
  std::vector<std::vector<double>> parallel(4, std::vector<double>(cells.size()));
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < parallel.size(); ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 3; ++rep)
        for (std::size_t c = 0; c < cells.size(); ++c)
          parallel[t][c] = pot.compute(cells[c].second).energy_ev;
    });
  for (auto& th : threads) th.join();
  for (const auto& energies : parallel) CHECK(energies == serial);
}

TEST_CASE("parameters_json is canonical", "[pair_potential]") {
  auto p = mixed_parameters();
  const std::string json = PairPotential(p).parameters_json();
  auto shuffled = p;
  std::reverse(shuffled.pairs.begin(), shuffled.pairs.end());
  for (auto& t : shuffled.pairs) std::swap(t.element_a, t.element_b);
  CHECK(PairPotential(shuffled).parameters_json() == json);
  auto changed = p;
  changed.pairs[0].rho_angstrom = 0.3300001;
  CHECK(PairPotential(changed).parameters_json() != json);
  CHECK(json.find("\"cutoff_angstrom\":4.6") != std::string::npos);
  CHECK(nlohmann::json::parse(json)["pairs"][0]["elements"] == nlohmann::json({"Cs", "I"}));
}

TEST_CASE("Pair potential rejects bad structures and parameters", "[pair_potential][bad-input]") {
  const PairPotential pot(mixed_parameters());
  Structure s = perovskite(6.29, 2);
  s.elements[3] = "Br";
  CHECK(test::input_error_of([&] { pot.compute(s); }) ==
        "potential test-mixed has no parameters for element Br");

  s = perovskite(6.29, 2);
  s.positions_angstrom.col(4) = s.positions_angstrom.col(2) + Vec3(0.3, 0, 0);
  CHECK(test::input_error_of([&] { pot.compute(s); }) == "atoms 2 and 4 overlap (r = 0.3 Å)");

  s = perovskite(6.29, 1);  // width 6.29 Å < 2 × 4.6 Å
  CHECK(test::input_error_of([&] { pot.compute(s); }) ==
        "potential test-mixed: cutoff 4.6 Å is larger than half the smallest cell width "
        "(6.29 / 2 = 3.145 Å); use a larger supercell");

  auto p = mixed_parameters();
  p.pairs.push_back({"I", "Pb", PairForm::lennard_jones, 0, 0, 0, 0.1, 3.0});
  CHECK(test::input_error_of([&] { PairPotential{p}; }) ==
        "potential test-mixed: pair I-Pb is listed twice");
  p = mixed_parameters();
  p.pairs.push_back({"Br", "Pb", PairForm::lennard_jones, 0, 0, 0, 0.1, 3.0});
  CHECK(test::input_error_of([&] { PairPotential{p}; }) ==
        "potential test-mixed: element Br appears in a pair but has no charge");
  p = mixed_parameters();
  p.pairs[0].rho_angstrom = -0.3;
  CHECK(test::input_error_of([&] { PairPotential{p}; }) ==
        "potential test-mixed: pair Pb-I needs A >= 0, rho > 0, C >= 0");
}

TEST_CASE("Pair potential timing for CsPbI3 supercells", "[.timing]") {
  const PairPotential pot = io::load_pair_potential(test::source_path(kExample));
  for (int n : {3, 6}) {
    const Structure s = perovskite(6.29, n);
    const int reps = n == 3 ? 20 : 3;
    pot.compute(s);
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < reps; ++k) pot.compute(s);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
    std::cout << n << "x" << n << "x" << n << " CsPbI3 (" << s.size() << " atoms): " << seconds
              << " s per compute()\n";
  }
}
