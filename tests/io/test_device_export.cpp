// Device-model exports: SI units and Nernst–Einstein mobility, the IonMonger cross-check,
// round trips of the canonical JSON/CSV and of the simulator files, and bad input.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>

#include "../test_support.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/device_export.hpp"

using namespace ionhop;

namespace {

// Rounds to `digits` significant figures.
double sig(double x, int digits) {
  if (x == 0) return 0;
  const double scale =
      std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::abs(x)))));
  return std::round(x * scale) / scale;
}

// Same number to relative precision `rel` (both NaN counts as equal: null ↔ empty ↔ NaN).
bool close(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

void check_same_table(const io::DeviceExport& a, const io::DeviceExport& b, double rel) {
  REQUIRE(a.species.size() == b.species.size());
  for (std::size_t i = 0; i < a.species.size(); ++i) {
    const auto &x = a.species[i], &y = b.species[i];
    INFO("species " << x.name);
    CHECK(x.name == y.name);
    CHECK(x.charge == y.charge);
    CHECK(x.mechanism == y.mechanism);
    REQUIRE(x.fermi_level_ev.has_value() == y.fermi_level_ev.has_value());
    if (x.fermi_level_ev) CHECK(close(*x.fermi_level_ev, *y.fermi_level_ev, rel));
    CHECK(x.supercell == y.supercell);
    CHECK(x.defects == y.defects);
    REQUIRE(x.density_m3.has_value() == y.density_m3.has_value());
    if (x.density_m3) CHECK(close(*x.density_m3, *y.density_m3, rel));
    REQUIRE(x.arrhenius.has_value() == y.arrhenius.has_value());
    if (x.arrhenius) {
      const auto &p = *x.arrhenius, &q = *y.arrhenius;
      CHECK(p.points == q.points);
      CHECK(close(p.prefactor_m2_s, q.prefactor_m2_s, rel));
      CHECK(close(p.prefactor_err_m2_s, q.prefactor_err_m2_s, rel));
      CHECK(close(p.ln_prefactor, q.ln_prefactor, rel));
      CHECK(close(p.activation_energy_ev, q.activation_energy_ev, rel));
      CHECK(close(p.activation_energy_err_ev, q.activation_energy_err_ev, rel));
      CHECK(close(p.var_ln_prefactor, q.var_ln_prefactor, rel));
      CHECK(close(p.cov_ln_prefactor_activation_energy, q.cov_ln_prefactor_activation_energy, rel));
      CHECK(close(p.var_activation_energy, q.var_activation_energy, rel));
    }
    REQUIRE(x.samples.size() == y.samples.size());
    for (std::size_t k = 0; k < x.samples.size(); ++k) {
      const auto &s = x.samples[k], &t = y.samples[k];
      INFO("T = " << s.temperature_k);
      CHECK(close(s.temperature_k, t.temperature_k, rel));
      CHECK(s.source == t.source);
      CHECK(close(s.diffusion_m2_s, t.diffusion_m2_s, rel));
      CHECK(close(s.diffusion_err_m2_s, t.diffusion_err_m2_s, rel));
      CHECK(close(s.mobility_m2_v_s, t.mobility_m2_v_s, rel));
      CHECK(close(s.mobility_err_m2_v_s, t.mobility_err_m2_v_s, rel));
    }
  }
}

io::DeviceExport small_table() {
  const auto results = io::load_results_for_export(test::data_path("export/results_small.json"));
  io::ExportOptions options;
  options.densities_m3 = {{"V_I^+", 1.6e25}, {"I_i^-", 1e22}};
  options.extra_temperatures_k = {298.15};
  return io::build_device_export(results, options);
}

}  // namespace

