// Collective (charge) diffusion and the Haven ratio H_R = D*/D_σ of the defects.
// * Dilute, independent defects: H_R = 1.
// * Dense lattice gas with site exclusion (symmetric exclusion process, equal rates): the
//   jump (collective) diffusion is exactly D_σ = (1 − c) zΓd²/6, while the tracer D* is
//   smaller by a correlation factor, so H_R < 1.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;

namespace {
analysis::Estimate observe(const std::vector<kmc::RunResult>& runs,
                           double kmc::ReplicaObservables::*field) {
  return test::estimate_over(runs, [field](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, false).*field;
  });
}
}  // namespace

TEST_CASE("Haven ratio of independent defects is 1", "[kmc][haven][physics]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                                 {12, 12, 12});
  const auto table =
      test::single_species_table("I", rates::Mechanism::interstitial, "X", "X-X", 0.2, 1e12);
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 8}};
  s.stop.max_hops = 200000;
  s.blocks = 100;
  const auto runs = test::run_replicas(graph, table, s, 16, 3);
  const auto h = observe(runs, &kmc::ReplicaObservables::haven_ratio);
  INFO("H_R = " << h.value << " ± " << h.error);
  CHECK(h.error < 0.05);
  CHECK(test::within_standard_errors(h, 1.0));
}

TEST_CASE("dense lattice gas: D_sigma = (1 - c) z Gamma d^2 / 6 and H_R < 1",
          "[kmc][haven][physics]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/simple_cubic.json")),
                                 {8, 8, 8});
  const auto table =
      test::single_species_table("P", rates::Mechanism::interstitial, "A", "nn", 0.1, 1e12);
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 256}};  // c = 1/2
  s.stop.max_hops = 100000;
  s.blocks = 100;
  const auto runs = test::run_replicas(graph, table, s, 16, 4);
  const double gamma = 1e12 * std::exp(-0.1 / units::thermal_energy_ev(300));
  const double d0 = 6 * gamma * 3.0 * 3.0 / 6;
  const auto dc = observe(runs, &kmc::ReplicaObservables::collective_diffusion_angstrom2_s);
  const auto h = observe(runs, &kmc::ReplicaObservables::haven_ratio);
  INFO("D_sigma = " << dc.value << " ± " << dc.error << ", exact " << 0.5 * d0
                    << "; H_R = " << h.value << " ± " << h.error);
  CHECK(dc.error < 0.05 * dc.value);
  CHECK(test::within_standard_errors(dc, 0.5 * d0));
  CHECK(h.value + 4 * h.error < 1.0);
}
