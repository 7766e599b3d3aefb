// Interface transmission against an independent 1D model. In a stack of planes where the
// rates depend only on the plane, a defect's height is a birth–death chain; from the plane
// it arrives on, the probability of reaching the far plane before stepping back out is
//   P_T = 1 / (1 + Σ_{k=1}^{m} Π_{i=1}^{k} d_i/u_i)
// (gambler's ruin with state-dependent rates; u_i, d_i: total up/down rates of plane i of
// the zone, m planes from the entry plane to the one before the exit). In-plane hops do
// not change the height, so they drop out. Lattice: tetragonal (a, a, 4a) with four site
// classes S0..S3 stacked along c, 4 in-plane and 2 vertical neighbours at distance a.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;

namespace {
constexpr double kBarrierEv = 0.15, kAttemptHz = 1e12, kTemperatureK = 300;

lattice::Crystal four_plane_crystal() {
  lattice::Crystal c;
  c.name = "four-plane tetragonal";
  c.cell_angstrom = Eigen::Matrix3d::Identity() * 3.0;
  c.cell_angstrom(2, 2) = 12.0;
  for (int k = 0; k < 4; ++k)
    c.basis.push_back({"S" + std::to_string(k), "S", "X", {0, 0, 0.25 * k}});
  c.hop_shells = {{"nn", "S", std::nullopt, 1, 1e-3}};
  return c;
}

rates::RateTable plane_energy_table(const std::vector<double>& plane_energy_ev) {
  auto t = test::single_species_table("D", rates::Mechanism::interstitial, "S", "nn", kBarrierEv,
                                      kAttemptHz);
  for (int k = 0; k < 4; ++k)
    t.species[0].site_energies_ev["S" + std::to_string(k)] = plane_energy_ev[k];
  return t;
}

// Γ for a hop between sites of energies e_i → e_j (PHYSICS.md: E_b = E_KRA + (e_j − e_i)/2).
double rate(double e_i, double e_j) {
  return kAttemptHz *
         std::exp(-(kBarrierEv + 0.5 * (e_j - e_i)) / units::thermal_energy_ev(kTemperatureK));
}

// Birth–death chain: `energies` = planes from the one below the entry plane (the side the
// defect came from) to the exit plane, in the direction of travel. One hop each way per
// site in this lattice, so u_i = Γ(e_i → e_{i+1}), d_i = Γ(e_i → e_{i−1}).
double transmission_1d(const std::vector<double>& energies) {
  double sum = 0, product = 1;
  for (std::size_t i = 1; i + 1 < energies.size(); ++i) {
    product *= rate(energies[i], energies[i - 1]) / rate(energies[i], energies[i + 1]);
    sum += product;
  }
  return 1.0 / (1.0 + sum);
}

struct Measured {
  analysis::Estimate up, down, pooled, crossing_rate;
  double arrivals = 0;
};

Measured measure(const std::vector<double>& plane_energy_ev, double interface_fraction,
                 std::size_t replicas, std::uint64_t hops) {
  const lattice::SiteGraph graph(four_plane_crystal(), {3, 3, 1});
  kmc::RunSettings s;
  s.temperature_k = kTemperatureK;
  s.defects = {{0, 1}};
  s.stop.max_hops = hops;
  s.interfaces_z_fraction = {interface_fraction};
  const auto runs = test::run_replicas(graph, plane_energy_table(plane_energy_ev), s, replicas, 11);
  Measured m;
  auto obs = [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, false).interfaces.at(0);
  };
  m.up =
      test::estimate_over(runs, [&](const auto& r) { return obs(r).transmission_probability_up; });
  m.down = test::estimate_over(runs,
                               [&](const auto& r) { return obs(r).transmission_probability_down; });
  m.pooled =
      test::estimate_over(runs, [&](const auto& r) { return obs(r).transmission_probability; });
  m.crossing_rate =
      test::estimate_over(runs, [&](const auto& r) { return obs(r).crossing_rate_per_defect_hz; });
  for (const auto& r : runs) m.arrivals += static_cast<double>(obs(r).arrivals);
  return m;
}
}  // namespace

