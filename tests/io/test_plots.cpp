// `ionhop plot`: data tables and gnuplot scripts built from results.json (gnuplot not run).
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/io/plots.hpp"

using namespace ionhop;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Data rows of block `index` of a generated table (each block starts with "# index N: ...").
std::vector<std::vector<double>> block_rows(const std::string& data, int index) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(data);
  int block = -1;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# index ", 0) == 0) ++block;
    if (line.empty() || line[0] == '#' || block != index) continue;
    std::istringstream ls(line);
    std::vector<double> row;
    for (std::string cell; ls >> cell;) row.push_back(cell == "NaN" ? NAN : std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

// The header comment naming block `index` ("#   index N: ...").
std::string block_comment(const std::string& data, int index) {
  const std::string tag = "#   index " + std::to_string(index) + ": ";
  const auto at = data.find(tag);
  if (at == std::string::npos) return "";
  return data.substr(at + tag.size(), data.find('\n', at) - at - tag.size());
}

int find_block(const std::string& data, const std::string& comment_part) {
  for (int i = 0; i < 1000; ++i) {
    const std::string c = block_comment(data, i);
    if (c.empty()) return -1;
    if (contains(c, comment_part)) return i;
  }
  return -1;
}

json small_results() {
  return json::parse(R"({
    "schema": "ionhop.results/1",
    "points": [
      {"species": "V_I^+", "temperature_k": 300, "supercell": [8, 8, 8], "defects": 1, "immobile": false,
       "diffusion_cm2_s": 5.0e-7, "diffusion_err_cm2_s": 1.0e-8},
      {"species": "V_I^+", "temperature_k": 400, "supercell": [8, 8, 8], "defects": 1, "immobile": false,
       "diffusion_cm2_s": 2.3e-6, "diffusion_err_cm2_s": 3.0e-8},
      {"species": "V_I^+", "temperature_k": 600, "supercell": [8, 8, 8], "defects": 1, "immobile": false,
       "diffusion_cm2_s": 1.1e-5, "diffusion_err_cm2_s": null},
      {"species": "V_I^-", "temperature_k": 300, "supercell": [8, 8, 8], "defects": 1, "immobile": true,
       "diffusion_cm2_s": 0.0, "diffusion_err_cm2_s": 0.0},
      {"species": "I_i^0", "temperature_k": 300, "supercell": [8, 8, 8], "defects": 1, "immobile": false,
       "diffusion_cm2_s": 1.1e-6, "diffusion_err_cm2_s": 2.0e-8},
      {"species": "I_i^0", "temperature_k": 600, "supercell": [8, 8, 8], "defects": 1, "immobile": false,
       "diffusion_cm2_s": 3.0e-5, "diffusion_err_cm2_s": 5.0e-7}
    ],
    "arrhenius": [
      {"species": "V_I^+", "supercell": [8, 8, 8], "defects": 1, "ln_prefactor": -8.33, "activation_energy_ev": 0.16},
      {"species": "I_i^0", "supercell": [8, 8, 8], "defects": 1, "ln_prefactor": -7.13, "activation_energy_ev": 0.17}
    ],
    "md_reference": {
      "md_temperatures_k": [500, 550, 600],
      "species": [
        {"species": "V_I^+", "immobile": false, "activation_energy_ev": 0.16, "activation_energy_err_ev": 0.03,
         "prefactor_cm2_s": 2.4e-4, "prefactor_err_cm2_s": 1.9e-4},
        {"species": "I_i^0", "immobile": false, "activation_energy_ev": 0.17, "activation_energy_err_ev": 0.02,
         "prefactor_cm2_s": 8.0e-4, "prefactor_err_cm2_s": 4.1e-4},
        {"species": "V_I^-", "immobile": true}
      ]
    }
  })");
}

constexpr double kB = 8.617333262e-5;

}  // namespace