TEST_CASE("export: IonMonger default ion parameters: D and mu at 298 K", "[io][export]") {
  // IonMonger's parameters.m: DIinf = 6.5e-8 m^2/s, EAI = 0.58 eV, T = 298 K.
  const double d = io::arrhenius_diffusion(6.5e-8, 0.58, 298.0);
  CHECK(sig(d, 3) == Approx(1.01e-17).epsilon(1e-12));
  const double mu = io::mobility_from_diffusion(d, +1, 298.0);
  CHECK(sig(mu, 3) == Approx(3.93e-16).epsilon(1e-12));
  CHECK(io::mobility_from_diffusion(d, -1, 298.0) == mu);
  CHECK(io::mobility_from_diffusion(d, 2, 298.0) == Approx(2 * mu));
  CHECK(io::mobility_from_diffusion(d, 0, 298.0) == 0.0);

  // The same law as a results.json (D0 in cm^2/s there), exported end to end.
  const auto results =
      io::load_results_for_export(test::data_path("export/results_ionmonger_default.json"));
  io::ExportOptions options;
  options.densities_m3 = {{"V_I^+", 1.6e25}};
  const auto table = io::build_device_export(results, options);
  REQUIRE(table.species.size() == 1);
  const auto& s = table.species[0];
  REQUIRE(s.arrhenius);
  CHECK(s.arrhenius->prefactor_m2_s == Approx(6.5e-8).epsilon(1e-12));
  CHECK(s.arrhenius->activation_energy_ev == 0.58);
  CHECK(s.arrhenius->diffusion_at(298.0) == Approx(d).epsilon(1e-12));

  const auto sets = io::simulator_sets(table, io::SimulatorSelection{});
  REQUIRE(sets.size() == 3);
  const auto& set = sets[1];
  REQUIRE(set.temperature_k == 298.0);
  CHECK(sig(set.cation_sample->diffusion_m2_s, 3) == Approx(1.01e-17).epsilon(1e-12));
  CHECK(sig(set.cation_sample->mobility_m2_v_s, 3) == Approx(3.93e-16).epsilon(1e-12));

  const auto im = io::parse_ionmonger_assignments(io::ionmonger_parameters(table, set));
  CHECK(im.size() == 4);
  CHECK(im.at("T") == 298.0);
  CHECK(im.at("N0") == 1.6e25);
  CHECK(im.at("DIinf") == Approx(6.5e-8).epsilon(1e-9));
  CHECK(im.at("EAI") == Approx(0.58).epsilon(1e-9));
  // Driftfusion's own IonMonger-equivalent input (Input_files/IonMonger_default_IR.csv) has
  // Ncat = Nani = 1.6e19 cm^-3 and a cation mobility of 3.93e-12 cm^2/(V s).
  const auto df = io::parse_driftfusion_row(io::driftfusion_ionic_parameters(set));
  CHECK(df.at("N_ionic_species") == 1);
  CHECK(df.at("Ncat") == Approx(1.6e19).epsilon(1e-9));
  CHECK(df.at("Nani") == Approx(1.6e19).epsilon(1e-9));
  CHECK(sig(df.at("mu_c"), 3) == Approx(3.93e-12).epsilon(1e-12));
  CHECK(df.at("mu_a") == 0.0);
  const auto ss = io::parse_simsalabim_overrides(io::simsalabim_overrides(set, 2));
  CHECK(ss.at("T") == 298.0);
  CHECK(ss.at("l2.N_cation") == 1.6e25);
  CHECK(sig(ss.at("l2.mu_cation"), 3) == Approx(3.93e-16).epsilon(1e-12));
  CHECK(ss.at("l2.mu_anion") == 0.0);
  CHECK(ss.at("l2.ionsMayEnter") == 1.0);
}

