#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/md_reference_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/rates/compiled_rates.hpp"
#include "ionhop/rates/from_arrhenius.hpp"

using namespace ionhop;

TEST_CASE("shipped CsPbI3 rate table follows nu0 = 6 D0 / (z d^2) from Table 1", "[rates]") {
  const auto table = io::load_rate_table(test::source_path("rates/cspbi3_md_effective.json"));
  const auto ref = io::load_md_reference(
      test::source_path("examples/reference/cspbi3_md_arrhenius_table1.json"));
  const double d = 6.29 / std::sqrt(2.0);
  REQUIRE(table.species.size() == 6);
  for (const auto& md : ref.species) {
    const auto i = table.species_index(md.species);
    REQUIRE(i);
    const auto& sp = table.species[*i];
    CHECK(sp.mobile == !md.immobile);
    CHECK(sp.charge == *md.charge);
    if (md.immobile) continue;
    REQUIRE(sp.hops.size() == 1);
    CHECK(sp.hops[0].barrier_ev == md.activation_energy_ev);
    const double nu0 = 6.0 * md.prefactor_cm2_s / (8.0 * d * d * 1e-16);
    CHECK(sp.hops[0].attempt_frequency_hz == Approx(nu0).epsilon(1e-9));
    // Then z Γ d²/6 is D0 exp(−Ea/kT) at every temperature.
    for (double t : {250.0, 300.0, 600.0}) {
      const double gamma =
          rates::arrhenius_rate_hz(sp.hops[0].attempt_frequency_hz, sp.hops[0].barrier_ev, t);
      const double d_rw = 8 * gamma * d * d / 6 * units::angstrom2_to_cm2;
      CHECK(d_rw == Approx(md.prefactor_cm2_s *
                           std::exp(-md.activation_energy_ev / units::thermal_energy_ev(t)))
                        .epsilon(1e-9));
    }
  }
  CHECK_FALSE(table.species[*table.species_index("V_I^-")].mobile);
}

TEST_CASE("rate tables are checked against the lattice", "[rates][bad-input]") {
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  auto t = test::single_species_table("V", rates::Mechanism::vacancy, "X", "X-X", 0.1, 1e12);
  CHECK_NOTHROW(rates::check_against_crystal(t, crystal));
  auto bad = t;
  bad.species[0].sublattice = "Y";
  CHECK_THROWS_WITH(rates::check_against_crystal(bad, crystal),
                    Catch::Contains("/species/0/sublattice"));
  bad = t;
  bad.species[0].hops[0].shell = "nope";
  CHECK_THROWS_WITH(rates::check_against_crystal(bad, crystal),
                    Catch::Contains("/species/0/hops/0/shell"));
  bad = t;
  bad.species[0].sublattice = "A";  // shell X-X belongs to X
  CHECK_THROWS_WITH(rates::check_against_crystal(bad, crystal),
                    Catch::Contains("joins sublattice 'X'"));
  bad = t;
  bad.species[0].site_energies_ev["Q"] = 0.1;
  CHECK_THROWS_WITH(rates::check_against_crystal(bad, crystal),
                    Catch::Contains("/species/0/site_energies_ev/Q"));
}

TEST_CASE("shell geometry of the perovskite X-X shell", "[rates]") {
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const auto g = rates::shell_geometry(crystal, "X-X");
  CHECK(g.coordination == 8);
  CHECK(g.hop_length_angstrom == Approx(6.29 / std::sqrt(2.0)));
}