TEST_CASE("plot: results.json is read with the fields the plots use", "[io][plot]") {
  const auto r = io::parse_plot_results(small_results(), "r.json");
  REQUIRE(r.points.size() == 6);
  CHECK(r.points[0].species == "V_I^+");
  CHECK(r.points[0].supercell == "8x8x8");
  CHECK(r.points[0].defects == 1);
  CHECK(std::isnan(r.points[2].diffusion_err_cm2_s));  // null → NaN
  CHECK(r.points[3].immobile);
  CHECK_FALSE(r.points[0].fermi_level_ev);
  CHECK_FALSE(r.points[0].drift);
  REQUIRE(r.arrhenius.size() == 2);
  CHECK(r.arrhenius[1].activation_energy_ev == Approx(0.17));
  CHECK(r.has_md_reference);
  CHECK(r.md_temperatures_k == std::vector<double>{500, 550, 600});
  REQUIRE(r.md_species.size() == 3);
  CHECK(r.md_species[2].immobile);

  const auto shipped = io::load_plot_results(test::data_path("plot/cspbi3_results.json"));
  CHECK(shipped.points.size() == 60);
  CHECK(shipped.arrhenius.size() == 5);
  CHECK(shipped.md_species.size() == 6);
}

TEST_CASE("plot: bad results.json gives InputError with file and JSON path", "[io][plot]") {
  CHECK(contains(test::input_error_of(
                     [] { io::load_plot_results(test::data_path("plot/no_such_file.json")); }),
                 "cannot read file"));
  CHECK(contains(test::input_error_of(
                     [] { io::load_plot_results(test::data_path("plot/malformed_results.json")); }),
                 "malformed JSON near line 4"));
  const auto wrong = test::input_error_of(
      [] { io::load_plot_results(test::data_path("plot/wrong_type_results.json")); });
  CHECK(contains(wrong, "wrong_type_results.json: /points/0/temperature_k: "));
  CHECK(contains(wrong, "string"));
  CHECK(contains(test::input_error_of(
                     [] { io::parse_plot_results(json::parse(R"({"arrhenius": []})"), "x.json"); }),
                 "x.json: /points: missing required key"));
  CHECK(contains(test::input_error_of([] {
                   io::parse_plot_results(
                       json::parse(R"({"points": [{"species": "A", "temperature_k": 300,
                     "drift": {"field_magnitude_v_per_cm": "big"}}]})"),
                       "x.json");
                 }),
                 "/points/0/drift/field_magnitude_v_per_cm"));
}