TEST_CASE("export: canonical table: SI units, mobile species, neutral species and notes",
          "[io][export]") {
  const auto table = small_table();
  // I_i^-, V_I^+, V_I^0 are mobile; V_I^- is immobile and left out with a note.
  REQUIRE(table.species.size() == 3);
  CHECK(table.species[0].name == "I_i^-");
  CHECK(table.species[1].name == "V_I^+");
  CHECK(table.species[2].name == "V_I^0");
  bool immobile_note = false, field_note = false;
  for (const auto& n : table.notes) {
    immobile_note |= n.find("V_I^-: immobile") == 0;
    field_note |= n.find("V_I^+: points under an applied field are not exported") == 0;
  }
  CHECK(immobile_note);
  CHECK(field_note);  // the V_I^+ point and fit at 1e4 V/cm in results_small.json are skipped

  const auto& v = table.species[1];
  CHECK(v.charge == 1);
  CHECK(v.density_m3 == 1.6e25);
  REQUIRE(v.samples.size() == 4);  // 298.15 (fit), 300, 400, 500 (points)
  CHECK(v.samples[0].source == "fit");
  CHECK(v.samples[0].temperature_k == 298.15);
  CHECK(v.samples[1].source == "point");
  // results.json: V_I^+ at 300 K, D = 5.0228e-7 cm^2/s → 5.0228e-11 m^2/s.
  CHECK(v.samples[1].diffusion_m2_s == Approx(5.02283771327e-11).epsilon(1e-10));
  CHECK(v.samples[1].mobility_m2_v_s ==
        Approx(5.02283771327e-11 / (units::boltzmann_ev_per_k * 300)).epsilon(1e-12));
  CHECK(v.samples[1].mobility_err_m2_v_s ==
        Approx(v.samples[1].mobility_m2_v_s * v.samples[1].diffusion_err_m2_s /
               v.samples[1].diffusion_m2_s));
  REQUIRE(v.arrhenius);
  CHECK(v.arrhenius->prefactor_m2_s == Approx(2.403e-8).epsilon(1e-3));
  CHECK(v.arrhenius->activation_energy_ev == Approx(0.16).epsilon(1e-2));
  CHECK(std::exp(v.arrhenius->ln_prefactor) == Approx(v.arrhenius->prefactor_m2_s).epsilon(1e-9));
  // The fit sample carries the propagated error of the law at that T.
  CHECK(v.samples[0].diffusion_m2_s == Approx(v.arrhenius->diffusion_at(298.15)));
  CHECK(v.samples[0].diffusion_err_m2_s > 0);

  const auto& n = table.species[2];
  CHECK(n.charge == 0);
  CHECK_FALSE(n.density_m3);
  for (const auto& s : n.samples) {
    CHECK(s.mobility_m2_v_s == 0.0);
    CHECK(s.diffusion_m2_s > 0);
  }
}

TEST_CASE("export: canonical JSON and CSV round-trip", "[io][export]") {
  const auto table = small_table();
  const std::string json_text = io::device_export_json(table);
  const auto from_json = io::read_device_export_json(json_text, "device_export.json");
  check_same_table(table, from_json, 0.0);  // JSON numbers are written exactly
  CHECK(from_json.notes == table.notes);
  CHECK(from_json.source_file == table.source_file);
  CHECK(from_json.source_sha256 == table.source_sha256);
  CHECK(table.source_sha256.size() == 64);
  CHECK(json_text.find("\"mobility_note\"") != std::string::npos);  // V_I^0
  CHECK(io::device_export_json(from_json) == json_text);

  const std::string csv_text = io::device_export_csv(table);
  const auto from_csv = io::read_device_export_csv(csv_text, "device_export.csv");
  check_same_table(table, from_csv, 1e-11);  // printed with 12 significant digits
  CHECK(io::device_export_csv(from_csv) == csv_text);
}

