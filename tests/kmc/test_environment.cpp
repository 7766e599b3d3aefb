// Local-environment model (mixed halides): a vacancy's site energy and barrier depend on
// how many Br and I ions sit on its neighbouring X sites. Detailed balance of the whole
// configuration (ions + vacancy) makes the vacancy's environment class n = number of Br
// neighbours occur with probability P(n) ∝ H(n) exp(−E(n)/k_BT), H(n) the hypergeometric
// number of ways to draw n Br among its 8 neighbours from the ions present. Checked within
// 4 standard errors from independent replicas.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;

namespace {
double log_choose(int n, int k) {
  return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
}

rates::RateTable environment_table(double e_br, double k_br) {
  auto t = test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.12, 1e12);
  t.species[0].hops[0].moving_species = "I";
  t.species[0].hops.push_back({"X-X", 0.15, 1e12, "synthetic (test)", "Br"});
  t.species[0].environment_shell = "X-X";
  t.species[0].environment_site_energy_ev = {{"Br", e_br}};
  t.species[0].environment_kra_ev = {{"Br", k_br}, {"I", 0.01}};
  return t;
}
}  // namespace

TEST_CASE("environment classes of a vacancy in an alloy follow Boltzmann weights",
          "[kmc][environment][physics]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                                 {3, 3, 3});
  const double e_br = 0.03, temperature = 300;
  const auto table = environment_table(e_br, 0.02);
  kmc::RunSettings s;
  s.temperature_k = temperature;
  s.defects = {{0, 1}};
  s.composition = {{"X", {{"I", 0.5}, {"Br", 0.5}}, {}, {}}};
  const int ions = 3 * 27 - 1, n_br = 40, n_i = ions - n_br, z = 8;

  // Exact class probabilities.
  std::vector<double> exact(z + 1);
  double norm = 0;
  for (int n = 0; n <= z; ++n) {
    exact[n] = std::exp(log_choose(n_br, n) + log_choose(n_i, z - n) - log_choose(ions, z) -
                        n * e_br / units::thermal_energy_ev(temperature));
    norm += exact[n];
  }
  for (double& p : exact) p /= norm;

  const int replicas = 16, steps = 100000;
  std::vector<std::vector<double>> fraction(z + 1);
  for (int r = 0; r < replicas; ++r) {
    kmc::Engine engine(graph, table, s, core::RandomStream(31, r));
    const int br = static_cast<int>(
        std::find(engine.host_occupant_names().begin(), engine.host_occupant_names().end(), "Br") -
        engine.host_occupant_names().begin());
    std::vector<double> time(z + 1, 0.0);
    for (int i = 0; i < steps; ++i) {
      int n = 0;
      for (auto y : graph.hop_targets(engine.defect_site(0))) n += engine.host_occupant_at(y) == br;
      const double t0 = engine.time_s();
      REQUIRE(engine.step());
      time[n] += engine.time_s() - t0;
    }
    for (int n = 0; n <= z; ++n) fraction[n].push_back(time[n] / engine.time_s());
  }
  for (int n = 0; n <= z; ++n) {
    const auto e = analysis::mean_with_standard_error(fraction[n]);
    INFO("n_Br = " << n << ": time fraction " << e.value << " ± " << e.error << ", Boltzmann "
                   << exact[n]);
    if (exact[n] < 0.01) {
      CHECK(std::abs(e.value - exact[n]) < 0.01);
      continue;
    }
    CHECK(e.error < 0.15 * exact[n]);
    CHECK(test::within_standard_errors(e, exact[n]));
  }
}

TEST_CASE("environment model with zero coefficients is the uniform limit",
          "[kmc][environment][physics]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                                 {8, 8, 8});
  auto table = test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.16, 1e12);
  table.species[0].environment_shell = "X-X";
  table.species[0].environment_site_energy_ev = {{"Br", 0.0}};
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 3}};
  s.stop.max_hops = 100000;
  s.composition = {{"X", {{"I", 0.5}, {"Br", 0.5}}, {}, {}}};
  const auto runs = test::run_replicas(graph, table, s, 16, 12);
  const auto d = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, true).diffusion_angstrom2_s;
  });
  const double d_len = 6.29 / std::sqrt(2.0);
  const double exact =
      8 * 1e12 * std::exp(-0.16 / units::thermal_energy_ev(300)) * d_len * d_len / 6;
  INFO("D = " << d.value << " ± " << d.error << ", pure " << exact);
  CHECK(d.error < 0.05 * exact);
  CHECK(test::within_standard_errors(d, exact));
}