TEST_CASE(
    "plot arrhenius: KMC points, fits and MD lines in the data; script reads it by relative name",
    "[io][plot]") {
  const auto r = io::parse_plot_results(small_results(), "dir/r.json");
  const auto b = io::make_plot(r, "arrhenius");
  CHECK(b.script_name == "arrhenius.gp");
  CHECK(b.data_name == "arrhenius_data.dat");
  CHECK(b.image_names == std::vector<std::string>{"arrhenius.png", "arrhenius.svg"});
  // Immobile V_I^- is skipped; labels are enhanced text.
  CHECK(b.series == std::vector<std::string>{"V_{I}^{+}", "I_{i}^{0}"});

  // Header names columns with units.
  CHECK(contains(b.data, "# Columns"));
  CHECK(contains(b.data, "temperature_k (K)"));
  CHECK(contains(b.data, "diffusion_cm2_s (cm^2/s)"));

  // KMC points of V_I^+: x = 1000/T ascending, D, σ (null σ → 0).
  const int kmc = find_block(b.data, "KMC points, V_I^+");
  REQUIRE(kmc >= 0);
  const auto rows = block_rows(b.data, kmc);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0][0] == Approx(1000.0 / 600));
  CHECK(rows[0][3] == 0.0);
  CHECK(rows[2][1] == Approx(300));
  CHECK(rows[2][2] == Approx(5.0e-7));
  CHECK(rows[2][3] == Approx(1.0e-8));

  // KMC fit line over the points' range, D = exp(ln D0 - Ea/kT).
  const int fit = find_block(b.data, "KMC Arrhenius fit (Ea = 0.16 eV");
  REQUIRE(fit >= 0);
  const auto fit_rows = block_rows(b.data, fit);
  REQUIRE(fit_rows.size() >= 2);
  CHECK(fit_rows.front()[1] == Approx(600));
  CHECK(fit_rows.back()[1] == Approx(300));
  CHECK(fit_rows.back()[2] == Approx(std::exp(-8.33 - 0.16 / (kB * 300))));

  // MD: law over 500–600 K, extrapolation 300–500 K, points at 500, 550, 600 K.
  const int md_line =
      find_block(b.data, "MD Arrhenius law (Ea = 0.16 eV, D0 = 0.00024 cm^2/s), V_I^+, over");
  const int md_extra = find_block(
      b.data, "MD Arrhenius law (Ea = 0.16 eV, D0 = 0.00024 cm^2/s), V_I^+, extrapolated");
  const int md_points =
      find_block(b.data, "MD reference D at the MD temperatures (from D0, Ea), V_I^+");
  REQUIRE(md_line >= 0);
  REQUIRE(md_extra >= 0);
  REQUIRE(md_points >= 0);
  CHECK(block_rows(b.data, md_line).front()[1] == Approx(600));
  CHECK(block_rows(b.data, md_line).back()[1] == Approx(500));
  CHECK(block_rows(b.data, md_extra).front()[1] == Approx(500));
  CHECK(block_rows(b.data, md_extra).back()[1] == Approx(300));
  const auto mdp = block_rows(b.data, md_points);
  REQUIRE(mdp.size() == 3);
  CHECK(mdp[2][1] == Approx(500));
  CHECK(mdp[2][2] == Approx(2.4e-4 * std::exp(-0.16 / (kB * 500))));
  CHECK(find_block(b.data, "V_I^-") == -1);  // immobile in MD too

  // Script: relative data name, both images, styles, log axis, labels with units.
  CHECK(contains(b.script, "data = 'arrhenius_data.dat'"));
  CHECK_FALSE(contains(b.script, "dir/arrhenius_data.dat"));
  CHECK(contains(b.script, "pngcairo"));
  CHECK(contains(b.script, "set terminal png "));
  CHECK(contains(b.script, "set terminal svg"));
  CHECK(contains(b.script, "set output 'arrhenius.'.ext"));
  CHECK(contains(b.script, "do for [ext in 'png svg']"));
  CHECK(contains(b.script, "set logscale y"));
  CHECK(contains(b.script, "set xlabel '1000/T (K^{-1})'"));
  CHECK(contains(b.script, "set ylabel 'D (cm^2 s^{-1})'"));
  CHECK(contains(b.script, "set x2label 'T (K)'"));
  CHECK(contains(b.script, "set key outside"));
  CHECK(contains(b.script, "set title "));
  CHECK(contains(b.script, "data index " + std::to_string(kmc) + " using 1:3:4 with yerrorbars"));
  CHECK(contains(b.script,
                 "data index " + std::to_string(md_line) + " using 1:3 with lines ls 100 dt 2"));
  CHECK(contains(b.script,
                 "data index " + std::to_string(md_extra) + " using 1:3 with lines ls 100 dt 3"));
  CHECK(contains(b.script, "title 'MD Arrhenius law'"));
  CHECK(contains(b.script, "title 'MD extrapolated'"));
}

