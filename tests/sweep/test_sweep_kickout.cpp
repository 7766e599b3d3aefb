// Sweep-level reporting for halide interstitials with kick-out: the time spent as each
// species (I_i vs Br_i) and the tracers of both host species reach the results, and the
// time fractions match the exact equilibrium of the kick-out chain.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/sweep/sweep_runner.hpp"

using namespace ionhop;

TEST_CASE("sweep reports species time fractions and host tracers under kick-out",
          "[sweep][kickout][physics]") {
  const double de = 0.025, t = 300, nu = 1e12;
  sweep::SweepConfig c;
  c.crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  rates::RateTable table;
  table.name = "kick-out (test)";
  table.provenance = "synthetic (test)";
  for (const auto& [name, element, energy] :
       {std::tuple{"I_i^-", "I", 0.0}, std::tuple{"Br_i^-", "Br", de}}) {
    rates::DefectSpecies sp;
    sp.name = name;
    sp.mechanism = rates::Mechanism::interstitial;
    sp.charge = -1;
    sp.sublattice = "X";
    sp.element = element;
    sp.provenance = "synthetic (test)";
    for (const auto& b : c.crystal.basis)
      if (b.sublattice == "X") sp.site_energies_ev[b.label] = energy;
    rates::HopRate h{"X-X", 0.2, nu, "synthetic (test)", ""};
    h.mechanism = rates::HopMechanism::kickout;
    sp.hops = {h};
    table.species.push_back(sp);
  }
  c.rate_table = table;
  c.species = {"I_i^-"};
  c.temperatures_k = {t};
  c.supercells = {{3, 3, 3}};
  c.defect_counts = {1};
  c.compositions = {{{"X", {{"I", 0.7}, {"Br", 0.3}}, {}, {}}}};
  c.replicas = 12;
  c.stop.max_hops = 20000;
  c.blocks = 20;
  c.seed = 5;
  const auto result = sweep::run_sweep(c);
  REQUIRE(result.points.size() == 1);
  const auto& p = result.points[0];
  REQUIRE(p.species_time.size() == 2);
  // Atoms are conserved per element: A_I = host I + the interstitial's I, A_Br = host Br.
  // The exact chain gives P(Br_i)/P(I_i) = w A_Br / A_I (tests/kmc/test_kickout.cpp).
  const double sites = 81, a_br = sites - std::round(0.7 * sites), a_i = sites - a_br + 1;
  const double w = std::exp(-de / units::thermal_energy_ev(t));
  const double exact_br = a_br * w / (a_i + a_br * w);
  double sum = 0;
  for (const auto& st : p.species_time) {
    sum += st.time_fraction.value;
    if (st.species == "Br_i^-") {
      INFO("time as Br_i^- " << st.time_fraction.value << " ± " << st.time_fraction.error
                             << ", exact " << exact_br);
      CHECK(test::within_standard_errors(st.time_fraction, exact_br));
      CHECK(st.time_fraction.error < 0.1 * exact_br);
    }
  }
  CHECK(sum == Approx(1.0).epsilon(1e-9));
  // Both host species' tracers are reported.
  REQUIRE(p.tracers.size() == 2);
  for (const auto& tr : p.tracers) CHECK(tr.tracer_diffusion.value > 0);
}
