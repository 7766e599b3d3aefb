// Field-driven drift (PHYSICS.md): Γ_ij(E) = Γ_ij(0) exp(q E·Δr / 2k_BT).
// * Any field, simple lattices: the drift velocity of one defect is exactly
//   v = Σ_k Γ_k(E) Δx_k (biased random walk), here Γ a (e^ε − e^−ε), ε = qEa/2k_BT.
// * Low field, the CsPbI3 X sublattice: Nernst–Einstein μ k_BT/(qD) = 1 for a vacancy and
//   an interstitial; a neutral defect does not drift.
// Tolerances: 4 standard errors over independent replicas.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/md_reference_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/sweep/sweep_runner.hpp"

using namespace ionhop;

namespace {
// A 1D chain: a simple tetragonal cell so long across that the nearest neighbours are ±x.
lattice::Crystal chain_crystal() {
  lattice::Crystal c;
  c.name = "1D chain";
  c.cell_angstrom = Eigen::Matrix3d::Identity() * 50.0;
  c.cell_angstrom(0, 0) = 3.0;
  c.basis = {{"A", "A", "A", {0, 0, 0}}};
  c.hop_shells = {{"nn", "A", std::nullopt, 1, 1e-3}};
  return c;
}

analysis::Estimate drift_x(const lattice::Crystal& crystal, std::array<int, 3> cell,
                           double field_v_per_angstrom, int charge, std::uint64_t hops) {
  const lattice::SiteGraph graph(crystal, cell);
  auto table =
      test::single_species_table("D", rates::Mechanism::interstitial, "A", "nn", 0.1, 1e12);
  table.species[0].charge = charge;
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 1}};
  s.stop.max_hops = hops;
  s.field_v_per_angstrom = Eigen::Vector3d(field_v_per_angstrom, 0, 0);
  const auto runs = test::run_replicas(graph, table, s, 16, 4);
  return test::estimate_over(runs, [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, false).drift_velocity_angstrom_s.x();
  });
}
}  // namespace

TEST_CASE("biased random walk: drift velocity equals sum of Gamma_k(E) dx_k",
          "[kmc][field][physics]") {
  const double kt = units::thermal_energy_ev(300), a = 3.0;
  const double gamma0 = 1e12 * std::exp(-0.1 / kt);
  for (double eps : {0.05, 1.0, 3.0}) {     // from linear response to strongly non-linear
    const double field = 2 * kt * eps / a;  // V/Å, so that qEa/2kT = eps for q = 1
    const double exact = gamma0 * a * (std::exp(eps) - std::exp(-eps));
    // 1D chain and simple cubic (the 4 transverse hops do not drift) give the same v.
    for (bool three_d : {false, true}) {
      const auto v =
          three_d ? drift_x(io::load_crystal(test::source_path("lattices/simple_cubic.json")),
                            {6, 6, 6}, field, 1, 100000)
                  : drift_x(chain_crystal(), {20, 1, 1}, field, 1, 100000);
      INFO((three_d ? "sc" : "chain") << ", eps = " << eps << ": v = " << v.value << " ± "
                                      << v.error << " Å/s, exact " << exact);
      CHECK(v.error < 0.1 * exact);
      CHECK(test::within_standard_errors(v, exact));
    }
    // A negative charge drifts the other way at the same speed.
    const auto v_neg = drift_x(chain_crystal(), {20, 1, 1}, field, -1, 100000);
    CHECK(test::within_standard_errors(v_neg, -exact));
  }
}

TEST_CASE("Nernst-Einstein at low field on the CsPbI3 X sublattice", "[sweep][field][physics]") {
  sweep::SweepConfig c;
  c.crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  c.rate_table = io::load_rate_table(test::source_path("rates/cspbi3_md_effective.json"));
  c.species = {"V_I^+", "I_i^-", "I_i^0"};
  c.temperatures_k = {300};
  c.supercells = {{8, 8, 8}};
  c.defect_counts = {1};
  // qE(a/2)/k_BT = 0.05: the O(ε²) non-linearity is < 1e-3, far below the tolerance.
  const double field_v_per_cm = 0.05 * units::thermal_energy_ev(300) / (6.29 / 2) * 1e8;
  c.fields_v_per_cm = {{field_v_per_cm, 0, 0}};
  c.replicas = 16;
  c.stop.max_hops = 1000000;
  c.blocks = 100;
  c.seed = 5;
  const auto result = sweep::run_sweep(c);
  REQUIRE(result.points.size() == 3);
  for (const auto& p : result.points) {
    INFO(p.point.species << ": mu = " << p.mobility_cm2_v_s.value << " ± "
                         << p.mobility_cm2_v_s.error
                         << " cm²/Vs, D = " << p.diffusion_drift_corrected.value
                         << ", mu kT/qD = " << p.nernst_einstein_ratio.value << " ± "
                         << p.nernst_einstein_ratio.error);
    if (p.charge == 0) {
      // Neutral: no drift.
      CHECK(std::isnan(p.nernst_einstein_ratio.value));
      CHECK(test::within_standard_errors(p.drift_velocity_cm_s, 0.0));
      continue;
    }
    CHECK(p.nernst_einstein_ratio.error < 0.1);
    CHECK(test::within_standard_errors(p.nernst_einstein_ratio, 1.0));
    // D about the drift equals the zero-field random-walk D = zΓd²/6 at this weak field.
    const auto& hop = c.rate_table.species[*c.rate_table.species_index(p.point.species)].hops[0];
    const double d = 6.29 / std::sqrt(2.0);
    const double exact = 8 *
                         rates::arrhenius_rate_hz(hop.attempt_frequency_hz, hop.barrier_ev, 300) *
                         d * d / 6 * 1e-16;
    CHECK(test::within_standard_errors(p.diffusion_drift_corrected, exact));
  }
}
