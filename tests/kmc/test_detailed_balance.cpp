// Detailed balance with site energies: E_b,ij = E_KRA + (E_j − E_i)/2 gives
// Γ_ij/Γ_ji = exp(−(E_j − E_i)/k_B T) exactly, so one defect visits sites of energy E with
// Boltzmann weights. Two-site-energy lattice: simple tetragonal cell (a, a, 2a) with sites
// A (z = 0) and B (z = c/2), 4 in-plane hops within a class and 2 hops along z between
// classes; E_A = 0, E_B = ΔE.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/rates/compiled_rates.hpp"

using namespace ionhop;

namespace {
lattice::Crystal two_site_crystal() {
  lattice::Crystal c;
  c.name = "two-site tetragonal";
  c.cell_angstrom = Eigen::Matrix3d::Identity() * 3.0;
  c.cell_angstrom(2, 2) = 6.0;
  c.basis = {{"A", "S", "X", {0, 0, 0}}, {"B", "S", "X", {0, 0, 0.5}}};
  c.hop_shells = {{"nn", "S", std::nullopt, 1, 1e-3}};
  return c;
}

rates::RateTable two_site_table(double delta_e, rates::Mechanism mech) {
  auto t = test::single_species_table("D", mech, "S", "nn", 0.15, 1e12);
  t.species[0].site_energies_ev = {{"A", 0.0}, {"B", delta_e}};
  return t;
}
}  // namespace

TEST_CASE("rates obey detailed balance hop by hop", "[rates][physics]") {
  const lattice::SiteGraph graph(two_site_crystal(), {4, 4, 4});
  const double de = 0.07, t = 350;
  const rates::CompiledRates r(two_site_table(de, rates::Mechanism::vacancy), graph, t);
  const double kt = units::boltzmann_ev_per_k * t;
  int cross = 0;
  for (std::size_t b = 0; b < 2; ++b) {
    const auto& templates = graph.hop_templates(b);
    REQUIRE(templates.size() == 6);
    for (std::size_t k = 0; k < templates.size(); ++k) {
      const std::size_t tb = templates[k].target_basis;
      // Find the reverse hop from the target basis.
      for (std::size_t m = 0; m < graph.hop_templates(tb).size(); ++m) {
        const auto& back = graph.hop_templates(tb)[m];
        if (back.target_basis != b ||
            (back.displacement_angstrom + templates[k].displacement_angstrom).norm() > 1e-9)
          continue;
        const double e_i = b == 0 ? 0 : de, e_j = tb == 0 ? 0 : de;
        CHECK(r.rate_hz(0, b, k) / r.rate_hz(0, tb, m) ==
              Approx(std::exp(-(e_j - e_i) / kt)).epsilon(1e-12));
        cross += b != tb;
      }
    }
  }
  CHECK(cross == 4);  // 2 hops A→B and 2 hops B→A
}

TEST_CASE("one defect occupies site classes with Boltzmann weights", "[kmc][physics]") {
  const lattice::SiteGraph graph(two_site_crystal(), {6, 6, 6});
  const double de = 0.05, t = 300;
  const double w = std::exp(-de / (units::boltzmann_ev_per_k * t));
  const double exact_b = w / (1.0 + w);  // equal numbers of A and B sites
  for (auto mech : {rates::Mechanism::vacancy, rates::Mechanism::interstitial}) {
    kmc::RunSettings s;
    s.temperature_k = t;
    s.defects = {{0, 1}};
    s.stop.max_hops = 50000;
    s.track_site_occupancy = true;
    const auto runs = test::run_replicas(graph, two_site_table(de, mech), s, 48, 1);
    const auto frac_b = test::estimate_over(runs, [](const kmc::RunResult& r) {
      const auto& occ = r.species[0].occupancy_time_s;
      return occ[1] / (occ[0] + occ[1]);
    });
    INFO("time fraction on B = " << frac_b.value << " ± " << frac_b.error << ", Boltzmann "
                                 << exact_b);
    CHECK(frac_b.error < 0.1 * exact_b);
    CHECK(test::within_standard_errors(frac_b, exact_b));
    for (const auto& r : runs)
      CHECK(r.species[0].occupancy_time_s[0] + r.species[0].occupancy_time_s[1] ==
            Approx(r.time_s).epsilon(1e-9));
  }
}

TEST_CASE("time-averaged z profile follows the site energies plane by plane",
          "[kmc][physics][profile]") {
  // Planes along c alternate A (z = 0) and B (z = c/2); with E_B − E_A = ΔE each A plane
  // holds 1/(n3 (1 + w)) of the time and each B plane w/(n3 (1 + w)), w = exp(−ΔE/k_BT).
  const lattice::SiteGraph graph(two_site_crystal(), {4, 4, 4});
  const double de = 0.03, t = 300, w = std::exp(-de / (units::boltzmann_ev_per_k * t));
  kmc::RunSettings s;
  s.temperature_k = t;
  s.defects = {{0, 1}};
  s.stop.max_hops = 50000;
  s.track_z_profile = true;
  const auto runs =
      test::run_replicas(graph, two_site_table(de, rates::Mechanism::interstitial), s, 24, 5);
  REQUIRE(runs.front().z_planes_angstrom.size() == 8);
  CHECK(runs.front().z_planes_angstrom[1] == Approx(3.0));  // B plane of the first cell (c = 6 Å)
  for (std::size_t plane = 0; plane < 8; ++plane) {
    const auto f = test::estimate_over(runs, [plane](const kmc::RunResult& r) {
      return kmc::replica_observables(r, 0, false).z_profile_fraction[plane];
    });
    const double exact = (plane % 2 == 0 ? 1.0 : w) / (4.0 * (1.0 + w));
    INFO("plane " << plane << ": " << f.value << " ± " << f.error << ", exact " << exact);
    CHECK(f.error < 0.1 * exact);
    CHECK(test::within_standard_errors(f, exact));
  }
}