TEST_CASE("plot arrhenius: species selection, no MD reference, nothing to plot", "[io][plot]") {
  auto j = small_results();
  const auto r = io::parse_plot_results(j, "r.json");
  const auto only = io::make_plot(r, "arrhenius", {"I_i^0"});
  CHECK(only.series == std::vector<std::string>{"I_{i}^{0}"});
  CHECK(find_block(only.data, "V_I^+") == -1);
  CHECK(find_block(only.data, "MD reference D at the MD temperatures (from D0, Ea), I_i^0") >= 0);

  CHECK(contains(test::input_error_of([&] { io::make_plot(r, "arrhenius", {"V_Pb^2-"}); }),
                 "command line: --species: 'V_Pb^2-' is not in r.json"));
  CHECK(contains(test::input_error_of([&] { io::make_plot(r, "arrhenius", {"V_I^-"}); }),
                 "r.json: /points: no plottable points for the arrhenius plot for the selected "
                 "species (V_I^-)"));
  CHECK(contains(test::input_error_of([&] { io::make_plot(r, "histogram"); }),
                 "unknown plot kind 'histogram'"));

  j.erase("md_reference");
  const auto no_md = io::make_plot(io::parse_plot_results(j, "r.json"), "arrhenius");
  CHECK_FALSE(contains(no_md.data, "MD Arrhenius law"));
  CHECK_FALSE(contains(no_md.data, "MD reference"));
  CHECK_FALSE(contains(no_md.script, "dt 2"));
  CHECK_FALSE(contains(no_md.script, "dt 3"));

  // Two supercells: labels name the configuration.
  auto k = small_results();
  k["points"].push_back({{"species", "V_I^+"},
                         {"temperature_k", 300},
                         {"supercell", {4, 4, 4}},
                         {"defects", 2},
                         {"immobile", false},
                         {"diffusion_cm2_s", 4.9e-7},
                         {"diffusion_err_cm2_s", 1e-8}});
  const auto two = io::make_plot(io::parse_plot_results(k, "r.json"), "arrhenius");
  REQUIRE(two.series.size() == 3);
  CHECK(two.series[2] == "V_{I}^{+} (4x4x4, 2 defects)");
}

TEST_CASE("plot arrhenius: the shipped CsPbI3 results", "[io][plot]") {
  const auto r = io::load_plot_results(test::data_path("plot/cspbi3_results.json"));
  const auto b = io::make_plot(r, "arrhenius");
  CHECK(b.series.size() == 5);  // V_I^- immobile
  for (const char* s : {"I_i^-", "I_i^0", "I_i^+", "V_I^+", "V_I^0"}) {
    CAPTURE(s);
    CHECK(find_block(b.data, std::string("KMC points, ") + s + " (") >= 0);
    CHECK(find_block(b.data, std::string("MD reference D at the MD temperatures (from D0, Ea), ") +
                                 s) >= 0);
  }
  CHECK(contains(b.script, "set x2tics ('250' 4, '300' 3.333333333"));
}

TEST_CASE("plot fermi: one series per (species, T), fast switching dashed", "[io][plot]") {
  const auto r = io::load_plot_results(test::data_path("plot/fermi_results.json"));
  const auto b = io::make_plot(r, "fermi");
  CHECK(b.series ==
        std::vector<std::string>{"I_{i} 300 K", "I_{i} 400 K", "V_{I} 300 K", "V_{I} 400 K"});
  const auto rows = block_rows(b.data, 2);
  REQUIRE(rows.size() == 9);
  CHECK(rows[0][0] == Approx(0.0));
  CHECK(rows[8][0] == Approx(1.6));
  CHECK(rows[0][4] == Approx(300));
  CHECK(std::isfinite(rows[0][3]));
  CHECK(contains(b.data, "fermi_level_ev (eV)"));
  CHECK(contains(b.script, "data = 'fermi_data.dat'"));
  CHECK(contains(b.script, "data index 0 using 1:2:3 with yerrorlines ls 1 title 'I_{i} 300 K'"));
  CHECK(contains(b.script, "data index 0 using 1:4 with lines ls 1 dt 2 notitle"));
  CHECK(contains(b.script, "set xlabel 'Fermi level E_F (eV)'"));
  CHECK(contains(b.script, "set output 'fermi.'.ext"));

  // Without the fast-switching field: no dashed lines.
  auto j = json::parse(io::read_text_file(test::data_path("plot/fermi_results.json")));
  for (auto& p : j["points"]) p.erase("diffusion_fast_switching_cm2_s");
  const auto plain = io::make_plot(io::parse_plot_results(j, "f.json"), "fermi", {"V_I"});
  CHECK(plain.series.size() == 2);
  CHECK_FALSE(contains(plain.script, "dt 2"));

  // A sweep without Fermi levels has nothing to plot.
  const auto cspbi3 = io::load_plot_results(test::data_path("plot/cspbi3_results.json"));
  CHECK(contains(test::input_error_of([&] { io::make_plot(cspbi3, "fermi"); }),
                 "cspbi3_results.json: /points: no plottable points for the fermi plot"));
}

