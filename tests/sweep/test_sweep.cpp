// Sweep-level physics and reproducibility: an Arrhenius round trip with the rate table
// derived from Table 1 (Tyagi et al.) recovers its E_a and D0, and results do not depend
// on the thread count.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/md_reference_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/io/sweep_config_file.hpp"
#include "ionhop/sweep/sweep_runner.hpp"

using namespace ionhop;

namespace {
sweep::SweepConfig small_config() {
  sweep::SweepConfig c;
  c.crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  c.rate_table = io::load_rate_table(test::source_path("rates/cspbi3_md_effective.json"));
  c.md_reference = io::load_md_reference(
      test::source_path("examples/reference/cspbi3_md_arrhenius_table1.json"));
  c.species = {"I_i^-", "V_I^+", "I_i^+", "V_I^-"};
  c.temperatures_k = {300, 400, 500, 600};
  c.supercells = {{6, 6, 6}};
  c.defect_counts = {1};
  c.replicas = 8;
  c.stop.max_hops = 40000;
  c.blocks = 40;
  c.seed = 99;
  return c;
}
}  // namespace

TEST_CASE("Arrhenius round trip: Table-1-derived rates give back Table 1's E_a and D0",
          "[sweep][physics]") {
  const auto config = small_config();
  const auto result = sweep::run_sweep(config);
  REQUIRE(result.arrhenius.size() == 3);  // V_I^- is immobile: no fit
  for (const auto& a : result.arrhenius) {
    const auto* md = config.md_reference->find(a.species);
    REQUIRE(md);
    INFO(a.species << ": Ea = " << a.fit.activation_energy_ev << " ± "
                   << a.fit.activation_energy_err_ev() << " (Table 1: " << md->activation_energy_ev
                   << "), ln D0 = " << a.fit.ln_prefactor << " ± "
                   << std::sqrt(a.fit.var_ln_prefactor)
                   << " (Table 1: " << std::log(md->prefactor_cm2_s) << ")");
    CHECK(std::abs(a.fit.activation_energy_ev - md->activation_energy_ev) <
          4 * a.fit.activation_energy_err_ev());
    CHECK(std::abs(a.fit.ln_prefactor - std::log(md->prefactor_cm2_s)) <
          4 * std::sqrt(a.fit.var_ln_prefactor));
    // The fit is tight enough to tell 0.16 eV from 0.21 eV and D0 from 2·D0.
    CHECK(a.fit.activation_energy_err_ev() < 0.01);
    CHECK(std::sqrt(a.fit.var_ln_prefactor) < 0.17);
  }
  // The comparison has the five MD temperatures plus 300 K for each mobile species.
  CHECK(result.comparison.size() == 3 * 6);
  bool immobile_noted = false;
  for (const auto& n : result.notes) immobile_noted |= n.find("V_I^-") != std::string::npos;
  CHECK(immobile_noted);
  for (const auto& p : result.points)
    if (p.point.species == "V_I^-") CHECK(p.immobile);
}

TEST_CASE("same seed, same results whatever the thread count", "[sweep][determinism]") {
  auto config = small_config();
  config.species = {"V_I^+", "I_i^0"};
  config.stop.max_hops = 5000;
  config.blocks = 10;
  config.replicas = 5;
  sweep::SweepOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const auto a = sweep::run_sweep(config, one);
  const auto b = sweep::run_sweep(config, two);
  REQUIRE(a.points.size() == b.points.size());
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    CHECK(a.points[i].diffusion.value == b.points[i].diffusion.value);
    CHECK(a.points[i].diffusion.error == b.points[i].diffusion.error);
    CHECK(a.points[i].hops == b.points[i].hops);
    CHECK(a.points[i].simulated_time_s.value == b.points[i].simulated_time_s.value);
    const double fa = a.points[i].correlation_factor.value,
                 fb = b.points[i].correlation_factor.value;
    CHECK((fa == fb || (std::isnan(fa) && std::isnan(fb))));
  }
  // A point's numbers depend on the point, not on what else is in the grid.
  auto fewer = config;
  fewer.temperatures_k = {500};
  const auto c = sweep::run_sweep(fewer, one);
  for (const auto& p : a.points)
    if (p.point.temperature_k == 500 && p.point.species == c.points[0].point.species)
      CHECK(p.diffusion.value == c.points[0].diffusion.value);
  // A different seed gives different numbers.
  config.seed = 100;
  const auto d = sweep::run_sweep(config, one);
  CHECK(d.points[0].diffusion.value != a.points[0].diffusion.value);
}

TEST_CASE("shipped default sweep config loads and validates", "[sweep][io]") {
  const auto c =
      io::load_sweep_config(test::source_path("examples/cspbi3_charged_iodide_sweep.json"));
  CHECK(c.species.size() == 6);
  CHECK(c.temperatures_k.front() == 250);
  CHECK(c.temperatures_k.back() == 600);
  CHECK(c.md_reference.has_value());
  CHECK(c.inputs.size() == 4);
}
