// Exact random-walk results: one defect with z equivalent hops of length d at rate Γ each
// diffuses with D = zΓd²/6 (PHYSICS.md). Γ is computed here from the table's numbers, not
// taken from the engine. Tolerance: 4 standard errors over independent replicas; with
// 16 replicas × 100 blocks the relative SE is ≈ 2 %, so a factor-2 error cannot pass.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/kmc/replica_observables.hpp"

using namespace ionhop;

namespace {
double exact_random_walk_d(int z, double gamma_hz, double d_angstrom) {
  return z * gamma_hz * d_angstrom * d_angstrom / 6.0;
}
}  // namespace

TEST_CASE("single vacancy on the CsPbI3 X sublattice: D = z Gamma d^2 / 6", "[kmc][physics]") {
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {8, 8, 8});
  const double barrier = 0.16, nu = 1.0e12, temperature = 300.0;
  const auto table =
      test::single_species_table("V_I^+", rates::Mechanism::vacancy, "X", "X-X", barrier, nu);
  kmc::RunSettings s;
  s.temperature_k = temperature;
  s.defects = {{0, 1}};
  s.stop.max_hops = 100000;
  s.blocks = 100;
  const auto runs = test::run_replicas(graph, table, s, 16, 11);

  const double gamma = nu * std::exp(-barrier / (units::boltzmann_ev_per_k * temperature));
  const double d = 6.29 / std::sqrt(2.0);
  const double exact = exact_random_walk_d(8, gamma, d);
  const auto blocks = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, true).diffusion_angstrom2_s;
  });
  INFO("D_KMC = " << blocks.value << " ± " << blocks.error << " Å²/s, exact " << exact);
  CHECK(blocks.error < 0.05 * exact);  // the test can resolve a factor 2
  CHECK(test::within_standard_errors(blocks, exact));

  // The single-origin MSD over the whole run is an independent (noisier) estimator.
  const auto single = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, true).diffusion_single_origin_angstrom2_s;
  });
  CHECK(test::within_standard_errors(single, exact));

  // The hop rate per defect is zΓ (Poisson counting).
  const auto rate = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, true).hop_rate_per_defect_hz;
  });
  CHECK(test::within_standard_errors(rate, 8 * gamma));
}

TEST_CASE("interstitial and vacancy species together, each with its own D", "[kmc][physics]") {
  // Two species in one supercell (dilute: 4 + 4 defects on 3·12³ = 5184 sites).
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {12, 12, 12});
  auto table =
      test::single_species_table("I_i^-", rates::Mechanism::interstitial, "X", "X-X", 0.21, 4.0e11);
  auto vac =
      test::single_species_table("V_I^+", rates::Mechanism::vacancy, "X", "X-X", 0.16, 9.0e10)
          .species[0];
  table.species.push_back(vac);
  kmc::RunSettings s;
  s.temperature_k = 450.0;
  s.defects = {{0, 4}, {1, 4}};
  s.stop.max_hops = 100000;
  s.blocks = 50;
  const auto runs = test::run_replicas(graph, table, s, 12, 5);
  const double kt = units::boltzmann_ev_per_k * 450.0, d = 6.29 / std::sqrt(2.0);
  for (std::size_t sp = 0; sp < 2; ++sp) {
    const auto& hop = table.species[sp].hops[0];
    const double exact =
        exact_random_walk_d(8, hop.attempt_frequency_hz * std::exp(-hop.barrier_ev / kt), d);
    const auto e = test::estimate_over(runs, [sp](const kmc::RunResult& r) {
      return kmc::replica_observables(r, sp, sp == 1).diffusion_angstrom2_s;
    });
    INFO(table.species[sp].name << ": D_KMC = " << e.value << " ± " << e.error << ", exact "
                                << exact);
    // Site blocking at this dilution changes D by < 0.2 %, far below the tolerance.
    CHECK(e.error < 0.05 * exact);
    CHECK(test::within_standard_errors(e, exact));
  }
}