TEST_CASE("plot field: mobility and Nernst-Einstein panels", "[io][plot]") {
  const auto r = io::load_plot_results(test::data_path("plot/field_results.json"));
  const auto b = io::make_plot(r, "field");
  // I_i^0 (neutral: null mobility and ratio) has nothing to plot.
  CHECK(b.series == std::vector<std::string>{"I_{i}^{-} 300 K", "I_{i}^{-} 400 K",
                                             "V_{I}^{+} 300 K", "V_{I}^{+} 400 K"});
  const auto rows = block_rows(b.data, 0);
  REQUIRE(rows.size() == 6);
  CHECK(rows[0][0] == Approx(1e3));
  CHECK(rows[5][0] == Approx(1e6));
  const double mu0 = 1.08e-3 * std::exp(-0.21 / (kB * 300)) / (kB * 300);
  CHECK(rows[0][1] == Approx(mu0).epsilon(1e-4));
  CHECK(rows[0][3] == Approx(1.0).epsilon(1e-4));
  CHECK(contains(b.data, "field_magnitude_v_per_cm (V/cm)"));
  CHECK(contains(b.script, "data = 'field_data.dat'"));
  CHECK(contains(b.script, "set logscale x"));
  CHECK(contains(b.script, "set multiplot"));
  CHECK(
      contains(b.script, "data index 0 using 1:2:3 with yerrorlines ls 1 title 'I_{i}^{-} 300 K'"));
  CHECK(contains(b.script, "data index 0 using 1:4:5 with yerrorlines ls 1 notitle"));
  CHECK(contains(b.script, "1 with lines lc 'black' dt 2"));  // ratio = 1
  CHECK(contains(b.script, "set xlabel '|E| (V/cm)'"));
  CHECK(contains(b.script, "set ylabel 'Nernst–Einstein ratio'"));

  CHECK(
      contains(test::input_error_of([&] { io::make_plot(r, "field", {"I_i^0"}); }),
               "/points: no plottable points for the field plot for the selected species (I_i^0)"));
  const auto cspbi3 = io::load_plot_results(test::data_path("plot/cspbi3_results.json"));
  CHECK(contains(test::input_error_of([&] { io::make_plot(cspbi3, "field"); }),
                 "no plottable points for the field plot"));
}

TEST_CASE("plot: species names as gnuplot enhanced text", "[io][plot]") {
  CHECK(io::gnuplot_enhanced_label("I_i^-") == "I_{i}^{-}");
  CHECK(io::gnuplot_enhanced_label("V_Pb^2-") == "V_{Pb}^{2-}");
  CHECK(io::gnuplot_enhanced_label("Li") == "Li");
  CHECK(io::gnuplot_enhanced_label("a@b{c}") == "a\\@b\\{c\\}");
  CHECK(io::gnuplot_enhanced_label("x_") == "x\\_");
}

