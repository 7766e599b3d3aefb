// Charge-state dynamics at a Fermi level (PHYSICS.md): capture at an input rate, emission
// from detailed balance, so the time spent in each charge state follows the equilibrium
// occupancies p_q ∝ exp(−G_q/k_BT), G_q' − G_q = (q' − q)(E_F − ε(q/q')); with transitions
// much faster than hops the defect diffuses with the occupancy-weighted D.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/rates/charge_states.hpp"
#include "ionhop/sweep/sweep_runner.hpp"

using namespace ionhop;

namespace {
// V+ (fast), V0 (slower), V- (slowest) on the CsPbI3 X sublattice; levels ε(+/0) = 0.8 eV,
// ε(0/−) = 1.2 eV in a 1.7 eV gap (illustrative numbers for the test). Hop rates at 300 K:
// 1.7e10, 2.4e9 and 3.5e8 Hz per defect.
rates::RateTable three_state_table(double capture_rate_hz) {
  auto t = test::single_species_table("V+", rates::Mechanism::vacancy, "X", "X-X", 0.10, 1e11);
  auto v0 = t.species[0];
  v0.name = "V0";
  v0.charge = 0;
  v0.hops[0].barrier_ev = 0.15;
  auto vm = t.species[0];
  vm.name = "V-";
  vm.charge = -1;
  vm.hops[0].barrier_ev = 0.20;
  t.species.push_back(v0);
  t.species.push_back(vm);
  t.charge_model.band_gap_ev = 1.7;
  t.charge_model.transitions = {{"V+", "V0", 0.8, capture_rate_hz, "test"},
                                {"V0", "V-", 1.2, capture_rate_hz, "test"}};
  return t;
}

sweep::SweepConfig config_for(const rates::RateTable& table, std::vector<double> fermi,
                              std::uint64_t hops) {
  sweep::SweepConfig c;
  c.crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  c.rate_table = table;
  c.species = {"V+"};
  c.temperatures_k = {300};
  c.supercells = {{8, 8, 8}};
  c.defect_counts = {1};
  c.fermi_levels_ev = std::move(fermi);
  c.replicas = 16;
  c.stop.max_hops = hops;
  c.blocks = 100;
  c.seed = 17;
  return c;
}
}  // namespace

TEST_CASE("equilibrium occupancies from transition levels", "[rates][charge]") {
  const auto t = three_state_table(1e9);
  const double kt = units::thermal_energy_ev(300);
  for (double ef : {0.5, 0.8, 1.0, 1.2, 1.5}) {
    const auto p = rates::equilibrium_occupancies(t, 0, ef, kt / units::boltzmann_ev_per_k);
    // G(+) = 0, G(0) = ε(+/0) − E_F, G(−) = G(0) + ε(0/−) − E_F.
    const double g0 = 0.8 - ef, gm = g0 + 1.2 - ef;
    const double z = 1 + std::exp(-g0 / kt) + std::exp(-gm / kt);
    CHECK(p[0] == Approx(1 / z).epsilon(1e-12));
    CHECK(p[1] == Approx(std::exp(-g0 / kt) / z).epsilon(1e-12));
    CHECK(p[2] == Approx(std::exp(-gm / kt) / z).epsilon(1e-12));
  }
  // At E_F = ε(+/0) the + and 0 states are equally likely.
  const auto p = rates::equilibrium_occupancies(t, 1, 0.8, 300);
  CHECK(p[0] == Approx(p[1]).epsilon(1e-12));
  // Capture and emission rates obey detailed balance.
  const auto tr = rates::compile_transitions(t, 1.0, 300);
  CHECK(tr[0][0].rate_hz / tr[1][0].rate_hz == Approx(std::exp(-(0.8 - 1.0) / kt)).epsilon(1e-12));
}

TEST_CASE("time fractions in each charge state match the equilibrium occupancies",
          "[sweep][charge][physics]") {
  const auto result =
      sweep::run_sweep(config_for(three_state_table(1e9), {0.7, 0.8, 1.0, 1.2}, 50000));
  REQUIRE(result.points.size() == 4);
  for (const auto& p : result.points) {
    REQUIRE(p.charge_states.size() == 3);
    for (const auto& cs : p.charge_states) {
      INFO("E_F = " << p.point.fermi_level_ev << ", " << cs.species << ": time fraction "
                    << cs.time_fraction.value << " ± " << cs.time_fraction.error << ", equilibrium "
                    << cs.equilibrium_fraction);
      // A fraction that is ~0 in equilibrium may be exactly 0 in every replica (σ = 0).
      if (cs.equilibrium_fraction < 1e-4) {
        CHECK(cs.time_fraction.value < 1e-3);
        continue;
      }
      if (cs.equilibrium_fraction > 0.01)
        CHECK(cs.time_fraction.error < 0.1 * cs.equilibrium_fraction);
      CHECK(test::within_standard_errors(cs.time_fraction, cs.equilibrium_fraction));
    }
  }
}

TEST_CASE("fast charge switching: D is the occupancy-weighted D", "[sweep][charge][physics]") {
  // Capture at 1e12 Hz: ~50-500 transitions per hop at these Fermi levels, where the charge
  // states mix (p+ = p0 at 0.8 eV; p0 ≈ 0.98 with p+ ≈ p− ≈ 0.01 at 1.0 eV).
  auto config = config_for(three_state_table(1e12), {0.8, 1.0}, 40000);
  const auto result = sweep::run_sweep(config);
  for (const auto& p : result.points) {
    INFO("E_F = " << p.point.fermi_level_ev << ": D = " << p.diffusion.value << " ± "
                  << p.diffusion.error << ", fast-switching limit "
                  << p.diffusion_fast_switching_cm2_s);
    CHECK(p.transitions_per_defect_hz.value > 30 * p.hop_rate_per_defect_hz.value);
    CHECK(p.diffusion.error < 0.1 * p.diffusion.value);
    CHECK(test::within_standard_errors(p.diffusion, p.diffusion_fast_switching_cm2_s));
  }
}

TEST_CASE("charge models are checked", "[rates][charge][bad-input]") {
  auto t = three_state_table(1e9);
  CHECK_NOTHROW(rates::check_charge_model(t));
  auto bad = t;
  bad.charge_model.transitions[0].level_ev = 1.9;
  CHECK_THROWS_WITH(rates::check_charge_model(bad),
                    Catch::Contains("/charge_model/transitions/0/level_ev"));
  bad = t;
  bad.charge_model.transitions[1].from = "V+";  // +1 → −1: two carriers at once
  CHECK_THROWS_WITH(rates::check_charge_model(bad), Catch::Contains("must differ by 1"));
  bad = t;
  bad.charge_model.transitions[0].from = "nope";
  CHECK_THROWS_WITH(rates::check_charge_model(bad),
                    Catch::Contains("/charge_model/transitions/0/from"));
}