TEST_CASE("export: simulator files round-trip to the canonical table", "[io][export]") {
  const auto table = small_table();
  io::SimulatorSelection sel;
  sel.anion = "I_i^-";
  sel.simsalabim_layer = 3;
  const auto sets = io::simulator_sets(table, sel);
  REQUIRE(sets.size() == 4);
  for (const auto& set : sets) {
    INFO("T = " << set.temperature_k);
    const double rel = 1e-9;  // written with 10 significant digits
    const auto& c = *set.cation;
    const auto& a = *set.anion;
    const auto im = io::parse_ionmonger_assignments(io::ionmonger_parameters(table, set));
    CHECK(close(im.at("T"), set.temperature_k, rel));
    CHECK(close(im.at("N0"), *c.density_m3, rel));
    CHECK(close(im.at("DIinf"), c.arrhenius->prefactor_m2_s, rel));
    CHECK(close(im.at("EAI"), c.arrhenius->activation_energy_ev, rel));

    const auto df = io::parse_driftfusion_row(io::driftfusion_ionic_parameters(set));
    CHECK(df.at("N_ionic_species") == 2);
    CHECK(close(df.at("Ncat"), *c.density_m3 * 1e-6, rel));
    CHECK(close(df.at("Nani"), *a.density_m3 * 1e-6, rel));
    CHECK(close(df.at("mu_c"), set.cation_sample->mobility_m2_v_s * 1e4, rel));
    CHECK(close(df.at("mu_a"), set.anion_sample->mobility_m2_v_s * 1e4, rel));

    const std::string line = io::simsalabim_overrides(set, 3);
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    const auto ss = io::parse_simsalabim_overrides(line);
    CHECK(ss.size() == 6);
    CHECK(close(ss.at("T"), set.temperature_k, rel));
    CHECK(close(ss.at("l3.N_cation"), *c.density_m3, rel));
    CHECK(close(ss.at("l3.N_anion"), *a.density_m3, rel));
    CHECK(close(ss.at("l3.mu_cation"), set.cation_sample->mobility_m2_v_s, rel));
    CHECK(close(ss.at("l3.mu_anion"), set.anion_sample->mobility_m2_v_s, rel));
    CHECK(ss.at("l3.ionsMayEnter") == 1);
  }
  CHECK(io::temperature_tag(300.0) == "300");
  CHECK(io::temperature_tag(298.15) == "298.15");
}

TEST_CASE("export: bad input: one message naming the problem", "[io][export][bad-input]") {
  const std::string no_fit = test::data_path("export/results_no_arrhenius.json");
  CHECK(test::input_error_of([&] { io::load_results_for_export(no_fit); }) ==
        no_fit + ": /arrhenius: missing required key");

  const auto results = io::load_results_for_export(test::data_path("export/results_small.json"));
  io::ExportOptions options;
  options.densities_m3 = {{"V_I^2+", 1e25}};
  CHECK(test::input_error_of([&] {
          io::build_device_export(results, options);
        }).find("command line: --density: unknown species 'V_I^2+'") == 0);
  options.densities_m3 = {{"V_I^+", -1e25}};
  CHECK(test::input_error_of([&] {
          io::build_device_export(results, options);
        }).find("command line: --density: V_I^+: density must be a finite number > 0") == 0);

  options.densities_m3 = {{"V_I^0", 1e25}};
  const auto table = io::build_device_export(results, options);
  io::SimulatorSelection sel;
  CHECK(test::input_error_of([&] { io::simulator_sets(table, sel); }) ==
        "command line: --density: missing for the cation V_I^+ (give --density 'V_I^+=N0' with N0 "
        "in m^-3)");
  sel.cation = "V_I^0";
  CHECK(test::input_error_of([&] {
          io::simulator_sets(table, sel);
        }).find("command line: --cation: V_I^0 has charge 0") == 0);
  sel.cation = "V_I^-";
  CHECK(test::input_error_of([&] { io::simulator_sets(table, sel); }).find("V_I^- is immobile") !=
        std::string::npos);
  sel.cation = "I_i^-";
  CHECK(test::input_error_of([&] {
          io::simulator_sets(table, sel);
        }).find("I_i^- has charge -1; the cation must have charge +1") != std::string::npos);

  CHECK(test::input_error_of([] { io::read_device_export_csv("name,charge\n", "x.csv"); }) ==
        "x.csv: line 1: not an ionhop device_export.csv header");
  CHECK(test::input_error_of([] {
          io::read_device_export_json("{\"schema\": \"other\"}", "x.json");
        }).find("x.json: /") == 0);
}
