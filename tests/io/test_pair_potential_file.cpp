// Pair-potential parameter files: the shipped CsPbI3 file and the good fixtures load; every bad
// fixture (tests/data/bad/potentials/) fails with one line naming file, JSON path and problem.
#include <catch2/catch.hpp>
#include <string>

#include "../test_support.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;

TEST_CASE("pair potential files load", "[pair_potential][io]") {
  const auto cspbi3 = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  CHECK(cspbi3.name() == "cspbi3-buckingham-coulomb-illustrative");
  CHECK(cspbi3.parameters().charges_e.at("I") == -0.63);
  CHECK(cspbi3.parameters().pairs.size() == 3);
  CHECK(cspbi3.parameters().provenance.find("illustrative, not published") != std::string::npos);

  const auto mixed =
      io::load_pair_potential_parameters(test::data_path("good/potentials/mixed_forms.json"));
  REQUIRE(mixed.pairs.size() == 2);
  CHECK(mixed.pairs[0].form == atomistic::PairForm::buckingham);
  CHECK(mixed.pairs[0].a_ev == 1200.0);
  CHECK(mixed.pairs[0].rho_angstrom == 0.32);
  CHECK(mixed.pairs[1].form == atomistic::PairForm::lennard_jones);
  CHECK(mixed.pairs[1].epsilon_ev == 0.01);
  CHECK(mixed.pairs[1].sigma_angstrom == 3.8);
  CHECK(mixed.cutoff_angstrom == 5.0);
  CHECK(mixed.switch_width_angstrom == 0.5);
  CHECK(mixed.min_distance_angstrom == 0.7);
  CHECK(mixed.ewald_accuracy == 1e-10);

  // Defaults: switch width 1 Å (at most half the cutoff), min distance 0.5 Å, accuracy 1e-8.
  const auto minimal =
      io::load_pair_potential_parameters(test::data_path("good/potentials/minimal.json"));
  CHECK(minimal.pairs.empty());
  CHECK(minimal.switch_width_angstrom == 1.0);
  CHECK(minimal.min_distance_angstrom == 0.5);
  CHECK(minimal.ewald_accuracy == 1e-8);
  CHECK_NOTHROW(atomistic::PairPotential(minimal));
}

TEST_CASE("bad pair potential files give one precise line", "[pair_potential][io][bad-input]") {
  auto error_of = [](const std::string& name) {
    const std::string path = test::data_path("bad/potentials/" + name);
    const std::string message = test::input_error_of([&] { io::load_pair_potential(path); });
    // Every message starts with the file name.
    CHECK(message.rfind(path + ": ", 0) == 0);
    return message.substr(std::min(message.size(), path.size() + 2));
  };
  CHECK(error_of("unknown_pair_key.json") ==
        "/pairs/0/colour: unknown key (allowed: elements, form, A_ev, rho_angstrom, "
        "C_ev_angstrom6)");
  CHECK(error_of("unknown_top_key.json").rfind("/colour: unknown key (allowed: schema,", 0) == 0);
  CHECK(error_of("negative_rho.json") ==
        "/pairs/0/rho_angstrom: must be a finite number > 0 (got -0.3)");
  CHECK(error_of("negative_a.json") == "/pairs/0/A_ev: must be a finite number >= 0 (got -5)");
  CHECK(error_of("zero_sigma.json") ==
        "/pairs/1/sigma_angstrom: must be a finite number > 0 (got 0)");
  CHECK(error_of("duplicate_pair.json") ==
        "/pairs/2/elements: pair Cl-Na is listed twice (also at /pairs/0)");
  CHECK(error_of("unknown_form.json") ==
        "/pairs/1/form: must be \"buckingham\" or \"lennard_jones\" (got \"morse\")");
  CHECK(error_of("element_without_charge.json") ==
        "/pairs/0/elements/1: element Br has no charge in /charges_e");
  CHECK(error_of("three_elements.json") ==
        "/pairs/0/elements: must list exactly two element symbols");
  CHECK(error_of("wrong_schema.json") ==
        "/schema: unsupported schema (expected \"ionhop.pair_potential/1\")");
  CHECK(error_of("missing_cutoff.json") == "/cutoff_angstrom: missing required key");
  CHECK(error_of("coarse_ewald.json") ==
        "/ewald/accuracy: must be below 1e-3 (a relative accuracy, e.g. 1e-8)");
  CHECK(error_of("switch_too_wide.json") ==
        "/switch_width_angstrom: must be below cutoff_angstrom");
  CHECK(error_of("charge_not_number.json") == "/charges_e/Na: must be a number, not a string");
  CHECK(error_of("malformed.json").rfind("malformed JSON near line ", 0) == 0);
}
