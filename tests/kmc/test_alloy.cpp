// Mixed-halide groundwork: host ions of two species on the X sublattice (random alloy),
// vacancy exchange rates that depend on the moving ion, tracer statistics per species.
// * Uniform limit: equal rates for I and Br reproduce the pure-compound D = zΓd²/6, and
//   I and Br tracers behave alike.
// * Pure limits of an ion-dependent table: all-Br and all-I hosts give zΓ_Br d²/6 and
//   zΓ_I d²/6: the rate lookup by moving ion is exact.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;

namespace {
const double kD = 6.29 / std::sqrt(2.0);

rates::RateTable ion_dependent_table(double barrier_i, double barrier_br) {
  auto t =
      test::single_species_table("V_X^+", rates::Mechanism::vacancy, "X", "X-X", barrier_i, 1e12);
  t.species[0].hops[0].moving_species = "I";
  t.species[0].hops.push_back({"X-X", barrier_br, 1e12, "synthetic (test)", "Br"});
  return t;
}

kmc::RunSettings alloy_settings(double fraction_i, std::uint64_t hops) {
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 1}};
  s.stop.max_hops = hops;
  s.blocks = 100;
  s.composition = {{"X", {{"I", fraction_i}, {"Br", 1.0 - fraction_i}}, {}, {}}};
  return s;
}

double random_walk_d(double barrier) {
  return 8 * 1e12 * std::exp(-barrier / units::thermal_energy_ev(300)) * kD * kD / 6;
}
}  // namespace

TEST_CASE("alloy composition is exact and both species are tracked", "[kmc][alloy]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                                 {6, 6, 6});
  const auto table =
      test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.2, 1e12);
  kmc::Engine engine(graph, table, alloy_settings(0.25, 1000), core::RandomStream(1, 2));
  const auto r = engine.run();
  REQUIRE(r.hosts.size() == 2);
  const std::size_t ions = 3 * 216 - 1;  // X sites minus the vacancy
  std::size_t n_i = 0, n_br = 0;
  for (const auto& h : r.hosts) (h.occupant == "I" ? n_i : n_br) = h.ions;
  CHECK(n_i + n_br == ions);
  CHECK(n_i == static_cast<std::size_t>(std::llround(0.25 * ions)));
}

TEST_CASE("uniform limit: an alloy with equal rates diffuses like the pure compound",
          "[kmc][alloy][physics]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                                 {8, 8, 8});
  const auto table =
      test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.16, 1e12);
  const auto runs = test::run_replicas(graph, table, alloy_settings(0.5, 100000), 16, 21);
  const auto d = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, true).diffusion_angstrom2_s;
  });
  INFO("D = " << d.value << " ± " << d.error << ", pure " << random_walk_d(0.16));
  CHECK(d.error < 0.05 * d.value);
  CHECK(test::within_standard_errors(d, random_walk_d(0.16)));
  // I and Br tracers: same correlation factor and tracer D within errors.
  auto host = [](const kmc::RunResult& r, const std::string& ion) {
    for (const auto& h : kmc::replica_observables(r, 0, true).hosts)
      if (h.occupant == ion) return h;
    return kmc::ReplicaObservables::HostTracer{};
  };
  const auto f_i = test::estimate_over(
      runs, [&](const kmc::RunResult& r) { return host(r, "I").correlation_factor; });
  const auto f_br = test::estimate_over(
      runs, [&](const kmc::RunResult& r) { return host(r, "Br").correlation_factor; });
  INFO("f(I) = " << f_i.value << " ± " << f_i.error << ", f(Br) = " << f_br.value << " ± "
                 << f_br.error);
  CHECK(std::abs(f_i.value - f_br.value) < 4 * std::hypot(f_i.error, f_br.error));
  CHECK(f_i.error < 0.02);
}

TEST_CASE("rates by moving ion: pure-Br and pure-I hosts give their own zGamma d^2/6",
          "[kmc][alloy][physics]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                                 {8, 8, 8});
  const auto table = ion_dependent_table(0.16, 0.22);
  for (double fraction_i : {1.0, 0.0}) {
    const auto runs = test::run_replicas(graph, table, alloy_settings(fraction_i, 100000), 16, 8);
    const auto d = test::estimate_over(runs, [](const kmc::RunResult& r) {
      return kmc::replica_observables(r, 0, true).diffusion_angstrom2_s;
    });
    const double exact = random_walk_d(fraction_i == 1.0 ? 0.16 : 0.22);
    INFO("x(I) = " << fraction_i << ": D = " << d.value << " ± " << d.error << ", exact " << exact);
    CHECK(d.error < 0.05 * exact);
    CHECK(test::within_standard_errors(d, exact));
  }
  // In the 50/50 alloy the slower Br moves less: its tracer D is below that of I.
  const auto runs = test::run_replicas(graph, table, alloy_settings(0.5, 100000), 16, 9);
  double d_i = 0, d_br = 0;
  for (const auto& r : runs)
    for (const auto& h : kmc::replica_observables(r, 0, true).hosts)
      (h.occupant == "I" ? d_i : d_br) += h.tracer_diffusion_angstrom2_s;
  CHECK(d_br < 0.5 * d_i);
}

TEST_CASE("heterojunction builder: layered hosts with chosen interface planes",
          "[kmc][alloy][heterojunction]") {
  // 2×2×8 CsPbI3 cells: I in cells 0-3, Br in cells 4-7; the PbX2 plane (fractional z an
  // integer) that starts each layer gets the interface occupant: Br at z = 0, I at z = 4c.
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                                 {2, 2, 8});
  const auto table =
      test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.2, 1e12);
  kmc::RunSettings s;
  s.defects = {{0, 1}};
  s.composition = {{"X", {}, {{4, "I"}, {4, "Br"}}, {"Br", "I"}}};
  const kmc::Engine engine(graph, table, s, core::RandomStream(4, 4));
  const auto& names = engine.host_occupant_names();
  const double c = 6.29;
  std::size_t checked = 0;
  for (auto site : graph.sites_of_sublattice("X")) {
    const int o = engine.host_occupant_at(site);
    if (o < 0) continue;  // the vacancy
    const double z = graph.position_angstrom(site).z();
    const int cell = static_cast<int>(std::floor(z / c + 1e-9));
    const bool boundary = std::abs(z - cell * c) < 1e-6 && (cell == 0 || cell == 4);
    const std::string expected = boundary ? (cell == 0 ? "Br" : "I") : (cell < 4 ? "I" : "Br");
    INFO("site at z = " << z);
    CHECK(names[o] == expected);
    ++checked;
  }
  CHECK(checked == 3 * 32 - 1);
}
