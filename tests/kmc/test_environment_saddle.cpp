// Saddle term of the local-environment model: E_b gains Σ_s q_s n_s(saddle), n_s(saddle) the
// host ions of species s on the common environment neighbours of the two hop ends. The
// term is the same for a hop and its reverse, so it changes kinetics but not equilibrium:
// (a) the vacancy's environment classes still follow hypergeometric × Boltzmann of the
// site energies alone; (b) in a pure Br host every hop has E_KRA + q_Br n(saddle), n
// counted from the site graph; (c) the rate-table file carries the term.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/rate_table_file.hpp"

using namespace ionhop;

namespace {
double log_choose(int n, int k) {
  return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
}

lattice::SiteGraph cubic_graph(int n) {
  return lattice::SiteGraph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                            {n, n, n});
}

// Number of environment-shell neighbours common to a site and its k-th hop target (the
// two ends themselves excluded), from the site graph.
int common_neighbours(const lattice::SiteGraph& graph, lattice::SiteIndex i, std::size_t k,
                      std::size_t shell) {
  const auto targets = graph.hop_targets(i);
  const auto& templates = graph.hop_templates(graph.basis_of(i));
  const lattice::SiteIndex j = targets[k];
  const auto j_targets = graph.hop_targets(j);
  const auto& j_templates = graph.hop_templates(graph.basis_of(j));
  int n = 0;
  for (std::size_t a = 0; a < targets.size(); ++a) {
    if (templates[a].shell != shell || targets[a] == j) continue;
    for (std::size_t b = 0; b < j_targets.size(); ++b)
      if (j_templates[b].shell == shell && j_targets[b] == targets[a]) {
        ++n;
        break;
      }
  }
  return n;
}
}  // namespace

TEST_CASE("environment saddle term leaves the equilibrium of environment classes",
          "[kmc][environment][physics]") {
  const auto graph = cubic_graph(3);
  const double e_br = 0.03, temperature = 300;
  auto table = test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.12, 1e12);
  table.species[0].environment_shell = "X-X";
  table.species[0].environment_site_energy_ev = {{"Br", e_br}};
  // Large saddle terms of both signs: they would shift the classes if they broke balance.
  table.species[0].environment_saddle_kra_ev = {{"Br", 0.06}, {"I", -0.03}};
  kmc::RunSettings s;
  s.temperature_k = temperature;
  s.defects = {{0, 1}};
  s.composition = {{"X", {{"I", 0.5}, {"Br", 0.5}}, {}, {}}};
  const int ions = 3 * 27 - 1, n_br = 40, n_i = ions - n_br, z = 8;

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
    kmc::Engine engine(graph, table, s, core::RandomStream(37, r));
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
    INFO("n_Br = " << n << ": time fraction " << e.value << " ± " << e.error
                   << ", Boltzmann (site energies only) " << exact[n]);
    if (exact[n] < 0.01) {
      CHECK(std::abs(e.value - exact[n]) < 0.01);
      continue;
    }
    CHECK(e.error < 0.15 * exact[n]);
    CHECK(test::within_standard_errors(e, exact[n]));
  }
}

TEST_CASE("environment saddle term sets the hop rate in a pure host",
          "[kmc][environment][physics]") {
  const auto graph = cubic_graph(4);
  const double e_kra = 0.12, q_br = 0.035, nu = 1e12, temperature = 300;
  auto table = test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", e_kra, nu);
  table.species[0].environment_shell = "X-X";
  table.species[0].environment_saddle_kra_ev = {{"Br", q_br}};
  const std::size_t shell = *graph.crystal().shell_index("X-X");

  // Exact total rate of a vacancy on an X site: Σ_k ν exp(−(E_KRA + q_Br n_k)/k_BT) over its
  // hops, n_k from the site graph (every X site is equivalent in the cubic perovskite).
  const double kt = units::thermal_energy_ev(temperature);
  const auto x_site = graph.sites_of_sublattice("X").front();
  double exact = 0;
  std::vector<int> counts;
  for (std::size_t k = 0; k < graph.hop_targets(x_site).size(); ++k) {
    counts.push_back(common_neighbours(graph, x_site, k, shell));
    exact += nu * std::exp(-(e_kra + q_br * counts.back()) / kt);
  }
  INFO("common neighbours per hop: " << counts.size() << " hops, first n = " << counts.front());
  CHECK(counts.front() > 0);
  CHECK(std::all_of(counts.begin(), counts.end(), [&](int n) { return n == counts.front(); }));

  kmc::RunSettings s;
  s.temperature_k = temperature;
  s.defects = {{0, 1}};
  s.stop.max_hops = 20000;
  s.composition = {{"X", {{"Br", 1.0}}, {}, {}}};
  {
    kmc::Engine engine(graph, table, s, core::RandomStream(5, 0));
    CHECK(engine.total_rate_hz() == Approx(exact).epsilon(1e-12));
  }
  const auto runs = test::run_replicas(graph, table, s, 16, 19);
  const auto rate = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, true).hop_rate_per_defect_hz;
  });
  INFO("hop rate " << rate.value << " ± " << rate.error << " Hz, exact " << exact);
  CHECK(rate.error < 0.01 * exact);
  CHECK(test::within_standard_errors(rate, exact));
  // Without the term the rate is larger: q_Br > 0 raises every barrier.
  CHECK(exact < counts.size() * nu * std::exp(-e_kra / kt));
}

TEST_CASE("environment saddle term: rate-table round trip and bad input",
          "[kmc][environment][io]") {
  auto table = test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.12, 1e12);
  table.species[0].environment_shell = "X-X";
  table.species[0].environment_saddle_kra_ev = {{"Br", 0.01}, {"I", -0.005}};
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("ionhop_test_" + std::to_string(::getpid()) + "_saddle_rates.json");
  auto json = io::rate_table_to_json(table);
  CHECK(json["species"][0]["environment"]["kra_per_saddle_neighbour_ev"]["Br"] == 0.01);
  std::ofstream(path) << json.dump(2);
  const auto back = io::load_rate_table(path.string());
  REQUIRE(back.species.size() == 1);
  CHECK(back.species[0].environment_saddle_kra_ev == table.species[0].environment_saddle_kra_ev);
  CHECK(back.species[0].environment_site_energy_ev.empty());
  CHECK(back.species[0].has_environment());

  auto bad = [&](const nlohmann::json& value) {
    auto j = json;
    j["species"][0]["environment"]["kra_per_saddle_neighbour_ev"] = value;
    std::ofstream(path) << j.dump(2);
    return test::input_error_of([&] { io::load_rate_table(path.string()); });
  };
  const auto not_object = bad(0.01);
  INFO(not_object);
  CHECK(not_object.find("/species/0/environment/kra_per_saddle_neighbour_ev") != std::string::npos);
  CHECK(not_object.find("must be an object mapping host species") != std::string::npos);
  const auto not_number = bad({{"Br", "x"}});
  INFO(not_number);
  CHECK(not_number.find("/species/0/environment/kra_per_saddle_neighbour_ev/Br") !=
        std::string::npos);
  std::filesystem::remove(path);
}
