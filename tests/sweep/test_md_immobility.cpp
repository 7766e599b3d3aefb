// "Immobile in MD" (V_I^- in Tyagi et al.) against a rate table in which the species hops:
// the expected number of hops in the MD time, N = Σ_T Γ(T) t, with Γ the KMC hop rate per
// defect. Checks the Poisson arithmetic exactly, and that the sweep's Γ is the exact rate of
// a lone vacancy, z ν exp(−E_b/k_B T), within its statistical error.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/analysis/md_comparison.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/md_reference_file.hpp"
#include "ionhop/sweep/sweep_runner.hpp"

using namespace ionhop;

TEST_CASE("MD immobility: expected hops and Poisson probability", "[analysis][md]") {
  // 1e8 and 2e8 hops/s for 10 ns each: N = 1 + 2 = 3, P = e^-3 = 0.0498 < 5 %.
  auto c = analysis::check_md_immobility({1e8, 2e8}, 10e-9);
  CHECK(c.expected_hops == Approx(3.0).epsilon(1e-12));
  CHECK(c.probability_no_hop == Approx(std::exp(-3.0)).epsilon(1e-12));
  CHECK_FALSE(c.consistent);
  c = analysis::check_md_immobility({1e8, 1.9e8}, 10e-9);  // N = 2.9, P = 0.055
  CHECK(c.consistent);
  c = analysis::check_md_immobility({0, 0}, 10e-9);
  CHECK(c.expected_hops == 0);
  CHECK(c.probability_no_hop == 1);
}

namespace {
// V_I^- made mobile with barrier E_b (ν = 1e12 Hz), against the shipped MD reference (V_I^-
// immobile; 10 ns per temperature at 500-600 K).
sweep::SweepResult sweep_mobile_vi_minus(double barrier_ev) {
  sweep::SweepConfig c;
  c.crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  c.rate_table =
      test::single_species_table("V_I^-", rates::Mechanism::vacancy, "X", "X-X", barrier_ev, 1e12);
  c.md_reference = io::load_md_reference(
      test::source_path("examples/reference/cspbi3_md_arrhenius_table1.json"));
  c.species = {"V_I^-"};
  c.temperatures_k = c.md_reference->temperatures_k;
  c.supercells = {{4, 4, 4}};
  c.defect_counts = {1};
  c.replicas = 8;
  c.stop.max_hops = 2500;
  c.blocks = 10;
  c.seed = 7;
  return sweep::run_sweep(c);
}

std::string immobility_note(const sweep::SweepResult& r) {
  for (const auto& n : r.notes)
    if (n.find("immobile in MD, mobile in the rate table") != std::string::npos) return n;
  return "";
}
}  // namespace

TEST_CASE("MD immobility: the sweep's note uses the exact hop rate of a lone vacancy",
          "[sweep][md][physics]") {
  const auto ref = io::load_md_reference(
      test::source_path("examples/reference/cspbi3_md_arrhenius_table1.json"));
  REQUIRE(ref.observation_time_s);
  for (double barrier : {0.30, 0.80}) {
    const auto r = sweep_mobile_vi_minus(barrier);
    // Γ per defect = z ν exp(−E_b/kT), z = 8 X-X neighbours; 20000 hops per point give a
    // 0.7 % standard error, so 5 σ catches a wrong z or a wrong factor of 2.
    std::vector<double> rates;
    for (const auto& p : r.points) {
      const double exact =
          8 * 1e12 * std::exp(-barrier / units::thermal_energy_ev(p.point.temperature_k));
      INFO("E_b " << barrier << " eV, T " << p.point.temperature_k << " K: Gamma "
                  << p.hop_rate_per_defect_hz.value << " +- " << p.hop_rate_per_defect_hz.error
                  << " vs exact " << exact);
      CHECK(std::abs(p.hop_rate_per_defect_hz.value - exact) <
            5 * p.hop_rate_per_defect_hz.error + 1e-9 * exact);
      CHECK(p.hop_rate_per_defect_hz.error < 0.03 * exact);
      rates.push_back(exact);
    }
    const auto expected = analysis::check_md_immobility(rates, *ref.observation_time_s);
    const std::string note = immobility_note(r);
    INFO(note);
    REQUIRE(!note.empty());
    // 0.30 eV: N ~ 1e3 hops in MD, so "immobile in MD" contradicts the table; 0.80 eV:
    // N ~ 0.1, consistent.
    CHECK(expected.consistent == (barrier > 0.5));
    CHECK(note.find(expected.consistent ? "consistent with no hop" : "INCONSISTENT") !=
          std::string::npos);
  }
}