TEST_CASE("plot: points at different Fermi levels and fields are separate series", "[io][plot]") {
  // The layout of a sweep over Fermi levels and fields: every point names its conditions
  // (fermi_level_ev null and field_v_per_cm [0,0,0] when not set), as do the fits.
  auto point = [](const char* species, double t, json fermi, json field, double d) {
    json p = {{"species", species},
              {"temperature_k", t},
              {"supercell", {8, 8, 8}},
              {"defects", 1},
              {"immobile", false},
              {"field_v_per_cm", field},
              {"fermi_level_ev", fermi},
              {"diffusion_cm2_s", d},
              {"diffusion_err_cm2_s", d / 50}};
    const double e =
        std::hypot(field[0].get<double>(), field[1].get<double>(), field[2].get<double>());
    if (e > 0)
      p["drift"] = {{"field_magnitude_v_per_cm", e},
                    {"mobility_cm2_v_s", d / (kB * t)},
                    {"mobility_err_cm2_v_s", d / (kB * t) / 50},
                    {"nernst_einstein_ratio", 1.0},
                    {"nernst_einstein_ratio_err", 0.02}};
    return p;
  };
  json r = {{"points", json::array()}, {"arrhenius", json::array()}};
  const json zero = {0, 0, 0}, ez = {0, 0, 1e5}, ez2 = {0, 0, 2e5}, ex = {1e5, 0, 0};
  for (double t : {300.0, 400.0}) {
    const double d = 1e-3 * std::exp(-0.2 / (kB * t));
    r["points"].push_back(point("X", t, nullptr, zero, d));
    r["points"].push_back(point("X", t, 0.5, zero, 2 * d));
    r["points"].push_back(point("X", t, 1.0, zero, 3 * d));
    r["points"].push_back(point("X", t, nullptr, ez, d));
    r["points"].push_back(point("X", t, nullptr, ez2, d));
    r["points"].push_back(point("X", t, nullptr, ex, d));
  }
  r["arrhenius"].push_back({{"species", "X"},
                            {"supercell", {8, 8, 8}},
                            {"defects", 1},
                            {"field_v_per_cm", zero},
                            {"fermi_level_ev", 0.5},
                            {"ln_prefactor", std::log(2e-3)},
                            {"activation_energy_ev", 0.2}});
  r["arrhenius"].push_back({{"species", "X"},
                            {"supercell", {8, 8, 8}},
                            {"defects", 1},
                            {"field_v_per_cm", zero},
                            {"fermi_level_ev", nullptr},
                            {"ln_prefactor", std::log(1e-3)},
                            {"activation_energy_ev", 0.2}});
  const auto results = io::parse_plot_results(r, "mixed.json");

  const auto a = io::make_plot(results, "arrhenius");
  CHECK(a.series == std::vector<std::string>{
                        "X", "X (E_F = 0.5 eV)", "X (E_F = 1 eV)", "X (E = [0 0 100000] V/cm)",
                        "X (E = [0 0 200000] V/cm)", "X (E = [100000 0 0] V/cm)"});
  // Each fit goes with the points of its own conditions.
  const int fit_half =
      find_block(a.data, "KMC Arrhenius fit (Ea = 0.2 eV, D0 = 0.002 cm^2/s), X (E_F = 0.5 eV");
  const int fit_none =
      find_block(a.data, "KMC Arrhenius fit (Ea = 0.2 eV, D0 = 0.001 cm^2/s), X (8x8x8");
  CHECK(fit_half == find_block(a.data, "KMC points, X (E_F = 0.5 eV") + 1);
  CHECK(fit_none == find_block(a.data, "KMC points, X (8x8x8") + 1);
  CHECK(find_block(a.data, "X (E_F = 1 eV, 8x8x8, 1 defect)") >= 0);  // no fit for E_F = 1

  // Fermi plot: only points with a Fermi level; one series per temperature.
  const auto f = io::make_plot(results, "fermi");
  CHECK(f.series == std::vector<std::string>{"X 300 K", "X 400 K"});
  CHECK(block_rows(f.data, 0).size() == 2);

  // Field plot: one series per (T, field direction); |E| along x.
  const auto e = io::make_plot(results, "field");
  CHECK(e.series == std::vector<std::string>{"X 300 K (E ∥ [0 0 1])", "X 300 K (E ∥ [1 0 0])",
                                             "X 400 K (E ∥ [0 0 1])", "X 400 K (E ∥ [1 0 0])"});
  const auto rows = block_rows(e.data, 0);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == Approx(1e5));
  CHECK(rows[1][0] == Approx(2e5));
}
