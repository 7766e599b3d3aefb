// Long validation runs (ctest label "validation", not in the default suite): the same
// exact results as the default tests with ~10x the statistics, so that small biases
// (finite-size effects, estimator bias) would show.
#include <catch2/catch.hpp>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;

TEST_CASE("validation: correlation factors to 1e-3", "[.validation]") {
  struct Case {
    const char* lattice;
    std::array<int, 3> cell;
    double exact;
  };
  for (const Case& c : {Case{"lattices/simple_cubic.json", {16, 16, 16}, 0.65311},
                        Case{"lattices/bcc.json", {14, 14, 14}, 0.72722},
                        Case{"lattices/fcc.json", {12, 12, 12}, 0.78146}}) {
    const auto crystal = io::load_crystal(test::source_path(c.lattice));
    const lattice::SiteGraph graph(crystal, c.cell);
    const auto table =
        test::single_species_table("V", rates::Mechanism::vacancy, "A", "nn", 0.1, 1e12);
    kmc::RunSettings s;
    s.temperature_k = 300;
    s.defects = {{0, 1}};
    s.stop.max_hops = 1000000;
    s.blocks = 1;
    const auto runs = test::run_replicas(graph, table, s, 96, 2024);
    const auto f = test::estimate_over(runs, [](const kmc::RunResult& r) {
      return kmc::replica_observables(r, 0, true).correlation_factor;
    });
    INFO(c.lattice << ": f = " << f.value << " ± " << f.error << " (exact " << c.exact << ")");
    CHECK(f.error < 0.0015);
    CHECK(test::within_standard_errors(f, c.exact));
  }
}

TEST_CASE("validation: random-walk D to 0.5 % for every shipped CsPbI3 species", "[.validation]") {
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {16, 16, 16});
  for (double barrier : {0.16, 0.30}) {
    const auto table =
        test::single_species_table("X", rates::Mechanism::vacancy, "X", "X-X", barrier, 1e11);
    kmc::RunSettings s;
    s.temperature_k = 300;
    s.defects = {{0, 1}};
    s.stop.max_hops = 2000000;
    s.blocks = 1000;  // SE ≈ 0.82 / sqrt(replicas × blocks) ≈ 0.45 %
    const auto runs = test::run_replicas(graph, table, s, 32, 7);
    const double gamma = 1e11 * std::exp(-barrier / units::thermal_energy_ev(300));
    const double d = 6.29 / std::sqrt(2.0);
    const double exact = 8 * gamma * d * d / 6;
    const auto e = test::estimate_over(runs, [](const kmc::RunResult& r) {
      return kmc::replica_observables(r, 0, true).diffusion_angstrom2_s;
    });
    INFO("barrier " << barrier << ": D = " << e.value << " ± " << e.error << ", exact " << exact);
    CHECK(e.error < 0.005 * exact);
    CHECK(test::within_standard_errors(e, exact));
  }
}