TEST_CASE("waiting times are exponential with mean 1/R", "[kmc][physics]") {
  const auto crystal = io::load_crystal(test::source_path("lattices/simple_cubic.json"));
  const lattice::SiteGraph graph(crystal, {6, 6, 6});
  const auto table =
      test::single_species_table("V", rates::Mechanism::vacancy, "A", "nn", 0.1, 1e12);
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 1}};
  kmc::Engine engine(graph, table, s, core::RandomStream(1, 1));
  const double total = engine.total_rate_hz();
  REQUIRE(total ==
          Approx(6 * 1e12 * std::exp(-0.1 / (units::boltzmann_ev_per_k * 300))).epsilon(1e-12));
  const int n = 200000;
  double sum = 0, sum2 = 0, prev = 0;
  int longer_than_mean = 0;
  for (int i = 0; i < n; ++i) {
    REQUIRE(engine.step());
    const double dt = engine.time_s() - prev;
    prev = engine.time_s();
    sum += dt;
    sum2 += dt * dt;
    longer_than_mean += dt * total > 1.0;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  // Exponential: mean 1/R (SE = 1/(R sqrt n)), variance 1/R², P(Δt > 1/R) = 1/e.
  CHECK(std::abs(mean * total - 1.0) < 4.0 / std::sqrt(n));
  CHECK(std::abs(var * total * total - 1.0) < 4.0 * std::sqrt(8.0 / n));
  const double p = std::exp(-1.0);
  CHECK(std::abs(longer_than_mean / double(n) - p) < 4.0 * std::sqrt(p * (1 - p) / n));
}

TEST_CASE("time-limited runs stop exactly at the time limit", "[kmc]") {
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {4, 4, 4});
  const auto table =
      test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.2, 1e12);
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 2}};
  s.stop.max_time_s = 1e-6;
  s.blocks = 10;
  kmc::Engine engine(graph, table, s, core::RandomStream(2, 3));
  const auto r = engine.run();
  CHECK(r.stopped_by_time);
  CHECK(r.time_s == 1e-6);
  REQUIRE(r.block_time_s.size() == 10);
  double sum = 0;
  for (double t : r.block_time_s) {
    CHECK(t == Approx(1e-7).epsilon(1e-9));
    sum += t;
  }
  CHECK(sum == Approx(1e-6).epsilon(1e-12));
  CHECK(r.hops > 0);
}

TEST_CASE("immobile species never move and a frozen hop-limited run ends", "[kmc]") {
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {3, 3, 3});
  auto table =
      test::single_species_table("V_I^-", rates::Mechanism::vacancy, "X", "X-X", 0.2, 1e12);
  table.species[0].mobile = false;
  table.species[0].hops.clear();
  kmc::RunSettings s;
  s.defects = {{0, 3}};
  s.stop.max_hops = 1000;
  kmc::Engine engine(graph, table, s, core::RandomStream(2, 3));
  CHECK(engine.total_rate_hz() == 0.0);
  const auto r = engine.run();
  CHECK(r.frozen);
  CHECK(r.hops == 0);
}

TEST_CASE("anisotropic walk: D along each axis is Gamma_axis * a_axis^2", "[kmc][physics]") {
  // Tetragonal cell (3, 3, 4) Å with two hop shells: 4 in-plane hops (a = 3 Å) and 2 hops
  // along z (c = 4 Å) with a higher barrier. A 1D walk with rate Γ each way has D = Γ a².
  lattice::Crystal c;
  c.name = "tetragonal";
  c.cell_angstrom = Eigen::Matrix3d::Identity() * 3.0;
  c.cell_angstrom(2, 2) = 4.0;
  c.basis = {{"A", "A", "A", {0, 0, 0}}};
  c.hop_shells = {{"xy", "A", 3.0, 0, 1e-3}, {"z", "A", 4.0, 0, 1e-3}};
  const lattice::SiteGraph graph(c, {6, 6, 6});
  auto table =
      test::single_species_table("D", rates::Mechanism::interstitial, "A", "xy", 0.10, 1e12);
  table.species[0].hops.push_back({"z", 0.15, 1e12, "synthetic (test)", ""});
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 1}};
  s.stop.max_hops = 200000;
  s.blocks = 400;  // 1D: relative SE ≈ sqrt(2 / (blocks × replicas)) ≈ 1.8 %
  const auto runs = test::run_replicas(graph, table, s, 16, 6);
  const double kt = units::thermal_energy_ev(300);
  const double exact[3] = {1e12 * std::exp(-0.10 / kt) * 9.0, 1e12 * std::exp(-0.10 / kt) * 9.0,
                           1e12 * std::exp(-0.15 / kt) * 16.0};
  for (int axis = 0; axis < 3; ++axis) {
    const auto e = test::estimate_over(runs, [axis](const kmc::RunResult& r) {
      return kmc::replica_observables(r, 0, false).diffusion_axes_angstrom2_s[axis];
    });
    INFO("axis " << axis << ": D = " << e.value << " ± " << e.error << ", exact " << exact[axis]);
    CHECK(e.error < 0.05 * exact[axis]);
    CHECK(test::within_standard_errors(e, exact[axis]));
  }
}