TEST_CASE("a blocking interface plane transmits as the 1D birth-death model predicts",
          "[kmc][physics][interface]") {
  // Interface plane S0 (z = 0) raised by E_p: entry on S3, exit on S1.
  for (double e_p : {0.0, 0.1}) {
    const std::vector<double> e = {e_p, 0, 0, 0};
    const double exact = transmission_1d({0, 0, e_p, 0});  // S2, S3, S0, S1
    // Closed form for this chain: 1/(1 + 2 exp(E_p / 2k_BT)) (1/3 when open).
    REQUIRE(
        exact ==
        Approx(1.0 / (1.0 + 2.0 * std::exp(e_p / (2 * units::thermal_energy_ev(kTemperatureK))))));
    const Measured m = measure(e, 0.0, 16, 60000);
    INFO("E_p = " << e_p << ": P_T up " << m.up.value << " ± " << m.up.error << ", down "
                  << m.down.value << " ± " << m.down.error << ", 1D model " << exact
                  << ", arrivals " << m.arrivals);
    CHECK(m.up.error < 0.1 * exact);
    CHECK(test::within_standard_errors(m.up, exact));
    CHECK(test::within_standard_errors(m.down, exact));
    CHECK(test::within_standard_errors(m.pooled, exact));
  }
}

TEST_CASE("a site-energy step transmits asymmetrically, as the 1D model predicts",
          "[kmc][physics][interface]") {
  // S1, S2 raised by ΔE; the interface between S0 (z = 0) and S1 (z = 3 Å) at z = 1.5 Å is
  // an up-step for defects arriving from below and a down-step from above.
  const double de = 0.06;
  const std::vector<double> e = {0, de, de, 0};
  const double exact_up = transmission_1d({0, 0, de});     // S3 → S0 → S1
  const double exact_down = transmission_1d({de, de, 0});  // S2 → S1 → S0
  const Measured m = measure(e, 1.5 / 12.0, 16, 60000);
  INFO("P_T up " << m.up.value << " ± " << m.up.error << " (1D " << exact_up << "), down "
                 << m.down.value << " ± " << m.down.error << " (1D " << exact_down << ")");
  CHECK(exact_up < 0.5);
  CHECK(exact_down > 0.5);
  CHECK(m.up.error < 0.1 * exact_up);
  CHECK(test::within_standard_errors(m.up, exact_up));
  CHECK(test::within_standard_errors(m.down, exact_down));
}

TEST_CASE("an open CsPbI3/CsPbBr3-type interface: D_perp = D_par and P_T = 1/3",
          "[kmc][physics][interface]") {
  // One vacancy in a layered host whose rates do not depend on the moving ion: the
  // interface is open, so the walk is the uniform X-sublattice walk. Planes along z
  // alternate X1/X2 (2 up, 2 down, 4 in-plane hops) and X3 (4 up, 4 down): the 1D chain
  // from the X3 plane below the interface plane gives P_T = 1/(1 + 1 + 1) = 1/3.
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {4, 4, 4});
  const auto table = test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X",
                                                kBarrierEv, kAttemptHz);
  kmc::RunSettings s;
  s.temperature_k = kTemperatureK;
  s.defects = {{0, 1}};
  s.stop.max_hops = 40000;
  s.composition = {{"X", {}, {{2, "I"}, {2, "Br"}}, {"Br", "I"}}};
  s.interfaces_z_fraction = kmc::layer_boundaries_z_fraction(s.composition, 4);
  REQUIRE(s.interfaces_z_fraction == std::vector<double>{0.0, 0.5});
  const auto runs = test::run_replicas(graph, table, s, 16, 3);
  const auto d_par = test::estimate_over(runs, [](const auto& r) {
    const auto d = kmc::replica_observables(r, 0, true).diffusion_axes_angstrom2_s;
    return 0.5 * (d[0] + d[1]);
  });
  const auto d_perp = test::estimate_over(runs, [](const auto& r) {
    return kmc::replica_observables(r, 0, true).diffusion_axes_angstrom2_s[2];
  });
  const double ratio_err = std::hypot(d_par.error / d_par.value, d_perp.error / d_perp.value);
  INFO("D_par " << d_par.value << " ± " << d_par.error << ", D_perp " << d_perp.value << " ± "
                << d_perp.error);
  CHECK(std::abs(d_perp.value / d_par.value - 1.0) < 4 * ratio_err);
  CHECK(ratio_err < 0.1);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto p = test::estimate_over(runs, [i](const auto& r) {
      return kmc::replica_observables(r, 0, true).interfaces.at(i).transmission_probability;
    });
    INFO("interface " << i << ": P_T " << p.value << " ± " << p.error);
    CHECK(test::within_standard_errors(p, 1.0 / 3.0));
    CHECK(p.error < 0.03);
  }
}
